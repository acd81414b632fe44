"""Reads stored documents for re-classification and writes the new verdicts back, a batch per transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pipeline.classify import Classification
from storage.kamervragen import _case_reach
from storage.models import Document, KamervraagCase, KamervraagDocument
from storage.repository import NEW, _alerted_chats, _queue_alerts, set_classification

# (watchlists reached, label) -> chat ids (alerts.routing.recipients bound to the subscriptions).
Route = Callable[[Collection[str], str], Sequence[str]]


@dataclass(frozen=True)
class StoredText:
    """What classification reads of a stored document."""

    id: int
    title: str
    text: str
    content_hash: str
    label: str
    case_subject: str | None  # for Kamervragen documents: the case's subject, read like a title


@dataclass(frozen=True)
class Outcome:
    old_label: str
    new_label: str
    alerts_queued: int = 0
    skipped: bool = False  # the document changed since it was read: left for the next run


def documents_to_classify(engine: Engine, since: datetime | None, after_id: int, limit: int) -> list[StoredText]:
    """The next ``limit`` documents by id after ``after_id``, first stored at or after ``since`` (None: all)."""
    query = (
        select(Document.id, Document.title, Document.text, Document.content_hash, Document.label, KamervraagCase.subject)
        .outerjoin(KamervraagDocument, KamervraagDocument.document_id == Document.id)
        .outerjoin(KamervraagCase, KamervraagCase.id == KamervraagDocument.case_id)
        .where(Document.id > after_id)
        .order_by(Document.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(Document.fetched_at >= since)
    with Session(engine) as session:
        return [StoredText(*row) for row in session.execute(query).all()]


def save_classifications(
    engine: Engine, verdicts: Sequence[tuple[StoredText, Classification]], route: Route | None
) -> list[Outcome]:
    """Store new classifications in one transaction; with ``route``, alert chats not yet alerted about a document.

    A document whose text changed after it was read (a crawl stored a new version meanwhile) is skipped:
    the crawl classified that version with the same rules.
    """
    outcomes = []
    with Session(engine) as session, session.begin():
        cases: set[int] = set()
        for stored, classification in verdicts:
            row = session.get(Document, stored.id)
            if row is None or row.content_hash != stored.content_hash:
                outcomes.append(Outcome(stored.label, stored.label, skipped=True))
                continue
            set_classification(session, row, classification)
            kamervraag = session.execute(
                select(KamervraagDocument).where(KamervraagDocument.document_id == stored.id)
            ).scalar_one_or_none()
            queued = 0
            if kamervraag is not None:
                # A Kamervraag document is alerted as its case is; a withdrawn one never.
                cases.add(kamervraag.case_id)
                session.flush()
                reached, label = _case_reach(session, kamervraag.case_id)
                if kamervraag.deleted_at is not None:
                    reached, label = set(), "unrelated"
            else:
                reached, label = classification.reached, classification.label
            if route is not None:
                queued = _queue_alerts(session, stored.id, route(reached, label), _alerted_chats(session, stored.id, NEW))
            outcomes.append(Outcome(stored.label, classification.label, queued))
        session.flush()
        for case_id in cases:
            case = session.get(KamervraagCase, case_id)
            assert case is not None
            case.relevant = _case_reach(session, case_id)[1] == "core"
    return outcomes
