"""Scrapy log messages without the item: an article item holds the fetched page, which is hostile bytes."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


def _name(item: Any) -> str:
    # The URL says which page it was; the rest (raw body, text) would put megabytes of scraped bytes,
    # control characters and terminal escapes into the log.
    url = getattr(item, "fetched_url", None) or getattr(item, "url", None)
    return f"{type(item).__name__}({url})" if url else type(item).__name__


class ItemlessLogFormatter(LogFormatter):
    """Scrapy's messages for dropped, failed and scraped items, naming the item by its URL only."""

    def dropped(self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def item_error(self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        return {**result, "msg": "Error processing %(item)s", "args": {"item": _name(item)}}

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        result = super().scraped(item, response, spider)
        args = dict(result["args"])
        args["item"] = _name(item)
        return {**result, "args": args}
