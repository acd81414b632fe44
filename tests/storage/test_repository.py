"""The archive on both backends: atomic store with outbox, uniqueness, outbox leases (search: test_search.py)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import repository as repo
from storage.models import Document, Match, OutboxEntry
from tests.harness.verdicts import matched

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def new_doc(url: str, title: str = "Politie gebruikt gezichtsherkenning", text: str = "Tekst over gezichtsherkenning.",
            published: datetime | None = NOW) -> repo.NewDocument:
    return repo.NewDocument(
        source_name="dagblad", kind="news", url=url, fetched_url=url + "?utm_source=rss", title=title, text=text,
        text_origin="article", fetched_at=NOW, content_hash="0" * 64, raw=b"<html>" + text.encode() + b"</html>",
        published_at=published,
    )


MATCH = matched(count=2)


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar_one() for t in (Document, Match, OutboxEntry))


def test_document_matches_and_outbox_commit_together(engine: Engine) -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    result = repo.store_document(engine, sid, new_doc("https://dagblad.example/a"), MATCH, ["42", "-100123", "42"])
    assert result.stored and result.alerts_queued == 2
    assert counts(engine) == (1, 1, 2)
    assert repo.document_raw(engine, "https://dagblad.example/a") == b"<html>Tekst over gezichtsherkenning.</html>"
    with Session(engine) as s:
        doc = s.execute(select(Document)).scalar_one()
    assert doc.raw_sha256 == hashlib.sha256(b"<html>Tekst over gezichtsherkenning.</html>").hexdigest()
    # What the full-text index is built from: family keys in order, and the compound parts.
    assert (doc.dated_at, doc.search_title, doc.search_body, doc.search_parts) == (
        NOW, "polit gebruikt gezichtsherkenn", "tekst over gezichtsherkenn", "gezicht herkenn")


def test_a_failing_store_leaves_nothing_behind(engine: Engine) -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    verdict = matched()
    broken = replace(verdict, matches=(replace(verdict.matches[0], rule=None),))  # type: ignore[arg-type]
    with pytest.raises(IntegrityError):
        repo.store_document(engine, sid, new_doc("https://dagblad.example/a"), broken, ["42"])
    assert counts(engine) == (0, 0, 0)


def test_the_database_refuses_a_second_copy_of_a_url(engine: Engine) -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    assert repo.store_document(engine, sid, new_doc("https://dagblad.example/a"), MATCH, ["42"]).stored
    again = repo.store_document(engine, sid, new_doc("https://dagblad.example/a", title="Anders"), MATCH, ["42", "7"])
    assert not again.stored
    assert counts(engine) == (1, 1, 1)
    with Session(engine) as s, pytest.raises(IntegrityError):  # enforced by the schema, not only by the code
        s.add(Document(source_id=sid, kind="news", url="https://dagblad.example/a", fetched_url="x", title="t",
                       fetched_at=NOW, text="t", text_origin="article", content_hash="0", raw_size=0, dated_at=NOW))
        s.commit()
    assert repo.known_urls(engine, ["https://dagblad.example/a", "https://dagblad.example/b"]) == {
        "https://dagblad.example/a": NOW
    }


def test_ensure_source_is_idempotent_and_follows_the_config(engine: Engine) -> None:
    first = repo.ensure_source(engine, "dagblad", "feed", "https://old.example/rss")
    assert repo.ensure_source(engine, "dagblad", "feed", "https://new.example/rss") == first
    assert repo.ensure_source(engine, "ander", "feed", "https://ander.example/rss") != first


def test_outbox_rows_are_claimed_once_per_lease(engine: Engine) -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    repo.store_document(engine, sid, new_doc("https://dagblad.example/a"), MATCH, ["42"])
    now = datetime.now(UTC)
    (alert,) = repo.claim_due_alerts(engine, now, timedelta(minutes=5))
    assert (alert.chat_id, alert.title, alert.source, alert.attempts) == ("42", "Politie gebruikt gezichtsherkenning", "dagblad", 1)
    assert alert.matches == (repo.MatchFound("gezichtsherkenning", "gezichtsherkenning", 2, 1.0, 2.0, "[[gezichtsherkenning]]"),)
    assert (alert.label, alert.relevance) == ("core", 2.0)
    assert alert.published_at == NOW
    # A second sender finds nothing while the lease runs ...
    assert repo.claim_due_alerts(engine, now, timedelta(minutes=5)) == []
    # ... and takes the row over once it has expired (the first sender died mid-send).
    (again,) = repo.claim_due_alerts(engine, now + timedelta(minutes=6), timedelta(minutes=5))
    assert again.outbox_id == alert.outbox_id and again.attempts == 2
    repo.mark_sent(engine, alert.outbox_id, now, 99)
    assert repo.claim_due_alerts(engine, now + timedelta(days=1), timedelta(minutes=5)) == []
    assert repo.outbox_counts(engine) == {"sent": 1}


def test_retry_and_failure_states(engine: Engine) -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    repo.store_document(engine, sid, new_doc("https://dagblad.example/a"), MATCH, ["1", "2"])
    now = datetime.now(UTC)
    one, two = repo.claim_due_alerts(engine, now, timedelta(minutes=5))
    repo.mark_retry(engine, one.outbox_id, now + timedelta(minutes=1), "flood control")
    repo.mark_failed(engine, two.outbox_id, "bad request: chat not found")
    assert repo.claim_due_alerts(engine, now + timedelta(seconds=30), timedelta(minutes=5)) == []
    (retried,) = repo.claim_due_alerts(engine, now + timedelta(minutes=2), timedelta(minutes=5))
    assert retried.outbox_id == one.outbox_id
    assert repo.outbox_counts(engine) == {"sending": 1, "failed": 1}


def test_crawl_runs_and_source_statuses(engine: Engine) -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    repo.store_document(engine, sid, new_doc("https://d.example/1"), [], [])
    first = repo.start_crawl_run(engine, "dagblad", NOW)
    repo.finish_crawl_run(engine, first, finished_at=NOW, outcome="ok", items_stored=1)
    second = repo.start_crawl_run(engine, "dagblad", NOW + timedelta(hours=1))
    repo.finish_crawl_run(engine, second, finished_at=NOW + timedelta(hours=1), outcome="failed", message="feed unusable")
    with pytest.raises(TypeError):
        repo.finish_crawl_run(engine, second, nonsense=1)
    dagblad, nieuw = repo.source_statuses(engine, ["dagblad", "nieuw"])
    assert (dagblad.documents, dagblad.last_run.outcome, dagblad.last_run.message) == (1, "failed", "feed unusable")
    assert dagblad.last_run.started_at == NOW + timedelta(hours=1)
    assert (nieuw.documents, nieuw.last_run) == (0, None)


def test_open_crawl_records_are_closed_with_the_given_outcome(engine: Engine) -> None:
    first = repo.start_crawl_run(engine, "dagblad", NOW)
    second = repo.start_crawl_run(engine, "dagblad", NOW + timedelta(minutes=5))
    repo.start_crawl_run(engine, "ander", NOW + timedelta(minutes=5))
    assert repo.abandon_running_runs(engine, "dagblad", NOW + timedelta(minutes=1), "stopped", "interrupted") == 1
    assert repo.crawl_run(engine, second).outcome == "interrupted"
    assert repo.crawl_run(engine, first).outcome == "running"
    assert repo.abandon_running_runs(engine, "dagblad", None, "killed") == 1
    closed = repo.crawl_run(engine, first)
    assert (closed.outcome, closed.message) == ("failed", "killed") and closed.finished_at is not None
    assert repo.recent_outcomes(engine, "dagblad", 5) == ["interrupted", "failed"]


def test_sanctions_access_and_linked_from_are_stored_and_reach_the_alert(engine: Engine) -> None:
    from datetime import date, timedelta as td

    from pipeline.sanctions import SanctionFacts

    sid = repo.ensure_source(engine, "ap", "ap", "https://ap.example/actueel")
    facts = SanctionFacts("Voorbeeld B.V.", 725_000, 50_000, date(2026, 6, 3), ("boete", "last onder dwangsom"))
    decision = replace(new_doc("https://ap.example/besluit.pdf"), kind="ap-decision", text_origin="pdf",
                       linked_from="https://ap.example/actueel/boete-voorbeeld", sanction=facts)
    repo.store_document(engine, sid, decision, MATCH, ["42"])
    walled = replace(new_doc("https://dagblad.example/walled"), access="consent-wall", text_origin="feed_summary")
    repo.store_document(engine, sid, walled, MATCH, ["42"])
    alerts = {a.url: a for a in repo.claim_due_alerts(engine, datetime.now(UTC), td(minutes=5))}
    assert alerts["https://ap.example/besluit.pdf"].sanction == facts  # measures with spaces survive the round trip
    assert alerts["https://dagblad.example/walled"].sanction is None
    assert alerts["https://dagblad.example/walled"].access == "consent-wall"
    with Session(engine) as s:
        row = s.execute(select(Document).where(Document.url == "https://ap.example/besluit.pdf")).scalar_one()
        assert (row.linked_from, row.access) == ("https://ap.example/actueel/boete-voorbeeld", None)
    # A new version without a sanction (the release was corrected) removes the stored one.
    corrected = replace(decision, sanction=None, content_hash="1" * 64, text="Gecorrigeerd besluit.")
    assert repo.store_document(engine, sid, corrected, MATCH, ["42"]).updated
    from storage.models import Sanction

    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Sanction)).scalar_one() == 0
