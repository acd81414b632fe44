"""The `waakhond run` daemon: one asyncio process that schedules a crawl subprocess per source and sends alerts."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from alerts.console import ConsoleNotifier
from alerts.errors import NotifierUnavailable
from alerts.sender import Notifier, send_due
from alerts.telegram import TelegramNotifier
from waakhond.config import Config, Settings

logger = logging.getLogger(__name__)

SEND_INTERVAL = timedelta(seconds=30)
# A crawl child that outlives this is killed; Scrapy's own CLOSESPIDER_TIMEOUT (15 min) ends it first.
CRAWL_TIMEOUT = timedelta(minutes=20)
STOP_GRACE = timedelta(seconds=20)
MISFIRE_GRACE = timedelta(minutes=5)


def make_notifier(settings: Settings) -> TelegramNotifier | ConsoleNotifier:
    if settings.telegram_bot_token:
        return TelegramNotifier(settings.telegram_bot_token, settings.telegram_api_url)
    return ConsoleNotifier()


class Daemon:
    def __init__(self, settings: Settings, config: Config, engine: Engine, verbose: int = 0) -> None:
        self.settings = settings
        self.config = config
        self.engine = engine
        self.verbose = verbose
        self._children: set[asyncio.subprocess.Process] = set()
        self._running: set[asyncio.Task[object]] = set()
        self._send_lock = asyncio.Lock()
        self._notifier: Notifier | None = None
        self._notifier_cm: TelegramNotifier | ConsoleNotifier | None = None
        self._stop = asyncio.Event()

    def build_scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())},
        )
        now = datetime.now(UTC)
        for source in self.config.sources:
            seconds = int(source.interval.total_seconds())
            scheduler.add_job(
                self.crawl,
                "interval",
                seconds=seconds,
                # Spread sources so they do not all start in the same second.
                jitter=max(1, min(60, seconds // 10)),
                next_run_time=now,
                args=[source.name],
                id=f"crawl:{source.name}",
            )
        scheduler.add_job(
            self.send, "interval", seconds=int(SEND_INTERVAL.total_seconds()), next_run_time=now, id="send-alerts"
        )
        return scheduler

    async def run(self) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        scheduler = self.build_scheduler()
        scheduler.start()
        logger.info("waakhond daemon started: %d sources, alerts via %s", len(self.config.sources), self._notifier_name())
        await stop.wait()
        logger.info("stopping: no new crawls; letting running crawls and the send in flight finish")
        self._stop.set()
        # APScheduler's shutdown would cancel running jobs mid-send; pause it and let them end instead.
        scheduler.pause()
        await self._stop_children()
        if self._running:
            await asyncio.wait(list(self._running), timeout=STOP_GRACE.total_seconds())
        scheduler.shutdown(wait=False)
        await self._close_notifier()
        logger.info("waakhond daemon stopped")
        return 0

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            yield
        finally:
            self._running.discard(task)

    def _notifier_name(self) -> str:
        return "Telegram" if self.settings.telegram_bot_token else "the console (no TELEGRAM_BOT_TOKEN set)"

    async def crawl(self, name: str) -> None:
        with self._tracked():
            await self._crawl(name)
        # Alerts for what this crawl stored go out now, not at the next send tick.
        await self.send()

    async def _crawl(self, name: str) -> None:
        if self._stop.is_set():
            return
        args = [sys.executable, "-m", "waakhond"]
        if self.settings.config_path:
            args += ["--config", self.settings.config_path]
        args += ["-v"] * self.verbose + ["crawl", name]
        # A crawl never talks to Telegram, so its process does not get the token.
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL, env=env)
        self._children.add(proc)
        try:
            await asyncio.wait_for(proc.wait(), CRAWL_TIMEOUT.total_seconds())
        except TimeoutError:
            logger.error("crawl of %s exceeded %s and was stopped", name, CRAWL_TIMEOUT)
            await self._terminate(proc)
        finally:
            self._children.discard(proc)
        if proc.returncode not in (0, None):
            logger.warning("crawl of %s ended with exit code %s", name, proc.returncode)

    async def send(self) -> None:
        if self._stop.is_set():
            return
        with self._tracked():
            async with self._send_lock:
                try:
                    notifier = await self._open_notifier()
                    report = await send_due(self.engine, notifier, stop=self._stop)
                except NotifierUnavailable as exc:
                    logger.error("alerts not sent: %s", exc)
                    await self._close_notifier()
                    return
            if report.sent or report.retried or report.failed:
                logger.info("alerts: %d sent, %d to retry, %d failed", report.sent, report.retried, report.failed)

    async def _open_notifier(self) -> Notifier:
        if self._notifier is None:
            cm = make_notifier(self.settings)
            self._notifier = await cm.__aenter__()
            self._notifier_cm = cm
        return self._notifier

    async def _close_notifier(self) -> None:
        if self._notifier_cm is not None:
            cm, self._notifier_cm, self._notifier = self._notifier_cm, None, None
            await cm.__aexit__(None, None, None)

    async def _stop_children(self) -> None:
        await asyncio.gather(*(self._terminate(p) for p in list(self._children)))

    async def _terminate(self, proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is not None:
            return
        proc.terminate()  # Scrapy shuts down gracefully on SIGTERM: in-flight items are finished
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE.total_seconds())
        except TimeoutError:
            proc.kill()
            await proc.wait()
