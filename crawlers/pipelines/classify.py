"""Item pipeline: records which watchlist terms occur in an article or Kamervraag document (pipeline.classify)."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler

from crawlers.context import crawl_context
from crawlers.items import ArticleItem, KamervraagItem
from pipeline.classify import Classifier


class ClassifyPipeline:
    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = crawl_context(crawler.settings).config
        return cls(Classifier((w.name, w.terms) for w in config.watchlists))

    def process_item(self, item: ArticleItem | KamervraagItem) -> ArticleItem | KamervraagItem:
        if isinstance(item, KamervraagItem):
            item.matches = self.classifier.classify(*item.texts())
        else:
            item.matches = self.classifier.classify(item.title, item.text)
        return item
