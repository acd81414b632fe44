"""Spider classes by source kind; crawlers.spiderloader makes one spider per configured source."""

from __future__ import annotations

from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.kamervragen import KamervragenSpider

SPIDER_KINDS: dict[str, type[FeedSpider] | type[KamervragenSpider]] = {
    "feed": FeedSpider,
    "kamervragen": KamervragenSpider,
}
