"""Item pipeline: the near-duplicate signature of an article's text (pipeline.dedupe), for the store to place it in its story."""

from __future__ import annotations

from typing import Any

from crawlers.items import ArticleItem
from crawlers.pipelines.counting import CountingPipeline
from pipeline.dedupe import signature


class DedupePipeline(CountingPipeline):
    """Signs each article; the story itself is chosen in the store's transaction, where it is safe across processes."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and item.text:
            item.signature = signature(item.text)
            self.stats.inc_value("waakhond/dedupe/signed" if item.signature else "waakhond/dedupe/too_short")
        return item
