"""Spider classes by source kind; crawlers.spiderloader makes one spider per configured source."""

from __future__ import annotations

from crawlers.spiders.feed import FeedSpider

SPIDER_KINDS = {"feed": FeedSpider}
