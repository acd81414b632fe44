"""The one place for the timeline's reading queries: an item with its versions, matches, entities and related
items, an entity's name, a Kamervraag case's life, and the raw pages as fetched."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage import stories
from storage.kamervragen import _actors, _addressee, _submitters
from storage.repository import EntityFound, MatchFound
from storage.models import (
    Document,
    DocumentVersion,
    EntityMention,
    KamervraagCase,
    KamervraagDocument,
    KamervraagPair,
    KamervraagStatusChange,
    Match,
    Source,
)


@dataclass(frozen=True)
class Version:
    """One text of a document as fetched: version 1 is the first, the highest the current one."""

    version: int
    fetched_at: datetime
    title: str
    text: str
    content_hash: str
    raw_sha256: str | None
    raw_size: int


@dataclass(frozen=True)
class Related:
    """Another archived item linked to this one, and how."""

    document_id: int
    title: str
    kind: str
    source: str
    dated: datetime
    relation: str  # e.g. "question", "answer" (Kamervragen), "linked from"


@dataclass(frozen=True)
class ItemView:
    id: int
    url: str
    fetched_url: str
    title: str
    kind: str
    source: str
    published: datetime | None
    fetched: datetime
    updated: datetime | None
    author: str | None
    language: str | None
    access: str | None
    content_type: str | None
    http_status: int | None
    text_origin: str
    label: str
    relevance: float
    tags: tuple[str, ...]
    watchlists: tuple[str, ...]
    text: str
    version: int
    versions: tuple[Version, ...]  # every version, oldest first, the current one last
    matches: tuple[MatchFound, ...]
    entities: tuple[EntityFound, ...]
    related: tuple[Related, ...]
    case_number: str | None  # the Kamervraag case this document belongs to
    withdrawn: bool  # a Kamervraag document withdrawn at the source


@dataclass(frozen=True)
class CaseEventView:
    status: str
    at: datetime


@dataclass(frozen=True)
class CaseDocumentView:
    document_id: int
    role: str  # question | postponement | answer
    soort: str
    number: str | None
    dated: datetime | None
    title: str
    answerer: str | None
    withdrawn: bool
    pairs: tuple[tuple[int, str, str | None], ...]  # (number, question, answer)


@dataclass(frozen=True)
class CaseView:
    number: str
    subject: str
    status: str
    status_since: datetime | None
    submitted: datetime | None
    due: datetime | None
    relevant: bool
    submitters: tuple[str, ...]
    addressee: str | None
    history: tuple[CaseEventView, ...]
    documents: tuple[CaseDocumentView, ...]


def item(engine: Engine, document_id: int) -> ItemView | None:
    """Everything the item page shows, or None when no such document exists."""
    with Session(engine) as session:
        row = session.execute(
            select(Document, Source.name).join(Source, Source.id == Document.source_id).where(Document.id == document_id)
        ).one_or_none()
        if row is None:
            return None
        doc, source = row
        assert doc.id is not None
        earlier = session.execute(
            select(DocumentVersion).where(DocumentVersion.document_id == doc.id).order_by(DocumentVersion.version)
        ).scalars().all()
        versions = [Version(v.version, v.fetched_at, v.title, v.text, v.content_hash, v.raw_sha256, v.raw_size)
                    for v in earlier]
        versions.append(Version(doc.version, doc.updated_at or doc.fetched_at, doc.title, doc.text, doc.content_hash,
                                doc.raw_sha256, doc.raw_size))
        matches = session.execute(
            select(Match).where(Match.document_id == doc.id).order_by(Match.score.desc(), Match.id)
        ).scalars().all()
        mentions = session.execute(
            select(EntityMention).where(EntityMention.document_id == doc.id)
            .order_by(EntityMention.count.desc(), EntityMention.id)
        ).scalars().all()
        kd = session.execute(
            select(KamervraagDocument, KamervraagCase.number)
            .join(KamervraagCase, KamervraagCase.id == KamervraagDocument.case_id)
            .where(KamervraagDocument.document_id == doc.id)
        ).one_or_none()
        related = _case_related(session, kd[0].case_id, doc.id) if kd else []
        if doc.linked_from:
            related += _linked(session, doc.linked_from, "linked from")
        related += _linked_to(session, doc.url)
        return ItemView(
            id=doc.id, url=doc.url, fetched_url=doc.fetched_url, title=doc.title, kind=doc.kind, source=source,
            published=doc.published_at, fetched=doc.fetched_at, updated=doc.updated_at, author=doc.author,
            language=doc.language, access=doc.access, content_type=doc.content_type, http_status=doc.http_status,
            text_origin=doc.text_origin, label=doc.label, relevance=doc.relevance, tags=tuple(doc.tags.split()),
            watchlists=tuple(doc.watchlists.split()), text=doc.text, version=doc.version, versions=tuple(versions),
            matches=tuple(MatchFound(m.watchlist, m.term, m.count, m.weight, m.score, m.snippet) for m in matches),
            entities=tuple(EntityFound(e.entity, e.entity_type, e.name, e.count, e.snippet) for e in mentions),
            related=tuple(related), case_number=kd[1] if kd else None,
            withdrawn=bool(kd and kd[0].deleted_at is not None),
        )


def same_story(engine: Engine, document_id: int) -> list[Related]:
    """The same story at other outlets (near-duplicates and an AP decision's release), head first, for the item page."""
    view = stories.story_of(engine, document_id)
    if view is None:
        return []
    return [
        Related(d.document_id, d.title, d.kind, d.source, d.at, "first publication" if d.head else "copy")
        for d in view.others(document_id)
    ]


def _case_related(session: Session, case_id: int, document_id: int) -> list[Related]:
    rows = session.execute(
        select(KamervraagDocument.role, Document, Source.name)
        .join(Document, Document.id == KamervraagDocument.document_id)
        .join(Source, Source.id == Document.source_id)
        .where(KamervraagDocument.case_id == case_id, KamervraagDocument.document_id != document_id)
        .order_by(KamervraagDocument.dated_at, KamervraagDocument.id)
    ).all()
    return [Related(d.id, d.title, d.kind, source, d.dated_at, role) for role, d, source in rows if d.id is not None]


def _linked(session: Session, url: str, relation: str) -> list[Related]:
    rows = session.execute(
        select(Document, Source.name).join(Source, Source.id == Document.source_id).where(Document.url == url)
    ).all()
    return [Related(d.id, d.title, d.kind, source, d.dated_at, relation) for d, source in rows if d.id is not None]


def _linked_to(session: Session, url: str) -> list[Related]:
    """Documents that name this one as the page that linked them (an AP release's decisions)."""
    rows = session.execute(
        select(Document, Source.name).join(Source, Source.id == Document.source_id)
        .where(Document.linked_from == url).order_by(Document.dated_at, Document.id)
    ).all()
    return [Related(d.id, d.title, d.kind, source, d.dated_at, "links to") for d, source in rows if d.id is not None]


def document_id_by_url(engine: Engine, url: str) -> int | None:
    with Session(engine) as session:
        return session.execute(select(Document.id).where(Document.url == url)).scalar_one_or_none()


def raw_page(engine: Engine, document_id: int, version: int | None = None) -> tuple[bytes, str | None, str | None] | None:
    """(bytes as fetched, their content type, SHA-256) of a document's current or given version."""
    with Session(engine) as session:
        doc = session.get(Document, document_id)
        if doc is None:
            return None
        if version is None or version == doc.version:
            raw, digest = doc.raw, doc.raw_sha256
        else:
            row = session.execute(
                select(DocumentVersion.raw, DocumentVersion.raw_sha256)
                .where(DocumentVersion.document_id == document_id, DocumentVersion.version == version)
            ).one_or_none()
            if row is None:
                return None
            raw, digest = row
        if raw is None:
            return None
        return zlib.decompress(raw), doc.content_type, digest


def entity_name(engine: Engine, entity: str) -> tuple[str, str] | None:
    """(name, type) of an entity as the archive last recorded it, or None when no document names it."""
    with Session(engine) as session:
        row = session.execute(
            select(EntityMention.name, EntityMention.entity_type)
            .where(EntityMention.entity == entity).order_by(EntityMention.id.desc()).limit(1)
        ).one_or_none()
    return (row[0], row[1]) if row else None


def case(engine: Engine, number: str) -> CaseView | None:
    """A Kamervraag case's life: status history, people, and each document with its questions and answers."""
    with Session(engine) as session:
        found = session.execute(
            select(KamervraagCase).where(KamervraagCase.number == number).order_by(KamervraagCase.id.desc()).limit(1)
        ).scalar_one_or_none()
        if found is None:
            return None
        assert found.id is not None
        actors = _actors(session, found.id)
        history = session.execute(
            select(KamervraagStatusChange.status, KamervraagStatusChange.at)
            .where(KamervraagStatusChange.case_id == found.id).order_by(KamervraagStatusChange.at, KamervraagStatusChange.id)
        ).all()
        rows = session.execute(
            select(KamervraagDocument, Document.title)
            .join(Document, Document.id == KamervraagDocument.document_id)
            .where(KamervraagDocument.case_id == found.id)
            .order_by(KamervraagDocument.dated_at, KamervraagDocument.id)
        ).all()
        documents = []
        for kd, title in rows:
            pairs = session.execute(
                select(KamervraagPair.number, KamervraagPair.question, KamervraagPair.answer)
                .where(KamervraagPair.kamervraag_document_id == kd.id).order_by(KamervraagPair.number)
            ).all()
            documents.append(CaseDocumentView(
                kd.document_id, kd.role, kd.soort, kd.number, kd.dated_at, title, kd.answerer, kd.deleted_at is not None,
                tuple((n, q, a) for n, q, a in pairs),
            ))
        return CaseView(
            number=found.number, subject=found.subject, status=found.status, status_since=found.status_since,
            submitted=found.submitted_at, due=found.due_at, relevant=found.relevant, submitters=_submitters(actors),
            addressee=_addressee(actors), history=tuple(CaseEventView(s, at) for s, at in history),
            documents=tuple(documents),
        )
