"""Logging for CLI and daemon processes, with the bot token redacted from every record."""

from __future__ import annotations

import logging
import sys


class RedactFilter(logging.Filter):
    """Replaces secrets in formatted messages; a token must never reach a log file."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            redacted = message
            for secret in self.secrets:
                redacted = redacted.replace(secret, "<redacted>")
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


class QuietNetworkFormatter(logging.Formatter):
    """Formats expected network failures from Scrapy's middlewares as one line, without the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name.startswith("scrapy.downloadermiddlewares") and record.exc_info:
            # A copy: the record is shared with every other handler.
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(record)


def configure_logging(verbose: int = 0, secrets: list[str] | None = None) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    # A source that is down is routine: its one-line reason is enough unless debugging (-vv).
    formatter_class = logging.Formatter if verbose > 1 else QuietNetworkFormatter
    handler.setFormatter(formatter_class("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter(secrets or []))
    # Scrapy sets its own loggers to DEBUG; the handler's level is what keeps stderr readable.
    handler.setLevel(level)
    root = logging.getLogger()
    # Replace only a handler installed here before; others (pytest's capture, an embedding app's) stay.
    for old in [h for h in root.handlers if getattr(h, "_waakhond", False)]:
        root.removeHandler(old)
    handler._waakhond = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Telegram URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every job start and end at INFO: daemon noise unless debugging.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
