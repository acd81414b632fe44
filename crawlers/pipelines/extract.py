"""Item pipeline: article text and metadata via pipeline.extract, with the feed summary as fallback."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.exceptions import EmptyPage
from crawlers.items import ArticleItem
from pipeline.errors import ExtractionError
from pipeline.extract import extract

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        try:
            extracted = extract(item.html, item.fetched_url)
        except ExtractionError as exc:
            self.stats.inc_value("waakhond/extract/empty")
            if not item.feed_summary:
                raise EmptyPage(f"{item.fetched_url}: {exc}, and the feed entry has no summary") from exc
            logger.warning("article %s: %s; storing the feed summary instead", item.fetched_url, exc)
            self.stats.inc_value("waakhond/extract/summary_fallback")
            item.text, item.text_origin = item.feed_summary, "feed_summary"
            item.title = item.feed_title
            item.published_at = item.feed_published
            item.language = item.declared_language
        else:
            item.text, item.text_origin = extracted.text, "article"
            # The feed's title is the one the outlet chose to publish; the page's may carry a site suffix.
            item.title = item.feed_title or extracted.title
            item.author = extracted.author
            item.language = extracted.language or item.declared_language
            item.published_at = item.feed_published or extracted.published
        item.title = item.title or item.url
        item.content_hash = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
        return item
