"""The config and database a crawl process works with, built once per process from Scrapy settings."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from scrapy.settings import BaseSettings
from sqlalchemy import Engine

from storage.engine import open_database
from waakhond.config import Config, Settings, load_config


@dataclass(frozen=True)
class CrawlContext:
    config: Config
    engine: Engine


def crawl_context(settings: BaseSettings) -> CrawlContext:
    return _context(settings.get("WAAKHOND_CONFIG"), settings.get("WAAKHOND_DATABASE_URL"))


@functools.cache
def _context(config_path: str | None, database_url: str | None) -> CrawlContext:
    url = database_url or Settings.from_env().database_url
    return CrawlContext(config=load_config(config_path), engine=open_database(url))
