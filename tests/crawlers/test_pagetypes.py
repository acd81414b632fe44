"""A real crawl of De Kustwijker (tests/fixtures/sites/krant/): listing, video and live-blog pages are not stored,
consent-walled and paywalled articles are stored with the feed's summary, and only the normal article with its text."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import CrawlRun, Document
from tests.crawlers.test_feed import scrapy
from tests.harness.commands import feed_source
from tests.harness.fixture_site import FixtureSite

ARTICLE = "/krant/nieuws/stadion-stopt-met-gezichtsherkenning-bij-de-poort.html"
LISTING = "/krant/tag/privacy.html"
VIDEO = "/krant/video/drone-filmt-zonder-toestemming-boven-strand.html"
LIVEBLOG = "/krant/liveblog/raadsdebat-over-cameratoezicht.html"
CONSENT = "/krant/nieuws/kabinet-wil-gezichtsherkenning-op-luchthavens.html"
PAYWALL = "/krant/nieuws/ziekenhuis-test-toegang-met-handpalmscan.html"

SUMMARIES = {  # the feed's <description>s
    CONSENT: "Reizigers moeten vanaf 2028 zonder paspoort door de controle kunnen: een camera vergelijkt hun gezicht "
             "met de foto in een centrale databank.",
    PAYWALL: "Het Kustziekenhuis laat medewerkers vanaf januari met een scan van hun handpalm de operatiekamers binnen. "
             "De ondernemingsraad is kritisch.",
}
TITLES = {
    CONSENT: "Kabinet wil gezichtsherkenning bij de paspoortcontrole op luchthavens",
    PAYWALL: "Ziekenhuis test toegang met handpalmscan voor personeel",
}


def stat(log: str, key: str) -> int | None:
    """A counter from the stats Scrapy dumps at the end of a crawl."""
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else None


def test_page_types_in_a_real_crawl(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    config = tmp_path / "w.toml"
    config.write_text(feed_source("krant", fixture_site.url("/krant/rss.xml")), encoding="utf-8")
    env = {**waakhond_env, "WAAKHOND_CONFIG": str(config)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    crawled = scrapy(["crawl", "krant", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"], env)
    assert crawled.returncode == 0, crawled.stderr
    log = crawled.stderr
    assert "Traceback" not in log

    # Every page was fetched and looked at.
    for path in (ARTICLE, LISTING, VIDEO, LIVEBLOG, CONSENT, PAYWALL):
        assert fixture_site.hits(path) == 1, path

    # Listing, video and live blog: recognised, not stored, counted as skipped (not as errors or empty pages).
    assert stat(log, "waakhond/skipped/listing") == 1
    assert stat(log, "waakhond/skipped/video") == 1
    assert stat(log, "waakhond/skipped/liveblog") == 1
    assert stat(log, "item_dropped_reasons_count/NotAnArticle") == 3
    assert f"{fixture_site.url(LISTING)} is a listing page (JSON-LD @type CollectionPage), not an article" in log
    assert f"{fixture_site.url(VIDEO)} is a video page (JSON-LD @type VideoObject), not an article" in log
    assert f"{fixture_site.url(LIVEBLOG)} is a liveblog page (JSON-LD @type LiveBlogPosting), not an article" in log
    for key in ("waakhond/extract/empty", "item_dropped_reasons_count/EmptyPage", "item_dropped_reasons_count/WalledPage",
                "waakhond/articles/failed", "spider_exceptions/count", "item_error_count"):
        assert stat(log, key) is None, key

    # The walls: counted, and the feed's summary stored in the page's place.
    assert stat(log, "waakhond/extract/consent-wall") == 1
    assert stat(log, "waakhond/extract/paywall") == 1
    assert f"article {fixture_site.url(CONSENT)}: behind a consent-wall (privacy gate page title" in log
    assert f"article {fixture_site.url(PAYWALL)}: behind a paywall (JSON-LD isAccessibleForFree false" in log
    assert stat(log, "waakhond/stored") == 3

    engine = open_database(database_url)
    try:
        with Session(engine) as session:
            docs = {d.url: d for d in session.execute(select(Document)).scalars()}
            (run,) = session.execute(select(CrawlRun)).scalars().all()
    finally:
        engine.dispose()

    assert set(docs) == {fixture_site.url(p) for p in (ARTICLE, CONSENT, PAYWALL)}
    article = docs[fixture_site.url(ARTICLE)]
    assert article.text_origin == "article"
    assert "Het systeem vergeleek ieder gezicht bij de poort met een lijst van ruim driehonderd mensen" in article.text
    assert "toestemming" not in article.text  # the consent manager's banner is not article text
    for path in (CONSENT, PAYWALL):
        walled = docs[fixture_site.url(path)]
        assert (walled.text_origin, walled.text, walled.title) == ("feed_summary", SUMMARIES[path], TITLES[path])
        assert "Akkoord" not in walled.text and "verder te lezen" not in walled.text
    assert (article.access, docs[fixture_site.url(CONSENT)].access, docs[fixture_site.url(PAYWALL)].access) == (
        None, "consent-wall", "paywall"
    )

    # The crawl record: a clean run (the skipped pages are neither errors nor failures), which says what it skipped.
    assert (run.outcome, run.entries_seen, run.items_stored, run.errors, run.http_errors, run.message) == (
        "ok", 6, 3, 0, 0, "walled page(s): paywall 1, consent-wall 1; not articles, skipped: listing 1, video 1, liveblog 1"
    )
