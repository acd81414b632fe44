"""Expected rejections of items (Scrapy counts drops per class: item_dropped_reasons_count/<Class>).

DropItem (Scrapy)
 ├── EmptyPage       neither the page nor the feed entry has any text to store
 │    └── WalledPage a paywall or consent wall hides the page and the feed entry has no summary
 ├── NotAnArticle    a listing, video or live-blog page: not stored as an article (logged at INFO)
 └── AlreadyStored   the canonical URL is in the archive already (a routine drop, logged at DEBUG)
"""

from __future__ import annotations

from scrapy.exceptions import DropItem


class EmptyPage(DropItem):
    pass


class AlreadyStored(DropItem):
    def __init__(self, message: str) -> None:
        super().__init__(message, log_level="DEBUG")


class WalledPage(EmptyPage):
    pass


class NotAnArticle(DropItem):
    def __init__(self, message: str) -> None:
        super().__init__(message, log_level="INFO")
