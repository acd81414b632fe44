"""Holds the crawled source's locks for a crawl Scrapy runs directly: a Scrapyd job, or `scrapy crawl`.

`waakhond crawl` takes the locks before Scrapy starts and sets WAAKHOND_SOURCE_LOCKED, which turns
this extension off. Reads WAAKHOND_SOURCE_LOCKED.
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers.context import crawl_context
from waakhond.config import Settings
from waakhond.errors import SourceBusy
from waakhond.source_lock import SourceHold, hold_source

logger = logging.getLogger(__name__)


class SourceLockHolder:
    def __init__(self, hold: SourceHold) -> None:
        self.hold = hold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("WAAKHOND_SOURCE_LOCKED"):
            raise NotConfigured("the crawl's caller holds the source locks")
        name = crawler.spidercls.name
        try:
            hold = hold_source(Settings.from_env().lock_dir, crawl_context(crawler.settings).engine, name)
        except SourceBusy:
            # Raised before the spider opens: no request is made and no crawl run is recorded.
            logger.error("source %s is already being crawled by another process; this crawl does not start", name)
            raise
        holder = cls(hold)
        # After spider_closed, so the crawl record is complete before another crawl may start.
        crawler.signals.connect(holder.engine_stopped, signal=signals.engine_stopped)
        return holder

    def engine_stopped(self) -> None:
        self.hold.close()
