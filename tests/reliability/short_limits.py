"""Scrapy settings for the outage tests: the project's, with the download timeout cut to seconds.

Selected with SCRAPY_SETTINGS_MODULE, which `waakhond crawl` honours; every other limit
(DOWNLOAD_MAXSIZE 10 MiB, REDIRECT_MAX_TIMES, RETRY_TIMES) is the shipped value.
"""

from crawlers.settings import *  # noqa: F403

DOWNLOAD_TIMEOUT = 3
