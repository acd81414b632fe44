"""The `waakhond run` daemon: one asyncio process that schedules a crawl subprocess per source, sends
alerts, watches source health and keeps its state visible to `waakhond status`."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from alerts.console import ConsoleNotifier
from alerts.errors import NotifierUnavailable
from alerts.sender import Notifier, SendReport, Sender
from alerts.routing import Router
from alerts.telegram import TelegramNotifier

from storage import kamervragen, repository
from storage import subscriptions as stored_subscriptions
from storage.models import CrawlRun, utcnow
from waakhond.config import AMSTERDAM, SNAPSHOT_SUFFIX, Config, Settings, Source, load_config
from waakhond.errors import ConfigError
from waakhond.executors import CrawlExecutor, check_executor, close_open_runs, make_executor
from waakhond.executors.local import STOP_GRACE, TIMEOUT_KILL_GRACE
from waakhond.health import evaluate

logger = logging.getLogger(__name__)

# The sender looks for due alerts this often (a crawl's alerts are also sent as soon as it ends).
SEND_INTERVAL = timedelta(seconds=1)
HEARTBEAT_INTERVAL = timedelta(seconds=30)
SILENCE_CHECK_INTERVAL = timedelta(minutes=15)
CACHE_PRUNE_INTERVAL = timedelta(days=1)
HTTP_CACHE_MAX_AGE = timedelta(days=14)
__all__ = ["STOP_GRACE", "TIMEOUT_KILL_GRACE", "Daemon", "describe_run", "make_notifier"]
MISFIRE_GRACE = timedelta(minutes=5)


def make_notifier(settings: Settings) -> TelegramNotifier | ConsoleNotifier:
    if settings.telegram_bot_token:
        return TelegramNotifier(settings.telegram_bot_token, settings.telegram_api_url)
    return ConsoleNotifier()


def trigger_for(source: Source) -> CronTrigger | IntervalTrigger:
    """The source's schedule, with jitter so that sources do not all start in the same second."""
    if source.cron:
        trigger = CronTrigger.from_crontab(source.cron, timezone=AMSTERDAM)
        trigger.jitter = 30  # from_crontab takes no jitter argument in APScheduler 3.x
        return trigger
    seconds = max(1, int(source.interval.total_seconds()))
    return IntervalTrigger(seconds=seconds, jitter=min(60, seconds // 10) or None, timezone=UTC)


def prune_http_cache(cache_dir: Path, max_age: timedelta, now: float | None = None) -> int:
    """Delete cached responses older than ``max_age`` (Scrapy never does); returns how many."""
    cutoff = (now or time.time()) - max_age.total_seconds()
    removed = 0
    # FilesystemCacheStorage keeps one folder per request: <spider>/<2 hex>/<fingerprint>/meta ...
    for meta in cache_dir.glob("*/*/*/meta"):
        try:
            if meta.stat().st_mtime < cutoff:
                shutil.rmtree(meta.parent)
                removed += 1
        except FileNotFoundError:  # a crawl replaced it meanwhile
            continue
    return removed


class Daemon:
    def __init__(
        self, settings: Settings, config: Config, engine: Engine, verbose: int = 0, log_file: str | None = None
    ) -> None:
        self.settings = settings
        self.log_file = log_file
        self.config = config
        self.engine = engine
        self.verbose = verbose
        self.started_at = utcnow()
        self._running: set[asyncio.Task[object]] = set()
        self._send_lock = asyncio.Lock()
        self._notifier: Notifier | None = None
        self._notifier_cm: TelegramNotifier | ConsoleNotifier | None = None
        # One sender for the daemon's life: its flood limits and per-chat pauses carry over between ticks.
        self._sender: Sender | None = None
        self._stop = asyncio.Event()
        self._scheduler: AsyncIOScheduler | None = None
        self.snapshot = settings.data_dir / f"daemon-config{SNAPSHOT_SUFFIX}"
        self._write_snapshot(config)
        # Where crawls run ([crawler] executor); raises ConfigError for one this deployment cannot use.
        self.executor = self._make_executor(config)
        self._retired: list[CrawlExecutor] = []  # executors replaced on SIGHUP, kept until the daemon stops

    def _make_executor(self, config: Config) -> CrawlExecutor:
        return make_executor(
            self.settings, config, self.engine, str(self.snapshot), self._stop, self.verbose, self.log_file
        )

    # --- schedule ---------------------------------------------------------------------------

    def build_scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())},
        )
        now = datetime.now(UTC)
        for source in self.config.sources:
            self._schedule(scheduler, source, now)
        for job_id, func, every in (
            ("send-alerts", self.send, SEND_INTERVAL),
            ("heartbeat", self.heartbeat, HEARTBEAT_INTERVAL),
            ("silence-check", self.check_silence, SILENCE_CHECK_INTERVAL),
            ("kamervragen-deadlines", self.check_deadlines, SILENCE_CHECK_INTERVAL),
            ("prune-http-cache", self.prune_cache, CACHE_PRUNE_INTERVAL),
        ):
            scheduler.add_job(func, "interval", seconds=int(every.total_seconds()), next_run_time=now, id=job_id)
        return scheduler

    def _schedule(self, scheduler: AsyncIOScheduler, source: Source, now: datetime) -> None:
        # Interval sources crawl at start; cron sources wait for their first slot.
        first = {} if source.cron else {"next_run_time": now}
        scheduler.add_job(
            self.crawl, trigger_for(source), args=[source.name], id=f"crawl:{source.name}", replace_existing=True, **first
        )

    def reload(self) -> None:
        """SIGHUP: rebuild the crawl jobs from the config file; a broken file keeps the old jobs."""
        try:
            config = load_config(self.settings.config_path)
            check_executor(self.settings, config)
        except ConfigError as exc:
            logger.error("config not reloaded, the running schedule stays: %s", exc)
            return
        assert self._scheduler is not None
        wanted = {f"crawl:{s.name}" for s in config.sources}
        for job in self._scheduler.get_jobs():
            if job.id.startswith("crawl:") and job.id not in wanted:
                job.remove()  # a crawl of it already running finishes normally
        old = {s.name: s for s in self.config.sources}
        self._write_snapshot(config)
        if config.executor != self.config.executor:
            # Crawls running now finish on the old executor; new ones start on the new one.
            self._retired.append(self.executor)
            self.executor = self._make_executor(config)
            logger.info("crawls now run on the %s executor", config.executor.kind)
        else:
            self.executor.reload(config)
        self.config = config
        self.sync_subscriptions()
        now = datetime.now(UTC)
        for source in config.sources:
            if old.get(source.name) != source:
                self._schedule(self._scheduler, source, now)
        logger.info("config reloaded from %s: %d sources", config.path, len(config.sources))
        self.heartbeat_now()

    def _write_snapshot(self, config: Config) -> None:
        """Crawls read the config the daemon validated, not whatever the file holds now: an edit
        takes effect on restart or SIGHUP, and a broken edit never reaches a crawl."""
        self.snapshot.parent.mkdir(parents=True, exist_ok=True)
        partial = self.snapshot.with_name(self.snapshot.name + ".new")
        partial.write_text(json.dumps(config.resolved, ensure_ascii=False), encoding="utf-8")
        partial.replace(self.snapshot)  # atomic: a crawl starting now reads the old or the new file whole

    # --- lifecycle --------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        for warning in self.config.warnings:
            logger.warning("config: %s", warning)
        self.abandon_stale_runs()
        self.sync_subscriptions()
        self._scheduler = scheduler = self.build_scheduler()
        scheduler.start()
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        logger.info(
            "waakhond daemon started: %d sources, alerts via %s, crawls on %s", len(self.config.sources),
            self._notifier_name(), self._executor_name(),
        )
        bot = await self._start_bot()
        await self._stop.wait()
        logger.info("stopping: no new crawls; letting running crawls and the send in flight finish")
        if bot is not None:
            from alerts.bot import stop_bot

            await stop_bot(bot)
        # APScheduler's shutdown would cancel running jobs mid-send; pause it and let them end instead.
        scheduler.pause()
        executors = [self.executor, *self._retired]
        await asyncio.gather(*(e.stop() for e in executors))
        if self._running:
            await asyncio.wait(list(self._running), timeout=STOP_GRACE.total_seconds())
        for executor in executors:
            await executor.aclose()
        scheduler.shutdown(wait=False)
        await self._close_notifier()
        self.heartbeat_now(stopped=True)
        logger.info("waakhond daemon stopped")
        return 0

    async def _start_bot(self) -> object | None:
        """The command bot runs inside the daemon when there is a token and [bot] names anyone."""
        allowed = self.config.bot.admins or self.config.bot.allowed_chats
        if not (self.settings.telegram_bot_token and allowed):
            return None
        from alerts.bot import build_application, start_bot

        app = build_application(self.settings.telegram_bot_token, self.settings.telegram_api_url, self.engine, self.config)
        try:
            await start_bot(app)
        except Exception:  # noqa: BLE001 - the bot is an extra: alerts and crawls go on without it
            logger.exception("bot: could not start; commands are not answered")
            return None
        logger.info("bot: answering commands")
        return app

    def sync_subscriptions(self) -> None:
        """The config file's subscriptions become the database's (bot-made ones stay)."""
        report = stored_subscriptions.sync_config(self.engine, self.config.subscriptions)
        if report.added or report.updated or report.removed:
            logger.info("subscriptions from the config: %d added, %d updated, %d removed", report.added,
                        report.updated, report.removed)

    def abandon_stale_runs(self) -> None:
        """Crawl runs left 'running' by a daemon that died; a source locked by a live crawl is left alone."""
        for source in self.config.sources:
            reason = "crawl process ended without closing its record (found at daemon start)"
            if n := self._close_open_runs(source.name, None, reason, "failed"):
                logger.warning("%d unfinished crawl run(s) of %s marked failed", n, source.name)

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            yield
        finally:
            self._running.discard(task)

    def _executor_name(self) -> str:
        executor = self.config.executor
        if executor.kind == "scrapyd":
            return f"{len(executor.nodes)} Scrapyd node(s) ({', '.join(n.url for n in executor.nodes)})"
        return "this machine (local subprocesses)"

    def _notifier_name(self) -> str:
        return "Telegram" if self.settings.telegram_bot_token else "the console (no TELEGRAM_BOT_TOKEN set)"

    # --- jobs -------------------------------------------------------------------------------

    async def crawl(self, name: str) -> None:
        with self._tracked():
            await self._crawl(name)
        # Alerts for what this crawl stored go out now, not at the next send tick.
        await self.send()

    async def _crawl(self, name: str) -> None:
        if self._stop.is_set():
            return
        source = self._source(name)
        if source is None:
            return
        run = await self.executor.crawl(source)
        if run is not None:
            logger.info("%s", describe_run(run))
        self.judge_health(source)

    def _close_open_runs(self, name: str, launched: datetime | None, reason: str, outcome: str) -> int:
        return close_open_runs(self.settings, self.engine, name, launched, reason, outcome)

    def _source(self, name: str) -> Source | None:
        return next((s for s in self.config.sources if s.name == name), None)

    def judge_health(self, source: Source, now: datetime | None = None) -> None:
        now = now or utcnow()
        health = self.config.health
        outcomes = repository.recent_outcomes(self.engine, source.name, health.failures)
        verdict = evaluate(outcomes, repository.new_document_times(self.engine, source.name), now, health)
        current = repository.health_of(self.engine, source.name)
        previous = current.state if current else "ok"
        if verdict.state == previous:
            return
        if verdict.state == "ok":
            text = f"Waakhond: source {source.name} works again (it was {previous} since {_local(current.since)})."  # type: ignore[union-attr]
            kind = "recovered"
        else:
            run = repository.latest_run(self.engine, source.name)
            detail = f" Last crawl: {run.message}." if run is not None and run.message else ""
            text = f"Waakhond: source {source.name} is {verdict.state}: {verdict.reason}.{detail} ({source.url})"
            kind = verdict.state
        if repository.change_health(self.engine, source.name, verdict.state, verdict.reason, text, kind):
            log = logger.info if kind == "recovered" else logger.warning
            log("%s", text)

    async def check_silence(self) -> None:
        for source in list(self.config.sources):
            self.judge_health(source)

    async def check_deadlines(self) -> None:
        """Written questions pass their answer deadline without any record arriving: move them to overdue."""
        if not any(s.kind == "kamervragen" for s in self.config.sources):
            return
        now = datetime.now(UTC)
        subscriptions = self.config.subscriptions
        overdue = kamervragen.check_overdue(
            self.engine, Router(self.engine, subscriptions), now, now - kamervragen.ALERT_HORIZON
        )
        if overdue:
            logger.info("Kamervragen past their answer deadline: %s", ", ".join(overdue))

    async def send(self) -> None:
        if self._stop.is_set():
            return
        with self._tracked():
            async with self._send_lock:
                try:
                    sender = await self._open_sender()
                    await sender.pump()
                    if sender.unavailable is not None:
                        raise sender.unavailable
                except NotifierUnavailable as exc:
                    logger.error("alerts not sent: %s", exc)
                    await self._close_notifier()
                    return
            report, sender.report = sender.report, SendReport()
            if report.sent or report.retried or report.failed:
                logger.info("alerts: %d sent, %d to retry, %d failed", report.sent, report.retried, report.failed)

    async def _open_sender(self) -> Sender:
        notifier = await self._open_notifier()
        if self._sender is None or self._sender.notifier is not notifier:
            self._sender = Sender(
                self.engine, notifier, operator_chat_id=self.config.operator_chat_id, configured=self.config.subscriptions
            )
        else:
            self._sender.operator_chat_id, self._sender.configured = self.config.operator_chat_id, self.config.subscriptions
        return self._sender

    async def heartbeat(self) -> None:
        self.heartbeat_now()

    def heartbeat_now(self, stopped: bool = False) -> None:
        next_runs = {}
        if self._scheduler is not None and not stopped:
            for job in self._scheduler.get_jobs():
                if job.next_run_time is not None:
                    next_runs[job.id] = job.next_run_time.astimezone(UTC).isoformat()
        now = utcnow()
        repository.save_daemon_state(
            self.engine, pid=os.getpid(), hostname=socket.gethostname(), started_at=self.started_at, heartbeat_at=now,
            next_runs=next_runs, stopped_at=now if stopped else None,
        )

    async def prune_cache(self) -> None:
        removed = await asyncio.to_thread(prune_http_cache, self.settings.data_dir / "httpcache", HTTP_CACHE_MAX_AGE)
        if removed:
            logger.info("HTTP cache: %d entries older than %s removed", removed, HTTP_CACHE_MAX_AGE)

    # --- notifier and children --------------------------------------------------------------

    async def _open_notifier(self) -> Notifier:
        if self._notifier is None:
            cm = make_notifier(self.settings)
            self._notifier = await cm.__aenter__()
            self._notifier_cm = cm
        return self._notifier

    async def _close_notifier(self) -> None:
        if self._sender is not None:
            sender, self._sender = self._sender, None
            await sender.close()
        if self._notifier_cm is not None:
            cm, self._notifier_cm, self._notifier = self._notifier_cm, None, None
            await cm.__aexit__(None, None, None)


def describe_run(run: CrawlRun) -> str:
    """One log line per crawl with its figures."""
    took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    line = (
        f"crawl {run.source_name}: {run.outcome} in {took:.1f}s: {run.entries_seen} entries, {run.items_stored} stored, "
        f"{run.items_updated} updated, {run.items_relevant} relevant, {run.alerts_queued} alerts, {run.errors} errors, "
        f"{run.http_errors} HTTP errors, {run.not_modified} unchanged (304), {run.bodies} downloaded, "
        f"{run.bytes_received / 1024:.0f} KiB"
    )
    line += f" ({run.message})" if run.message else ""
    return line + (f" [node {run.node}]" if run.node else "")


def _local(when: datetime) -> str:
    return when.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
