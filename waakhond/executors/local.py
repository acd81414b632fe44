"""The local executor: each crawl is a `waakhond crawl SOURCE` subprocess of the daemon."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from storage import repository
from storage.models import utcnow
from waakhond.config import Config, Settings, Source
from waakhond.executors import close_open_runs

if TYPE_CHECKING:
    from storage.models import CrawlRun

logger = logging.getLogger(__name__)

STOP_GRACE = timedelta(seconds=20)
# A crawl past its timeout is hung, most likely on a download Scrapy's graceful stop would wait for.
TIMEOUT_KILL_GRACE = timedelta(seconds=3)
# Secrets a crawl never needs: it does not talk to Telegram or to Scrapyd.
_WITHHELD = ("TELEGRAM_BOT_TOKEN", "WAAKHOND_SCRAPYD_PASSWORD")


class LocalExecutor:
    kind = "local"

    def __init__(
        self, settings: Settings, engine: Engine, snapshot: str, stop: asyncio.Event, verbose: int = 0,
        log_file: str | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.snapshot = snapshot
        self.verbose = verbose
        self.log_file = log_file
        self._stop = stop
        self._children: set[asyncio.subprocess.Process] = set()

    def reload(self, config: Config) -> None:
        """Nothing to do: every crawl process reads the snapshot the daemon rewrote."""

    async def crawl(self, source: Source) -> CrawlRun | None:
        name = source.name
        launched = utcnow()
        args = [sys.executable, "-m", "waakhond", "--config", self.snapshot]
        if self.log_file:
            args += ["--log-file", self.log_file]
        args += ["-v"] * self.verbose + ["crawl", name]
        env = {k: v for k, v in os.environ.items() if k not in _WITHHELD}
        proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, env=env
        )
        self._children.add(proc)
        timed_out = False
        try:
            await asyncio.wait_for(proc.wait(), source.timeout.total_seconds())
        except TimeoutError:
            timed_out = True
            await self._terminate(proc, TIMEOUT_KILL_GRACE)
        finally:
            self._children.discard(proc)
        expected = False
        if timed_out:
            reason = f"crawl process killed after its timeout of {source.timeout}"
        elif self._stop.is_set():
            reason, expected = "crawl process stopped with the daemon", True
        elif proc.returncode in (0, 1):
            reason = "crawl process ended without closing its record"
        else:
            reason = f"crawl process ended with exit code {proc.returncode}"
        outcome = "interrupted" if expected else "failed"
        closed = await asyncio.to_thread(
            close_open_runs, self.settings, self.engine, name, launched, reason, outcome, ended=True
        )
        if closed or timed_out or proc.returncode not in (0, 1):
            (logger.info if expected else logger.error)("crawl of %s: %s", name, reason)
        run = repository.latest_run(self.engine, name, launched)
        if run is None and proc.returncode == 1:
            logger.warning("crawl of %s did not start (see its error above)", name)
        return run

    async def stop(self) -> None:
        await asyncio.gather(*(self._terminate(p) for p in list(self._children)))

    async def aclose(self) -> None:
        return None

    async def _terminate(self, proc: asyncio.subprocess.Process, grace: timedelta = STOP_GRACE) -> None:
        if proc.returncode is not None:
            return
        proc.terminate()  # Scrapy shuts down gracefully on SIGTERM: in-flight items are finished
        try:
            await asyncio.wait_for(proc.wait(), grace.total_seconds())
        except TimeoutError:
            proc.kill()
            await proc.wait()
