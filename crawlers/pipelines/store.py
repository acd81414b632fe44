"""Item pipeline: stores the article, its matches and its alerts in one transaction (storage.repository)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from sqlalchemy import Engine

from alerts.routing import Router
from crawlers.context import crawl_context
from crawlers.exceptions import AlreadyStored
from crawlers.items import ArticleItem
from pipeline.classify import UNCLASSIFIED
from pipeline.rules import CORE
from storage import repository
from waakhond.config import Source, Subscription


class SourceStorePipeline:
    """What every storing pipeline holds: the archive, the crawled source (ensured at start), its subscribers."""

    def __init__(self, engine: Engine, source: Source, subscriptions: tuple[Subscription, ...], stats: StatsCollector) -> None:
        self.engine = engine
        self.source = source
        self.subscriptions = subscriptions
        self.router = Router(engine, subscriptions)
        self.stats = stats
        self.source_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        context = crawl_context(crawler.settings)
        assert crawler.spidercls is not None
        source = context.config.source(crawler.spidercls.name)
        return cls(context.engine, source, context.config.subscriptions, crawler.stats)

    def open_spider(self) -> None:
        self.source_id = repository.ensure_source(self.engine, self.source.name, self.source.kind, self.source.url)

    def route(self, reached: Collection[str], label: str) -> list[str]:
        """The subscribed chats that want a document with this label that reached these watchlists."""
        return self.router(reached, label)


class StorePipeline(SourceStorePipeline):
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        assert self.source_id is not None and item.text and item.text_origin and item.content_hash
        classification = item.classification or UNCLASSIFIED
        result = repository.store_document(
            self.engine,
            self.source_id,
            repository.NewDocument(
                source_name=item.source,
                kind=item.kind,
                url=item.url,
                fetched_url=item.fetched_url,
                title=item.title or item.url,
                text=item.text,
                text_origin=item.text_origin,
                fetched_at=item.fetched_at,
                content_hash=item.content_hash,
                raw=item.body,
                published_at=item.published_at,
                author=item.author,
                language=item.language,
                http_status=item.http_status,
                content_type=item.content_type,
                access=item.access,
                linked_from=item.linked_from,
                sanction=item.sanction,
                signature=item.signature,
            ),
            classification,
            self.route(classification.reached, classification.label),
        )
        if result.updated:
            self.stats.inc_value("waakhond/updated")
        elif not result.stored:
            raise AlreadyStored(f"{item.url} is stored already, unchanged")
        else:
            self.stats.inc_value("waakhond/stored")
            if classification.label == CORE:
                self.stats.inc_value("waakhond/relevant")
        self.stats.inc_value("waakhond/alerts_queued", result.alerts_queued)
        return item
