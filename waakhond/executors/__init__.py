"""Where the daemon's crawls run: the executor interface, and the one way to pick an executor.

    local    one `waakhond crawl SOURCE` subprocess per crawl on the daemon's machine (the default)
    scrapyd  one job per crawl on a Scrapyd node, placed by free capacity (waakhond.executors.scrapyd)

Both run one crawl to its end, enforce the source's hard timeout, close the crawl record a killed
crawl left open, and hand back the record the crawl itself wrote.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from storage import repository
from waakhond.config import Config, Settings, Source
from waakhond.errors import ConfigError, ConfigProblem, SourceBusy
from waakhond.source_lock import hold_source

if TYPE_CHECKING:
    from storage.models import CrawlRun

logger = logging.getLogger(__name__)

# Seconds PostgreSQL gets to end the session of a crawl process that has exited (milliseconds when idle).
ENDED_CRAWL_LOCK_WAIT = 5.0


class CrawlExecutor(Protocol):
    kind: str

    async def crawl(self, source: Source) -> CrawlRun | None:
        """Run one crawl of ``source`` to its end; its crawl record, or None when no crawl ran (logged)."""

    def reload(self, config: Config) -> None:
        """Use a newly validated config for the crawls that start from now on."""

    async def stop(self) -> None:
        """Ask every running crawl to stop cleanly; force those still running after the grace period."""

    async def aclose(self) -> None:
        """Release connections once no crawl runs any more."""


def check_executor(settings: Settings, config: Config) -> None:
    """Raises ConfigError when the config's executor cannot work with this deployment."""
    if config.executor.kind == "scrapyd" and not settings.database_url.startswith("postgresql"):
        raise ConfigError([ConfigProblem(
            config.path, "crawler.executor",
            '"scrapyd" needs a PostgreSQL archive every node can reach: set WAAKHOND_DATABASE_URL to a '
            "postgresql+psycopg://... URL (SQLite lives on one machine)",
        )])


def make_executor(
    settings: Settings, config: Config, engine: Engine, snapshot: str, stop: asyncio.Event, verbose: int = 0,
    log_file: str | None = None,
) -> CrawlExecutor:
    """The executor the config names.

    Raises:
        ConfigError: the scrapyd executor with a SQLite archive.
    """
    check_executor(settings, config)
    if config.executor.kind == "scrapyd":
        from waakhond.executors.scrapyd import ScrapydExecutor

        return ScrapydExecutor(settings, config, engine, stop, verbose)
    from waakhond.executors.local import LocalExecutor

    return LocalExecutor(settings, engine, snapshot, stop, verbose, log_file)


def close_open_runs(
    settings: Settings, engine: Engine, name: str, launched: datetime | None, reason: str, outcome: str,
    job: str | None = None, ended: bool = False,
) -> int:
    """Close runs of this source still 'running' with ``outcome``, once no crawl holds the source's locks.

    A crawl process that was killed, or stopped before Scrapy closed the spider, leaves its record
    open; the locks tell whether a crawl started meanwhile (by hand, or on another node) is still
    writing one. ``ended`` says the caller saw the crawl's process end: PostgreSQL may still hold its
    advisory lock for a moment, until the server notices the closed connection, so the lock is
    waited for (up to ENDED_CRAWL_LOCK_WAIT) instead of being taken for another crawl's.
    """
    try:
        hold = hold_source(settings.lock_dir, engine, name, ENDED_CRAWL_LOCK_WAIT if ended else 0.0)
    except SourceBusy:
        logger.info("open crawl runs of %s left as they are: a crawl holds the source's lock", name)
        return 0
    try:
        return repository.abandon_running_runs(engine, name, launched, reason, outcome, job=job)
    finally:
        hold.close()
