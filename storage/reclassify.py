"""Reads stored documents for re-classification and writes the new verdicts back, a batch per transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from pipeline.classify import Classification
from storage import links
from storage.kamervragen import Route, _case_reach
from pipeline.rules import CORE, UNRELATED
from storage.models import Document, KamervraagCase, KamervraagDocument, OutboxEntry
from storage.repository import CANCELLED, NEW, PENDING, _alerted_chats, _queue_alerts, set_classification

_BATCH = 200


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


def save_classifications(engine: Engine, verdicts: Sequence[tuple[StoredText, Classification]]) -> list[Outcome]:
    """Store new classifications in one transaction, and recompute the relevance of the Kamervragen cases touched.

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
            # New entity mentions may cite other cases or name other people: the links follow them.
            links.link_document(session, stored.id)
            case_id = session.execute(
                select(KamervraagDocument.case_id).where(KamervraagDocument.document_id == stored.id)
            ).scalar_one_or_none()
            if case_id is not None:
                cases.add(case_id)
            outcomes.append(Outcome(stored.label, classification.label))
        session.flush()
        for case_id in cases:
            case = session.get(KamervraagCase, case_id)
            assert case is not None
            case.relevant = _case_reach(session, case_id)[1] == CORE
    return outcomes


def settle_alerts(engine: Engine, document_ids: Sequence[int], route: Route, queue: bool) -> tuple[int, int]:
    """After every document is re-classified: cancel unsent alerts to chats that no longer want a document, and,
    with ``queue``, alert chats that want one now and were never alerted about it. (queued, cancelled).

    A Kamervraag document is wanted as its case is (all its documents' new labels count); a withdrawn one never.
    """
    queued = cancelled = 0
    for start in range(0, len(document_ids), _BATCH):
        with Session(engine) as session, session.begin():
            for document_id in document_ids[start : start + _BATCH]:
                row = session.get(Document, document_id)
                if row is None:
                    continue
                kamervraag = session.execute(
                    select(KamervraagDocument).where(KamervraagDocument.document_id == document_id)
                ).scalar_one_or_none()
                if kamervraag is None:
                    reached, label = set(row.watchlists.split()), row.label
                elif kamervraag.deleted_at is None:
                    reached, label = _case_reach(session, kamervraag.case_id)
                else:
                    reached, label = set(), UNRELATED
                wanted = list(route(reached, label)) if label != UNRELATED else []
                result = session.execute(
                    update(OutboxEntry)
                    .where(
                        OutboxEntry.document_id == document_id, OutboxEntry.event == NEW,
                        OutboxEntry.status == PENDING, OutboxEntry.chat_id.not_in(wanted),
                    )
                    .values(status=CANCELLED, last_error="no longer wanted after reclassify")
                )
                cancelled += result.rowcount
                if queue and wanted:
                    queued += _queue_alerts(session, document_id, wanted, _alerted_chats(session, document_id, NEW))
    return queued, cancelled
