"""Item pipeline: article text and metadata via pipeline.extract (PDFs via pipeline.pdf), with the feed summary
as fallback; pages that are not articles (pipeline.pagetype) are dropped, walled ones fall back to the summary."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from crawlers.exceptions import EmptyPage, NotAnArticle, WalledPage
from crawlers.items import ArticleItem
from crawlers.pipelines.counting import CountingPipeline
from pipeline.errors import ExtractionError
from pipeline.extract import extract
from pipeline.pagetype import CONSENT_WALL, LISTING, LIVEBLOG, PAYWALL, VIDEO, page_type
from pipeline.pdf import is_pdf, pdf_text

logger = logging.getLogger(__name__)


class ExtractPipeline(CountingPipeline):
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if is_pdf(item.body, item.content_type):
            self._pdf(item)
        else:
            self._page(item)
        item.title = item.title or item.url
        item.content_hash = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
        return item

    def _pdf(self, item: ArticleItem) -> None:
        try:
            item.text = pdf_text(item.body)
        except ExtractionError as exc:
            self.stats.inc_value("waakhond/extract/pdf_failed")
            raise EmptyPage(f"{item.fetched_url}: {exc}") from exc
        self.stats.inc_value("waakhond/extract/pdf")
        item.text_origin = "pdf"
        item.title = item.feed_title
        item.published_at = item.feed_published
        item.language = item.declared_language

    def _page(self, item: ArticleItem) -> None:
        kind = page_type(item.html, item.fetched_url)
        if kind.kind in (LISTING, VIDEO, LIVEBLOG):
            self.stats.inc_value(f"waakhond/skipped/{kind.kind}")
            raise NotAnArticle(f"{item.fetched_url} is a {kind.kind} page ({kind.reason}), not an article")
        if kind.kind in (PAYWALL, CONSENT_WALL):
            self.stats.inc_value(f"waakhond/extract/{kind.kind}")
            if not item.feed_summary:
                raise WalledPage(f"{item.fetched_url}: a {kind.kind} ({kind.reason}), and the feed entry has no summary")
            logger.info("article %s: behind a %s (%s); storing the feed summary", item.fetched_url, kind.kind, kind.reason)
            self._summary(item)
            item.access = kind.kind
            return
        try:
            extracted = extract(item.html, item.fetched_url)
        except ExtractionError as exc:
            self.stats.inc_value("waakhond/extract/empty")
            if not item.feed_summary:
                raise EmptyPage(f"{item.fetched_url}: {exc}, and the feed entry has no summary") from exc
            logger.warning("article %s: %s; storing the feed summary instead", item.fetched_url, exc)
            self.stats.inc_value("waakhond/extract/summary_fallback")
            self._summary(item)
        else:
            item.text, item.text_origin = extracted.text, "article"
            # The feed's title is the one the outlet chose to publish; the page's may carry a site suffix.
            item.title = item.feed_title or extracted.title
            item.author = extracted.author
            item.language = extracted.language or item.declared_language
            item.published_at = item.feed_published or extracted.published

    @staticmethod
    def _summary(item: ArticleItem) -> None:
        assert item.feed_summary
        item.text, item.text_origin = item.feed_summary, "feed_summary"
        item.title = item.feed_title
        item.published_at = item.feed_published
        item.language = item.declared_language
