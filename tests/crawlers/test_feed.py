"""The generic feed spider: pure feed parsing, and Scrapy's own CLI working from the repository root."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawlers.spiders.feed import FeedEntry, article_item, declared_language, parse_feed
from tests.harness.commands import feed_source
from tests.harness.fixture_site import FixtureSite
from waakhond.config import Source

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "feeds"
ROOT = Path(__file__).resolve().parents[2]


def served(path: str, base: str = "http://127.0.0.1:1") -> bytes:
    return (SITES / path).read_bytes().replace(b"{{base}}", base.encode())


def test_rss_entries_with_links_titles_summaries_and_dates() -> None:
    feed = parse_feed(served("dagblad/rss.xml"), "http://127.0.0.1:1/dagblad/rss.xml", "application/rss+xml")
    assert feed.error is None and feed.warning is None and len(feed.entries) == 5
    first = feed.entries[0]
    assert first.link.startswith("http://127.0.0.1:1/dagblad/artikel/politie-gebruikt-gezichtsherkenning")
    assert first.title == "Politie gebruikt gezichtsherkenning vaker bij opsporing"
    assert first.published is not None and first.published.tzinfo == UTC
    assert any(e.summary and "Sport & Recreatie" in e.summary for e in feed.entries)  # entities decoded, tags gone


def test_atom_entries() -> None:
    feed = parse_feed(served("storing/feed.atom"), "http://127.0.0.1:1/storing/feed.atom", "application/atom+xml")
    assert len(feed.entries) == 5 and feed.error is None
    assert [e.summary is None for e in feed.entries][2] is True


def test_html_instead_of_a_feed_is_an_error_not_an_exception() -> None:
    feed = parse_feed(served("storing/niet-xml.xml"), "http://127.0.0.1:1/storing/niet-xml.xml", "application/rss+xml")
    assert feed.entries == [] and feed.error and feed.error.startswith("not a usable RSS/Atom feed")


def test_junk_bytes_and_empty_bodies() -> None:
    assert parse_feed(b"\x00\xff\xfe garbage \x89PNG", "http://x/f").error
    assert parse_feed(b"", "http://x/f").entries == []


def test_entries_without_usable_links_are_skipped() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>a</title><link>javascript:alert(1)</link></item>
    <item><title>b</title></item>
    <item><title>c</title><link>/relatief/artikel.html</link></item></channel></rss>"""
    feed = parse_feed(body, "https://krant.example/rss.xml")
    assert [e.link for e in feed.entries] == ["https://krant.example/relatief/artikel.html"]
    assert feed.skipped == 2


def test_ill_formed_feeds_from_the_wild_do_not_raise() -> None:
    # Real broken feeds from feedparser's test suite (shared reference material, read in place).
    feeds = sorted(REFERENCE.glob("*.xml"))
    if not feeds:
        pytest.skip(f"no reference feeds at {REFERENCE} (../shared beside the checkout)")
    for path in feeds:
        feed = parse_feed(path.read_bytes(), "http://x/feed.xml")
        assert feed.error is None or feed.entries == [], path.name


def test_article_item_keeps_bytes_and_canonical_url() -> None:
    url = "https://krant.example/a.html?utm_source=rss"
    body = "<html><head><meta charset='windows-1252'></head><body>café</body></html>".encode("cp1252")
    response = HtmlResponse(url=url, body=body, request=Request(url), headers={"Content-Type": "text/html"})
    entry = FeedEntry(link=url, title="T", summary="S", published=datetime(2026, 11, 1, tzinfo=UTC))
    item = article_item(response, entry, Source("krant", "feed", "https://krant.example/rss"), "https://krant.example/a.html")
    assert item.body == body and "café" in item.html and item.url == "https://krant.example/a.html"
    assert (item.feed_title, item.feed_summary, item.content_type) == ("T", "S", "text/html")
    assert item.declared_language is None


def test_declared_language_from_html_or_header() -> None:
    def lang(body: str, headers: dict[str, str] | None = None) -> str | None:
        url = "https://krant.example/a.html"
        response = HtmlResponse(url=url, body=body.encode(), request=Request(url),
                                headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})})
        return declared_language(response)

    assert lang('<html lang="nl-NL"><body>x</body></html>') == "nl"
    assert lang("<html><body>x</body></html>", {"Content-Language": "nl-BE, en"}) == "nl"
    assert lang('<html lang="x-klingon!"><body>x</body></html>') is None


def scrapy(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_scrapy_list_and_crawl_work_from_the_repository_root(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    config = tmp_path / "w.toml"
    config.write_text(
        feed_source("dagblad", fixture_site.url("/dagblad/rss.xml"))
        + feed_source("stadsbericht", fixture_site.url("/storing/feed.atom")),
        encoding="utf-8",
    )
    env = {**waakhond_env, "WAAKHOND_CONFIG": str(config)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    listed = scrapy(["list"], env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["dagblad", "stadsbericht"]
    crawled = scrapy(["crawl", "dagblad", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"], env)
    assert crawled.returncode == 0, crawled.stderr
    assert "'waakhond/stored': 5" in crawled.stderr
    assert "TelnetConsole" not in crawled.stderr and "Remote control" not in crawled.stderr
    assert os.path.exists(tmp_path / "data" / "waakhond.db") or "postgresql" in env["WAAKHOND_DATABASE_URL"]


def test_crawl_outcomes_from_stats() -> None:
    from crawlers.extensions.crawl_run import summarize

    ok = summarize({"waakhond/feed/entries": 5, "waakhond/stored": 2}, "finished")
    assert (ok["outcome"], ok["items_stored"], ok["message"]) == ("ok", 2, None)
    partial = summarize({"waakhond/articles/failed": 1, "waakhond/articles/failed_status/404": 1}, "finished")
    assert (partial["outcome"], partial["message"]) == ("partial", "1 article page(s) failed (HTTP 404: 1)")
    assert summarize({"waakhond/feed/failed": 1}, "finished")["outcome"] == "failed"
    assert summarize({}, "closespider_timeout")["outcome"] == "failed"
    stopped = summarize({}, "shutdown")
    assert (stopped["outcome"], stopped["message"]) == ("interrupted", "crawl ended early: shutdown")


def test_walled_pages_without_a_summary_count_as_errors_and_304s_are_counted() -> None:
    from crawlers.extensions.crawl_run import summarize

    walled = summarize({"item_dropped_reasons_count/WalledPage": 1, "waakhond/extract/paywall": 1}, "finished")
    assert (walled["outcome"], walled["errors"], walled["message"]) == ("partial", 1, "walled page(s): paywall 1")
    listing = summarize({"waakhond/ap/listing_failed": 1, "waakhond/stored": 3}, "finished")
    assert (listing["outcome"], listing["errors"], listing["message"]) == ("partial", 1, "1 listing page(s) failed")
    quiet = summarize({"httpcache/revalidate": 7, "httpcache/firsthand": 2, "httpcache/invalidate": 1}, "finished")
    assert (quiet["not_modified"], quiet["bodies"]) == (7, 3)
