"""A real Scrapyd node on 127.0.0.1 in a directory of its own, for tests and benchmarks.

Scrapyd's own ``scrapyd`` command cannot listen on port 0 (its application treats the port as
"off"), so the node is started by this module run as a script: it builds Scrapyd's real
application from the node's scrapyd.conf, binds its web service to an ephemeral port and prints
the port, then runs Twisted's reactor as ``scrapyd`` does. Everything else (the launcher, the
queue, egg storage, ``python -m scrapyd.runner`` per job) is Scrapyd's own code.

The node is its own process group, so ``stop()`` ends it together with the crawls it runs, as a
machine that goes down (or ``systemctl stop`` with KillMode=control-group) would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

PROJECT = "waakhond"


class ScrapydNode:
    def __init__(self, directory: Path, env: dict[str, str], max_proc: int = 2) -> None:
        self.directory = Path(directory)
        self.max_proc = max_proc
        # The node reads its own environment (database URL, data dir); the egg decides the settings module.
        self.env = {k: v for k, v in env.items() if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}
        self.proc: subprocess.Popen[str] | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the node is not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "scrapyd.conf").write_text(textwrap.dedent(f"""\
            [scrapyd]
            bind_address = 127.0.0.1
            http_port = 6800
            max_proc = {self.max_proc}
            poll_interval = 0.2
            eggs_dir = {self.directory / 'eggs'}
            logs_dir = {self.directory / 'logs'}
            dbs_dir = {self.directory / 'dbs'}
            jobs_to_keep = 50
            finished_to_keep = 200
            """), encoding="utf-8")
        log = open(self.directory / "node.log", "a", encoding="utf-8")  # noqa: SIM115 - kept by the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.harness.scrapyd_node"], cwd=self.directory, env=self._python_env(),
            stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
        )
        log.close()
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # the bound port, once the web service listens
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError(f"Scrapyd node did not start: {(self.directory / 'node.log').read_text()[-2000:]}")
        self.port = int(line)

    def _python_env(self) -> dict[str, str]:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(self.env)
        # This module is run from the node's directory; the checkout holds tests.harness.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        return env

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """End the node and every crawl it runs (SIGKILL: as if its machine lost power)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        with urllib.request.urlopen(f"{self.url}/{endpoint}" + (f"?{query}" if query else ""), timeout=10) as response:
            return json.loads(response.read())

    def post(self, endpoint: str, data: dict[str, str]) -> dict[str, Any]:
        body = urllib.parse.urlencode(data).encode()
        with urllib.request.urlopen(f"{self.url}/{endpoint}", body, timeout=60) as response:
            return json.loads(response.read())

    def jobs(self) -> dict[str, list[dict[str, Any]]]:
        return self.get("listjobs.json", project=PROJECT)

    def log_text(self) -> str:
        logs = sorted((self.directory / "logs").rglob("*.log"))
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')}" for p in logs)

    def __enter__(self) -> ScrapydNode:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _serve() -> None:
    """Scrapyd's application from ./scrapyd.conf, on an ephemeral port of 127.0.0.1."""
    from twisted.application.internet import TCPServer
    from twisted.application.service import IService
    from twisted.internet import reactor
    from twisted.logger import globalLogBeginner, textFileLogObserver

    from scrapyd.app import application
    from scrapyd.config import Config

    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)], redirectStandardIO=False)
    service = IService(application(Config()))
    (web,) = [s for s in service if isinstance(s, TCPServer)]
    web.args = (0, *web.args[1:])  # the port: any free one
    service.startService()
    print(web._port.getHost().port, flush=True)
    reactor.addSystemEventTrigger("before", "shutdown", service.stopService)
    reactor.run()


if __name__ == "__main__":
    _serve()
