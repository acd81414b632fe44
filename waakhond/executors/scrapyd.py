"""The scrapyd executor: each crawl is a job on one of several Scrapyd nodes sharing the PostgreSQL archive.

For each due crawl the daemon

1. skips it when the source's advisory lock is held (a crawl of it still runs somewhere);
2. ranks the nodes for the source by rendezvous hashing, so each source keeps to one node (whose
   HTTP cache then answers its conditional GETs) while nodes come and go, and asks each in that
   order for its load (daemonstatus.json): the first with a free slot (running + pending below the
   node's max_proc) gets the job; when all are full, the least loaded queues it;
3. makes sure the node has this deployment's egg (listversions.json, addversion.json) and schedules
   the job with this egg version (schedule.json) and the deployment's politeness settings;
4. follows the job (listjobs.json, one request per node and poll shared by all its jobs) to its end,
   and stops it at the source's hard timeout (cancel.json: TERM, then KILL);
5. when a node stops answering mid-crawl, waits until the source's lock is free (the crawl's own
   database session ended), closes the crawl record the job left open, and runs the crawl again on
   another node; a node that cannot be reached when scheduling is skipped the same way.

The crawl on the node records its own run, exactly as a local crawl does, with the node and job id.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from storage import locks, repository
from waakhond.config import Config, ScrapydNode, Settings, Source
from waakhond.crawl_runner import crawl_overrides
from waakhond.errors import NodeUnavailable, ScrapydError, ScrapydRejected
from waakhond.executors import close_open_runs
from waakhond.executors.egg import Egg, build_egg
from waakhond.executors.scrapyd_api import Job, NodeStatus, ScrapydAPI, stored_version

if TYPE_CHECKING:
    from storage.models import CrawlRun

logger = logging.getLogger(__name__)

POLL_INTERVAL = 1.0  # seconds between listjobs.json requests to a node while it runs our jobs
# A node that does not answer this long during a crawl counts as gone, once its crawl's lock is free.
LOST_AFTER = 2.0
STOP_GRACE = timedelta(seconds=20)
TIMEOUT_KILL_GRACE = timedelta(seconds=3)


def scrapyd_auth(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """Basic-auth credentials for the nodes (Scrapyd's username/password), from the environment."""
    env = os.environ if environ is None else environ
    user, password = env.get("WAAKHOND_SCRAPYD_USERNAME"), env.get("WAAKHOND_SCRAPYD_PASSWORD")
    return (user, password or "") if user else None


def rank_nodes(nodes: list[_Node], source_name: str) -> list[_Node]:
    """Nodes in the order this source prefers them (rendezvous hashing: stable, evenly spread)."""

    def weight(node: _Node) -> bytes:
        return hashlib.sha256(f"{node.spec.url}\0{source_name}".encode()).digest()

    return sorted(nodes, key=weight, reverse=True)


@dataclass
class _Node:
    spec: ScrapydNode
    api: ScrapydAPI
    deployed: str | None = None  # the egg version this node is known to have
    problem: str | None = None  # why the last request failed (logged once per change)
    _jobs: dict[str, Job] = field(default_factory=dict)
    _jobs_at: float = -1.0
    _jobs_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def jobs(self, project: str, fresh_after: float) -> dict[str, Job]:
        """listjobs.json, fetched at most once per poll interval however many crawls wait on this node, and
        never older than ``fresh_after`` (loop time: a listing from before a job was scheduled cannot show it)."""
        async with self._jobs_lock:
            now = asyncio.get_running_loop().time()
            if now - self._jobs_at >= POLL_INTERVAL / 2 or self._jobs_at <= fresh_after:
                self._jobs = await self.api.jobs(project)
                self._jobs_at = now
            return self._jobs

    def failed(self, exc: ScrapydError) -> None:
        if str(exc) != self.problem:
            logger.warning("%s", exc)
        self.problem = str(exc)
        self.deployed = None  # a node that was away may have been reinstalled

    def answered(self) -> None:
        if self.problem is not None:
            logger.info("Scrapyd node %s answers again", self.spec.url)
        self.problem = None


@dataclass(frozen=True)
class _Placed:
    node: _Node
    job: str
    at: float  # loop time of scheduling


class ScrapydExecutor:
    kind = "scrapyd"

    def __init__(self, settings: Settings, config: Config, engine: Engine, stop: asyncio.Event, verbose: int = 0) -> None:
        self.settings = settings
        self.engine = engine
        self.verbose = verbose
        self._stop = stop
        self._auth = scrapyd_auth()
        self._nodes: list[_Node] = []
        self._retired: list[_Node] = []
        self._place_lock = asyncio.Lock()
        self._running: dict[str, _Placed] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self.config = config
        self.egg = build_egg(config.resolved)
        self._use_nodes(config)

    # --- configuration ----------------------------------------------------------------------

    @property
    def project(self) -> str:
        return self.config.executor.project

    def _use_nodes(self, config: Config) -> None:
        known = {n.spec.url: n for n in self._nodes}
        nodes = []
        for spec in config.executor.nodes:
            node = known.pop(spec.url, None)
            if node is None:
                node = _Node(spec, ScrapydAPI(spec.url, self._auth))
            else:
                node.spec = spec
            nodes.append(node)
        self._retired.extend(known.values())  # closed with the executor: a crawl may still follow one
        self._nodes = nodes

    def reload(self, config: Config) -> None:
        egg = build_egg(config.resolved)
        project_changed = config.executor.project != self.config.executor.project
        self.config = config
        self._use_nodes(config)
        if egg.version != self.egg.version or project_changed:
            self.egg = egg
            for node in self._nodes:
                node.deployed = None  # deployed again, lazily, before its next job
            logger.info("config changed: Waakhond %s is deployed to each node before its next crawl", egg.version)

    # --- one crawl --------------------------------------------------------------------------

    async def crawl(self, source: Source) -> CrawlRun | None:
        tried: set[str] = set()
        while not self._stop.is_set():
            if await asyncio.to_thread(self._locked, source.name):
                logger.warning("crawl of %s skipped: it is still being crawled (its lock is held)", source.name)
                return None
            placed = await self._place(source, tried)
            if placed is None:
                return None
            self._running[placed.job] = placed
            self._idle.clear()
            try:
                lost, timed_out = await self._follow(placed, source)
            finally:
                del self._running[placed.job]
                if not self._running:
                    self._idle.set()
            run, unfinished = await asyncio.to_thread(self._settle, placed, source, lost, timed_out)
            if lost and unfinished and not self._stop.is_set():
                tried.add(placed.node.spec.url)
                logger.warning("crawl of %s: node %s went away during the crawl; running it on another node",
                               source.name, placed.node.spec.url)
                continue
            return run
        return None

    def _locked(self, name: str) -> bool:
        return locks.supported(self.engine) and locks.source_locked(self.engine, name)

    async def _place(self, source: Source, tried: set[str]) -> _Placed | None:
        """Schedule the crawl on the source's preferred node with a free slot; None when no node takes it."""
        async with self._place_lock:
            full: list[tuple[float, _Node]] = []
            for node in rank_nodes(self._nodes, source.name):
                if node.spec.url in tried:
                    continue
                try:
                    status = await node.api.daemon_status()
                except ScrapydError as exc:
                    node.failed(exc)
                    tried.add(node.spec.url)
                    continue
                node.answered()
                load = _load(status)
                if load < node.spec.max_proc:
                    job = await self._schedule(node, source, tried)
                    if job is not None:
                        return _Placed(node, job, asyncio.get_running_loop().time())
                else:
                    full.append((load / node.spec.max_proc, node))
            # Every reachable node is busy: the least loaded queues the job (it starts when a slot frees).
            for _, node in sorted(full, key=lambda pair: pair[0]):
                job = await self._schedule(node, source, tried)
                if job is not None:
                    return _Placed(node, job, asyncio.get_running_loop().time())
        reasons = "; ".join(f"{n.spec.url}: {n.problem}" for n in self._nodes if n.problem) or "no node configured"
        logger.error("crawl of %s: no Scrapyd node could take it (%s)", source.name, reasons)
        return None

    async def _schedule(self, node: _Node, source: Source, tried: set[str]) -> str | None:
        try:
            await self._deploy(node)
            job = await node.api.schedule(self.project, source.name, self.egg.version, self._job_settings(node))
        except ScrapydError as exc:
            node.failed(exc)
            tried.add(node.spec.url)
            return None
        logger.info("crawl of %s: job %s on %s", source.name, job, node.spec.url)
        return job

    def _job_settings(self, node: _Node) -> dict[str, Any]:
        # Shown by listjobs.json and in the node's log: politeness and identity only, never a secret.
        return {
            **crawl_overrides(self.settings, self.config),
            "LOG_LEVEL": "DEBUG" if self.verbose > 1 else "INFO",
            "WAAKHOND_NODE": node.spec.url,
        }

    async def _deploy(self, node: _Node) -> None:
        egg: Egg = self.egg
        if node.deployed == egg.version:
            return
        if stored_version(egg.version) not in await node.api.versions(self.project):
            spiders = await node.api.add_version(self.project, egg.version, egg.data)
            logger.info("deployed Waakhond %s to %s (%d sources)", egg.version, node.spec.url, spiders)
            if spiders != len(self.config.sources):
                raise ScrapydRejected(node.spec.url, f"the egg lists {spiders} sources there, not {len(self.config.sources)}")
        node.deployed = egg.version

    async def _follow(self, placed: _Placed, source: Source) -> tuple[bool, bool]:
        """Wait for the job to end; (lost: the node went away, timed_out: stopped at the source's timeout)."""
        loop = asyncio.get_running_loop()
        node, job = placed.node, placed.job
        deadline: float | None = None  # the timeout runs from when the job is seen running
        queued_until = loop.time() + source.timeout.total_seconds()
        kill_at: float | None = None
        unreachable_since: float | None = None
        timed_out = False
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            now = loop.time()
            try:
                current = (await node.jobs(self.project, placed.at)).get(job)
            except ScrapydError as exc:
                node.failed(exc)
                unreachable_since = unreachable_since or now
                if now - unreachable_since >= LOST_AFTER and not await asyncio.to_thread(self._locked, source.name):
                    return True, timed_out
                continue
            node.answered()
            unreachable_since = None
            if current is None:
                # The node forgot the job (Scrapyd restarted): it is gone once its crawl holds no lock.
                if not await asyncio.to_thread(self._locked, source.name):
                    return True, timed_out
            elif current.state == "finished":
                return False, timed_out
            elif current.state == "running":
                deadline = deadline or now + source.timeout.total_seconds()
                if not timed_out and now >= deadline:
                    timed_out, kill_at = True, now + TIMEOUT_KILL_GRACE.total_seconds()
                    logger.error("crawl of %s on %s passed its timeout of %s: stopping job %s",
                                 source.name, node.spec.url, source.timeout, job)
                    await self._cancel(node, job, "TERM")
                elif kill_at is not None and now >= kill_at:
                    kill_at = None
                    await self._cancel(node, job, "KILL")
            elif current.state == "pending" and now >= queued_until and not timed_out:
                timed_out = True
                logger.error("crawl of %s waited %s on %s without starting: job %s cancelled",
                             source.name, source.timeout, node.spec.url, job)
                await self._cancel(node, job, "TERM")

    async def _cancel(self, node: _Node, job: str, signal: str) -> None:
        try:
            await node.api.cancel(self.project, job, signal)
        except ScrapydError as exc:
            node.failed(exc)

    def _settle(self, placed: _Placed, source: Source, lost: bool, timed_out: bool) -> tuple[CrawlRun | None, bool]:
        """Close what the job left open; the run it recorded, and whether the crawl did not get to its end."""
        url, job = placed.node.spec.url, placed.job
        if timed_out:
            reason, outcome = f"crawl killed after its timeout of {source.timeout} (job {job} on {url})", "failed"
        elif lost:
            reason, outcome = f"node {url} went away during the crawl (job {job})", "failed"
        elif self._stop.is_set():
            reason, outcome = "crawl stopped with the daemon", "interrupted"
        else:
            reason, outcome = f"crawl process ended without closing its record (job {job} on {url})", "failed"
        closed = close_open_runs(self.settings, self.engine, source.name, None, reason, outcome, job=job, ended=not lost)
        run = repository.run_of_job(self.engine, job)
        if timed_out and run is not None and run.outcome != "failed":
            repository.fail_run(self.engine, run.id, reason)  # type: ignore[arg-type]
            run = repository.run_of_job(self.engine, job)
        if closed:
            (logger.info if outcome == "interrupted" else logger.error)("crawl of %s: %s", source.name, reason)
        if run is None and not lost and self._stop.is_set():
            logger.info("crawl of %s: job %s on %s stopped with the daemon before it started", source.name, job, url)
        elif run is None and not lost:
            logger.warning("crawl of %s: job %s on %s ended without a crawl record (it did not start; see the node's "
                           "log of the job)", source.name, job, url)
        return run, run is None or bool(closed) or run.outcome == "interrupted"

    # --- stopping and status ----------------------------------------------------------------

    async def stop(self) -> None:
        running = list(self._running.values())
        for placed in running:
            await self._cancel(placed.node, placed.job, "TERM")  # Scrapy closes the crawl cleanly
        try:
            await asyncio.wait_for(self._idle.wait(), STOP_GRACE.total_seconds())
        except TimeoutError:
            for placed in list(self._running.values()):
                await self._cancel(placed.node, placed.job, "KILL")

    async def aclose(self) -> None:
        for node in self._nodes + self._retired:
            await node.api.aclose()


def _load(status: NodeStatus) -> int:
    return status.running + status.pending


async def node_report(config: Config, environ: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """For `waakhond status`: each node's reachability, load against its capacity, and this project's jobs."""

    async def one(spec: ScrapydNode) -> dict[str, Any]:
        entry: dict[str, Any] = {"url": spec.url, "max_proc": spec.max_proc}
        async with ScrapydAPI(spec.url, scrapyd_auth(environ)) as api:
            try:
                status = await api.daemon_status()
            except ScrapydError as exc:
                return {**entry, "reachable": False, "error": str(exc)}
            try:
                jobs = await api.jobs(config.executor.project)
                versions = await api.versions(config.executor.project)
            except ScrapydError as exc:  # a node the daemon has not deployed to yet has no such project
                jobs, versions, entry["note"] = {}, [], str(exc)
        mine = [j for j in jobs.values() if j.state in ("running", "pending")]
        return {
            **entry, "reachable": True, "node_name": status.node_name, "running": status.running,
            "pending": status.pending, "free": max(0, spec.max_proc - _load(status)), "versions": len(versions),
            "jobs": [
                {"id": j.id, "source": j.spider, "state": j.state,
                 "started": j.start_time.isoformat() if j.start_time else None, "pid": j.pid}
                for j in sorted(mine, key=lambda j: (j.state, j.spider))
            ],
        }

    return list(await asyncio.gather(*(one(spec) for spec in config.executor.nodes)))


__all__ = ["NodeUnavailable", "ScrapydExecutor", "node_report", "rank_nodes", "scrapyd_auth"]
