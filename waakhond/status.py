"""Gathers what `waakhond status` shows: daemon liveness, source health and schedule, backlog, archive size."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from storage import repository
from storage.models import utcnow
from waakhond.config import AMSTERDAM, Config, format_duration
from waakhond.daemon import HEARTBEAT_INTERVAL

# A daemon whose heartbeat is older than this is taken for dead.
HEARTBEAT_TIMEOUT = HEARTBEAT_INTERVAL * 3


def collect(engine: Engine, config: Config, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    state = repository.daemon_state(engine)
    next_runs: dict[str, str] = json.loads(state.next_runs) if state else {}
    daemon: dict[str, Any] = {"running": False}
    if state is not None:
        alive = state.stopped_at is None and now - state.heartbeat_at < HEARTBEAT_TIMEOUT
        if alive and state.hostname == socket.gethostname():
            alive = _pid_alive(state.pid)
        daemon = {
            "running": alive,
            "pid": state.pid,
            "host": state.hostname,
            "started": state.started_at.isoformat(),
            "heartbeat": state.heartbeat_at.isoformat(),
            "stopped": state.stopped_at.isoformat() if state.stopped_at else None,
        }
    names = [s.name for s in config.sources]
    sources = []
    for source, st in zip(config.sources, repository.source_statuses(engine, names), strict=True):
        health = repository.health_of(engine, source.name)
        run = st.last_run
        sources.append(
            {
                "name": source.name,
                "schedule": f"cron {source.cron}" if source.cron else f"every {format_duration(source.interval)}",
                "health": health.state if health else "ok",
                "health_since": health.since.isoformat() if health else None,
                "health_reason": health.reason if health else None,
                "documents": st.documents,
                "next_run": next_runs.get(f"crawl:{source.name}") if daemon["running"] else None,
                "last_crawl": None
                if run is None
                else {
                    "started": run.started_at.isoformat(),
                    "finished": run.finished_at.isoformat() if run.finished_at else None,
                    "outcome": run.outcome,
                    "items_stored": run.items_stored,
                    "items_updated": run.items_updated,
                    "errors": run.errors,
                    "message": run.message,
                },
            }
        )
    report = {
        "daemon": daemon,
        "database": {"url": engine.url.render_as_string(hide_password=True), "bytes": repository.database_size(engine)},
        "outbox": repository.outbox_counts(engine),
        "operator_messages": repository.operator_message_counts(engine),
        "sources": sources,
    }
    if config.executor.kind == "scrapyd":
        from waakhond.executors.scrapyd import node_report

        report["nodes"] = asyncio.run(node_report(config))
    return report


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def render(report: dict[str, Any]) -> str:
    d = report["daemon"]
    if d["running"]:
        daemon = f"running (pid {d['pid']} on {d['host']}, since {_local(d['started'])}, heartbeat {_local(d['heartbeat'])})"
    elif "pid" in d:
        daemon = f"NOT running (last heartbeat {_local(d['heartbeat'])}" + (
            f", stopped {_local(d['stopped'])})" if d["stopped"] else ", did not stop cleanly)"
        )
    else:
        daemon = "never started on this archive"
    size = report["database"]["bytes"]
    backlog = ", ".join(f"{n} {status}" for status, n in sorted(report["outbox"].items())) or "empty"
    ops = report["operator_messages"]
    lines = [
        f"daemon:   {daemon}",
        f"archive:  {report['database']['url']}" + (f" ({size / 1024 / 1024:.1f} MiB)" if size is not None else ""),
        f"alerts:   {backlog}" + (f"; operator messages pending: {ops.get('pending', 0)}" if ops else ""),
        "",
        f"{'SOURCE':24} {'HEALTH':8} {'DOCS':>6}  {'LAST CRAWL':28} {'NEXT RUN':16} SCHEDULE",
    ]
    if "nodes" in report:
        lines[3:3] = ["", *_render_nodes(report["nodes"])]
    for s in report["sources"]:
        last = s["last_crawl"]
        last_text = f"{_local(last['started'])} {last['outcome']}" if last else "never"
        next_text = _local(s["next_run"]) if s["next_run"] else "-"
        lines.append(f"{s['name']:24} {s['health']:8} {s['documents']:>6}  {last_text:28} {next_text:16} {s['schedule']}")
        if s["health"] != "ok" and s["health_reason"]:
            lines.append(f"{'':24} {s['health']} since {_local(s['health_since'])}: {s['health_reason']}")
    return "\n".join(lines)


def _render_nodes(nodes: list[dict[str, Any]]) -> list[str]:
    lines = [f"{'SCRAPYD NODE':40} {'STATE':12} {'RUNNING':>7} {'PENDING':>7} {'FREE':>4}/MAX"]
    for n in nodes:
        if not n["reachable"]:
            lines.append(f"{n['url']:40} {'UNREACHABLE':12} {'-':>7} {'-':>7} {'-':>4}/{n['max_proc']}  {n['error']}")
            continue
        lines.append(f"{n['url']:40} {'up':12} {n['running']:>7} {n['pending']:>7} {n['free']:>4}/{n['max_proc']}")
        for job in n["jobs"]:
            since = f" since {job['started'][:19].replace('T', ' ')}" if job["started"] else ""
            lines.append(f"    {job['state']:8} {job['source']:24} job {job['id']}{since}")
    return lines


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S")


