"""Extracts main text and metadata from an article page with trafilatura, at one boundary."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from trafilatura import bare_extraction

from pipeline.errors import EmptyExtraction, ExtractionError

logger = logging.getLogger(__name__)

_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# trafilatura's fallbacks return menu crumbs ("Home") for pages without an article; shorter
# than this is treated as no text. A short news flash is still longer than two sentences.
MIN_TEXT_CHARS = 150


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str
    author: str | None
    published: datetime | None
    language: str | None
    sitename: str | None


def extract(html: str | bytes, url: str) -> Extracted:
    """Main text and metadata of one page.

    Raises:
        EmptyExtraction: the page has no main text trafilatura can find.
        ExtractionError: trafilatura failed on the page.
    """
    try:
        doc = bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=True,
            # A process-wide duplicate cache would empty a page seen before (trafilatura pitfall).
            deduplicate=False,
            date_extraction_params={"original_date": True, "extensive_search": False, "outputformat": _DATE_FORMAT},
        )
    except (ValueError, TypeError, AttributeError, LookupError) as exc:
        raise ExtractionError(f"trafilatura failed: {exc.__class__.__name__}: {exc}") from exc
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text) < MIN_TEXT_CHARS:
        raise EmptyExtraction(f"no main text found ({len(text)} characters, fewer than {MIN_TEXT_CHARS})")
    return Extracted(
        title=_clean(doc.title),
        text=text,
        author=_clean(doc.author),
        published=parse_date(doc.date),
        language=_clean(doc.language),
        sitename=_clean(doc.sitename),
    )


def parse_date(value: str | None) -> datetime | None:
    """trafilatura's date string as an aware UTC datetime; dates without a zone are taken as UTC."""
    if not value:
        return None
    for fmt in (_DATE_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    logger.debug("unparseable extracted date %r", value)
    return None


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None
