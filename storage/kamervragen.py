"""The one place for the Kamervragen queries: cases, their documents and clock, sync cursors, case alerts."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from pipeline.case_clock import ANSWER, OVERDUE, QUESTION, CaseClock, CaseEvent, case_clock
from pipeline.classify import Classification
from pipeline.rules import CORE, LABELS, UNRELATED
from storage import links
from storage.fulltext import set_index_fields
from storage.models import (
    Document,
    KamervraagActor,
    KamervraagCase,
    KamervraagDocument,
    KamervraagPair,
    KamervraagStatusChange,
    OutboxEntry,
    Source,
    SyncCursor,
    utcnow,
)
from storage.repository import (
    CANCELLED,
    NEW,
    PENDING,
    CaseInfo,
    NewDocument,
    _alerted_chats,
    _archive_version,
    _new_document,
    _queue_alerts,
    set_classification,
)

# (watchlists reached, label) -> chat ids: which chats want an alert (alerts.routing.recipients).
Route = Callable[[Collection[str], str], Sequence[str]]

# Events dated longer ago than this (history re-sent by the API after a correction, deadlines that passed
# while Waakhond was not running for weeks) are stored, not alerted.
ALERT_HORIZON = timedelta(days=30)

SUBMITTER_RELATIONS = ("Indiener", "Medeindiener")
ADDRESSEE_RELATION = "Gericht aan"


@dataclass(frozen=True)
class Actor:
    relation: str
    name: str
    party: str | None = None
    function: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.party})" if self.party else self.name


@dataclass(frozen=True)
class CaseRecord:
    """A case as one of its documents' records describes it."""

    zaak_id: str
    number: str
    subject: str
    vergaderjaar: str | None = None
    submitted_at: datetime | None = None
    deleted: bool = False
    actors: tuple[Actor, ...] = ()


@dataclass(frozen=True)
class KamervraagRecord:
    """One Tweede Kamer document record of a case, with the archived document made from it."""

    tk_id: str
    api_modified: str
    deleted: bool = False
    role: str | None = None
    soort: str | None = None
    number: str | None = None
    dated_at: datetime | None = None
    publication_id: str | None = None
    text_source: str = "metadata"  # "publication" when ``document`` holds the officielebekendmakingen text
    answerer: str | None = None
    case: CaseRecord | None = None
    document: NewDocument | None = None
    pairs: tuple[tuple[int, str, str | None], ...] = ()
    classification: Classification | None = None


@dataclass(frozen=True)
class KamervraagResult:
    action: str  # stored | updated | unchanged | deleted | ignored
    status: str | None = None
    alerts_queued: int = 0
    relevant: bool = False


@dataclass(frozen=True)
class CaseDocument:
    role: str
    soort: str
    number: str | None
    dated_at: datetime | None
    url: str
    deleted: bool


@dataclass(frozen=True)
class CaseSummary:
    number: str
    subject: str
    status: str
    status_since: datetime | None
    due_at: datetime | None
    submitted_at: datetime | None
    submitters: tuple[str, ...]
    addressee: str | None
    relevant: bool
    documents: tuple[CaseDocument, ...] = ()
    history: tuple[tuple[str, datetime], ...] = field(default=())  # (status, since), oldest first


def sync_cursor(engine: Engine, source_name: str) -> str | None:
    with Session(engine) as session:
        row = session.get(SyncCursor, source_name)
        return row.cursor if row else None


def _set_cursor(session: Session, source_name: str, cursor: str, now: datetime) -> None:
    row = session.get(SyncCursor, source_name)
    if row is None:
        session.add(SyncCursor(source_name=source_name, cursor=cursor, updated_at=now))
    else:
        row.cursor, row.updated_at = cursor, now


def stored_record_state(engine: Engine, tk_id: str) -> tuple[str, str] | None:
    """(ApiGewijzigdOp, text source) of a stored Tweede Kamer document, to skip refetching unchanged publications."""
    with Session(engine) as session:
        row = session.execute(
            select(KamervraagDocument.api_modified, KamervraagDocument.text_source).where(KamervraagDocument.tk_id == tk_id)
        ).one_or_none()
    return (row[0], row[1]) if row else None


def documents_awaiting_text(engine: Engine, source_name: str, dated_since: datetime, limit: int) -> list[bytes]:
    """The archived API records of recent documents still stored from metadata only (publication not found yet)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Document.raw)
            .join(KamervraagDocument, KamervraagDocument.document_id == Document.id)
            .join(Source, Source.id == Document.source_id)
            .where(
                Source.name == source_name,
                KamervraagDocument.text_source == "metadata",
                KamervraagDocument.role != "postponement",
                KamervraagDocument.deleted_at.is_(None),
                KamervraagDocument.dated_at >= dated_since,
            )
            .order_by(KamervraagDocument.dated_at.desc())
            .limit(limit)
        ).scalars()
        return [zlib.decompress(raw) for raw in rows if raw is not None]


def store_kamervraag(
    engine: Engine,
    source_id: int,
    source_name: str,
    record: KamervraagRecord,
    route: Route,
    *,
    cursor: str | None,
    alert_after: datetime | None,
    now: datetime | None = None,
) -> KamervraagResult:
    """Store one document record of a case in one transaction: case, actors, document, pairs, clock, alerts, cursor.

    A record seen before with the same text changes nothing and alerts no one; a correction updates what
    it corrects, again without a new alert (alerts are unique per document, chat and event). A deleted
    record withdraws its document: kept in the archive, marked deleted, its unsent alerts cancelled and
    the case's clock recomputed without it. Events dated before ``alert_after`` (history, backfills; None:
    everything) are stored without alerts. ``cursor`` is saved with the record, so a sync stopped at any
    point resumes after the last record stored.
    """
    now = now or utcnow()
    with Session(engine) as session, session.begin():
        if cursor is not None:
            _set_cursor(session, source_name, cursor, now)
        row = session.execute(
            select(KamervraagDocument).where(KamervraagDocument.tk_id == record.tk_id)
        ).scalar_one_or_none()
        if record.deleted:
            if row is None or row.deleted_at is not None:
                return KamervraagResult("ignored")
            row.deleted_at, row.api_modified = now, record.api_modified
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.document_id == row.document_id, OutboxEntry.status == PENDING)
                .values(status=CANCELLED, last_error="withdrawn at the source")
            )
            case = session.get(KamervraagCase, row.case_id)
            assert case is not None and case.id is not None
            case.relevant = _case_reach(session, case.id)[1] == CORE
            clock, queued = _refresh_case(session, case, now, route, alert_after)
            return KamervraagResult("deleted", clock.status, queued, case.relevant)
        assert record.case is not None and record.document is not None and record.role and record.soort
        case = _upsert_case(session, source_id, record.case, record.api_modified, now)
        assert case.id is not None
        action, document_id = _upsert_document(session, source_id, case.id, row, record, now)
        if action != "unchanged":
            # News and AP items that cite this case, or name its submitter and subject, are linked to it now,
            # whichever of them arrived first.
            links.link_case(session, case.id)
        queued = 0
        # A case is as relevant as its most relevant document: an answer is alerted because its question was.
        reached, label = _case_reach(session, case.id)
        case.relevant = label == CORE
        if label == UNRELATED:
            pass
        elif action == "stored" and _alertable(record.dated_at, alert_after):
            queued += _queue_alerts(session, document_id, route(reached, label), already=set())
        elif action == "updated" and _alertable(record.dated_at, alert_after):
            # A text that now matches (the publication arrived) alerts the chats not yet told about this document.
            queued += _queue_alerts(session, document_id, route(reached, label), _alerted_chats(session, document_id, NEW))
        clock, overdue_queued = _refresh_case(session, case, now, route, alert_after)
        return KamervraagResult(action, clock.status, queued + overdue_queued, case.relevant)


def _alertable(dated_at: datetime | None, alert_after: datetime | None) -> bool:
    return alert_after is not None and (dated_at is None or dated_at >= alert_after)


def _upsert_case(session: Session, source_id: int, record: CaseRecord, api_modified: str, now: datetime) -> KamervraagCase:
    case = session.execute(select(KamervraagCase).where(KamervraagCase.zaak_id == record.zaak_id)).scalar_one_or_none()
    if case is None:
        case = KamervraagCase(
            # No status yet: the clock computed in the same transaction records the first one.
            source_id=source_id, zaak_id=record.zaak_id, number=record.number, subject=record.subject, status="",
            created_at=now, updated_at=now,
        )
        session.add(case)
    case.number, case.subject = record.number, record.subject or case.subject
    case.vergaderjaar = record.vergaderjaar or case.vergaderjaar
    case.submitted_at = record.submitted_at or case.submitted_at
    case.deleted_at = (case.deleted_at or now) if record.deleted else None
    case.api_modified, case.updated_at = api_modified, now
    session.flush()
    assert case.id is not None
    if record.actors:
        # The latest record's actors are the case's actors: a correction may add or remove a co-submitter.
        session.execute(delete(KamervraagActor).where(KamervraagActor.case_id == case.id))
        for position, actor in enumerate(record.actors):
            session.add(
                KamervraagActor(
                    case_id=case.id, relation=actor.relation, name=actor.name, party=actor.party,
                    function=actor.function, position=position,
                )
            )
    return case


def _upsert_document(
    session: Session, source_id: int, case_id: int, row: KamervraagDocument | None, record: KamervraagRecord,
    now: datetime,
) -> tuple[str, int]:
    doc = record.document
    assert doc is not None
    if row is None:
        document_id = session.execute(select(Document.id).where(Document.url == doc.url)).scalar_one_or_none()
        if document_id is None:
            document_id = _new_document(session, source_id, doc, record.classification)
        document = session.get(Document, document_id)
        assert document is not None and document.id is not None
        row = KamervraagDocument(
            case_id=case_id, tk_id=record.tk_id, document_id=document.id, role=record.role or "", soort=record.soort or "",
            text_source=record.text_source, api_modified=record.api_modified,
        )
        session.add(row)
        action = "stored"
    else:
        document = session.get(Document, row.document_id)
        assert document is not None
        action = "unchanged"
        # The published text stays: a record whose publication could not be fetched this time does not replace it.
        keeps_publication = record.text_source == "metadata" and row.text_source == "publication"
        if not keeps_publication and document.content_hash != doc.content_hash:
            _archive_version(session, document, doc)
            set_classification(session, document, record.classification)
            row.text_source = record.text_source
            action = "updated"
        if row.api_modified != record.api_modified or row.deleted_at is not None:
            # A correction (or a restored document): its metadata, such as the subject, is the current one.
            action = "updated" if action == "unchanged" else action
            document.title = doc.title
        document.published_at = doc.published_at or document.published_at
        set_index_fields(document)
    row.case_id, row.role, row.soort = case_id, record.role or row.role, record.soort or row.soort
    row.number, row.dated_at = record.number, record.dated_at
    row.publication_id = record.publication_id or row.publication_id
    row.answerer = record.answerer or row.answerer
    row.api_modified, row.deleted_at = record.api_modified, None
    session.flush()
    assert row.id is not None and document.id is not None
    if record.pairs:
        session.execute(delete(KamervraagPair).where(KamervraagPair.kamervraag_document_id == row.id))
        for number, question, answer in record.pairs:
            session.add(KamervraagPair(kamervraag_document_id=row.id, number=number, question=question, answer=answer))
    return action, document.id


def _case_reach(session: Session, case_id: int) -> tuple[set[str], str]:
    """The watchlists the case's current documents reached together, and the best of their labels."""
    rows = session.execute(
        select(Document.watchlists, Document.label)
        .join(KamervraagDocument, KamervraagDocument.document_id == Document.id)
        .where(KamervraagDocument.case_id == case_id, KamervraagDocument.deleted_at.is_(None))
    ).all()
    reached = {name for watchlists, _ in rows for name in watchlists.split()}
    labels = {label for _, label in rows}
    best = next((label for label in LABELS if label in labels), UNRELATED)
    return reached, best


def _refresh_case(
    session: Session, case: KamervraagCase, now: datetime, route: Route, alert_after: datetime | None
) -> tuple[CaseClock, int]:
    """Recompute the case's clock; record a status change with its date, and alert an overdue relevant case once."""
    assert case.id is not None
    documents = session.execute(
        select(KamervraagDocument).where(KamervraagDocument.case_id == case.id, KamervraagDocument.deleted_at.is_(None))
    ).scalars().all()
    events = [CaseEvent(d.role, d.dated_at) for d in documents if d.dated_at is not None]
    clock = case_clock(case.submitted_at, events, now)
    case.due_at = clock.due_at
    if (clock.status, clock.since) == (case.status, case.status_since):
        return clock, 0
    case.status, case.status_since = clock.status, clock.since
    session.add(KamervraagStatusChange(case_id=case.id, status=clock.status, at=clock.since or now, recorded_at=now))
    queued = 0
    if clock.status == OVERDUE and case.relevant and case.deleted_at is None and _alertable(clock.since, alert_after):
        question = next((d for d in sorted(documents, key=lambda d: d.id or 0) if d.role == QUESTION), None)
        if question is not None:
            queued = _queue_alerts(
                session, question.document_id, route(*_case_reach(session, case.id)),
                _alerted_chats(session, question.document_id, OVERDUE), event=OVERDUE,
            )
    return clock, queued


def check_overdue(engine: Engine, route: Route, now: datetime, alert_after: datetime | None) -> list[str]:
    """Move open and postponed cases past their deadline to overdue (alerting relevant ones); their numbers."""
    with Session(engine) as session:
        ids = session.execute(
            select(KamervraagCase.id).where(
                KamervraagCase.status.in_(("open", "postponed")),
                KamervraagCase.due_at <= now,
                KamervraagCase.deleted_at.is_(None),
            )
        ).scalars().all()
    changed = []
    for case_id in ids:
        with Session(engine) as session, session.begin():
            case = session.get(KamervraagCase, case_id, with_for_update=True)
            if case is None or case.status not in ("open", "postponed"):
                continue  # another process moved it first
            clock, _ = _refresh_case(session, case, now, route, alert_after)
            if clock.status == OVERDUE:
                changed.append(case.number)
    return changed


def case_infos(session: Session, document_ids: Iterable[int]) -> dict[int, CaseInfo]:
    """For each Kamervraag document among ``document_ids``: what its alert shows about the case."""
    rows = session.execute(
        select(KamervraagDocument, KamervraagCase)
        .join(KamervraagCase, KamervraagCase.id == KamervraagDocument.case_id)
        .where(KamervraagDocument.document_id.in_(list(document_ids)))
    ).all()
    infos = {}
    for kd, case in rows:
        assert case.id is not None and kd.id is not None
        actors = _actors(session, case.id)
        first_pair = None
        if kd.role == ANSWER:
            pair = session.execute(
                select(KamervraagPair)
                .where(KamervraagPair.kamervraag_document_id == kd.id)
                .order_by(KamervraagPair.number)
                .limit(1)
            ).scalar_one_or_none()
            if pair is not None:
                first_pair = (pair.number, pair.question, pair.answer)
        infos[kd.document_id] = CaseInfo(
            number=case.number,
            subject=case.subject,
            role=kd.role,
            status=case.status,
            submitted_at=case.submitted_at,
            due_at=case.due_at,
            submitters=_submitters(actors),
            addressee=_addressee(actors),
            answerer=kd.answerer,
            first_pair=first_pair,
        )
    return infos


def _actors(session: Session, case_id: int) -> list[Actor]:
    rows = session.execute(
        select(KamervraagActor).where(KamervraagActor.case_id == case_id).order_by(KamervraagActor.position)
    ).scalars()
    return [Actor(r.relation, r.name, r.party, r.function) for r in rows]


def _submitters(actors: Iterable[Actor]) -> tuple[str, ...]:
    return tuple(a.label for a in actors if a.relation in SUBMITTER_RELATIONS)


def _addressee(actors: Iterable[Actor]) -> str | None:
    """The minister or state secretary asked: the office ("minister van …") when the API names it."""
    return next((a.function or a.name for a in actors if a.relation == ADDRESSEE_RELATION), None)


def list_cases(engine: Engine, status: str | None = None, relevant_only: bool = True) -> list[CaseSummary]:
    """Cases (not deleted) with their status, clock, people and documents, newest submission first."""
    with Session(engine) as session:
        query = select(KamervraagCase).where(KamervraagCase.deleted_at.is_(None))
        if relevant_only:
            query = query.where(KamervraagCase.relevant.is_(True))
        if status is not None:
            query = query.where(KamervraagCase.status == status)
        cases = session.execute(
            query.order_by(KamervraagCase.submitted_at.desc(), KamervraagCase.id.desc())
        ).scalars().all()
        summaries = []
        for case in cases:
            assert case.id is not None
            actors = _actors(session, case.id)
            documents = session.execute(
                select(KamervraagDocument, Document.url)
                .join(Document, Document.id == KamervraagDocument.document_id)
                .where(KamervraagDocument.case_id == case.id)
                .order_by(KamervraagDocument.dated_at, KamervraagDocument.id)
            ).all()
            history = session.execute(
                select(KamervraagStatusChange.status, KamervraagStatusChange.at)
                .where(KamervraagStatusChange.case_id == case.id)
                .order_by(KamervraagStatusChange.id)
            ).all()
            summaries.append(
                CaseSummary(
                    number=case.number,
                    subject=case.subject,
                    status=case.status,
                    status_since=case.status_since,
                    due_at=case.due_at,
                    submitted_at=case.submitted_at,
                    submitters=_submitters(actors),
                    addressee=_addressee(actors),
                    relevant=case.relevant,
                    documents=tuple(
                        CaseDocument(kd.role, kd.soort, kd.number, kd.dated_at, url, kd.deleted_at is not None)
                        for kd, url in documents
                    ),
                    history=tuple((s, at) for s, at in history),
                )
            )
    return summaries
