"""A local HTTP server on 127.0.0.1 whose every request goes to one handler: the base of the fakes."""

from __future__ import annotations

import re
from types import TracebackType
from typing import Self

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response


class QuickStopHTTPServer(HTTPServer):
    """pytest-httpserver's server with a short shutdown poll, so each test's teardown is fast."""

    def thread_target(self) -> None:
        assert self.server is not None
        # socketserver only notices shutdown() once per poll interval (0.5 s by default).
        self.server.serve_forever(poll_interval=0.02)


class LocalServer:
    """Started on a free port; subclasses answer every request in ``_handle``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = QuickStopHTTPServer(host=host, port=0, threaded=True)
        self._server.no_handler_status_code = 404
        self._server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        raise NotImplementedError

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def check(self) -> None:
        """Re-raise the first exception raised inside the request handler (a harness bug)."""
        self._server.check_handler_errors()

    @property
    def base_url(self) -> str:
        if not self._server.is_running():
            raise RuntimeError(f"{type(self).__name__} is not started; its port is only known after start()")
        return f"http://{self._server.host}:{self._server.port}"
