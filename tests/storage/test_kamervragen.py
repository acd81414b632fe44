"""Kamervragen storage on both backends: cases and their clock, alerts once per chat and event, deletions, overdue."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.classify import Classification
from storage import kamervragen as kv
from storage import repository as repo
from storage.models import (
    Document,
    KamervraagCase,
    KamervraagDocument,
    KamervraagStatusChange,
    OutboxEntry,
)
from tests.harness.verdicts import matched

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SUBMITTED = NOW - timedelta(days=1)
DUE = SUBMITTED + timedelta(days=21)
ALERT_AFTER = NOW - kv.ALERT_HORIZON
SOURCE = "tweede-kamer"
CASE = "2026Z01001"
ZAAK = "f401b753-df4e-5216-8edf-1c1bc61fabb0"
SUBJECT = "het gebruik van gezichtsherkenning door de politie"
ADDRESSEE = "minister van Justitie en Veiligheid"
ACTORS = (
    kv.Actor("Indiener", "Jansen", "GroenLinks-PvdA", "Tweede Kamerlid"),
    kv.Actor("Medeindiener", "De Vries", "D66", "Tweede Kamerlid"),
    kv.Actor("Medeindiener", "Partijloos", None, "Tweede Kamerlid"),
    kv.Actor("Gericht aan", "Van Weel", None, ADDRESSEE),
)
MATCHES = matched(count=2)
CHATS = ["1001", "-1002"]
ROLE_KINDS = {"question": "kamervraag", "postponement": "kamervraag-uitstel", "answer": "kamervraag-antwoord"}
ROLE_SOORTEN = {
    "question": "Schriftelijke vragen",
    "postponement": "Mededeling (uitstel antwoord)",
    "answer": "Antwoord schriftelijke vragen",
}


class Router:
    """A ``route`` that remembers what it was asked: every chat wants any core document."""

    def __init__(self, chats: Sequence[str] = CHATS) -> None:
        self.chats = list(chats)
        self.calls: list[set[str]] = []

    def __call__(self, watchlists: Collection[str], label: str) -> list[str]:
        self.calls.append(set(watchlists))
        return list(self.chats) if label == "core" else []


def case_record(
    zaak_id: str = ZAAK, number: str = CASE, submitted: datetime | None = SUBMITTED, subject: str = SUBJECT,
    actors: tuple[kv.Actor, ...] = ACTORS,
) -> kv.CaseRecord:
    return kv.CaseRecord(zaak_id=zaak_id, number=number, subject=subject, vergaderjaar="2026-2027",
                         submitted_at=submitted, actors=actors)


def record(
    tk_id: str,
    role: str = "question",
    dated: datetime | None = SUBMITTED,
    *,
    case: kv.CaseRecord | None = None,
    modified: str = "2026-11-20T12:00:00.0000001Z",
    text: str | None = None,
    matches: Classification | None = MATCHES,
    pairs: tuple[tuple[int, str, str | None], ...] = (),
    answerer: str | None = None,
) -> kv.KamervraagRecord:
    case = case or case_record()
    number = f"D-{tk_id}"
    url = f"https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id={case.number}&did={number}"
    text = text if text is not None else f"{ROLE_SOORTEN[role]}\n{case.subject}"
    document = repo.NewDocument(
        source_name=SOURCE, kind=ROLE_KINDS[role], url=url, fetched_url=url, title=f"{ROLE_SOORTEN[role]}: {case.subject}",
        text=text, text_origin="metadata", fetched_at=NOW, content_hash=hashlib.sha256(text.encode()).hexdigest(),
        raw=b'{"Id": "' + tk_id.encode() + b'"}', published_at=dated, language="nl", content_type="application/json",
    )
    return kv.KamervraagRecord(
        tk_id=tk_id, api_modified=modified, role=role, soort=ROLE_SOORTEN[role], number=number, dated_at=dated,
        publication_id=None, answerer=answerer, case=case, document=document, pairs=pairs, classification=matches,
    )


def deletion(tk_id: str, modified: str = "2026-11-21T12:00:00.0000009Z") -> kv.KamervraagRecord:
    return kv.KamervraagRecord(tk_id=tk_id, api_modified=modified, deleted=True)


@pytest.fixture
def source_id(engine: Engine) -> int:
    return repo.ensure_source(engine, SOURCE, "kamervragen", "https://gegevensmagazijn.tweedekamer.nl/OData/v5/")


def store(
    engine: Engine, source_id: int, rec: kv.KamervraagRecord, route: Router | None = None, *,
    cursor: str | None = None, alert_after: datetime | None = ALERT_AFTER, now: datetime = NOW,
) -> kv.KamervraagResult:
    return kv.store_kamervraag(engine, source_id, SOURCE, rec, route or Router(), cursor=cursor, alert_after=alert_after,
                               now=now)


def outbox(engine: Engine) -> list[tuple[int, str, str, str]]:
    """(document id, chat, event, status) of every outbox row, in order."""
    with Session(engine) as s:
        rows = s.execute(
            select(OutboxEntry.document_id, OutboxEntry.chat_id, OutboxEntry.event, OutboxEntry.status)
            .order_by(OutboxEntry.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def document_id(engine: Engine, tk_id: str) -> int:
    with Session(engine) as s:
        return s.execute(select(KamervraagDocument.document_id).where(KamervraagDocument.tk_id == tk_id)).scalar_one()


def the_case(engine: Engine, zaak_id: str = ZAAK) -> KamervraagCase:
    with Session(engine) as s:
        return s.execute(select(KamervraagCase).where(KamervraagCase.zaak_id == zaak_id)).scalar_one()


def history(engine: Engine, zaak_id: str = ZAAK) -> list[tuple[str, datetime]]:
    with Session(engine) as s:
        return [
            (status, at)
            for status, at in s.execute(
                select(KamervraagStatusChange.status, KamervraagStatusChange.at)
                .join(KamervraagCase, KamervraagCase.id == KamervraagStatusChange.case_id)
                .where(KamervraagCase.zaak_id == zaak_id)
                .order_by(KamervraagStatusChange.id)
            ).all()
        ]


# -- storing and alerting ----------------------------------------------------------------------


def test_a_relevant_question_queues_one_alert_per_chat_and_sets_the_cursor(engine: Engine, source_id: int) -> None:
    route = Router(["1001", "-1002", "1001"])  # a chat listed twice is alerted once
    assert kv.sync_cursor(engine, SOURCE) is None
    result = store(engine, source_id, record("q1"), route, cursor="2026-11-20T12:00:00.0000001Z")
    assert result == kv.KamervraagResult("stored", "open", 2, True)
    assert route.calls == [{"gezichtsherkenning"}]
    doc = document_id(engine, "q1")
    assert outbox(engine) == [(doc, "1001", "new", "pending"), (doc, "-1002", "new", "pending")]
    assert kv.sync_cursor(engine, SOURCE) == "2026-11-20T12:00:00.0000001Z"
    assert kv.sync_cursor(engine, "another-source") is None
    case = the_case(engine)
    assert (case.number, case.subject, case.status, case.status_since, case.due_at, case.submitted_at, case.relevant) == (
        CASE, SUBJECT, "open", SUBMITTED, DUE, SUBMITTED, True
    )
    assert history(engine) == [("open", SUBMITTED)]
    (summary,) = kv.list_cases(engine)
    assert (summary.number, summary.status, summary.due_at, summary.relevant) == (CASE, "open", DUE, True)
    assert summary.submitters == ("Jansen (GroenLinks-PvdA)", "De Vries (D66)", "Partijloos")
    assert summary.addressee == ADDRESSEE
    assert [(d.role, d.soort, d.number, d.deleted) for d in summary.documents] == [
        ("question", "Schriftelijke vragen", "D-q1", False)
    ]
    assert kv.stored_record_state(engine, "q1") == ("2026-11-20T12:00:00.0000001Z", "metadata")


def test_the_cursor_moves_with_every_record_and_without_one_stays(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"), cursor="2026-11-20T12:00:00.0000001Z")
    store(engine, source_id, record("q2", case=case_record(zaak_id="zaak-2", number="2026Z01002")), cursor=None)
    assert kv.sync_cursor(engine, SOURCE) == "2026-11-20T12:00:00.0000001Z"
    store(engine, source_id, record("q1"), cursor="2026-11-20T12:00:00.0000002Z")  # unchanged, still advances
    assert kv.sync_cursor(engine, SOURCE) == "2026-11-20T12:00:00.0000002Z"


def test_the_same_record_again_is_unchanged_and_alerts_no_one(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"), cursor="c1-2026-11-20T12:00:00Z")
    before = (outbox(engine), history(engine))
    route = Router()
    again = store(engine, source_id, record("q1"), route, cursor="c2-2026-11-20T12:00:00Z", now=NOW + timedelta(hours=1))
    assert again == kv.KamervraagResult("unchanged", "open", 0, True)
    assert route.calls == []
    assert (outbox(engine), history(engine)) == before
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 1
        assert s.execute(select(Document.version)).scalar_one() == 1


def test_a_correction_updates_without_a_second_alert(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    corrected = record("q1", modified="2026-11-20T13:00:00.0000000Z", text="Schriftelijke vragen\nverbeterde tekst")
    result = store(engine, source_id, corrected, Router(CHATS + ["1003"]))
    # Only the chat that had no alert for this document yet gets one.
    assert (result.action, result.alerts_queued) == ("updated", 1)
    doc = document_id(engine, "q1")
    assert sorted(outbox(engine)) == sorted(
        [(doc, "1001", "new", "pending"), (doc, "-1002", "new", "pending"), (doc, "1003", "new", "pending")]
    )


def test_an_irrelevant_case_is_stored_but_neither_alerted_nor_listed(engine: Engine, source_id: int) -> None:
    route = Router()
    result = store(engine, source_id, record("q1", matches=None), route, cursor="2026-11-20T12:00:00.0000001Z")
    assert result == kv.KamervraagResult("stored", "open", 0, False)
    assert route.calls == [] and outbox(engine) == []
    assert the_case(engine).relevant is False
    assert kv.list_cases(engine) == []
    (summary,) = kv.list_cases(engine, relevant_only=False)
    assert (summary.number, summary.relevant, summary.status) == (CASE, False, "open")
    assert kv.sync_cursor(engine, SOURCE) == "2026-11-20T12:00:00.0000001Z"


def test_a_later_matching_document_makes_the_case_relevant(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1", matches=None))
    result = store(engine, source_id, record("a1", "answer", NOW))
    assert result == kv.KamervraagResult("stored", "answered", 2, True)
    assert [(c.number, c.status) for c in kv.list_cases(engine)] == [(CASE, "answered")]
    # The alert is about the answer; the question is not alerted after the fact.
    assert {d for d, *_ in outbox(engine)} == {document_id(engine, "a1")}


def test_documents_of_a_relevant_case_are_alerted_even_without_matches_of_their_own(
    engine: Engine, source_id: int
) -> None:
    store(engine, source_id, record("q1"))
    result = store(engine, source_id, record("p1", "postponement", NOW, matches=None))
    assert result == kv.KamervraagResult("stored", "postponed", 2, True)
    assert the_case(engine).due_at == NOW + timedelta(days=21)


@pytest.mark.parametrize(
    ("dated", "alert_after"),
    [
        (ALERT_AFTER - timedelta(seconds=1), ALERT_AFTER),  # history re-sent by the API
        (NOW - timedelta(days=400), ALERT_AFTER),
        (SUBMITTED, None),  # a backfill
    ],
)
def test_events_before_alert_after_are_stored_without_alerts(
    engine: Engine, source_id: int, dated: datetime, alert_after: datetime | None
) -> None:
    route = Router()
    case = case_record(submitted=dated - timedelta(days=10))
    result = store(engine, source_id, record("a1", "answer", dated, case=case), route, alert_after=alert_after)
    assert (result.action, result.status, result.relevant, result.alerts_queued) == ("stored", "answered", True, 0)
    assert outbox(engine) == []
    assert kv.list_cases(engine)[0].number == CASE


def test_a_backfilled_question_is_never_alerted_not_even_as_overdue(engine: Engine, source_id: int) -> None:
    old = NOW - timedelta(days=25)  # its deadline passed four days ago
    result = store(engine, source_id, record("q1", dated=old, case=case_record(submitted=old)), alert_after=None)
    assert (result.status, result.alerts_queued) == ("overdue", 0)
    assert outbox(engine) == []
    assert kv.check_overdue(engine, Router(), NOW, None) == []
    assert outbox(engine) == []


def test_a_question_older_than_the_horizon_whose_deadline_is_not_gets_only_the_overdue_alert(
    engine: Engine, source_id: int
) -> None:
    old = ALERT_AFTER - timedelta(days=1)  # too old for "new"; its deadline passed 8 days ago
    result = store(engine, source_id, record("q1", dated=old, case=case_record(submitted=old)))
    assert (result.status, result.alerts_queued) == ("overdue", 2)
    doc = document_id(engine, "q1")
    assert outbox(engine) == [(doc, "1001", "overdue", "pending"), (doc, "-1002", "overdue", "pending")]


def test_an_event_dated_exactly_at_alert_after_is_alerted(engine: Engine, source_id: int) -> None:
    case = case_record(submitted=ALERT_AFTER - timedelta(days=10))
    result = store(engine, source_id, record("a1", "answer", ALERT_AFTER, case=case))
    assert (result.status, result.alerts_queued) == ("answered", 2)
    assert {event for _, _, event, _ in outbox(engine)} == {"new"}


def test_an_old_unanswered_question_is_stored_overdue_without_any_alert(engine: Engine, source_id: int) -> None:
    old = NOW - timedelta(days=200)
    result = store(engine, source_id, record("q1", dated=old, case=case_record(submitted=old)))
    assert (result.status, result.alerts_queued) == ("overdue", 0)
    assert history(engine) == [("overdue", old + timedelta(days=21))]
    assert outbox(engine) == []


# -- deletions ---------------------------------------------------------------------------------


def test_a_deletion_withdraws_the_document_cancels_its_pending_alerts_and_reopens_the_case(
    engine: Engine, source_id: int
) -> None:
    store(engine, source_id, record("q1"))
    answered = NOW - timedelta(hours=2)
    answer = record("a1", "answer", answered, pairs=((1, "Vraag?", "Antwoord."),), answerer="minister Van Weel")
    assert store(engine, source_id, answer).status == "answered"
    q_doc, a_doc = document_id(engine, "q1"), document_id(engine, "a1")
    with Session(engine) as s:
        sent_id = s.execute(
            select(OutboxEntry.id).where(OutboxEntry.document_id == a_doc, OutboxEntry.chat_id == "1001")
        ).scalar_one()
    repo.mark_sent(engine, sent_id, NOW, message_id=77)

    later = NOW + timedelta(hours=1)
    result = store(engine, source_id, deletion("a1"), cursor="2026-11-21T12:00:00.0000009Z", now=later)
    assert result == kv.KamervraagResult("deleted", "open", 0, True)
    assert outbox(engine) == [
        (q_doc, "1001", "new", "pending"),
        (q_doc, "-1002", "new", "pending"),
        (a_doc, "1001", "new", "sent"),  # already sent: history, left alone
        (a_doc, "-1002", "new", "cancelled"),
    ]
    with Session(engine) as s:
        cancelled = s.execute(select(OutboxEntry).where(OutboxEntry.status == "cancelled")).scalar_one()
        assert cancelled.last_error == "withdrawn at the source"
        kd = s.execute(select(KamervraagDocument).where(KamervraagDocument.tk_id == "a1")).scalar_one()
        assert (kd.deleted_at, kd.api_modified) == (later, "2026-11-21T12:00:00.0000009Z")
        assert s.get(Document, a_doc) is not None  # kept in the archive
    case = the_case(engine)
    assert (case.status, case.status_since, case.due_at) == ("open", SUBMITTED, DUE)
    assert history(engine) == [("open", SUBMITTED), ("answered", answered), ("open", SUBMITTED)]
    assert kv.sync_cursor(engine, SOURCE) == "2026-11-21T12:00:00.0000009Z"
    (summary,) = kv.list_cases(engine)
    assert [(d.role, d.deleted) for d in summary.documents] == [("question", False), ("answer", True)]
    assert kv.documents_awaiting_text(engine, SOURCE, SUBMITTED - timedelta(days=1), 10) == [b'{"Id": "q1"}']


def test_a_deleted_document_that_comes_back_is_restored_without_a_new_alert(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    store(engine, source_id, record("a1", "answer", NOW))
    store(engine, source_id, deletion("a1"), now=NOW + timedelta(hours=1))
    result = store(engine, source_id, record("a1", "answer", NOW, modified="2026-11-22T00:00:00.0000000Z"),
                   now=NOW + timedelta(hours=2))
    assert (result.action, result.status, result.alerts_queued) == ("updated", "answered", 0)
    with Session(engine) as s:
        assert s.execute(select(KamervraagDocument.deleted_at).where(KamervraagDocument.tk_id == "a1")).scalar_one() is None


def test_deleting_an_unknown_or_already_deleted_document_is_ignored(engine: Engine, source_id: int) -> None:
    assert store(engine, source_id, deletion("never-seen"), cursor="2026-11-21T12:00:00.0000001Z") == kv.KamervraagResult(
        "ignored"
    )
    assert kv.sync_cursor(engine, SOURCE) == "2026-11-21T12:00:00.0000001Z"  # the marker was handled
    store(engine, source_id, record("q1"))
    assert store(engine, source_id, deletion("q1")).action == "deleted"
    before = (outbox(engine), history(engine))
    assert store(engine, source_id, deletion("q1")) == kv.KamervraagResult("ignored")
    assert (outbox(engine), history(engine)) == before


def test_withdrawing_the_only_matching_document_makes_the_case_irrelevant(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    store(engine, source_id, record("p1", "postponement", NOW, matches=None))
    result = store(engine, source_id, deletion("q1"))
    assert result.relevant is False
    assert kv.list_cases(engine) == []


# -- overdue -----------------------------------------------------------------------------------


def overdue_rows(engine: Engine) -> list[tuple[int, str, str, str]]:
    return [row for row in outbox(engine) if row[2] == "overdue"]


def test_check_overdue_moves_a_relevant_case_once_and_alerts_once_per_chat(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    route = Router()
    assert kv.check_overdue(engine, route, DUE - timedelta(microseconds=1), DUE - kv.ALERT_HORIZON) == []
    assert the_case(engine).status == "open" and route.calls == []

    assert kv.check_overdue(engine, route, DUE, DUE - kv.ALERT_HORIZON) == [CASE]
    case = the_case(engine)
    assert (case.status, case.status_since, case.due_at) == ("overdue", DUE, DUE)
    assert history(engine) == [("open", SUBMITTED), ("overdue", DUE)]
    q_doc = document_id(engine, "q1")
    assert overdue_rows(engine) == [(q_doc, "1001", "overdue", "pending"), (q_doc, "-1002", "overdue", "pending")]
    assert route.calls == [{"gezichtsherkenning"}]

    later = DUE + timedelta(days=1)
    assert kv.check_overdue(engine, route, later, later - kv.ALERT_HORIZON) == []
    assert len(overdue_rows(engine)) == 2 and len(history(engine)) == 2

    # The alert carries its event and the case, for the message.
    alerts = repo.claim_due_alerts(engine, datetime.now(UTC) + timedelta(days=1), timedelta(minutes=5))
    overdue = [a for a in alerts if a.event == "overdue"]
    assert len(overdue) == 2 and all(a.case is not None and a.case.status == "overdue" for a in overdue)


def test_an_overdue_alert_is_on_the_question_even_after_a_postponement(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    notice = NOW + timedelta(days=5)
    store(engine, source_id, record("p1", "postponement", notice, matches=None), now=notice)
    assert kv.check_overdue(engine, Router(), DUE, ALERT_AFTER) == []  # the notice moved the deadline
    late = notice + timedelta(days=21)
    assert kv.check_overdue(engine, Router(), late, late - kv.ALERT_HORIZON) == [CASE]
    q_doc = document_id(engine, "q1")
    assert overdue_rows(engine) == [(q_doc, "1001", "overdue", "pending"), (q_doc, "-1002", "overdue", "pending")]
    assert the_case(engine).status_since == late


def test_check_overdue_does_not_alert_an_irrelevant_case(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1", matches=None))
    route = Router()
    assert kv.check_overdue(engine, route, DUE, ALERT_AFTER) == [CASE]
    assert the_case(engine).status == "overdue"
    assert outbox(engine) == [] and route.calls == []


def test_check_overdue_does_not_alert_a_deadline_older_than_alert_after(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    new_alerts = outbox(engine)
    much_later = DUE + timedelta(days=100)  # Waakhond did not run for months
    assert kv.check_overdue(engine, Router(), much_later, much_later - kv.ALERT_HORIZON) == [CASE]
    case = the_case(engine)
    assert (case.status, case.status_since) == ("overdue", DUE)
    assert outbox(engine) == new_alerts


def test_check_overdue_leaves_answered_deleted_and_dateless_cases_alone(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    store(engine, source_id, record("a1", "answer", NOW))
    deleted_case = case_record(zaak_id="zaak-deleted", number="2026Z01002")
    store(engine, source_id, record("q2", case=deleted_case))
    with Session(engine) as s, s.begin():
        s.execute(
            KamervraagCase.__table__.update().where(KamervraagCase.zaak_id == "zaak-deleted").values(deleted_at=NOW)
        )
    dateless = case_record(zaak_id="zaak-dateless", number="2026Z01003", submitted=None)
    store(engine, source_id, record("q3", dated=None, case=dateless))
    far = NOW + timedelta(days=1000)
    assert kv.check_overdue(engine, Router(), far, far - kv.ALERT_HORIZON) == []
    assert [the_case(engine, z).status for z in (ZAAK, "zaak-deleted", "zaak-dateless")] == ["answered", "open", "open"]


def test_a_case_without_dates_records_its_status_once(engine: Engine, source_id: int) -> None:
    dateless = case_record(submitted=None)
    store(engine, source_id, record("q1", dated=None, case=dateless))
    store(engine, source_id, record("q1", dated=None, case=dateless), now=NOW + timedelta(hours=1))
    store(engine, source_id, record("q1", dated=None, case=dateless), now=NOW + timedelta(hours=2))
    assert [status for status, _ in history(engine)] == ["open"]


# -- case details for alerts -------------------------------------------------------------------


def test_case_infos_give_people_clock_and_first_pair(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    pairs = ((2, "Welke software gebruikt de politie?", "Geen."), (1, "Kent u het bericht?", "Ja."), (3, "Waarom?", None))
    answered = NOW + timedelta(days=3)
    store(engine, source_id, record("a1", "answer", answered, pairs=pairs, answerer="minister Van Weel"), now=answered)
    feed = repo.store_document(
        engine, source_id,
        repo.NewDocument(source_name=SOURCE, kind="news", url="https://dagblad.example/a",
                         fetched_url="https://dagblad.example/a", title="t", text="t", text_origin="article",
                         fetched_at=NOW, content_hash="0" * 64, raw=b"t"),
        [], [],
    )
    q_doc, a_doc = document_id(engine, "q1"), document_id(engine, "a1")
    with Session(engine) as s:
        infos = kv.case_infos(s, [q_doc, a_doc, feed.document_id or -1, 999_999])
    assert set(infos) == {q_doc, a_doc}
    submitters = ("Jansen (GroenLinks-PvdA)", "De Vries (D66)", "Partijloos")
    assert infos[a_doc] == repo.CaseInfo(
        number=CASE, subject=SUBJECT, role="answer", status="answered", submitted_at=SUBMITTED, due_at=None,
        submitters=submitters, addressee=ADDRESSEE, answerer="minister Van Weel",
        first_pair=(1, "Kent u het bericht?", "Ja."),
    )
    question = infos[q_doc]
    assert (question.role, question.status, question.first_pair, question.answerer, question.submitters) == (
        "question", "answered", None, None, submitters
    )
    with Session(engine) as s:
        assert kv.case_infos(s, []) == {}


def test_the_addressee_is_the_office_or_else_the_name(engine: Engine, source_id: int) -> None:
    actors = (kv.Actor("Indiener", "Jansen", "GroenLinks-PvdA"), kv.Actor("Gericht aan", "staatssecretaris Digitalisering"))
    store(engine, source_id, record("q1", case=case_record(actors=actors)))
    with Session(engine) as s:
        (info,) = kv.case_infos(s, [document_id(engine, "q1")]).values()
    assert (info.submitters, info.addressee) == (("Jansen (GroenLinks-PvdA)",), "staatssecretaris Digitalisering")


def test_the_latest_records_actors_replace_the_earlier_ones(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    fewer = (kv.Actor("Indiener", "Jansen", "GroenLinks-PvdA"), kv.Actor("Gericht aan", "Van Weel", None, ADDRESSEE))
    store(engine, source_id, record("p1", "postponement", NOW, case=case_record(actors=fewer)))
    store(engine, source_id, record("p2", "postponement", NOW, case=case_record(actors=())))  # no actors: kept
    (summary,) = kv.list_cases(engine)
    assert (summary.submitters, summary.addressee) == (("Jansen (GroenLinks-PvdA)",), ADDRESSEE)


# -- the schema --------------------------------------------------------------------------------


def test_the_database_enforces_one_alert_per_document_chat_and_event(engine: Engine, source_id: int) -> None:
    store(engine, source_id, record("q1"))
    doc = document_id(engine, "q1")

    def entry(event: str) -> OutboxEntry:
        return OutboxEntry(document_id=doc, chat_id="1001", event=event, status="pending", attempts=0, created_at=NOW,
                           next_attempt_at=NOW)

    with Session(engine) as s, pytest.raises(IntegrityError):
        s.add(entry("new"))
        s.commit()
    with Session(engine) as s:  # another event for the same document and chat is allowed
        s.add(entry("overdue"))
        s.commit()
    with Session(engine) as s, pytest.raises(IntegrityError):
        s.add(entry("overdue"))
        s.commit()
    assert sorted(r[2] for r in outbox(engine) if r[1] == "1001") == ["new", "overdue"]
