"""Local HTTP server that plays the news outlets: serves tests/fixtures/sites/ with runtime overrides."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import NamedTuple

from werkzeug.http import http_date, unquote_etag
from werkzeug.wrappers import Request, Response

from tests.harness.local_server import LocalServer

__all__ = ["FixtureSite", "RecordedRequest"]

PLACEHOLDER = b"{{base}}"
# Only text formats that link to other pages are templates; anything else is served verbatim.
TEMPLATED_SUFFIXES = frozenset({".xml", ".atom", ".rss", ".html", ".htm"})
CONTENT_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
# Synthetic Last-Modified dates must not depend on file mtimes (which change with every checkout),
# so they are derived from the content and land in the month the fixture articles are dated.
_LAST_MODIFIED_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


class RecordedRequest(NamedTuple):
    """One request as the site saw it; ``path`` carries ``?query`` only when one was sent."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _Route:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _normalise(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _declared_charset(body: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(body[:2048])
    if match is None:
        return None
    raw = match.group(1) or match.group(2)
    return raw.decode("ascii").lower()


def content_type_for(path: str, body: bytes) -> str:
    """Content-Type the site sends for ``path`` when nobody overrode it."""
    suffix = Path(path).suffix.lower()
    content_type = CONTENT_TYPES.get(suffix)
    if content_type is None:
        guessed, _ = mimetypes.guess_type(path)
        return guessed or "application/octet-stream"
    charset = _declared_charset(body)
    if "charset=utf-8" in content_type and charset is not None and charset not in _UTF8_NAMES:
        # A header charset beats the document's own declaration in every client, so a page that
        # declares windows-1252 gets no header charset: like many old CMSes, the document decides.
        content_type = content_type.split(";", 1)[0]
    return content_type


def _is_template(path: str, content_type: str) -> bool:
    if Path(path).suffix.lower() in TEMPLATED_SUFFIXES:
        return True
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.endswith(("xml", "html"))


def _last_modified(body: bytes) -> str:
    offset = int.from_bytes(hashlib.sha256(body).digest()[:4], "big") % (30 * 86400)
    return http_date(_LAST_MODIFIED_EPOCH + timedelta(seconds=offset))


class FixtureSite(LocalServer):
    """Serves every file under ``root`` at its relative path, with ``{{base}}`` filled in per request.

    Files are read at request time, so edits and overrides take effect on the next request.
    Only ``If-None-Match`` is honoured for conditional GET: the Last-Modified dates are synthetic
    (fixed per content, not ordered in time), so answering ``If-Modified-Since`` could wrongly
    claim that changed content is unchanged.
    """

    def __init__(self, root: Path, host: str = "127.0.0.1") -> None:
        self.root = Path(root).resolve()
        super().__init__(host)
        self._lock = threading.Condition()
        self._overrides: dict[str, _Route] = {}
        self._removed: set[str] = set()
        self._requests: list[RecordedRequest] = []
        self._delays: dict[str, float] = {}
        # Set on stop(): releases requests held by delay(), so a slow route never outlives the server.
        self._released = threading.Event()

    def url(self, path: str) -> str:
        return self.base_url + _normalise(path)

    def stop(self) -> None:
        self._released.set()
        super().stop()

    # -- runtime changes ---------------------------------------------------------------------

    def set(
        self,
        path: str,
        body: bytes | str,
        content_type: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Add or replace the route ``path`` (no query string); xml/atom/html bodies are templates."""
        path = _normalise(path)
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        route = _Route(data, content_type or content_type_for(path, data), status, dict(headers or {}))
        with self._lock:
            self._overrides[path] = route
            self._removed.discard(path)

    def set_status(self, path: str, status: int) -> None:
        """Make ``path`` answer ``status`` with a short plain-text body."""
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Status"
        self.set(path, f"{status} {phrase}\n", content_type="text/plain; charset=utf-8", status=status)

    def remove(self, path: str) -> None:
        """Make ``path`` answer 404, even if a file or an override exists for it."""
        path = _normalise(path)
        with self._lock:
            self._overrides.pop(path, None)
            self._removed.add(path)

    def delay(self, path: str, seconds: float) -> None:
        """Answer ``path`` only after ``seconds`` (a slow or, with a large value, hanging server).

        The wait ends early when the server stops, so a hanging route never blocks teardown.
        """
        with self._lock:
            self._delays[_normalise(path)] = seconds

    def release_delayed(self) -> None:
        """Answer every request held by delay() now, and no longer hold any."""
        with self._lock:
            self._delays.clear()
        self._released.set()

    def restore(self, path: str) -> None:
        """Drop any override or removal of ``path``, so its file (if any) is served again."""
        path = _normalise(path)
        with self._lock:
            self._overrides.pop(path, None)
            self._removed.discard(path)

    # -- observation -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def hits(self, path: str) -> int:
        """Requests for ``path``; a path without ``?`` counts requests with any query string too."""
        with self._lock:
            return self._count(path)

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for_hits(self, path: str, n: int, timeout: float = 30.0) -> int:
        """Block until ``path`` was requested at least ``n`` times (woken by each request, no polling)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._count(path) >= n, timeout=timeout):
                raise AssertionError(f"{path} requested {self._count(path)} times, not {n}, within {timeout}s")
            return self._count(path)

    def _count(self, path: str) -> int:
        path = _normalise(path)
        if "?" in path:
            return sum(1 for r in self._requests if r.path == path)
        return sum(1 for r in self._requests if r.path.split("?", 1)[0] == path)

    # -- serving -----------------------------------------------------------------------------

    def _file_for(self, path: str) -> Path | None:
        candidate = (self.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _handle(self, request: Request) -> Response:
        path = request.path
        query = request.query_string.decode("latin-1")
        with self._lock:
            self._requests.append(
                RecordedRequest(request.method, f"{path}?{query}" if query else path, dict(request.headers))
            )
            route = self._overrides.get(path)
            removed = path in self._removed
            delay = self._delays.get(path, 0.0)
            self._lock.notify_all()
        if delay:
            self._released.wait(delay)

        if removed:
            return self._not_found()
        if route is None:
            file = self._file_for(path)
            if file is not None:
                data = file.read_bytes()
                route = _Route(data, content_type_for(path, data))
            elif path == "/robots.txt":
                route = _Route(ROBOTS_TXT, "text/plain; charset=utf-8")
            else:
                return self._not_found()
            if request.method not in ("GET", "HEAD"):
                return Response(b"", status=405, headers={"Allow": "GET, HEAD"})

        body = route.body
        if _is_template(path, route.content_type):
            body = body.replace(PLACEHOLDER, self.base_url.encode("ascii"))
        return self._respond(request, body, route)

    @staticmethod
    def _not_found() -> Response:
        return Response(b"404 Not Found\n", status=404, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _respond(request: Request, body: bytes, route: _Route) -> Response:
        headers = {"Content-Type": route.content_type}
        if route.status == 200:
            headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
            headers["Last-Modified"] = _last_modified(body)
        headers.update(route.headers)
        etag = headers.get("ETag")
        if (
            etag is not None
            and route.status == 200
            and request.method in ("GET", "HEAD")
            and request.if_none_match.contains_weak(unquote_etag(etag)[0])
        ):
            return Response(status=304, headers={"ETag": etag, "Last-Modified": headers.get("Last-Modified", "")})
        return Response(body, status=route.status, headers=headers)
