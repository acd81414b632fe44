"""Writes search hits and exported documents as JSON, CSV and Atom, streaming: one record at a time."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from storage.search import ExportRecord, SearchHit

# XML 1.0 has no place for most control characters; scraped text sometimes carries them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
CSV_FIELDS = ("id", "url", "title", "kind", "source", "published", "fetched", "updated", "version", "author",
              "language", "label", "relevance", "tags", "watchlists", "matches", "entities", "content_hash",
              "raw_sha256", "raw_size", "text")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def hit_record(hit: SearchHit, permalink: str | None = None) -> dict[str, Any]:
    """A search hit as `search --json` and the web's JSON endpoint give it."""
    record: dict[str, Any] = {
        "id": hit.id, "url": hit.url, "title": hit.title, "kind": hit.kind, "source": hit.source,
        "published": iso(hit.published), "fetched": iso(hit.fetched), "matches": list(hit.matches),
        "label": hit.label, "relevance": hit.relevance, "tags": list(hit.tags), "version": hit.version,
        "updated": iso(hit.updated), "raw_sha256": hit.raw_sha256, "snippet": hit.snippet_text(),
    }
    if permalink:
        record["permalink"] = permalink
    return record


def export_record(doc: ExportRecord) -> dict[str, Any]:
    """An exported document: a hit's keys (no snippet) and its full record."""
    record = hit_record(doc)
    del record["snippet"]
    record.update(author=doc.author, language=doc.language, watchlists=list(doc.watchlists),
                  entities=list(doc.entities), content_hash=doc.content_hash, raw_size=doc.raw_size, text=doc.text)
    return record


def json_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def csv_rows(records: Iterable[dict[str, Any]], fields: tuple[str, ...] = CSV_FIELDS) -> Iterator[str]:
    """CSV with a header line; lists are joined with spaces (tags, watchlists, entities) or " | " (rules)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        row = dict(record)
        for key, value in row.items():
            if isinstance(value, list):
                row[key] = (" | " if key == "matches" else " ").join(value)
        writer.writerow(row)
        yield buffer.getvalue()


def xml_text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def atom(
    title: str, feed_id: str, self_url: str | None, alternate_url: str | None, entries: Iterable[dict[str, Any]],
    updated: datetime | None = None,
) -> Iterator[str]:
    """An Atom 1.0 feed, entry by entry. Each entry: id, title, link, updated, published, summary or content,
    author (the source), categories; every value is escaped text, never markup."""
    yield '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    yield f"  <title>{xml_text(title)}</title>\n  <id>{xml_text(feed_id)}</id>\n"
    yield f"  <updated>{(updated or datetime.now(UTC)).isoformat()}</updated>\n"
    yield "  <generator>Waakhond</generator>\n"
    if self_url:
        yield f'  <link rel="self" type="application/atom+xml" href={quoteattr(_NOT_XML.sub("", self_url))}/>\n'
    if alternate_url:
        yield f'  <link rel="alternate" type="text/html" href={quoteattr(_NOT_XML.sub("", alternate_url))}/>\n'
    for entry in entries:
        yield "  <entry>\n"
        yield f"    <id>{xml_text(entry['id'])}</id>\n    <title type=\"text\">{xml_text(entry['title'])}</title>\n"
        for rel, href in entry.get("links", ()):
            yield f"    <link rel={quoteattr(rel)} href={quoteattr(_NOT_XML.sub('', href))}/>\n"
        yield f"    <updated>{entry['updated']}</updated>\n"
        if entry.get("published"):
            yield f"    <published>{entry['published']}</published>\n"
        yield f"    <author><name>{xml_text(entry['author'])}</name></author>\n"
        for term in entry.get("categories", ()):
            yield f"    <category term={quoteattr(_NOT_XML.sub('', term))}/>\n"
        if entry.get("summary"):
            yield f'    <summary type="text">{xml_text(entry["summary"])}</summary>\n'
        if entry.get("content"):
            yield f'    <content type="text">{xml_text(entry["content"])}</content>\n'
        yield "  </entry>\n"
    yield "</feed>\n"


def document_entry(record: dict[str, Any], permalink: str | None = None, full_text: bool = False,
                   summary: str | None = None) -> dict[str, Any]:
    """An Atom entry for a hit or exported document record (see hit_record, export_record)."""
    links = [("alternate", permalink or record["url"])]
    if permalink:
        links.append(("related", record["url"]))
    return {
        "id": permalink or record["url"],
        "title": record["title"],
        "links": links,
        "updated": record.get("updated") or record.get("fetched"),
        "published": record.get("published"),
        "author": record["source"],
        "categories": [record["kind"], record["label"], *record.get("tags", [])],
        "summary": None if full_text else summary,
        "content": record.get("text") if full_text else None,
    }
