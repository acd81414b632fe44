"""Scrapy settings of the Waakhond project: polite, identifiable, bounded, consoles off."""

from __future__ import annotations

import os

from waakhond.config import default_data_dir

BOT_NAME = "waakhond"
SPIDER_LOADER_CLASS = "crawlers.spiderloader.SourceSpiderLoader"
SPIDER_MODULES: list[str] = []

# Waakhond's own settings; the CLI sets them explicitly, `scrapy crawl` takes them from the environment.
WAAKHOND_CONFIG = os.environ.get("WAAKHOND_CONFIG") or None  # None: the built-in default config
WAAKHOND_DATABASE_URL = os.environ.get("WAAKHOND_DATABASE_URL") or None  # None: SQLite in the data dir
WAAKHOND_CONTACT_URL = os.environ.get("WAAKHOND_CONTACT_URL", "https://github.com/waakhond/waakhond")

# Archived articles first fetched within this many hours are re-checked for edits on every crawl.
WAAKHOND_REVISIT_HOURS = 48

def user_agent(contact_url: str) -> str:
    """How Waakhond names itself to the sites it reads: a product token and where to reach its operator."""
    return f"Waakhond/0.1 (+{contact_url})"


# The config's [crawler] contact_url replaces this (waakhond.crawl_runner); the environment variable is the fallback.
USER_AGENT = user_agent(WAAKHOND_CONTACT_URL)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_TIMES = 1
CLOSESPIDER_TIMEOUT = 900
MEMUSAGE_LIMIT_MB = 1024

# Conditional GET: feeds and re-checked articles are revalidated with ETag / Last-Modified, so an
# unchanged page costs a 304 instead of its body. Waakhond's daemon prunes entries older than the expiry.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawlers.httpcache.RevalidatePolicy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_DIR = os.path.join(os.environ.get("WAAKHOND_DATA_DIR") or default_data_dir(os.environ), "httpcache")
HTTPCACHE_GZIP = True
HTTPCACHE_EXPIRATION_SECS = 14 * 86400
HTTPCACHE_IGNORE_HTTP_CODES = [401, 403, 404, 408, 429, 500, 502, 503, 504]

# Both consoles allow code execution inside the crawler; a daemon on a server must not open them.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

SPIDER_MIDDLEWARES = {"crawlers.middlewares.seen_url.SeenUrlMiddleware": 100}
ITEM_PIPELINES = {
    "crawlers.pipelines.extract.ExtractPipeline": 100,
    "crawlers.pipelines.sanctions.SanctionsPipeline": 150,
    "crawlers.pipelines.classify.ClassifyPipeline": 200,
    "crawlers.pipelines.dedupe.DedupePipeline": 250,
    "crawlers.pipelines.store.StorePipeline": 300,
    "crawlers.pipelines.store_kamervraag.StoreKamervraagPipeline": 310,
}
# The lock comes first: a crawl that cannot have its source records nothing.
EXTENSIONS = {
    "crawlers.extensions.source_lock.SourceLockHolder": 400,
    "crawlers.extensions.crawl_run.CrawlRunRecorder": 500,
}
# Set by `waakhond crawl`, which holds the source locks itself; a Scrapyd job or `scrapy crawl` takes them
# in SourceLockHolder.
WAAKHOND_SOURCE_LOCKED = False
# Set by the daemon's scrapyd executor on each job: the node's URL, recorded with the crawl run.
WAAKHOND_NODE = None

LOG_LEVEL = "INFO"
# Scrapy's own messages would print a dropped item whole: the fetched page's bytes, into the log.
LOG_FORMATTER = "crawlers.logformatter.ItemlessLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
