"""Drops requests for article pages whose canonical URL is already in the archive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from crawlers.context import crawl_context
from crawlers.spiders.feed import ARTICLE_META
from storage.repository import known_urls


class SeenUrlMiddleware:
    def __init__(self, engine: Engine, stats: StatsCollector) -> None:
        self.engine = engine
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawl_context(crawler.settings).engine, crawler.stats)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # A feed yields a few dozen requests: collect them to ask the database once, not per entry.
        outputs = [r async for r in result]
        wanted = [r.meta[ARTICLE_META] for r in outputs if isinstance(r, Request) and ARTICLE_META in r.meta]
        seen = known_urls(self.engine, wanted) if wanted else set()
        for output in outputs:
            if isinstance(output, Request) and output.meta.get(ARTICLE_META) in seen:
                self.stats.inc_value("waakhond/articles/already_stored")
                continue
            yield output
