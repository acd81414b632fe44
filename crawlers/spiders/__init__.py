"""Spider classes by source kind; crawlers.spiderloader makes one spider per configured source."""

from __future__ import annotations

from crawlers.spiders.ap import ApSpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.kamervragen import KamervragenSpider
from crawlers.spiders.sitemap import SitemapSpider

SPIDER_KINDS: dict[str, type[FeedSpider] | type[KamervragenSpider] | type[ApSpider]] = {
    "feed": FeedSpider,
    "kamervragen": KamervragenSpider,
    "sitemap": SitemapSpider,
    "ap": ApSpider,
}
