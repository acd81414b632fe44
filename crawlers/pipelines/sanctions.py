"""Item pipeline: the sanction facts of AP press releases and decisions (pipeline.sanctions)."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.items import ArticleItem
from pipeline.sanctions import extract_sanctions

# The document kinds the AP spider yields; other sources' items pass untouched.
AP_KINDS = ("ap-release", "ap-decision")


class SanctionsPipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and item.kind in AP_KINDS and item.text:
            item.sanction = extract_sanctions(item.title, item.text)
            if item.sanction is not None:
                self.stats.inc_value("waakhond/sanctions")
        return item
