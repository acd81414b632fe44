"""The base of every source's spider: one subclass per configured source, named after it."""

from __future__ import annotations

from typing import ClassVar, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from waakhond.config import Source


def failure_reason(failure: Failure) -> str:
    """A failed request's reason for the log: "HTTP 503" or the exception."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


class SourceSpider(Spider):
    """A spider class per source kind; ``for_source`` makes the per-source subclass the spider loader hands out."""

    source: ClassVar[Source]

    @classmethod
    def for_source(cls, source: Source) -> type[Self]:
        return type(f"{cls.__name__}_{source.name}", (cls,), {"name": source.name, "source": source})

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        return urlsplit(request.url).hostname == urlsplit(cls.source.url).hostname

    def article_failed(self, failure: Failure) -> None:
        """Errback of a page that was to become a document: counted (with its HTTP status) and skipped."""
        stats = self.crawler.stats
        stats.inc_value("waakhond/articles/failed")
        if failure.check(HttpError):
            stats.inc_value(f"waakhond/articles/failed_status/{failure.value.response.status}")
        self.logger.warning("article %s skipped: %s", failure.request.url, failure_reason(failure))
