"""The one place for entity timelines: the items that mention an entity across news, Kamervragen and AP, in order.

Copies of one story count as one item (the first copy that mentions the entity), with the other
outlets listed; a Kamervragen document carries its case number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.models import Document, EntityMention, KamervraagCase, KamervraagDocument, Source, StoryMember
from storage.stories import document_time


@dataclass(frozen=True)
class TimelineItem:
    document_id: int
    at: datetime  # publication, else first fetch
    kind: str  # news | ap-release | ap-decision | kamervraag | kamervraag-uitstel | kamervraag-antwoord
    source: str
    title: str
    url: str
    mentions: int
    snippet: str
    story_id: int | None = None
    also_in: tuple[str, ...] = ()  # the other sources of the same story that mention the entity
    case_number: str | None = None


def entity_timeline(
    engine: Engine, entity: str, since: datetime | None = None, until: datetime | None = None, limit: int = 100,
) -> list[TimelineItem]:
    """The latest ``limit`` items mentioning ``entity`` (a gazetteer id or "case:2024Z16676", ...), oldest first."""
    stamp = func.coalesce(Document.published_at, Document.fetched_at)
    group = func.coalesce(StoryMember.story_id, -Document.id)  # a story, or a document in none
    conditions = [EntityMention.entity == entity]
    if since is not None:
        conditions.append(stamp >= since)
    if until is not None:
        conditions.append(stamp < until)
    base = (
        select(group.label("grp"), func.min(stamp).label("first"))
        .select_from(EntityMention)
        .join(Document, Document.id == EntityMention.document_id)
        .outerjoin(StoryMember, StoryMember.document_id == Document.id)
        .where(*conditions)
        .group_by(group)
        .order_by(func.min(stamp).desc())
        .limit(limit)
    )
    with Session(engine) as session:
        groups = [g for g, _ in session.execute(base).all()]
        if not groups:
            return []
        rows = session.execute(
            select(Document, Source.name, EntityMention.count, EntityMention.snippet, StoryMember.story_id, KamervraagCase.number)
            .join(EntityMention, EntityMention.document_id == Document.id)
            .join(Source, Source.id == Document.source_id)
            .outerjoin(StoryMember, StoryMember.document_id == Document.id)
            .outerjoin(KamervraagDocument, KamervraagDocument.document_id == Document.id)
            .outerjoin(KamervraagCase, KamervraagCase.id == KamervraagDocument.case_id)
            .where(*conditions, group.in_(groups))
        ).all()
    by_group: dict[int, list[tuple[Document, str, int, str, int | None, str | None]]] = {}
    for doc, source, count, snippet, story_id, number in rows:
        assert doc.id is not None
        by_group.setdefault(story_id if story_id is not None else -doc.id, []).append((doc, source, count, snippet, story_id, number))
    items = []
    for members in by_group.values():
        members.sort(key=lambda m: (document_time(m[0].published_at, m[0].fetched_at), m[0].id))
        doc, source, count, snippet, story_id, number = members[0]
        assert doc.id is not None
        others = tuple(dict.fromkeys(m[1] for m in members[1:] if m[1] != source))
        items.append(
            TimelineItem(doc.id, document_time(doc.published_at, doc.fetched_at), doc.kind, source, doc.title, doc.url,
                         count, snippet, story_id, others, number)
        )
    return sorted(items, key=lambda i: (i.at, i.document_id))


def known_entities(engine: Engine, prefix: str, limit: int = 5) -> list[str]:
    """Entity ids stored in mentions that start with ``prefix`` (for suggestions)."""
    with Session(engine) as session:
        return list(
            session.execute(
                select(EntityMention.entity).where(EntityMention.entity.like(f"{prefix}%")).distinct().order_by(EntityMention.entity).limit(limit)
            ).scalars()
        )
