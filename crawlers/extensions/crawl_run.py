"""Records every crawl as a crawl_runs row: start, end, outcome, counts, errors and bytes."""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from crawlers.context import crawl_context
from storage import repository
from storage.models import utcnow

logger = logging.getLogger(__name__)


def summarize(stats: dict[str, object], finish_reason: str | None) -> dict[str, object]:
    """The crawl_runs fields for a crawl's final Scrapy stats."""

    def n(key: str) -> int:
        value = stats.get(key, 0)
        return int(value) if isinstance(value, (int, float)) else 0

    failed_status = {k.rsplit("/", 1)[1]: n(k) for k in stats if k.startswith("waakhond/articles/failed_status/")}
    article_failures = n("waakhond/articles/failed")
    # Scrapy counts drops by the exception's class name, so each EmptyPage subclass has its own key.
    empty_drops = n("item_dropped_reasons_count/EmptyPage") + n("item_dropped_reasons_count/WalledPage")
    source_failed = n("waakhond/feed/failed") or n("waakhond/api/failed")
    listing_failed = n("waakhond/ap/listing_failed")  # a later listing page of a listing source
    errors = (
        article_failures + empty_drops + source_failed + n("waakhond/records/skipped") + n("spider_exceptions/count")
        + n("item_error_count") + listing_failed
    )
    problems = []
    if n("waakhond/feed/failed"):
        problems.append("feed unusable")
    if n("waakhond/api/failed"):
        problems.append("API page unusable")
    if listing_failed:
        problems.append(f"{listing_failed} listing page(s) failed")
    if n("waakhond/records/skipped"):
        problems.append(f"{n('waakhond/records/skipped')} record(s) skipped")
    if n("waakhond/publications/missing"):
        # Not an error: officielebekendmakingen publishes some time after the Tweede Kamer registers a document.
        problems.append(f"{n('waakhond/publications/missing')} publication(s) not found yet")
    if article_failures:
        detail = ", ".join(f"HTTP {code}: {count}" for code, count in sorted(failed_status.items()))
        problems.append(f"{article_failures} article page(s) failed" + (f" ({detail})" if detail else ""))
    if n("waakhond/extract/empty"):
        problems.append(
            f"{n('waakhond/extract/empty')} page(s) without extractable text"
            f" ({n('waakhond/extract/summary_fallback')} stored from the feed summary)"
        )
    walled = {kind: n(f"waakhond/extract/{kind}") for kind in ("paywall", "consent-wall") if n(f"waakhond/extract/{kind}")}
    if walled:
        # Not an error when the feed's summary stood in; a walled page without one is counted as a dropped page.
        problems.append("walled page(s): " + ", ".join(f"{kind} {count}" for kind, count in walled.items()))
    skipped = {kind: n(f"waakhond/skipped/{kind}") for kind in ("listing", "video", "liveblog") if n(f"waakhond/skipped/{kind}")}
    if skipped:
        problems.append("not articles, skipped: " + ", ".join(f"{kind} {count}" for kind, count in skipped.items()))
    if finish_reason not in (None, "finished"):
        problems.append(f"crawl ended early: {finish_reason}")
    if finish_reason == "shutdown":
        # Stopped on purpose (SIGTERM, Ctrl-C): not the source's fault, so not counted against its health.
        outcome = "interrupted"
    elif source_failed or finish_reason not in (None, "finished"):
        outcome = "failed"
    elif errors or n("waakhond/extract/empty"):
        outcome = "partial"
    else:
        outcome = "ok"
    http_errors = sum(
        n(k) for k in stats if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[1][:1] in "45"
    )
    return {
        "outcome": outcome,
        "entries_seen": n("waakhond/feed/entries") + n("waakhond/records"),
        "items_stored": n("waakhond/stored"),
        "items_relevant": n("waakhond/relevant"),
        "items_updated": n("waakhond/updated"),
        "alerts_queued": n("waakhond/alerts_queued"),
        "errors": errors,
        "http_errors": http_errors,
        "bytes_received": n("downloader/response_bytes"),
        # Scrapy's HTTP cache: a 304 to our conditional GET is a revalidation; a body came with a first-hand
        # response or one that replaced (invalidated) the cached copy.
        "not_modified": n("httpcache/revalidate"),
        "bodies": n("httpcache/firsthand") + n("httpcache/invalidate"),
        "message": "; ".join(problems) or None,
    }


class CrawlRunRecorder:
    """Reads WAAKHOND_NODE: the Scrapyd node a job runs on, recorded with its run (with the job's id)."""

    def __init__(self, engine: Engine, stats: StatsCollector, node: str | None = None) -> None:
        self.engine = engine
        self.stats = stats
        self.node = node
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        recorder = cls(crawl_context(crawler.settings).engine, crawler.stats, crawler.settings.get("WAAKHOND_NODE"))
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self, spider: Spider) -> None:
        # Scrapyd passes every job its id as the spider argument _job; the daemon finds the run by it.
        job = getattr(spider, "_job", None)
        self.run_id = repository.start_crawl_run(
            self.engine, spider.name, utcnow(), node=self.node, job=str(job) if job else None
        )
        self.stats.set_value("waakhond/crawl_run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        fields = summarize(self.stats.get_stats(), reason)
        repository.finish_crawl_run(self.engine, self.run_id, finished_at=utcnow(), **fields)
        logger.info(
            "crawl of %s: %s, %s stored, %s relevant, %s alerts queued%s",
            spider.name, fields["outcome"], fields["items_stored"], fields["items_relevant"], fields["alerts_queued"],
            f" ({fields['message']})" if fields["message"] else "",
        )
