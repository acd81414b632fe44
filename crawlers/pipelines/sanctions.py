"""Item pipeline: the sanction facts of AP press releases and decisions (pipeline.sanctions)."""

from __future__ import annotations

from typing import Any

from crawlers.items import ArticleItem
from crawlers.pipelines.counting import CountingPipeline
from pipeline.sanctions import extract_sanctions

# The document kinds the AP spider yields; other sources' items pass untouched.
AP_KINDS = ("ap-release", "ap-decision")


class SanctionsPipeline(CountingPipeline):
    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and item.kind in AP_KINDS and item.text:
            item.sanction = extract_sanctions(item.title, item.text)
            if item.sanction is not None:
                self.stats.inc_value("waakhond/sanctions")
        return item
