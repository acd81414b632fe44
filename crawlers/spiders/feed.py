"""Generic RSS/Atom source: reads the feed with feedparser and fetches each new entry's article page."""

from __future__ import annotations

import calendar
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.html import remove_tags, replace_entities

from crawlers.items import ArticleItem
from crawlers.spiders.source import SourceSpider, failure_reason
from pipeline.canonical import canonical_url, crawlable
from waakhond.config import Source

FEED_META = "waakhond_feed"
ARTICLE_META = "waakhond_article"  # holds the canonical URL, for the seen-URL filter
KNOWN_META = "waakhond_known"  # set by the seen-URL filter: the page is archived and is being re-checked


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str | None
    summary: str | None
    published: datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[FeedEntry]
    skipped: int = 0  # entries without a usable http(s) link
    error: str | None = None  # the feed is unusable
    warning: str | None = None  # the feed is ill-formed but entries could be read


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Entries of an RSS or Atom document; never raises on bad input."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed: Any = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    problem = f"{parsed.bozo_exception.__class__.__name__}: {parsed.bozo_exception}" if parsed.get("bozo") else None
    if not parsed.entries:
        if parsed.get("version") or not problem:
            return ParsedFeed(entries=[], warning=problem)
        return ParsedFeed(entries=[], error=f"not a usable RSS/Atom feed ({problem})")
    entries, skipped = [], 0
    for raw in parsed.entries:
        href = (raw.get("link") or "").strip()
        # An empty href would resolve to the feed's own URL.
        link = urljoin(url, href) if href else ""
        if not crawlable(link):
            skipped += 1
            continue
        entries.append(
            FeedEntry(
                link=link,
                title=_plain(raw.get("title")),
                summary=_plain(raw.get("summary")),
                published=_struct_time(raw.get("published_parsed") or raw.get("updated_parsed")),
            )
        )
    return ParsedFeed(entries=entries, skipped=skipped, warning=problem)


def _plain(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(replace_entities(remove_tags(value)).split())
    return text or None


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def declared_language(response: TextResponse) -> str | None:
    """The page's declared language as a primary subtag ("nl-NL" -> "nl"): <html lang>, else Content-Language."""
    header = response.headers.get(b"Content-Language")
    for value in (response.xpath("/html/@lang").get(), header.decode("latin-1") if header else None):
        tag = (value or "").split(",")[0].strip().split("-")[0].split("_")[0].lower()
        if tag.isalpha() and 2 <= len(tag) <= 3:
            return tag
    return None


def article_item(response: TextResponse, entry: FeedEntry, source: Source, canonical: str) -> ArticleItem:
    content_type = response.headers.get(b"Content-Type")
    return ArticleItem(
        source=source.name,
        kind="news",
        url=canonical,
        fetched_url=response.url,
        body=response.body,
        html=response.text,
        http_status=response.status,
        content_type=content_type.decode("latin-1") if content_type else None,
        fetched_at=datetime.now(UTC),
        feed_title=entry.title,
        feed_summary=entry.summary,
        feed_published=entry.published,
        declared_language=declared_language(response),
    )


class FeedSpider(SourceSpider):
    """Base for feed sources."""

    name = "feed"

    async def start(self) -> AsyncIterator[Request]:
        yield Request(
            self.source.url, callback=self.parse_feed, errback=self.feed_failed, dont_filter=True, meta={FEED_META: True}
        )

    def parse_feed(self, response: Response) -> Iterator[Request]:
        stats = self.crawler.stats
        content_type = response.headers.get(b"Content-Type")
        feed = parse_feed(response.body, response.url, content_type.decode("latin-1") if content_type else None)
        stats.set_value("waakhond/feed/entries", len(feed.entries))
        if feed.error:
            stats.set_value("waakhond/feed/failed", 1)
            self.logger.error("feed %s: %s", response.url, feed.error)
            return
        if feed.warning:
            self.logger.warning("feed %s is ill-formed, entries read anyway: %s", response.url, feed.warning)
        if feed.skipped:
            stats.inc_value("waakhond/feed/entries_without_link", feed.skipped)
            self.logger.warning("feed %s: %d entries without a usable link skipped", response.url, feed.skipped)
        for entry in feed.entries:
            canonical = canonical_url(entry.link)
            yield Request(
                entry.link,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"entry": entry},
                meta={ARTICLE_META: canonical},
            )

    def parse_article(self, response: Response, entry: FeedEntry) -> Iterator[ArticleItem]:
        if response.meta.get(KNOWN_META) and "cached" in response.flags:
            # The server answered 304 (or the cached copy is still fresh): the archived text stands.
            self.crawler.stats.inc_value("waakhond/articles/unchanged")
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("waakhond/articles/failed")
            self.logger.warning("article %s skipped: not a text page (%s)", response.url, response.headers.get(b"Content-Type"))
            return
        if not _is_utf8(response.body):
            self.crawler.stats.inc_value("waakhond/articles/non_utf8")
            self.logger.info("article %s decoded as %s", response.url, response.encoding)
        yield article_item(response, entry, self.source, response.meta[ARTICLE_META])

    def feed_failed(self, failure: Failure) -> None:
        self.crawler.stats.set_value("waakhond/feed/failed", 1)
        self.logger.error("feed %s could not be fetched: %s", failure.request.url, failure_reason(failure))



def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


