"""Makes one spider per configured source, so `scrapy list` and `scrapy crawl <source>` follow the config."""

from __future__ import annotations

from typing import Self

from scrapy import Request, Spider
from scrapy.settings import BaseSettings

from crawlers.spiders import SPIDER_KINDS
from waakhond.config import load_config


class SourceSpiderLoader:
    def __init__(self, settings: BaseSettings) -> None:
        config = load_config(settings.get("WAAKHOND_CONFIG"))
        self._spiders: dict[str, type[Spider]] = {
            source.name: SPIDER_KINDS[source.kind].for_source(source) for source in config.sources
        }

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> list[str]:
        return sorted(self._spiders)

    def find_by_request(self, request: Request) -> list[str]:
        return [name for name, cls in self._spiders.items() if cls.handles_request(request)]
