"""Runs Scrapy crawls of configured sources in this process, one lock per source."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings as ScrapySettings
from scrapy.utils.project import get_project_settings
from sqlalchemy import Engine

from crawlers.settings import user_agent
from storage import repository
from storage.models import CrawlRun
from waakhond.config import Config, Settings
from waakhond.source_lock import acquire_source_lock, hold_source

__all__ = ["acquire_source_lock", "crawl_overrides", "run_crawls", "scrapy_settings"]


def crawl_overrides(settings: Settings, config: Config | None) -> dict[str, Any]:
    """The Scrapy settings every crawl of this deployment gets, wherever it runs: politeness and identity.

    A Scrapyd job gets them as ``setting=`` overrides, so every node crawls as the daemon's machine would.
    """
    overrides: dict[str, Any] = {
        "DOWNLOAD_DELAY": settings.download_delay,
        "AUTOTHROTTLE_ENABLED": settings.download_delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(settings.download_delay * 2, 0.1),
    }
    if config is not None and config.contact_url:
        overrides["USER_AGENT"] = user_agent(config.contact_url)
    return overrides


def scrapy_settings(settings: Settings, verbose: int, config: Config | None = None) -> ScrapySettings:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    s = get_project_settings()
    s.set("WAAKHOND_CONFIG", settings.config_path, priority="cmdline")
    s.set("WAAKHOND_DATABASE_URL", settings.database_url, priority="cmdline")
    s.setdict(crawl_overrides(settings, config), priority="cmdline")
    s.set("HTTPCACHE_DIR", str(settings.data_dir / "httpcache"), priority="cmdline")
    s.set("LOG_LEVEL", "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING", priority="cmdline")
    # Waakhond's own handler (with the token filter) stays the only one.
    s.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    # run_crawls holds the sources' locks itself, before Scrapy starts.
    s.set("WAAKHOND_SOURCE_LOCKED", True, priority="cmdline")
    return s


def run_crawls(
    settings: Settings,
    config: Config,
    engine: Engine,
    names: list[str],
    verbose: int = 0,
    on_finished: Callable[[str], None] | None = None,
    spider_args: dict[str, Any] | None = None,
    on_record: Callable[[int, int | None], None] | None = None,
) -> list[CrawlRun]:
    """Crawl the named sources at once; returns their crawl-run records.

    ``on_finished`` is called with each source's name as its crawl ends, ``on_record`` with the number of
    records handled so far and the total the source announced (for progress display). ``spider_args``
    are passed to every spider (``since`` for a Kamervragen backfill).

    Raises:
        SourceBusy: one of the sources is being crawled by another process (on any machine, with PostgreSQL).
    """
    for name in names:
        config.source(name)  # raises ConfigError for an unknown name
    with ExitStack() as locks:
        for name in names:
            locks.enter_context(hold_source(settings.lock_dir, engine, name))
        process = AsyncCrawlerProcess(scrapy_settings(settings, verbose, config))
        crawlers = [process.create_crawler(name) for name in names]
        for crawler in crawlers:
            if on_finished is not None:
                # Scrapy holds signal receivers weakly; the crawler keeps this one alive.
                crawler.waakhond_progress = _Progress(on_finished)  # type: ignore[attr-defined]
                crawler.signals.connect(crawler.waakhond_progress.spider_closed, signal=signals.spider_closed)
            if on_record is not None:
                crawler.waakhond_records = _RecordProgress(crawler, on_record)  # type: ignore[attr-defined]
                for signal in (signals.item_scraped, signals.item_dropped):
                    crawler.signals.connect(crawler.waakhond_records.item_done, signal=signal)
            process.crawl(crawler, **(spider_args or {}))
        process.start()
    runs = []
    for crawler in crawlers:
        run_id = crawler.stats.get_value("waakhond/crawl_run_id")
        run = repository.crawl_run(engine, run_id) if run_id else None
        if run is not None:
            runs.append(run)
    return runs


class _Progress:
    def __init__(self, callback: Callable[[str], None]) -> None:
        self.callback = callback

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.callback(spider.name)


class _RecordProgress:
    def __init__(self, crawler: Crawler, callback: Callable[[int, int | None], None]) -> None:
        self.crawler = crawler
        self.callback = callback
        self.done = 0

    def item_done(self, item: Any) -> None:
        self.done += 1
        assert self.crawler.stats is not None
        self.callback(self.done, self.crawler.stats.get_value("waakhond/records/total"))
