"""The items spiders yield: a fetched article, or a Tweede Kamer document record; filled in by the item pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawlers.tweede_kamer_api import TkDocument
from pipeline.classify import TermMatch
from pipeline.publication import Publication


@dataclass
class ArticleItem:
    source: str
    kind: str
    url: str  # canonical
    fetched_url: str
    body: bytes
    html: str
    http_status: int
    content_type: str | None
    fetched_at: datetime
    feed_title: str | None = None
    feed_summary: str | None = None
    feed_published: datetime | None = None
    declared_language: str | None = None
    # Filled in by the pipelines.
    title: str | None = None
    text: str | None = None
    text_origin: str | None = None
    author: str | None = None
    language: str | None = None
    published_at: datetime | None = None
    content_hash: str | None = None
    matches: list[TermMatch] = field(default_factory=list)


@dataclass
class KamervraagItem:
    """One Document record of a written-question case, with its published text when it could be fetched."""

    source: str
    record: TkDocument
    api_url: str  # the API page the record came from
    fetched_at: datetime
    publication: Publication | None = None
    publication_url: str | None = None
    publication_body: bytes | None = None
    # False for a retry of an older record or a backfill: storing it must not move the sync cursor.
    advance_cursor: bool = True
    backfill: bool = False  # history loaded on request: stored without alerts
    # Filled in by the classify pipeline.
    matches: list[TermMatch] = field(default_factory=list)

    def texts(self) -> tuple[str | None, ...]:
        """What classification reads: the case's subject, the document's subject and its published text."""
        case_subject = self.record.case.subject if self.record.case else None
        return (case_subject, self.record.subject, self.publication.text if self.publication else None)
