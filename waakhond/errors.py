"""Errors of the application shell.

WaakhondError
 ├── ConfigError        the config file or environment is invalid (carries every ConfigProblem)
 ├── SourceBusy         another crawl of the same source holds its lock
 ├── DeploymentError    a Scrapyd node cannot run the egg the daemon deployed (other code, no PostgreSQL)
 └── ScrapydError       a Scrapyd node failed a request (see waakhond.executors.scrapyd_api)
      ├── NodeUnavailable   the node cannot be reached, timed out, or answered with a server error
      └── ScrapydRejected   the node answered, but refused the request (status "error", 401)
"""

from __future__ import annotations

from dataclasses import dataclass


class WaakhondError(Exception):
    """Base of the errors the CLI reports as a one-line message."""


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    reason: str
    line: int | None = None  # 1-based, where known

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.reason}" if self.key else f"{where}: {self.reason}"


class ConfigError(WaakhondError):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class SourceBusy(WaakhondError):
    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(f"source {source!r} is already being crawled by another process")


class DeploymentError(WaakhondError):
    pass


class ScrapydError(WaakhondError):
    def __init__(self, node: str, message: str) -> None:
        self.node = node
        super().__init__(f"Scrapyd node {node}: {message}")


class NodeUnavailable(ScrapydError):
    pass


class ScrapydRejected(ScrapydError):
    pass
