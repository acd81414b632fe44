"""Tweede Kamer written questions: an incremental sync of the OData API, with each document's published text."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.context import crawl_context
from crawlers.items import KamervraagItem
from crawlers.spiders.source import SourceSpider
from crawlers.spiders.source import failure_reason
from crawlers.tweede_kamer_api import (
    ApiError,
    TkDocument,
    documents_url,
    parse_page,
    parse_record,
    version_for_url,
)
from pipeline.case_clock import ANSWER, QUESTION
from pipeline.errors import PublicationError
from pipeline.publication import (
    Publication,
    parse_publication_html,
    parse_publication_xml,
    parse_sru_response,
    publication_identifier,
    sru_query_url,
)
from storage import kamervragen

# A first sync (no cursor yet) starts this far back; older history is for `waakhond backfill kamervragen`.
FIRST_SYNC_LOOKBACK = timedelta(days=14)
# Documents whose publication was not found yet are looked up again on later crawls for this long.
PUBLICATION_RETRY_WINDOW = timedelta(days=60)
PUBLICATION_RETRIES_PER_CRAWL = 50


@dataclass(frozen=True)
class PublicationFetch:
    publication: Publication | None
    url: str | None = None
    body: bytes | None = None
    problem: str | None = None


class KamervragenSpider(SourceSpider):
    """Base for kamervragen sources.

    Pages are followed one after the other and their records stored in API order (CONCURRENT_ITEMS = 1),
    with the sync cursor saved alongside each record: a crawl stopped anywhere resumes where it stopped.
    """

    name = "kamervragen"
    custom_settings: ClassVar[dict[str, Any]] = {"CONCURRENT_ITEMS": 1}

    def __init__(self, *args: Any, since: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A backfill: every document dated from ``since`` on, without touching the cursor or alerting.
        self.backfill_since = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC) if since else None
        self.version = version_for_url(self.source.url)

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        host = urlsplit(request.url).hostname
        return host in (urlsplit(cls.source.url).hostname, urlsplit(cls.source.publications_url or "").hostname)

    @property
    def backfill(self) -> bool:
        return self.backfill_since is not None

    async def start(self) -> AsyncIterator[Request]:
        engine = crawl_context(self.settings).engine
        if self.backfill_since is not None:
            url = documents_url(self.source.url, self.version, dated_since=self.backfill_since)
        else:
            cursor = kamervragen.sync_cursor(engine, self.source.name)
            if cursor is None:
                cursor = (datetime.now(UTC) - FIRST_SYNC_LOOKBACK).strftime("%Y-%m-%dT%H:%M:%SZ")
            url = documents_url(self.source.url, self.version, modified_since=cursor)
        yield self._page_request(url)

    def _page_request(self, url: str) -> Request:
        return Request(url, callback=self.parse_page, errback=self.api_failed, dont_filter=True,
                       headers={"Accept": "application/json"})

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        try:
            page = parse_page(response.body, self.version)
        except ApiError as exc:
            stats.set_value("waakhond/api/failed", 1)
            self.logger.error("Tweede Kamer API page %s unusable: %s", response.url, exc)
            return
        stats.inc_value("waakhond/records", len(page.records) + len(page.skipped))
        if page.total is not None and stats.get_value("waakhond/records/total") is None:
            stats.set_value("waakhond/records/total", page.total)
        for skipped in page.skipped:
            stats.inc_value("waakhond/records/skipped")
            self.logger.warning("record %s skipped: %s", skipped.record_id or "(no id)", skipped.reason)
        for record in page.records:
            yield await self._item(record, response.url, advance_cursor=not self.backfill)
        if page.next_link:
            yield self._page_request(page.next_link)
        elif not self.backfill:
            async for item in self._retry_missing_publications():
                yield item

    async def _item(self, record: TkDocument, api_url: str, advance_cursor: bool) -> KamervraagItem:
        item = KamervraagItem(
            source=self.source.name, record=record, api_url=api_url, fetched_at=datetime.now(UTC),
            advance_cursor=advance_cursor, backfill=self.backfill,
        )
        if record.deleted or record.role not in (QUESTION, ANSWER):
            return item
        engine = crawl_context(self.settings).engine
        if kamervragen.stored_record_state(engine, record.id) == (record.modified, "publication"):
            return item  # seen before with its published text: nothing to fetch
        fetched = await self.fetch_publication(record)
        item.publication, item.publication_url, item.publication_body = fetched.publication, fetched.url, fetched.body
        if fetched.problem:
            self.crawler.stats.inc_value("waakhond/publications/missing")
            # Old documents in a backfill often have no kv-tk publication: one line each is enough at info.
            log = self.logger.info if self.backfill else self.logger.warning
            log("document %s (%s): %s; stored from its metadata for now",
                                record.number or record.id, record.kind, fetched.problem)
        else:
            self.crawler.stats.inc_value("waakhond/publications/fetched")
        return item

    async def fetch_publication(self, record: TkDocument) -> PublicationFetch:
        """The document's text from officielebekendmakingen: SRU lookup, then its xml (or html) manifestation."""
        identifier = record.external_id or publication_identifier(
            "answer" if record.role == ANSWER else "questions",
            case_number=record.case.number if record.case else None,
            vergaderjaar=record.vergaderjaar,
            aanhangselnummer=record.aanhangselnummer,
        )
        if identifier is None:
            return PublicationFetch(None, problem="no publication identifier known")
        try:
            lookup = sru_query_url(self.source.publications_url or "", identifier)
        except ValueError as exc:
            return PublicationFetch(None, problem=f"unusable publication identifier: {exc}")
        response, problem = await self._download(lookup)
        if response is None:
            return PublicationFetch(None, problem=f"publication lookup of {identifier} failed: {problem}")
        try:
            found = parse_sru_response(response.body)
        except PublicationError as exc:
            return PublicationFetch(None, problem=f"publication lookup of {identifier} failed: {exc}")
        if not found:
            return PublicationFetch(None, problem=f"{identifier} is not published yet")
        problems = []
        parsers: dict[str, Callable[[Response], Publication]] = {
            "xml": lambda r: parse_publication_xml(r.body, identifier),
            "html": lambda r: parse_publication_html(r.body, r.url, identifier),
        }
        for manifestation, parse in parsers.items():
            url = found[0].item_urls.get(manifestation)
            if not url:
                continue
            response, problem = await self._download(url)
            if response is None:
                problems.append(f"{manifestation}: {problem}")
                continue
            try:
                publication = parse(response)
            except PublicationError as exc:
                problems.append(f"{manifestation}: {exc}")
                continue
            return PublicationFetch(publication, response.url, response.body)
        return PublicationFetch(None, problem=f"{identifier} unreadable ({'; '.join(problems) or 'no xml or html'})")

    async def _download(self, url: str) -> tuple[Response | None, str | None]:
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(Request(url, dont_filter=True))
        except Exception as exc:  # noqa: BLE001 - any download failure is this document's problem, not the crawl's
            return None, f"{type(exc).__name__}: {exc}"
        if response.status != 200:
            return None, f"HTTP {response.status}"
        return response, None

    async def _retry_missing_publications(self) -> AsyncIterator[KamervraagItem]:
        engine = crawl_context(self.settings).engine
        since = datetime.now(UTC) - PUBLICATION_RETRY_WINDOW
        for raw in kamervragen.documents_awaiting_text(engine, self.source.name, since, PUBLICATION_RETRIES_PER_CRAWL):
            record = parse_record(_json(raw), self.version)
            if not isinstance(record, TkDocument) or record.deleted:
                continue
            item = await self._item(record, self.source.url, advance_cursor=False)
            if item.publication is not None:
                self.crawler.stats.inc_value("waakhond/publications/found_later")
                yield item

    def api_failed(self, failure: Failure) -> None:
        self.crawler.stats.set_value("waakhond/api/failed", 1)
        self.logger.error("Tweede Kamer API page %s could not be fetched: %s", failure.request.url, failure_reason(failure))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
