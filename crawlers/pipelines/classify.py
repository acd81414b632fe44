"""Item pipeline: classifies an article or Kamervraag document against the watchlists and gazetteer (pipeline.classify)."""

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
        return cls(Classifier(config.watchlists, config.entities))

    def process_item(self, item: ArticleItem | KamervraagItem) -> ArticleItem | KamervraagItem:
        if isinstance(item, KamervraagItem):
            if not item.record.deleted and item.record.case is not None:
                item.classification = self.classifier.classify(
                    item.title(), item.text(), {"case": item.case_subject()}
                )
        else:
            item.classification = self.classifier.classify(item.title, item.text)
        return item
