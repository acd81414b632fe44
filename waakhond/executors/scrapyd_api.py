"""An async client for one Scrapyd node's JSON API (Scrapyd 1.6), with timeouts and Waakhond's errors.

Only what the scrapyd executor needs: daemonstatus.json, addversion.json, listversions.json,
schedule.json, listjobs.json and cancel.json. Every failure becomes a ScrapydError: NodeUnavailable
when the node cannot be reached, times out or answers with a server error (worth trying another
node), ScrapydRejected when it answered and said no (an unknown spider, an egg it cannot load, bad
credentials).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from waakhond.errors import NodeUnavailable, ScrapydRejected

# Seconds. Scheduling and polling are quick; addversion makes the node list the egg's spiders (`scrapy list`).
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEPLOY_TIMEOUT = httpx.Timeout(180.0, connect=5.0)


@dataclass(frozen=True)
class NodeStatus:
    running: int
    pending: int
    finished: int
    node_name: str


@dataclass(frozen=True)
class Job:
    id: str
    spider: str
    state: str  # pending | running | finished
    start_time: datetime | None = None
    end_time: datetime | None = None
    pid: int | None = None
    log_url: str | None = None


class ScrapydAPI:
    """One node. Use as an async context manager, or call ``aclose()``."""

    def __init__(self, url: str, auth: tuple[str, str] | None = None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self.url, auth=auth, timeout=TIMEOUT, transport=transport)

    async def __aenter__(self) -> ScrapydAPI:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(method, f"/{endpoint}", **kwargs)
        except httpx.TimeoutException as exc:
            raise NodeUnavailable(self.url, f"{endpoint} timed out") from exc
        except httpx.TransportError as exc:
            raise NodeUnavailable(self.url, f"{endpoint}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code == 401:
            raise ScrapydRejected(self.url, "401 Unauthorized: check WAAKHOND_SCRAPYD_USERNAME and WAAKHOND_SCRAPYD_PASSWORD")
        if response.status_code >= 500:
            raise NodeUnavailable(self.url, f"{endpoint} answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise ScrapydRejected(self.url, f"{endpoint} answered HTTP {response.status_code} without JSON") from exc
        if not isinstance(data, dict):
            raise ScrapydRejected(self.url, f"{endpoint} answered JSON that is not an object")
        if data.get("status") != "ok":
            message = str(data.get("message") or "no reason given").strip()
            # A failed `scrapy list` comes back as a whole traceback; its last line says what went wrong.
            raise ScrapydRejected(self.url, f"{endpoint}: {message.splitlines()[-1] if message else message}")
        return data

    async def daemon_status(self) -> NodeStatus:
        data = await self._call("GET", "daemonstatus.json")
        return NodeStatus(_int(data, "running"), _int(data, "pending"), _int(data, "finished"), str(data.get("node_name", "")))

    async def versions(self, project: str) -> list[str]:
        """The project's versions, as the node stores them (see ``stored_version``)."""
        data = await self._call("GET", "listversions.json", params={"project": project})
        return [str(v) for v in data.get("versions", [])]

    async def add_version(self, project: str, version: str, egg: bytes) -> int:
        """Upload an egg; returns how many spiders the node found in it."""
        data = await self._call(
            "POST", "addversion.json", data={"project": project, "version": version},
            files={"egg": (f"{project}.egg", egg, "application/zip")}, timeout=DEPLOY_TIMEOUT,
        )
        return _int(data, "spiders")

    async def schedule(
        self, project: str, spider: str, version: str, settings: dict[str, Any], args: dict[str, str] | None = None
    ) -> str:
        """Queue a crawl; returns its job id. Settings and arguments show in listjobs and the node's logs: no secrets."""
        form: dict[str, str | list[str]] = {"project": project, "spider": spider, "_version": version}
        form["setting"] = [f"{key}={value}" for key, value in settings.items()]
        form.update(args or {})
        data = await self._call("POST", "schedule.json", data=form)
        return str(data["jobid"])

    async def jobs(self, project: str) -> dict[str, Job]:
        """Every pending, running and (recently) finished job of the project, by id."""
        data = await self._call("GET", "listjobs.json", params={"project": project})
        jobs: dict[str, Job] = {}
        for state in ("pending", "running", "finished"):
            for entry in data.get(state) or []:
                if isinstance(entry, dict) and "id" in entry:
                    jobs[str(entry["id"])] = Job(
                        str(entry["id"]), str(entry.get("spider", "")), state,
                        _time(entry.get("start_time")), _time(entry.get("end_time")),
                        entry.get("pid") if isinstance(entry.get("pid"), int) else None,
                        entry.get("log_url") if isinstance(entry.get("log_url"), str) else None,
                    )
        return jobs

    async def cancel(self, project: str, job: str, signal: str = "TERM") -> str | None:
        """Stop a job (a pending one is removed); returns its previous state, None if the node had no such job."""
        data = await self._call("POST", "cancel.json", data={"project": project, "job": job, "signal": signal})
        state = data.get("prevstate")
        return str(state) if state else None


def stored_version(version: str) -> str:
    """How Scrapyd names a version in egg storage and listversions.json (it keeps letters, digits, _ and -)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", version)


def _int(data: dict[str, Any], key: str) -> int:
    try:
        return int(data.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _time(value: Any) -> datetime | None:
    # Scrapyd reports the node's local time without a zone: shown to people, never compared with our clock.
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value not in ("", "None") else None
    except ValueError:
        return None
