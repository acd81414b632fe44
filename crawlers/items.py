"""The item a spider yields: one fetched article, filled in by the item pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline.classify import TermMatch


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
