"""Logging for CLI and daemon processes, with the bot token redacted from every record."""

from __future__ import annotations

import logging
import logging.handlers
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


def configure_logging(verbose: int = 0, secrets: list[str] | None = None, log_file: str | None = None) -> None:
    """Log to stderr, and to ``log_file`` when given (reopened when logrotate moves it)."""
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.handlers.WatchedFileHandler(log_file, encoding="utf-8"))
    # A source that is down is routine: its one-line reason is enough unless debugging (-vv).
    formatter_class = logging.Formatter if verbose > 1 else QuietNetworkFormatter
    root = logging.getLogger()
    # Replace only handlers installed here before; others (pytest's capture, an embedding app's) stay.
    for old in [h for h in root.handlers if getattr(h, "_waakhond", False)]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.setFormatter(formatter_class("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"))
        handler.addFilter(RedactFilter(secrets or []))
        # Scrapy sets its own loggers to DEBUG; the handler's level is what keeps the output readable.
        handler.setLevel(level)
        handler._waakhond = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Telegram URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every job start at INFO and every tick skipped for a crawl still running at
    # WARNING (the intended no-overlap behaviour): daemon noise unless debugging.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose > 1 else logging.ERROR)
