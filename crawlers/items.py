"""The items spiders yield: a fetched article, or a Tweede Kamer document record; filled in by the item pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawlers.tweede_kamer_api import TkDocument
from pipeline.classify import Classification
from pipeline.dedupe import Signature
from pipeline.publication import Publication
from pipeline.sanctions import SanctionFacts


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
    classification: Classification | None = None
    # "paywall" or "consent-wall" when the page was walled off and the feed's summary stands in.
    access: str | None = None
    # The page that linked to this document: an AP decision's press release.
    linked_from: str | None = None
    # AP press releases and decisions: the sanction they announce or impose (pipeline.sanctions).
    sanction: SanctionFacts | None = None
    # The near-duplicate fingerprint of the text (pipeline.dedupe); None when the text is too short.
    signature: Signature | None = None


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
    classification: Classification | None = None

    def title(self) -> str:
        """The archived document's title: its subject, else its title, the case's subject or number."""
        record, case = self.record, self.record.case
        return record.subject or record.title or (case.subject if case else None) or (case.number if case else "") or ""

    def text(self) -> str:
        """The archived document's text: the published text, else what the record's metadata says."""
        if self.publication is not None:
            return self.publication.text
        record, case = self.record, self.record.case
        parts = (record.kind, record.subject, record.title, case.subject if case else None)
        return "\n".join(dict.fromkeys(t for t in parts if t))

    def case_subject(self) -> str | None:
        return self.record.case.subject if self.record.case else None
