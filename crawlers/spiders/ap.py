"""Autoriteit Persoonsgegevens: the press releases on its news listing ("Actueel", paged with ?page=N),
each release's page, and the decisions (besluiten, PDF files) a release links to.

The listing is Drupal markup: one ``article.node-article-teaser`` per release (link, title in
``.node-article-teaser__title``, date "24 juni 2026" in ``.node-article-teaser__submitted``) and a pager
whose next link carries ``rel="next"``. Decisions are files under /uploads/<yyyy-mm>/ or served by
/system/files?file=<yyyy-mm>/<name>.pdf. See tests/fixtures/sites/README.md (``ap/``) for the sources.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawlers.context import crawl_context
from crawlers.items import ArticleItem
from crawlers.spiders.source import SourceSpider, failure_reason
from crawlers.spiders.feed import (
    ARTICLE_META,
    FEED_META,
    KNOWN_META,
    FeedEntry,
    article_item,
    declared_language,
)
from pipeline.canonical import canonical_url, crawlable
from pipeline.pdf import is_pdf
from storage.repository import known_urls
from waakhond.config import AMSTERDAM, Source

RELEASE_KIND = "ap-release"
DECISION_KIND = "ap-decision"

MONTHS = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6,
    "juli": 7, "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}
_MONTH_ABBREVIATIONS = {name[:3]: number for name, number in MONTHS.items()}
_DUTCH_DATE = re.compile(r"\b(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b")
# A decision's link names it: "Besluit boete ...", "boetebesluit", "sanctiebesluit", "Besluit op bezwaar" ...
_DECISION = re.compile(r"besluit", re.IGNORECASE)
# What a download link adds to its text: "(PDF, 212 KB)", "pdf 1,4 MB".
_FILE_NOTE = re.compile(r"\(?\s*\b(?:pdf|PDF)\b[\s,]*(?:\d+(?:[.,]\d+)?\s*[kKmM]?[bB])?\s*\)?\s*$")
# Shorter link texts ("besluit", "Download") say less than the file's name.
_MIN_TITLE = 15


@dataclass(frozen=True)
class ListingEntry:
    url: str  # absolute
    title: str | None
    date: datetime | None  # the day, at midnight in Amsterdam
    teaser: str | None


@dataclass(frozen=True)
class ListingPage:
    items: list[ListingEntry]
    next_url: str | None  # absolute; None on the last page


@dataclass(frozen=True)
class DocumentLink:
    """A decision linked from a release: its file's URL and what to call it (the link's text, else the file name)."""

    url: str  # absolute
    title: str


def parse_listing(html: str, url: str) -> ListingPage:
    """The releases on one page of the AP's news listing, and the next page; never raises on bad input."""
    page = Selector(text=html or "<html></html>")
    items: list[ListingEntry] = []
    seen: set[str] = set()
    for teaser in page.css("article.node-article-teaser"):
        href = (
            teaser.css("a.node-article-teaser__action::attr(href)").get()
            or teaser.css("a.node-article-teaser__link::attr(href)").get()
            or teaser.css("a[href]::attr(href)").get()
        )
        link = _absolute(url, href)
        if link is None or link in seen:
            continue
        seen.add(link)
        items.append(
            ListingEntry(
                url=link,
                title=_text(teaser.css(".node-article-teaser__title ::text").getall()),
                date=parse_dutch_date(_text(teaser.css(".node-article-teaser__submitted ::text").getall())),
                # The AP's listing shows none today; a summary paragraph, should it come, becomes the teaser.
                teaser=_text(teaser.css(".node-article-teaser__summary ::text, .node-article-teaser__content > p ::text").getall()),
            )
        )
    next_href = (
        page.css('nav.pager a[rel="next"]::attr(href)').get()
        or page.css("li.pager__item--next a::attr(href)").get()
        or page.css('link[rel="next"]::attr(href)').get()
    )
    next_url = _absolute(url, next_href)
    return ListingPage(items=items, next_url=next_url if next_url != url else None)


def parse_release_links(html: str, url: str) -> list[DocumentLink]:
    """The decisions a release's page links to: PDF files whose link or file name says "besluit".

    Looks inside <main> when the page has one, so that files linked from the site's header and footer
    do not count. Several links to one file (in the text and in the documents list) give one entry,
    named by the most telling link text.
    """
    page = Selector(text=html or "<html></html>")
    scope = page.css("main") or page
    found: dict[str, tuple[str, list[str]]] = {}  # canonical URL -> (absolute URL, link texts)
    for anchor in scope.css("a[href]"):
        link = _absolute(url, anchor.attrib.get("href"))
        if link is None or not _is_file_download(link, anchor.attrib.get("type")):
            continue
        texts = [t for t in (
            _text(anchor.css("::text").getall()),
            anchor.attrib.get("title"),
            anchor.attrib.get("aria-label"),
        ) if t]
        name = file_name(link)
        if not any(_DECISION.search(t) for t in (*texts, name)):
            continue
        key = canonical_url(link)
        found.setdefault(key, (link, []))[1].extend(texts)
    links = []
    for link, texts in found.values():
        best = max((_FILE_NOTE.sub("", t).strip() for t in texts), key=len, default="")
        links.append(DocumentLink(url=link, title=best if len(best) >= _MIN_TITLE else file_name(link)))
    return links


def file_name(url: str) -> str:
    """A file's name without its extension: "Besluit boete Clearview" from .../Besluit%20boete%20Clearview.pdf,
    also when a download script serves it (/system/files?file=2024-09/Besluit%20boete%20Clearview.pdf)."""
    parts = urlsplit(url)
    path = next((v for k, v in parse_qsl(parts.query) if k == "file"), None) or unquote(parts.path)
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"\.pdf$", "", name, flags=re.IGNORECASE).replace("_", " ").strip() or url


def parse_dutch_date(text: str | None) -> datetime | None:
    """ "24 juni 2026" (or "24 jun. 2026", "24-06-2026") as midnight of that day in Amsterdam."""
    if not text:
        return None
    lowered = text.lower()
    match = _DUTCH_DATE.search(lowered)
    if match:
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name) or (_MONTH_ABBREVIATIONS.get(month_name[:3]) if len(month_name) <= 4 else None)
    else:
        match = _NUMERIC_DATE.search(lowered)
        if not match:
            return None
        day, month_text, year = match.groups()
        month = int(month_text)
    if not month:
        return None
    try:
        return datetime(int(year), month, int(day), tzinfo=AMSTERDAM)
    except ValueError:
        return None


def _is_file_download(link: str, type_attribute: str | None) -> bool:
    parts = urlsplit(link)
    if parts.path.lower().endswith(".pdf") or (type_attribute or "").lower().startswith("application/pdf"):
        return True
    # Drupal's private files: /system/files?file=2024-09/Besluit.pdf or /system/files/2024-09/Besluit.pdf
    return "/system/files" in parts.path and any(
        v.lower().endswith(".pdf") for _, v in parse_qsl(parts.query)
    )


def _absolute(base: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    link = urljoin(base, href).split("#", 1)[0]
    return link if crawlable(link) else None


def _text(fragments: list[str]) -> str | None:
    text = " ".join(" ".join(fragments).split())
    return text or None


def release_item(response: TextResponse, entry: ListingEntry, source: Source, canonical: str) -> ArticleItem:
    """A release's page as the feed spider stores an article, the listing standing in for the feed entry."""
    item = article_item(response, FeedEntry(entry.url, entry.title, entry.teaser, entry.date), source, canonical)
    item.kind = RELEASE_KIND
    return item


def decision_item(
    response: Response, link: DocumentLink, entry: ListingEntry, source: Source, canonical: str, release: str,
    language: str | None,
) -> ArticleItem:
    content_type = response.headers.get(b"Content-Type")
    return ArticleItem(
        source=source.name,
        kind=DECISION_KIND,
        url=canonical,
        fetched_url=response.url,
        body=response.body,
        html="",
        http_status=response.status,
        content_type=content_type.decode("latin-1") if content_type else None,
        fetched_at=datetime.now(UTC),
        feed_title=link.title,
        feed_published=entry.date,
        declared_language=language,  # a PDF declares none; the release's page does
        linked_from=release,
    )


class ApSpider(SourceSpider):
    """The AP's listing, up to ``source.max_pages`` pages."""

    name = "ap"

    async def start(self) -> AsyncIterator[Request]:
        yield self._listing_request(self.source.url, page=1)

    def _listing_request(self, url: str, page: int) -> Request:
        # Page 1 is always read; a later page that links back to an earlier one is dropped by the dupefilter.
        return Request(url, callback=self.parse_listing, errback=self.listing_failed, dont_filter=page == 1,
                       cb_kwargs={"page": page}, meta={FEED_META: True})

    def parse_listing(self, response: Response, page: int) -> Iterator[Request]:
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            self._listing_problem(page, f"listing page {response.url} is not an HTML page "
                                        f"({response.headers.get(b'Content-Type')})")
            return
        listing = parse_listing(response.text, response.url)
        stats.inc_value("waakhond/ap/listing_pages")
        stats.inc_value("waakhond/feed/entries", len(listing.items))
        if not listing.items:
            self._listing_problem(page, f"listing page {response.url} shows no press releases; has the site changed?")
            return
        entries = listing.items
        if self.source.follow:
            entries = [e for e in listing.items if re.search(self.source.follow, e.url)]
            if skipped := len(listing.items) - len(entries):
                stats.inc_value("waakhond/ap/not_followed", skipped)
        canonicals = [canonical_url(e.url) for e in entries]
        for entry, canonical in zip(entries, canonicals, strict=True):
            yield Request(entry.url, callback=self.parse_release, errback=self.article_failed,
                          cb_kwargs={"entry": entry}, meta={ARTICLE_META: canonical})
        if listing.next_url is None:
            return
        if page >= self.source.max_pages:
            self.logger.info("listing page %d of at most %d read; not following %s", page, self.source.max_pages,
                             listing.next_url)
            return
        if canonicals and not self._any_new(canonicals):
            # Every release on this page is archived already, so the older pages hold nothing new either.
            stats.set_value("waakhond/ap/stopped_at_page", page)
            self.logger.info("listing page %d has no new releases; older pages are not read", page)
            return
        yield self._listing_request(listing.next_url, page + 1)

    def _any_new(self, canonicals: list[str]) -> bool:
        known = known_urls(crawl_context(self.settings).engine, canonicals)
        return any(url not in known for url in canonicals)

    def parse_release(self, response: Response, entry: ListingEntry) -> Iterator[ArticleItem | Request]:
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("waakhond/articles/failed")
            self.logger.warning("release %s skipped: not a text page (%s)", response.url, response.headers.get(b"Content-Type"))
            return
        canonical = response.meta[ARTICLE_META]
        if response.meta.get(KNOWN_META) and "cached" in response.flags:
            # 304: the archived release stands. Its decisions are still asked for (the seen-URL filter
            # drops the archived ones), so that a decision that failed last time is tried again.
            stats.inc_value("waakhond/articles/unchanged")
        else:
            yield release_item(response, entry, self.source, canonical)
        language = declared_language(response)
        decisions = parse_release_links(response.text, response.url)
        stats.inc_value("waakhond/ap/decisions_linked", len(decisions))
        for link in decisions:
            yield Request(link.url, callback=self.parse_decision, errback=self.article_failed,
                          cb_kwargs={"link": link, "entry": entry, "release": canonical, "language": language},
                          meta={ARTICLE_META: canonical_url(link.url)})

    def parse_decision(
        self, response: Response, link: DocumentLink, entry: ListingEntry, release: str, language: str | None
    ) -> Iterator[ArticleItem]:
        stats = self.crawler.stats
        if response.meta.get(KNOWN_META) and "cached" in response.flags:
            stats.inc_value("waakhond/articles/unchanged")
            return
        content_type = response.headers.get(b"Content-Type")
        if not is_pdf(response.body, content_type.decode("latin-1") if content_type else None):
            stats.inc_value("waakhond/articles/failed")
            self.logger.warning("decision %s (linked from %s) skipped: not a PDF (%s)", response.url, release, content_type)
            return
        stats.inc_value("waakhond/ap/decisions")
        yield decision_item(response, link, entry, self.source, response.meta[ARTICLE_META], release, language)

    def _listing_problem(self, page: int, message: str) -> None:
        if page == 1:
            # Without its first listing page the source gave nothing: the crawl failed.
            self.crawler.stats.set_value("waakhond/feed/failed", 1)
            self.logger.error(message)
        else:
            self.crawler.stats.inc_value("waakhond/ap/listing_failed")
            self.logger.warning(message)

    def listing_failed(self, failure: Failure) -> None:
        page = failure.request.cb_kwargs.get("page", 1)
        self._listing_problem(page, f"listing page {failure.request.url} could not be fetched: {failure_reason(failure)}")

