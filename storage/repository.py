"""The one place for each query: storing documents with their alerts, the outbox, crawl runs (search: storage.search)."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, delete, exists, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from pipeline.classify import UNCLASSIFIED, Classification
from pipeline.dedupe import Signature
from pipeline.sanctions import SanctionFacts
from storage import links, stories
from storage.fulltext import set_index_fields
from storage.models import (
    CrawlRun,
    DaemonState,
    Document,
    DocumentVersion,
    EntityMention,
    Match,
    OperatorMessage,
    OutboxEntry,
    Sanction,
    Source,
    SourceHealth,
    utcnow,
)

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
NEW, OVERDUE = "new", "overdue"  # alert events


@dataclass(frozen=True)
class NewDocument:
    """A fetched and extracted document, ready to be stored."""

    source_name: str
    kind: str
    url: str
    fetched_url: str
    title: str
    text: str
    text_origin: str
    fetched_at: datetime
    content_hash: str
    raw: bytes
    published_at: datetime | None = None
    author: str | None = None
    language: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    access: str | None = None  # "paywall" | "consent-wall": the text is the feed's summary
    linked_from: str | None = None  # the page that linked to it (an AP decision's press release)
    sanction: SanctionFacts | None = None  # AP releases and decisions
    signature: Signature | None = None  # near-duplicate fingerprint (pipeline.dedupe); None: too short or not news


@dataclass(frozen=True)
class MatchFound:
    """A stored match of a watchlist rule: why a document was classified as it was."""

    watchlist: str
    term: str
    count: int
    weight: float = 1.0
    score: float = 0.0
    snippet: str = ""


@dataclass(frozen=True)
class EntityFound:
    entity: str
    type: str
    name: str
    count: int
    snippet: str = ""


@dataclass(frozen=True)
class StoreResult:
    """What storing did: a new document, a new version of a stored one, or nothing (unchanged)."""

    stored: bool
    document_id: int | None
    alerts_queued: int = 0
    updated: bool = False
    version: int = 1


@dataclass(frozen=True)
class PendingAlert:
    """An outbox row claimed for sending, with what the message needs."""

    outbox_id: int
    chat_id: str
    attempts: int
    source: str
    kind: str
    title: str
    url: str
    published_at: datetime | None
    text: str
    matches: tuple[MatchFound, ...]
    event: str = NEW
    case: CaseInfo | None = None  # for Kamervragen documents
    label: str = "unrelated"
    relevance: float = 0.0
    tags: tuple[str, ...] = ()
    entities: tuple[EntityFound, ...] = ()
    sanction: SanctionFacts | None = None
    access: str | None = None
    document_id: int | None = None
    held: str | None = None  # why it waited: "digest" (part of its subscription's digest), "quiet", "muted"


@dataclass(frozen=True)
class CaseInfo:
    """What an alert about a Kamervraag document tells about its case."""

    number: str
    subject: str
    role: str  # of the alerted document: question | postponement | answer
    status: str
    submitted_at: datetime | None
    due_at: datetime | None
    submitters: tuple[str, ...]  # "Name (Party)"
    addressee: str | None
    answerer: str | None
    first_pair: tuple[int, str, str | None] | None  # of the alerted answer: number, question, answer


@dataclass(frozen=True)
class SourceStatus:
    name: str
    documents: int
    last_run: CrawlRun | None


def ensure_source(engine: Engine, name: str, kind: str, url: str) -> int:
    """The id of the source named ``name``, created or updated to match the config."""
    for _ in range(2):
        try:
            with Session(engine) as session, session.begin():
                source = session.execute(select(Source).where(Source.name == name)).scalar_one_or_none()
                if source is None:
                    source = Source(name=name, kind=kind, url=url, created_at=utcnow())
                    session.add(source)
                    session.flush()
                elif (source.kind, source.url) != (kind, url):
                    source.kind, source.url = kind, url
                assert source.id is not None
                return source.id
        except IntegrityError:
            # Another process created it first; the second pass reads it.
            continue
    raise RuntimeError(f"source {name!r} could not be created")  # pragma: no cover


def known_urls(engine: Engine, urls: Iterable[str]) -> dict[str, datetime]:
    """Those of ``urls`` (canonical) already stored as documents, with when each was first fetched."""
    wanted = list(dict.fromkeys(urls))
    found: dict[str, datetime] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(session.execute(select(Document.url, Document.fetched_at).where(Document.url.in_(chunk))).all())
    return found


def store_document(
    engine: Engine, source_id: int, doc: NewDocument, classification: Classification, chat_ids: Sequence[str]
) -> StoreResult:
    """Store a document, its classification and one outbox row per chat, all in one transaction.

    A URL already stored with the same text is left alone (``stored=False``). With a different
    text it becomes a new version of the same document: the previous text is kept in
    document_versions, the classification is replaced, and only chats that had no alert for it yet
    get one (an edit is an update, not a new story).
    """
    try:
        with Session(engine) as session, session.begin():
            existing = session.execute(select(Document).where(Document.url == doc.url)).scalar_one_or_none()
            if existing is not None:
                return _store_version(session, existing, doc, classification, chat_ids)
            document_id = _new_document(session, source_id, doc, classification)
            # The story (a copy joins its original's) and the links are settled before alerts are queued:
            # _queue_alerts skips chats already alerted about the story.
            stories.place(session, document_id, stories.document_time(doc.published_at, doc.fetched_at),
                          doc.signature, doc.url, doc.linked_from)
            links.link_document(session, document_id, new=True)
            queued = _queue_alerts(session, document_id, chat_ids, already=set())
            return StoreResult(stored=True, document_id=document_id, alerts_queued=queued)
    except IntegrityError:
        # A concurrent writer may win the race for the same URL; the unique index decides.
        # Any other integrity failure is a bug and must not pass for a duplicate.
        if known_urls(engine, [doc.url]):
            return StoreResult(stored=False, document_id=None)
        raise


def _store_version(
    session: Session, existing: Document, doc: NewDocument, classification: Classification, chat_ids: Sequence[str]
) -> StoreResult:
    assert existing.id is not None
    if existing.content_hash == doc.content_hash:
        return StoreResult(stored=False, document_id=existing.id, version=existing.version)
    _archive_version(session, existing, doc)
    set_classification(session, existing, classification)
    _set_sanction(session, existing.id, doc.sanction)
    # An edited text is indexed anew for the copies still to come; the document stays in its story.
    stories.resign(session, existing.id, stories.document_time(existing.published_at, existing.fetched_at), doc.signature)
    links.link_document(session, existing.id)
    queued = _queue_alerts(session, existing.id, chat_ids, _alerted_chats(session, existing.id, NEW))
    return StoreResult(stored=False, document_id=existing.id, alerts_queued=queued, updated=True, version=existing.version)


def _new_document(session: Session, source_id: int, doc: NewDocument, classification: Classification) -> int:
    """Add a document row with its content and classification; its id."""
    row = Document(source_id=source_id, kind=doc.kind, url=doc.url, published_at=doc.published_at, fetched_at=doc.fetched_at)
    _set_content(row, doc)
    session.add(row)
    session.flush()
    assert row.id is not None
    set_classification(session, row, classification, new=True)
    _set_sanction(session, row.id, doc.sanction, new=True)
    return row.id


def _alerted_chats(session: Session, document_id: int, event: str) -> set[str]:
    """The chats that already have an alert (sent or not) for this event of the document."""
    return set(
        session.execute(
            select(OutboxEntry.chat_id).where(OutboxEntry.document_id == document_id, OutboxEntry.event == event)
        ).scalars()
    )


def _archive_version(session: Session, existing: Document, doc: NewDocument) -> None:
    """Keep the document's current text as a version and make ``doc``'s content the current one."""
    assert existing.id is not None
    session.add(
        DocumentVersion(
            document_id=existing.id,
            version=existing.version,
            fetched_at=existing.updated_at or existing.fetched_at,
            title=existing.title,
            text=existing.text,
            content_hash=existing.content_hash,
            raw=existing.raw,
            raw_size=existing.raw_size,
            raw_sha256=existing.raw_sha256,
        )
    )
    existing.version += 1
    existing.updated_at = doc.fetched_at
    _set_content(existing, doc)


def _set_content(row: Document, doc: NewDocument) -> None:
    """Fill a document row's fetched content from ``doc``: a new document's or a new version's."""
    row.title, row.text, row.text_origin = doc.title, doc.text, doc.text_origin
    row.content_hash = doc.content_hash
    set_index_fields(row)
    row.fetched_url, row.http_status, row.content_type = doc.fetched_url, doc.http_status, doc.content_type
    row.raw, row.raw_size, row.raw_sha256 = zlib.compress(doc.raw, 6), len(doc.raw), hashlib.sha256(doc.raw).hexdigest()
    row.access, row.linked_from = doc.access, doc.linked_from or row.linked_from
    # A new version whose page lost its byline or language declaration keeps the earlier one.
    row.author = doc.author or row.author
    row.language = doc.language or row.language


def _set_sanction(session: Session, document_id: int, facts: SanctionFacts | None, new: bool = False) -> None:
    """Replace the sanction stored for a document (None: it announces none); ``new``: the row was just added."""
    if not new:
        session.execute(delete(Sanction).where(Sanction.document_id == document_id))
    if facts is not None:
        session.add(
            Sanction(
                document_id=document_id, organisation=facts.organisation, fine_eur=facts.fine_eur,
                penalty_max_eur=facts.penalty_max_eur, decision_date=facts.decision_date, measures=json.dumps(list(facts.measures)),
            )
        )


def _sanctions_by_document(session: Session, document_ids: set[int | None]) -> dict[int, SanctionFacts]:
    rows = session.execute(
        select(Sanction).where(Sanction.document_id.in_([i for i in document_ids if i is not None]))
    ).scalars()
    return {
        s.document_id: SanctionFacts(s.organisation, s.fine_eur, s.penalty_max_eur, s.decision_date, tuple(json.loads(s.measures or "[]")))
        for s in rows
    }


def set_classification(session: Session, row: Document, classification: Classification | None, new: bool = False) -> None:
    """Replace a stored document's label, relevance, tags, matches and entity mentions (None: unclassified).

    ``new``: the row was just added, so there are no earlier matches to delete.
    """
    assert row.id is not None
    c = classification or UNCLASSIFIED
    row.label, row.relevance, row.tags = c.label, c.relevance, " ".join(c.tags)
    row.watchlists = " ".join(sorted(c.reached))
    row.classified_at = utcnow()
    if not new:
        session.execute(delete(Match).where(Match.document_id == row.id))
        session.execute(delete(EntityMention).where(EntityMention.document_id == row.id))
    # Multi-row Core inserts: a document has dozens of matches and mentions, and building an ORM object for
    # each and flushing them one by one was most of the store's time (bench/pipeline.py profile).
    if c.matches:
        session.execute(insert(Match), [
            {"document_id": row.id, "watchlist": m.watchlist, "term": m.rule, "count": m.count, "weight": m.weight,
             "score": m.score, "spans": _spans_json(m.spans), "snippet": m.snippet}
            for m in c.matches
        ])
    if c.entities:
        session.execute(insert(EntityMention), [
            {"document_id": row.id, "entity": e.entity, "entity_type": e.type, "name": e.name, "count": e.count,
             "spans": _spans_json(e.spans), "snippet": e.snippet}
            for e in c.entities
        ])


def _spans_json(spans: Iterable[object]) -> str:
    return json.dumps([[s.field, s.start, s.end] for s in spans])  # type: ignore[attr-defined]


def _queue_alerts(
    session: Session, document_id: int, chat_ids: Sequence[str], already: set[str], event: str = "new"
) -> int:
    now = utcnow()
    if event == NEW:
        # One alert per story: a chat alerted (or owed an alert) about another copy gets none for this one.
        already = already | stories.story_alerted_chats(session, document_id, event)
    new = [c for c in dict.fromkeys(chat_ids) if c not in already]
    for chat_id in new:
        session.add(
            OutboxEntry(
                document_id=document_id, chat_id=chat_id, event=event, status=PENDING, attempts=0, created_at=now,
                next_attempt_at=now,
            )
        )
    return len(new)


def document_versions(engine: Engine, url: str) -> list[DocumentVersion]:
    """The earlier versions of a document, oldest first (the current text is in documents)."""
    with Session(engine) as session:
        return list(
            session.execute(
                select(DocumentVersion)
                .join(Document, Document.id == DocumentVersion.document_id)
                .where(Document.url == url)
                .order_by(DocumentVersion.version)
            ).scalars()
        )


Queue = type[OutboxEntry] | type[OperatorMessage]


def _claim(engine: Engine, table: Queue, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Claim due rows of a delivery queue (alert outbox or operator messages) for ``lease``.

    Each row is taken with a conditional UPDATE, so of two senders only one gets it. A claimed row
    neither marked sent nor failed before its lease ends becomes due again, so a sender that dies
    mid-send does not lose it.
    """
    due = and_(table.status.in_((PENDING, SENDING)), table.next_attempt_at <= now)
    if table is OutboxEntry:
        # A chat's alert waiting for its retry keeps that chat's later alerts back, so a chat gets them in order.
        earlier = aliased(OutboxEntry)
        due = and_(due, ~exists().where(
            earlier.chat_id == table.chat_id, earlier.id < table.id, earlier.status == PENDING,
            earlier.held.is_(None), earlier.attempts > 0, earlier.next_attempt_at > now,
        ))
    claimed: list[int] = []
    with Session(engine) as session:
        candidates = session.execute(
            select(table.id).where(due).order_by(table.created_at, table.id).limit(limit)
        ).scalars().all()
    for row_id in candidates:
        with Session(engine) as session, session.begin():
            result = session.execute(
                update(table)
                .where(table.id == row_id, due)
                .values(status=SENDING, next_attempt_at=now + lease, attempts=table.attempts + 1)
            )
            if result.rowcount == 1:
                claimed.append(row_id)
    return claimed


def claim_due_alerts(engine: Engine, now: datetime, lease: timedelta, limit: int = 100) -> list[PendingAlert]:
    """Claim up to ``limit`` due outbox rows for ``lease`` (see ``_claim``)."""
    return _load_alerts(engine, _claim(engine, OutboxEntry, now, lease, limit))


def _load_alerts(engine: Engine, outbox_ids: list[int]) -> list[PendingAlert]:
    if not outbox_ids:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(OutboxEntry, Document, Source.name)
            .join(Document, Document.id == OutboxEntry.document_id)
            .join(Source, Source.id == Document.source_id)
            .where(OutboxEntry.id.in_(outbox_ids))
            .order_by(OutboxEntry.created_at, OutboxEntry.id)
        ).all()
        matches = _matches_by_document(session, {doc.id for _, doc, _ in rows})
        entities = _entities_by_document(session, {doc.id for _, doc, _ in rows})
        sanctions = _sanctions_by_document(session, {doc.id for _, doc, _ in rows})
        # storage.kamervragen builds on this module's helpers, so it is imported here, not at the top.
        from storage.kamervragen import case_infos

        cases = case_infos(session, {doc.id for _, doc, _ in rows if doc.id is not None})
        return [
            PendingAlert(
                outbox_id=entry.id,
                chat_id=entry.chat_id,
                attempts=entry.attempts,
                source=source_name,
                kind=doc.kind,
                title=doc.title,
                url=doc.url,
                published_at=doc.published_at,
                text=doc.text,
                matches=tuple(matches.get(doc.id, ())),
                event=entry.event,
                case=cases.get(doc.id) if doc.id is not None else None,
                label=doc.label,
                relevance=doc.relevance,
                tags=tuple(doc.tags.split()),
                entities=tuple(entities.get(doc.id, ())),
                sanction=sanctions.get(doc.id) if doc.id is not None else None,
                access=doc.access,
                document_id=doc.id,
                held=entry.held,
            )
            for entry, doc, source_name in rows
        ]


def _matches_by_document(session: Session, document_ids: set[int | None]) -> dict[int, list[MatchFound]]:
    result: dict[int, list[MatchFound]] = {}
    rows = session.execute(
        select(Match).where(Match.document_id.in_([i for i in document_ids if i is not None])).order_by(Match.id)
    ).scalars()
    for m in rows:
        result.setdefault(m.document_id, []).append(MatchFound(m.watchlist, m.term, m.count, m.weight, m.score, m.snippet))
    return result


def _entities_by_document(session: Session, document_ids: set[int | None]) -> dict[int, list[EntityFound]]:
    """Gazetteer entities and case numbers first, then money and dates; most mentioned first."""
    result: dict[int, list[EntityFound]] = {}
    rows = session.execute(
        select(EntityMention)
        .where(EntityMention.document_id.in_([i for i in document_ids if i is not None]))
        .order_by(EntityMention.document_id, EntityMention.count.desc(), EntityMention.id)
    ).scalars()
    for e in rows:
        result.setdefault(e.document_id, []).append(EntityFound(e.entity, e.entity_type, e.name, e.count, e.snippet))
    return result


def mark_sent(engine: Engine, outbox_id: int, now: datetime, message_id: int | None, table: Queue = OutboxEntry) -> None:
    values: dict[str, object] = {"status": SENT, "sent_at": now, "last_error": None}
    if table is OutboxEntry:
        values["telegram_message_id"] = message_id
    with Session(engine) as session, session.begin():
        session.execute(update(table).where(table.id == outbox_id).values(**values))


def mark_retry(engine: Engine, outbox_id: int, next_attempt_at: datetime, error: str, table: Queue = OutboxEntry) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            update(table)
            .where(table.id == outbox_id)
            .values(status=PENDING, next_attempt_at=next_attempt_at, last_error=error[:2000])
        )


def mark_failed(engine: Engine, outbox_id: int, error: str, table: Queue = OutboxEntry) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(table).where(table.id == outbox_id).values(status=FAILED, last_error=error[:2000]))


def mark_held(engine: Engine, outbox_id: int, until: datetime, why: str) -> None:
    """Hand a claimed alert back to wait until ``until`` (a digest, quiet hours, a mute); holding is no attempt."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == outbox_id)
            .values(status=PENDING, next_attempt_at=until, held=why, attempts=OutboxEntry.attempts - 1)
        )


def release(engine: Engine, outbox_id: int, at: datetime, table: Queue = OutboxEntry) -> None:
    """Hand a claimed row back unsent and untried (its chat's queue was full, or the sender stopped)."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(table).where(table.id == outbox_id).values(status=PENDING, next_attempt_at=at, attempts=table.attempts - 1)
        )


def mark_cancelled(engine: Engine, outbox_id: int, reason: str) -> None:
    """Never send this alert: its subscription filtered it out, was disabled or removed."""
    with Session(engine) as session, session.begin():
        session.execute(update(OutboxEntry).where(OutboxEntry.id == outbox_id).values(status="cancelled", last_error=reason))


@dataclass(frozen=True)
class FailedAlert:
    """A dead letter: an alert Telegram refused for good, with the reason."""

    outbox_id: int
    chat_id: str
    event: str
    title: str
    url: str
    attempts: int
    created_at: datetime
    reason: str


def failed_alerts(engine: Engine, limit: int = 100) -> list[FailedAlert]:
    """The newest dead letters (status failed), newest first."""
    with Session(engine) as session:
        rows = session.execute(
            select(OutboxEntry, Document.title, Document.url)
            .join(Document, Document.id == OutboxEntry.document_id)
            .where(OutboxEntry.status == FAILED)
            .order_by(OutboxEntry.created_at.desc(), OutboxEntry.id.desc())
            .limit(limit)
        ).all()
    return [
        FailedAlert(e.id, e.chat_id, e.event, title, url, e.attempts, e.created_at, e.last_error or "") for e, title, url in rows
    ]


def queue_operator_message(engine: Engine, kind: str, text: str, subject: str = "alerts") -> None:
    """Queue a message for the operator chat (a dead letter, a chat that blocked the bot)."""
    with Session(engine) as session, session.begin():
        session.add(_operator_message(subject, kind, text, utcnow()))


def _operator_message(subject: str, kind: str, text: str, now: datetime) -> OperatorMessage:
    """A new operator message, due at once."""
    return OperatorMessage(
        source_name=subject[:64], kind=kind[:16], text=text, status=PENDING, attempts=0, created_at=now, next_attempt_at=now
    )


def outbox_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)).all()
    return {status: count for status, count in rows}


def start_crawl_run(
    engine: Engine, source_name: str, now: datetime, node: str | None = None, job: str | None = None
) -> int:
    with Session(engine) as session, session.begin():
        run = CrawlRun(source_name=source_name, started_at=now, outcome="running", node=node, job=job)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def finish_crawl_run(engine: Engine, run_id: int, **values: object) -> None:
    allowed = set(CrawlRun.model_fields) - {"id", "source_name", "started_at"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown crawl-run fields: {sorted(unknown)}")
    with Session(engine) as session, session.begin():
        session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))


def crawl_run(engine: Engine, run_id: int) -> CrawlRun | None:
    with Session(engine) as session:
        return session.get(CrawlRun, run_id)


def source_statuses(engine: Engine, names: Sequence[str]) -> list[SourceStatus]:
    """For each source name: how many documents it has and its latest crawl run."""
    with Session(engine) as session:
        counts = dict(
            session.execute(
                select(Source.name, func.count(Document.id))
                .join(Document, Document.source_id == Source.id)
                .where(Source.name.in_(names))
                .group_by(Source.name)
            ).all()
        )
        latest = (
            select(CrawlRun.source_name, func.max(CrawlRun.id).label("last_id"))
            .where(CrawlRun.source_name.in_(names))
            .group_by(CrawlRun.source_name)
            .subquery()
        )
        runs = {
            run.source_name: run
            for run in session.execute(select(CrawlRun).join(latest, CrawlRun.id == latest.c.last_id)).scalars()
        }
    return [SourceStatus(name, counts.get(name, 0), runs.get(name)) for name in names]


def document_raw(engine: Engine, url: str) -> bytes | None:
    """The bytes of a stored document exactly as fetched."""
    with Session(engine) as session:
        raw = session.execute(select(Document.raw).where(Document.url == url)).scalar_one_or_none()
    return zlib.decompress(raw) if raw is not None else None



# --- Source health and operator messages -------------------------------------------------------


@dataclass(frozen=True)
class PendingOperatorMessage:
    message_id: int
    source_name: str
    kind: str
    text: str
    attempts: int


def recent_outcomes(engine: Engine, source_name: str, limit: int) -> list[str]:
    """Outcomes of the source's latest finished crawls, newest first."""
    with Session(engine) as session:
        return list(
            session.execute(
                select(CrawlRun.outcome)
                .where(CrawlRun.source_name == source_name, CrawlRun.outcome != "running")
                .order_by(CrawlRun.id.desc())
                .limit(limit)
            ).scalars()
        )


def new_document_times(engine: Engine, source_name: str, limit: int = 30) -> list[datetime]:
    """When the source's latest new documents were first fetched, newest first."""
    with Session(engine) as session:
        return list(
            session.execute(
                select(Document.fetched_at)
                .join(Source, Source.id == Document.source_id)
                .where(Source.name == source_name)
                .order_by(Document.fetched_at.desc())
                .limit(limit)
            ).scalars()
        )


def health_of(engine: Engine, source_name: str) -> SourceHealth | None:
    with Session(engine) as session:
        return session.get(SourceHealth, source_name)


def change_health(engine: Engine, source_name: str, state: str, reason: str | None, message: str, kind: str) -> bool:
    """Record a new health state and queue its operator message, in one transaction.

    Returns False (and changes nothing) when the source is already in that state, so each change
    is announced exactly once even if two processes evaluate it at the same time.
    """
    now = utcnow()
    with Session(engine) as session, session.begin():
        row = session.get(SourceHealth, source_name, with_for_update=True)
        if row is None:
            if state == "ok":
                return False  # a source is ok until shown otherwise: nothing to announce
            session.add(SourceHealth(source_name=source_name, state=state, since=now, reason=reason))
        elif row.state == state:
            return False
        else:
            row.state, row.since, row.reason = state, now, reason
        session.add(_operator_message(source_name, kind, message, now))
    return True


def claim_operator_messages(
    engine: Engine, now: datetime, lease: timedelta, limit: int = 100
) -> list[PendingOperatorMessage]:
    ids = _claim(engine, OperatorMessage, now, lease, limit)
    if not ids:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(OperatorMessage).where(OperatorMessage.id.in_(ids)).order_by(OperatorMessage.created_at, OperatorMessage.id)
        ).scalars()
        return [PendingOperatorMessage(r.id, r.source_name, r.kind, r.text, r.attempts) for r in rows]


def abandon_running_runs(
    engine: Engine, source_name: str, started_since: datetime | None, message: str, outcome: str = "failed",
    job: str | None = None,
) -> int:
    """Close crawl runs still 'running' (their process was killed or died) with ``outcome``.

    ``job`` narrows it to the run of one Scrapyd job (whose start was stamped by another machine's clock).
    """
    conditions = [CrawlRun.source_name == source_name, CrawlRun.outcome == "running"]
    if started_since is not None:
        conditions.append(CrawlRun.started_at >= started_since)
    if job is not None:
        conditions.append(CrawlRun.job == job)
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(CrawlRun).where(*conditions).values(outcome=outcome, finished_at=utcnow(), message=message)
        )
        return int(result.rowcount or 0)


def latest_run(engine: Engine, source_name: str, started_since: datetime | None = None) -> CrawlRun | None:
    with Session(engine) as session:
        query = select(CrawlRun).where(CrawlRun.source_name == source_name)
        if started_since is not None:
            query = query.where(CrawlRun.started_at >= started_since)
        return session.execute(query.order_by(CrawlRun.id.desc()).limit(1)).scalar_one_or_none()


def run_of_job(engine: Engine, job: str) -> CrawlRun | None:
    """The crawl run a Scrapyd job recorded, if it got that far."""
    with Session(engine) as session:
        return session.execute(
            select(CrawlRun).where(CrawlRun.job == job).order_by(CrawlRun.id.desc()).limit(1)
        ).scalar_one_or_none()


def fail_run(engine: Engine, run_id: int, message: str) -> None:
    """Record a run as failed whatever it recorded itself (a crawl stopped at its timeout may call itself interrupted)."""
    with Session(engine) as session, session.begin():
        run = session.get(CrawlRun, run_id)
        if run is not None:
            run.outcome, run.finished_at = "failed", run.finished_at or utcnow()
            run.message = "; ".join(m for m in (message, run.message) if m)


def operator_message_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(select(OperatorMessage.status, func.count()).group_by(OperatorMessage.status)).all()
    return {status: count for status, count in rows}


# --- Daemon state ------------------------------------------------------------------------------


def save_daemon_state(
    engine: Engine, *, pid: int, hostname: str, started_at: datetime, heartbeat_at: datetime,
    next_runs: dict[str, str], stopped_at: datetime | None = None,
) -> None:
    with Session(engine) as session, session.begin():
        row = session.get(DaemonState, 1)
        if row is None:
            row = DaemonState(id=1, pid=pid, hostname=hostname, started_at=started_at, heartbeat_at=heartbeat_at,
                              next_runs="{}")
            session.add(row)
        row.pid, row.hostname, row.started_at, row.heartbeat_at = pid, hostname, started_at, heartbeat_at
        row.stopped_at, row.next_runs = stopped_at, json.dumps(next_runs, sort_keys=True)


def daemon_state(engine: Engine) -> DaemonState | None:
    with Session(engine) as session:
        return session.get(DaemonState, 1)


def database_size(engine: Engine) -> int | None:
    """Bytes the archive takes: the SQLite files, or PostgreSQL's pg_database_size."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            return None
        return sum(p.stat().st_size for p in (Path(path), Path(f"{path}-wal")) if p.exists())
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def document_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count(Document.id))).scalar_one()
