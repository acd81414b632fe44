"""The base of every source's spider: one subclass per configured source, named after it."""

from __future__ import annotations

from typing import ClassVar, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider

from waakhond.config import Source


class SourceSpider(Spider):
    """A spider class per source kind; ``for_source`` makes the per-source subclass the spider loader hands out."""

    source: ClassVar[Source]

    @classmethod
    def for_source(cls, source: Source) -> type[Self]:
        return type(f"{cls.__name__}_{source.name}", (cls,), {"name": source.name, "source": source})

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        return urlsplit(request.url).hostname == urlsplit(cls.source.url).hostname
