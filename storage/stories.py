"""The one place for story queries: placing a stored document in its story, the candidate index, story views.

A story is a document and its copies. A new document joins the story of the stored document its text
resembles most (estimated similarity at least pipeline.dedupe.THRESHOLD, among documents whose time lies
within ``WINDOW`` of its own and that share an LSH band key with it), or the story of the press release
that links it (an AP decision) or of the decision it links; otherwise it starts a story of its own. The
head of a story is its first publication: a copy published earlier than the head (found later) becomes
the head. Stories never merge.

Placement runs in the storing transaction, before alerts are queued, so "already alerted about this
story" is decided on committed data: SQLite's write lock (BEGIN IMMEDIATE) serialises it, and on
PostgreSQL one advisory transaction lock does, so two crawl processes storing two copies at the same
moment cannot both start a story.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.orm import Session

from pipeline import dedupe
from pipeline.dedupe import Signature
from storage.models import (
    Document,
    DocumentSignature,
    OutboxEntry,
    SignatureBand,
    Source,
    Story,
    StoryMember,
    utcnow,
)

# Copies of a story appear within hours, corrections and late republications within days.
WINDOW = timedelta(days=7)
FIRST, NEAR_DUPLICATE, LINKED = "first", "near-duplicate", "linked"
# Key space of the PostgreSQL advisory lock that serialises placements (two-key form: its own space).
_PG_LOCK = (9_009, 1)


@dataclass(frozen=True)
class Placement:
    story_id: int
    reason: str  # first | near-duplicate | linked
    matched_document_id: int | None = None
    similarity: float | None = None
    head: bool = True  # whether the document is now the story's head


@dataclass(frozen=True)
class StoryDocument:
    document_id: int
    source: str
    kind: str
    title: str
    url: str
    at: datetime  # publication, else first fetch
    reason: str
    similarity: float | None
    matched_document_id: int | None
    head: bool


@dataclass(frozen=True)
class StoryView:
    """A story with all its documents, head first, then in order of time."""

    id: int
    head_document_id: int
    documents: tuple[StoryDocument, ...]

    def others(self, document_id: int) -> tuple[StoryDocument, ...]:
        return tuple(d for d in self.documents if d.document_id != document_id)

    def also_in(self, document_id: int) -> tuple[str, ...]:
        """The other sources that carry this story ("also in: …"), head's first."""
        own = next((d.source for d in self.documents if d.document_id == document_id), None)
        return tuple(s for s in dict.fromkeys(d.source for d in self.others(document_id)) if s != own)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.source for d in self.documents))


def document_time(published_at: datetime | None, fetched_at: datetime) -> datetime:
    """When a document appeared: its publication time, but never later than it was first fetched."""
    return min(published_at, fetched_at) if published_at is not None else fetched_at


def place(
    session: Session,
    document_id: int,
    at: datetime,
    signature: Signature | None,
    url: str | None = None,
    linked_from: str | None = None,
    new: bool = True,
) -> Placement:
    """Put a just-stored document into its story and index its signature; see the module docstring.

    ``new``: the document was added in this transaction, so it is in no story yet (one look-up less).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _PG_LOCK[0], "b": _PG_LOCK[1]})
    existing = None if new else session.get(StoryMember, document_id)
    if existing is not None:
        return Placement(existing.story_id, existing.reason, existing.matched_document_id, existing.similarity,
                         _head_of(session, existing.story_id) == document_id)
    match = _linked(session, document_id, url, linked_from)
    if signature is not None:
        if match is None:
            match = _nearest(session, document_id, at, signature)
        _index(session, document_id, at, signature)
    now = utcnow()
    if match is None:
        story = Story(head_document_id=document_id, first_at=at, created_at=now, updated_at=now)
        session.add(story)
        session.flush()
        assert story.id is not None
        session.add(StoryMember(document_id=document_id, story_id=story.id, reason=FIRST, joined_at=now))
        return Placement(story.id, FIRST)
    other_id, similarity, reason = match
    story = _story_of(session, other_id, now)
    session.add(
        StoryMember(document_id=document_id, story_id=story.id, reason=reason, similarity=similarity,
                    matched_document_id=other_id, joined_at=now)
    )
    head = at < story.first_at
    if head:
        story.head_document_id, story.first_at = document_id, at
    story.updated_at = now
    session.flush()
    assert story.id is not None
    return Placement(story.id, reason, other_id, similarity, head)


def resign(session: Session, document_id: int, at: datetime, signature: Signature | None) -> None:
    """Replace a document's signature and index entries (a new version of its text); its story stays."""
    session.execute(delete(SignatureBand).where(SignatureBand.document_id == document_id))
    session.execute(delete(DocumentSignature).where(DocumentSignature.document_id == document_id))
    if signature is not None:
        _index(session, document_id, at, signature)


def _index(session: Session, document_id: int, at: datetime, signature: Signature) -> None:
    session.execute(
        insert(DocumentSignature),
        [{"document_id": document_id, "method": dedupe.METHOD, "signature": signature.values,
          "shingles": signature.shingles, "at": at}],
    )
    # One multi-row statement rather than an ORM object per band: this is most of what placement writes.
    session.execute(insert(SignatureBand), [{"key": k, "document_id": document_id, "at": at} for k in set(signature.band_keys())])


def _nearest(session: Session, document_id: int, at: datetime, signature: Signature) -> tuple[int, float, str] | None:
    """The indexed document most like this one (similarity at least the threshold), within the time window."""
    candidates = (
        select(SignatureBand.document_id)
        .where(
            SignatureBand.key.in_(signature.band_keys()),
            SignatureBand.at >= at - WINDOW,
            SignatureBand.at <= at + WINDOW,
            SignatureBand.document_id != document_id,
        )
        .distinct()
    )
    rows = session.execute(
        select(DocumentSignature.document_id, DocumentSignature.signature).where(
            DocumentSignature.document_id.in_(candidates), DocumentSignature.method == dedupe.METHOD
        )
    ).all()
    best: tuple[float, int] | None = None
    for other_id, values in rows:
        score = dedupe.similarity(signature.values, values)
        # Ties go to the older document, so copies gather round the first of them.
        if score >= dedupe.THRESHOLD and (best is None or (score, -other_id) > (best[0], -best[1])):
            best = (score, other_id)
    return (best[1], best[0], NEAR_DUPLICATE) if best else None


def _linked(session: Session, document_id: int, url: str | None, linked_from: str | None) -> tuple[int, None, str] | None:
    """The page that links this one (an AP decision's press release), or one this page links and was stored first."""
    if linked_from:
        found = session.execute(select(Document.id).where(Document.url == linked_from)).scalar_one_or_none()
        if found is not None and found != document_id:
            return found, None, LINKED
    if url:
        found = session.execute(
            select(Document.id).where(Document.linked_from == url, Document.id != document_id).order_by(Document.id).limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return found, None, LINKED
    return None


def _story_of(session: Session, document_id: int, now: datetime) -> Story:
    """The story of a stored document; a document stored before stories existed starts one."""
    member = session.get(StoryMember, document_id)
    if member is not None:
        story = session.get(Story, member.story_id)
        assert story is not None
        return story
    row = session.get(Document, document_id)
    assert row is not None
    story = Story(head_document_id=document_id, first_at=document_time(row.published_at, row.fetched_at),
                  created_at=now, updated_at=now)
    session.add(story)
    session.flush()
    assert story.id is not None
    session.add(StoryMember(document_id=document_id, story_id=story.id, reason=FIRST, joined_at=now))
    return story


def _head_of(session: Session, story_id: int) -> int | None:
    return session.execute(select(Story.head_document_id).where(Story.id == story_id)).scalar_one_or_none()


def story_alerted_chats(session: Session, document_id: int, event: str) -> set[str]:
    """Chats with an alert (sent or owed, not cancelled) for this event of another document of the same story."""
    story_id = select(StoryMember.story_id).where(StoryMember.document_id == document_id).scalar_subquery()
    return set(
        session.execute(
            select(OutboxEntry.chat_id)
            .join(StoryMember, StoryMember.document_id == OutboxEntry.document_id)
            .where(
                StoryMember.story_id == story_id, OutboxEntry.document_id != document_id,
                OutboxEntry.event == event, OutboxEntry.status != "cancelled",
            )
            .distinct()
        ).scalars()
    )


def story_of(engine: Engine, document_id: int) -> StoryView | None:
    """The story a document belongs to, with every document of it (None: the document is in no story)."""
    return stories_of(engine, [document_id]).get(document_id)


def stories_of(engine: Engine, document_ids: Iterable[int]) -> dict[int, StoryView]:
    """For each of these documents that is in a story: that story (one query for all, for lists of results)."""
    wanted = list(dict.fromkeys(document_ids))
    if not wanted:
        return {}
    with Session(engine) as session:
        story_ids = dict(
            session.execute(
                select(StoryMember.document_id, StoryMember.story_id).where(StoryMember.document_id.in_(wanted))
            ).all()
        )
        if not story_ids:
            return {}
        rows = session.execute(
            select(StoryMember, Story.head_document_id, Document, Source.name)
            .join(Story, Story.id == StoryMember.story_id)
            .join(Document, Document.id == StoryMember.document_id)
            .join(Source, Source.id == Document.source_id)
            .where(StoryMember.story_id.in_(set(story_ids.values())))
        ).all()
    members: dict[int, list[StoryDocument]] = {}
    heads: dict[int, int] = {}
    for member, head_id, doc, source in rows:
        assert doc.id is not None
        heads[member.story_id] = head_id
        members.setdefault(member.story_id, []).append(
            StoryDocument(
                document_id=doc.id, source=source, kind=doc.kind, title=doc.title, url=doc.url,
                at=document_time(doc.published_at, doc.fetched_at), reason=member.reason, similarity=member.similarity,
                matched_document_id=member.matched_document_id, head=doc.id == head_id,
            )
        )
    views = {
        story_id: StoryView(story_id, heads[story_id], tuple(sorted(docs, key=lambda d: (not d.head, d.at, d.document_id))))
        for story_id, docs in members.items()
    }
    return {document_id: views[story_id] for document_id, story_id in story_ids.items()}


def also_in(engine: Engine, document_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """For each document: the other sources that carry its story ("also in: …"), head's first; () when none."""
    return {document_id: view.also_in(document_id) for document_id, view in stories_of(engine, document_ids).items()}


def document_ids_by_url(engine: Engine, urls: Iterable[str]) -> dict[str, int]:
    wanted = list(dict.fromkeys(urls))
    with Session(engine) as session:
        return dict(session.execute(select(Document.url, Document.id).where(Document.url.in_(wanted))).all()) if wanted else {}


def story_counts(engine: Engine) -> tuple[int, int]:
    """(stories, documents in stories)."""
    with Session(engine) as session:
        return (
            session.execute(select(func.count(Story.id))).scalar_one(),
            session.execute(select(func.count(StoryMember.document_id))).scalar_one(),
        )


# --- Relating an archive stored before stories existed (`waakhond relate`) ------------------------------------


@dataclass(frozen=True)
class Unrelated:
    """A stored document still to be signed and placed: in no story, or signed with an older method."""

    id: int
    text: str
    at: datetime
    url: str
    linked_from: str | None
    order: tuple[datetime, int]  # where the next batch starts after this one


def documents_to_relate(engine: Engine, since: datetime | None, after: tuple[datetime, int] | None, limit: int,
                        kinds: tuple[str, ...]) -> list[Unrelated]:
    """The next ``limit`` documents of ``kinds`` in time order after ``after`` (time, id) that need placing."""
    stamp = func.coalesce(Document.published_at, Document.fetched_at)
    outdated = select(DocumentSignature.document_id).where(DocumentSignature.method != dedupe.METHOD)
    placed = select(StoryMember.document_id)
    query = (
        select(Document.id, Document.text, Document.published_at, Document.fetched_at, Document.url, Document.linked_from, stamp)
        .where(Document.kind.in_(kinds), (Document.id.not_in(placed)) | Document.id.in_(outdated))
        .order_by(stamp, Document.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(stamp >= since)
    if after is not None:
        query = query.where((stamp > after[0]) | ((stamp == after[0]) & (Document.id > after[1])))
    with Session(engine) as session:
        rows = session.execute(query).all()
    return [
        Unrelated(i, body, document_time(published, fetched), url, linked, (stamp_value, i))
        for i, body, published, fetched, url, linked, stamp_value in rows
    ]


def relate_batch(engine: Engine, batch: list[tuple[Unrelated, Signature | None]]) -> int:
    """Sign and place a batch of stored documents (and make their links) in one transaction, without alerts.

    Returns how many joined an existing story.
    """
    # storage.links builds on this module (document_time), so it is imported here.
    from storage import links

    joined = 0
    with Session(engine) as session, session.begin():
        for document, signature in batch:
            if session.get(StoryMember, document.id) is not None:
                resign(session, document.id, document.at, signature)  # an outdated signature: the story stays
            else:
                session.execute(delete(SignatureBand).where(SignatureBand.document_id == document.id))
                session.execute(delete(DocumentSignature).where(DocumentSignature.document_id == document.id))
                placed = place(session, document.id, document.at, signature, document.url, document.linked_from, new=False)
                joined += placed.reason != FIRST
            links.link_document(session, document.id, new=False)
    return joined


def document_kinds(engine: Engine, ids: Iterable[int]) -> dict[int, str]:
    """The kind of each of these documents that exists."""
    wanted = list(dict.fromkeys(ids))
    with Session(engine) as session:
        return dict(session.execute(select(Document.id, Document.kind).where(Document.id.in_(wanted))).all()) if wanted else {}
