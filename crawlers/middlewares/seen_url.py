"""Drops requests for archived article pages, except recent ones, which are re-checked for edits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from crawlers.context import crawl_context
from crawlers.spiders.feed import ARTICLE_META, KNOWN_META
from storage.repository import known_urls


class SeenUrlMiddleware:
    """Reads WAAKHOND_REVISIT_HOURS: archived pages first fetched more recently than that are
    requested again (conditionally, through the HTTP cache) so that edits become new versions."""

    def __init__(self, engine: Engine, stats: StatsCollector, revisit: timedelta) -> None:
        self.engine = engine
        self.stats = stats
        self.revisit = revisit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        hours = crawler.settings.getfloat("WAAKHOND_REVISIT_HOURS", 48)
        return cls(crawl_context(crawler.settings).engine, crawler.stats, timedelta(hours=hours))

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # A feed yields a few dozen requests: collect them to ask the database once, not per entry.
        outputs = [r async for r in result]
        wanted = [r.meta[ARTICLE_META] for r in outputs if isinstance(r, Request) and ARTICLE_META in r.meta]
        seen = known_urls(self.engine, wanted) if wanted else {}
        horizon = datetime.now(UTC) - self.revisit
        for output in outputs:
            first_fetched = seen.get(output.meta.get(ARTICLE_META)) if isinstance(output, Request) else None
            if first_fetched is None:
                yield output
            elif first_fetched >= horizon:
                self.stats.inc_value("waakhond/articles/rechecked")
                yield output.replace(meta={**output.meta, KNOWN_META: True})
            else:
                self.stats.inc_value("waakhond/articles/already_stored")
