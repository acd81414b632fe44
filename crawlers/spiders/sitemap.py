"""Sitemap source: reads an outlet's (Google News) sitemap and fetches the new, recent article pages it lists.

For outlets without a usable RSS/Atom feed. The source's ``url`` is a sitemap (``<urlset>``) or a sitemap
index (``<sitemapindex>``); of an index, the newest ``max_pages`` child sitemaps are read (by ``<lastmod>``,
in document order when the index gives none). ``.xml.gz`` sitemaps are unpacked with Scrapy's gunzip helper,
within DOWNLOAD_MAXSIZE.

A sitemap is not a feed: besides today's news it can list thousands of old URLs (a regular sitemap lists
the whole archive; even a Google News sitemap covers two days). Entries whose publication date
(``<news:publication_date>``) or, failing that, ``<lastmod>`` is older than MAX_AGE are therefore skipped
without a request, and so are child sitemaps whose ``<lastmod>`` is older than that; entries without any
date are kept. The ``follow`` regular expression (``re.search`` on the URL) keeps video, tag and section
pages out. Article pages then go through the same seen-URL filter, conditional GETs and pipelines as a
feed's: ``<news:title>`` and ``<news:publication_date>`` become the item's feed title and publication date.

A sitemap that cannot be fetched or is not a usable sitemap (invalid XML, another root element, entity
declarations) fails the crawl with the reason in the log, like a broken feed (stat waakhond/feed/failed);
the articles of the other sitemaps of the same crawl are still fetched.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any, Literal
from urllib.parse import urljoin

import lxml.etree
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from crawlers.spiders.feed import ARTICLE_META, FEED_META, FeedEntry, FeedSpider
from crawlers.spiders.source import failure_reason
from pipeline.canonical import canonical_url, crawlable

# Entries (and child sitemaps) dated before now - MAX_AGE are not requested: a sitemap lists old URLs too.
MAX_AGE = timedelta(days=3)
# An index may point to further indexes; deeper nesting than this is ignored.
MAX_INDEX_DEPTH = 2
SITEMAP_DEPTH_META = "waakhond_sitemap_depth"

_GZIP_MAGIC = b"\x1f\x8b"
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")

SitemapKind = Literal["urlset", "sitemapindex"]


@dataclass(frozen=True)
class SitemapEntry:
    """A ``<url>`` of a urlset or a ``<sitemap>`` of an index (which has no news tags)."""

    loc: str
    lastmod: datetime | None = None
    title: str | None = None  # <news:title>
    published: datetime | None = None  # <news:publication_date>

    @property
    def date(self) -> datetime | None:
        """What the age of the entry is judged by: its publication date, else its last modification."""
        return self.published or self.lastmod


@dataclass(frozen=True)
class ParsedSitemap:
    kind: SitemapKind | None
    entries: list[SitemapEntry]
    skipped: int = 0  # entries without a usable http(s) <loc>
    error: str | None = None  # the document is unusable
    warning: str | None = None  # the document is ill-formed but entries could be read


def parse_sitemap(body: bytes, url: str, max_size: int = 0) -> ParsedSitemap:
    """Entries of a sitemap or sitemap index, gzipped or not; never raises on bad input.

    The XML parser resolves no entities and loads no DTD or network resource (as Scrapy's own Sitemap
    class); a document that declares entities is refused outright, since no sitemap needs them.
    ``max_size`` bounds the unpacked size of a gzipped body (0: no bound).
    """
    if body[:2] == _GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_size)
        except ValueError as exc:  # Scrapy's "decompressed more than max_size"
            return ParsedSitemap(None, [], error=f"gzipped sitemap too large: {exc}")
        except (OSError, EOFError) as exc:
            return ParsedSitemap(None, [], error=f"not a valid gzip file: {exc}")
    if not body.strip():
        return ParsedSitemap(None, [], error="empty document")
    kind: SitemapKind | None = None
    entries: list[SitemapEntry] = []
    skipped = 0
    events = lxml.etree.iterparse(
        BytesIO(body), events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
        huge_tree=False, remove_comments=True, remove_pis=True, recover=False,
    )
    try:
        for event, element in events:
            if event == "start":
                if kind is None:
                    root = _local(element)
                    if root not in ("urlset", "sitemapindex"):
                        return ParsedSitemap(None, [], error=f"not a sitemap (root element <{root}>)")
                    kind = root
                    dtd = element.getroottree().docinfo.internalDTD
                    declared = [e.name for e in dtd.iterentities()] if dtd is not None else []
                    if declared:
                        return ParsedSitemap(None, [], error=f"refused: the document declares XML entities "
                                                             f"({', '.join(declared[:5])})")
                continue
            if element.getparent() is None or _local(element) not in ("url", "sitemap"):
                continue
            entry = _entry(element, url)
            if entry is None:
                skipped += 1
            else:
                entries.append(entry)
            element.clear()  # keep memory flat on large sitemaps
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except lxml.etree.XMLSyntaxError as exc:
        problem = f"invalid XML: {exc}"
        if kind is None or not entries:
            return ParsedSitemap(kind, [], skipped, error=problem)
        return ParsedSitemap(kind, entries, skipped, warning=problem)
    return ParsedSitemap(kind, entries, skipped)


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _text(element: Any) -> str | None:
    text = " ".join("".join(element.itertext()).split()) if element is not None else ""
    return text or None


def _entry(element: Any, base: str) -> SitemapEntry | None:
    # Only direct children: <image:image> and <video:video> carry their own <loc> and <title>.
    children = {_local(child): child for child in element if _local(child)}
    loc = _text(children.get("loc"))
    link = urljoin(base, loc) if loc else ""
    if not crawlable(link):
        return None
    news = children.get("news")
    news_tags = {_local(child): child for child in news if _local(child)} if news is not None else {}
    return SitemapEntry(
        loc=link,
        lastmod=parse_w3c_datetime(_text(children.get("lastmod"))),
        title=_text(news_tags.get("title")),
        published=parse_w3c_datetime(_text(news_tags.get("publication_date"))),
    )


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """A W3C datetime ("2026-11-20", "2026-11-20T09:30:00+01:00", "2026-11-20T08:30Z", "2026-11") in UTC.

    Times without a zone are taken as UTC; anything unreadable is None.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        match = _YEAR_MONTH.match(value.strip())
        if not match:
            return None
        try:
            moment = datetime(int(match.group(1)), int(match.group(2) or 1), 1)
        except ValueError:
            return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def is_recent(entry: SitemapEntry, now: datetime, max_age: timedelta = MAX_AGE) -> bool:
    """Whether an entry is new enough to request: undated entries are given the benefit of the doubt."""
    date = entry.date
    return date is None or date >= now - max_age


def newest_sitemaps(
    entries: Iterable[SitemapEntry], limit: int, now: datetime, max_age: timedelta = MAX_AGE
) -> list[SitemapEntry]:
    """The child sitemaps of an index to read: the ``limit`` most recently modified, none older than max_age.

    Dated children come first, newest first; undated ones follow in document order.
    """
    recent = [e for e in entries if is_recent(e, now, max_age)]
    dated = sorted((e for e in recent if e.lastmod), key=lambda e: e.lastmod or now, reverse=True)
    return (dated + [e for e in recent if not e.lastmod])[:limit]


class SitemapSpider(FeedSpider):
    """Base for sitemap sources.

    Article pages are handled exactly as a feed's (``FeedSpider.parse_article``), with the sitemap entry
    as their feed entry.
    """

    name = "sitemap"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.follow = re.compile(self.source.follow) if self.source.follow else None
        self.child_sitemaps = 0  # child sitemaps requested in this crawl, at most source.max_pages

    async def start(self) -> AsyncIterator[Request]:
        yield self.sitemap_request(self.source.url, depth=0, dont_filter=True)

    def sitemap_request(self, url: str, depth: int, dont_filter: bool = False) -> Request:
        return Request(
            url, callback=self.parse_sitemap, errback=self.sitemap_failed, dont_filter=dont_filter,
            meta={FEED_META: True, SITEMAP_DEPTH_META: depth},
        )

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        stats = self.crawler.stats
        stats.inc_value("waakhond/sitemap/read")
        max_size = response.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        sitemap = parse_sitemap(response.body, response.url, max_size=max_size)
        if sitemap.error:
            stats.set_value("waakhond/feed/failed", 1)
            self.logger.error("sitemap %s: %s", response.url, sitemap.error)
            return
        if sitemap.warning:
            self.logger.warning("sitemap %s is ill-formed, entries read anyway: %s", response.url, sitemap.warning)
        if sitemap.skipped:
            stats.inc_value("waakhond/sitemap/entries_without_loc", sitemap.skipped)
            self.logger.warning("sitemap %s: %d entries without a usable <loc> skipped", response.url, sitemap.skipped)
        now = datetime.now(UTC)
        if sitemap.kind == "sitemapindex":
            yield from self.child_requests(response, sitemap.entries, now)
            return
        recent = [e for e in sitemap.entries if is_recent(e, now)]
        if len(recent) < len(sitemap.entries):
            stats.inc_value("waakhond/sitemap/too_old", len(sitemap.entries) - len(recent))
        wanted = [e for e in recent if self.follow is None or self.follow.search(e.loc)]
        if len(wanted) < len(recent):
            stats.inc_value("waakhond/sitemap/not_followed", len(recent) - len(wanted))
        stats.inc_value("waakhond/feed/entries", len(wanted))
        for entry in wanted:
            feed_entry = FeedEntry(link=entry.loc, title=entry.title, summary=None, published=entry.published)
            yield Request(
                entry.loc,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"entry": feed_entry},
                meta={ARTICLE_META: canonical_url(entry.loc)},
            )

    def child_requests(self, response: Response, entries: list[SitemapEntry], now: datetime) -> Iterator[Request]:
        depth = response.meta.get(SITEMAP_DEPTH_META, 0) + 1
        if depth > MAX_INDEX_DEPTH:
            self.logger.warning("sitemap index %s nested deeper than %d levels: ignored", response.url, MAX_INDEX_DEPTH)
            return
        budget = max(self.source.max_pages - self.child_sitemaps, 0)
        chosen = newest_sitemaps(entries, budget, now)
        self.crawler.stats.inc_value("waakhond/sitemap/children_skipped", len(entries) - len(chosen))
        for entry in chosen:
            self.child_sitemaps += 1
            yield self.sitemap_request(entry.loc, depth)

    def sitemap_failed(self, failure: Failure) -> None:
        self.crawler.stats.set_value("waakhond/feed/failed", 1)
        self.logger.error("sitemap %s could not be fetched: %s", failure.request.url, failure_reason(failure))
