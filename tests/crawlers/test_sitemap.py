"""The sitemap source kind: pure sitemap parsing, the spider's choices, and real crawls from the repository root."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from scrapy import Request
from scrapy.http import Response, XmlResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawlers.spiders import SPIDER_KINDS
from crawlers.spiders.feed import ARTICLE_META, FeedEntry
from crawlers.spiders.sitemap import (
    MAX_AGE,
    SITEMAP_DEPTH_META,
    SitemapEntry,
    SitemapSpider,
    is_recent,
    newest_sitemaps,
    parse_sitemap,
    parse_w3c_datetime,
)
from storage.engine import open_database
from storage.models import Document
from tests.harness.fixture_site import FixtureSite
from waakhond.config import Source, parse_config

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "sites"
KRANT = SITES / "sitemapkrant"
ROOT = Path(__file__).resolve().parents[2]
BASE = "http://127.0.0.1:1"
FOLLOW = r"/sitemapkrant/nieuws/[a-z0-9-]+\.html$"
# {{datum-N}}: a W3C datetime N days (and an hour) before now, in +01:00; {{dag-N}}: that day's date only.
_PLACEHOLDER = re.compile(rb"\{\{(datum|dag)-(\d+)\}\}")
CET = timezone(timedelta(hours=1))

STORED = {
    "gemeente-stopt-proef-met-gezichtsherkenning-in-winkelcentrum": "312 keer alarm sloeg",
    "ap-onderzoekt-biometrische-toegang-bij-sportscholen": "negentien sportscholen leden geen andere keuze",
    "raad-wil-register-van-slimme-cameras": "openbaar register bijhoudt van alle camera's",
    "hoogwater-in-de-rijn-zakt-langzaam": "met ongeveer een meter daalt",
}
NEVER_FETCHED = (
    "/sitemapkrant/video/debat-over-biometrie-in-de-raad.html",  # not matching follow
    "/sitemapkrant/tag/gezichtsherkenning.html",  # not matching follow
    "/sitemapkrant/nieuws/politie-evalueert-camerabeelden-van-oud-en-nieuw.html",  # published 9 days ago
    "/sitemapkrant/nieuws/oude-zaak-over-vingerafdrukken-op-school.html",  # modified 5 days ago
    "/sitemapkrant/sitemaps/nieuws-archief.xml",  # an index child last modified 40 days ago
)


def fill(raw: bytes, base: str = BASE, now: datetime | None = None) -> bytes:
    """A fixture sitemap as the outlet would serve it now: base URL and relative dates filled in."""
    now = now or datetime.now(UTC)

    def date(match: re.Match[bytes]) -> bytes:
        moment = (now - timedelta(days=int(match.group(2)), hours=1)).astimezone(CET)
        text = moment.date().isoformat() if match.group(1) == b"dag" else moment.isoformat(timespec="seconds")
        return text.encode()

    return _PLACEHOLDER.sub(date, raw.replace(b"{{base}}", base.encode()))


def fixture(path: str, now: datetime | None = None) -> bytes:
    raw = (KRANT / path).read_bytes()
    if path.endswith(".gz"):
        return gzip.compress(fill(gzip.decompress(raw), now=now), mtime=0)
    return fill(raw, now=now)


# -- parse_sitemap ---------------------------------------------------------------------------


def test_news_sitemap_entries_with_news_tags_and_dates() -> None:
    now = datetime.now(UTC)
    url = f"{BASE}/sitemapkrant/sitemaps/nieuws-vandaag.xml"
    sitemap = parse_sitemap(fixture("sitemaps/nieuws-vandaag.xml", now), url)
    assert (sitemap.kind, sitemap.error, sitemap.warning, sitemap.skipped) == ("urlset", None, None, 0)
    sections = [e.loc.rsplit("/", 2)[-2] for e in sitemap.entries]
    assert sections == ["nieuws", "video", "tag", "nieuws", "nieuws", "nieuws"]
    first = sitemap.entries[0]
    # The <image:image> block's own <loc> and <title> are not the article's.
    assert first.loc == f"{BASE}/sitemapkrant/nieuws/gemeente-stopt-proef-met-gezichtsherkenning-in-winkelcentrum.html"
    assert first.title == "Gemeente stopt proef met gezichtsherkenning in winkelcentrum De Brink"
    assert first.published is not None and first.published.tzinfo == UTC
    assert abs(first.published - (now - timedelta(hours=1))) < timedelta(seconds=2)
    tag, old, undated = sitemap.entries[2], sitemap.entries[4], sitemap.entries[5]
    assert tag.title is None and tag.published is None and tag.lastmod is not None
    # A recent <lastmod> does not make an old article new: the publication date decides.
    assert old.lastmod and old.published and old.date == old.published and not is_recent(old, now)
    assert undated.date is None and is_recent(undated, now)


def test_sitemap_index_reads_the_newest_children_first() -> None:
    now = datetime.now(UTC)
    index = parse_sitemap(fixture("sitemap-news-index.xml", now), f"{BASE}/sitemapkrant/sitemap-news-index.xml")
    assert index.kind == "sitemapindex" and len(index.entries) == 3 and index.error is None
    names = lambda entries: [e.loc.rsplit("/", 1)[1] for e in entries]  # noqa: E731
    assert names(index.entries) == ["nieuws-archief.xml", "nieuws-gisteren.xml.gz", "nieuws-vandaag.xml"]
    assert index.entries[0].lastmod == datetime.combine((now - timedelta(days=40, hours=1)).astimezone(CET).date(),
                                                        datetime.min.time(), UTC)  # a date alone is midnight UTC
    # Newest first, and a child not modified within MAX_AGE is not read at all.
    assert names(newest_sitemaps(index.entries, 3, now)) == ["nieuws-vandaag.xml", "nieuws-gisteren.xml.gz"]
    assert names(newest_sitemaps(index.entries, 1, now)) == ["nieuws-vandaag.xml"]
    # Without <lastmod> the index's own order is all there is to go by.
    undated = [SitemapEntry(f"https://k.example/s{i}.xml") for i in range(5)]
    assert newest_sitemaps(undated, 3, now) == undated[:3]


def test_gzipped_sitemap() -> None:
    raw = (KRANT / "sitemaps/nieuws-gisteren.xml.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"  # the fixture really is gzipped
    now = datetime.now(UTC)
    sitemap = parse_sitemap(fixture("sitemaps/nieuws-gisteren.xml.gz", now), f"{BASE}/sitemapkrant/sitemaps/x.xml.gz")
    assert sitemap.kind == "urlset" and sitemap.error is None
    assert [e.loc.rsplit("/", 1)[1] for e in sitemap.entries] == [
        "ap-onderzoekt-biometrische-toegang-bij-sportscholen.html", "oude-zaak-over-vingerafdrukken-op-school.html"]
    assert sitemap.skipped == 2  # one <url> without <loc>, one javascript: link
    assert [is_recent(e, now) for e in sitemap.entries] == [True, False]


def test_gzip_bombs_and_broken_gzip_are_errors() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 200_000 + b"</urlset>")
    too_big = parse_sitemap(bomb, "https://k.example/s.xml.gz", max_size=10_000)
    assert too_big.entries == [] and too_big.error and too_big.error.startswith("gzipped sitemap too large")
    assert parse_sitemap(bomb, "https://k.example/s.xml.gz").error is None  # no bound given
    broken = parse_sitemap(b"\x1f\x8b\x08\x00garbage", "https://k.example/s.xml.gz")
    assert broken.error and broken.error.startswith("not a valid gzip file")


def test_html_garbage_and_truncated_documents() -> None:
    page = parse_sitemap(fill((KRANT / "onderhoud.xml").read_bytes()), f"{BASE}/sitemapkrant/onderhoud.xml")
    assert page.entries == [] and page.error == "not a sitemap (root element <html>)"
    feed = parse_sitemap((SITES / "dagblad/rss.xml").read_bytes(), f"{BASE}/dagblad/rss.xml")
    assert feed.error == "not a sitemap (root element <rss>)"
    for junk in (b"\x00\xff\xfe garbage \x89PNG", b"<urlset><url><loc>https://k.example/a</loc></url"):
        result = parse_sitemap(junk, "https://k.example/s.xml")
        assert result.entries == [] and result.error and result.error.startswith("invalid XML")
    assert parse_sitemap(b"  \n", "https://k.example/s.xml").error == "empty document"
    # Cut off after complete entries: what could be read is used, with a warning (as for a broken feed).
    truncated = b"<urlset><url><loc>https://k.example/a</loc></url><url><loc>https://k.example/b</lo"
    partial = parse_sitemap(truncated, "https://k.example/s.xml")
    assert [e.loc for e in partial.entries] == ["https://k.example/a"]
    assert partial.error is None and partial.warning and partial.warning.startswith("invalid XML")


def test_relative_locations_are_resolved_and_unusable_ones_skipped() -> None:
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>/nieuws/relatief.html</loc></url><url><loc>  </loc></url>
    <url><loc>mailto:redactie@k.example</loc></url><url><loc>https://k.example/nieuws/b.html</loc></url></urlset>"""
    sitemap = parse_sitemap(body, "https://k.example/sitemaps/s.xml")
    assert [e.loc for e in sitemap.entries] == [
        "https://k.example/nieuws/relatief.html", "https://k.example/nieuws/b.html"]
    assert sitemap.skipped == 2


def test_hostile_xml_with_entities_is_refused(fixture_site: FixtureSite) -> None:
    passwd = b"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://k.example/&xxe;</loc></url></urlset>"""
    remote = f"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY % dtd SYSTEM "{fixture_site.url('/kwaad.dtd')}"> %dtd;
    <!ENTITY steel SYSTEM "{fixture_site.url('/steel')}">]>
    <urlset><url><loc>https://k.example/&steel;</loc></url></urlset>"""
    laughs = b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "haha">' + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
    ) + b"]><urlset><url><loc>https://k.example/&j;</loc></url></urlset>"
    for body in (passwd, remote.encode(), laughs):
        started = time.monotonic()
        result = parse_sitemap(body, "https://k.example/s.xml")
        assert time.monotonic() - started < 1
        assert result.entries == [] and result.error
        assert result.error.startswith("refused: the document declares XML entities")
    # An external DTD is never fetched, and without entities the document reads normally.
    external = f"""<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "{fixture_site.url('/extern.dtd')}">
    <urlset><url><loc>https://k.example/a</loc></url></urlset>""".encode()
    assert [e.loc for e in parse_sitemap(external, "https://k.example/s.xml").entries] == ["https://k.example/a"]
    assert fixture_site.requests == []


def test_w3c_datetimes() -> None:
    cases = {
        "2026-11-20": datetime(2026, 11, 20, tzinfo=UTC),
        "2026-11-20T09:30:00+01:00": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        "2026-11-20T08:30Z": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        "2026-11-20T08:30:15.25Z": datetime(2026, 11, 20, 8, 30, 15, 250000, tzinfo=UTC),
        "2026-11-20T08:30:00": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        " 2026-11 ": datetime(2026, 11, 1, tzinfo=UTC),
        "2026": datetime(2026, 1, 1, tzinfo=UTC),
    }
    for text, expected in cases.items():
        assert parse_w3c_datetime(text) == expected, text
    for bad in (None, "", "gisteren", "2026-13", "20-11-2026", "2026-02-30"):
        assert parse_w3c_datetime(bad) is None, bad
    assert MAX_AGE == timedelta(days=3)


# -- the spider, without a crawl -------------------------------------------------------------


def spider_for(source: Source, **settings: object) -> SitemapSpider:
    cls = SitemapSpider.for_source(source)
    return cls.from_crawler(get_crawler(cls, {"DOWNLOAD_MAXSIZE": 1024 * 1024, **settings}))


def response(url: str, body: bytes, depth: int = 0) -> Response:
    request = Request(url, meta={SITEMAP_DEPTH_META: depth})
    return XmlResponse(url=url, body=body, request=request, headers={"Content-Type": "application/xml"})


def test_sitemap_is_a_registered_source_kind() -> None:
    (source,) = parse_config(
        '[[sources]]\nname = "krant"\nkind = "sitemap"\nurl = "https://k.example/sitemap-news.xml"\n'
        f"max_pages = 2\nfollow = '{FOLLOW}'\n", "w.toml"
    ).sources
    assert SPIDER_KINDS["sitemap"] is SitemapSpider
    spider_cls = SPIDER_KINDS[source.kind].for_source(source)
    assert spider_cls.name == "krant" and spider_cls.source.max_pages == 2
    assert spider_cls.handles_request(Request("https://k.example/nieuws/a.html"))
    assert not spider_cls.handles_request(Request("https://elders.example/nieuws/a.html"))


def test_spider_requests_only_recent_articles_matching_follow() -> None:
    spider = spider_for(Source("krant", "sitemap", f"{BASE}/sitemapkrant/sitemap-news-index.xml", follow=FOLLOW))
    url = f"{BASE}/sitemapkrant/sitemaps/nieuws-vandaag.xml"
    requests = list(spider.parse_sitemap(response(url, fixture("sitemaps/nieuws-vandaag.xml"), depth=1)))
    assert [r.url.rsplit("/", 1)[1] for r in requests] == [
        "gemeente-stopt-proef-met-gezichtsherkenning-in-winkelcentrum.html",
        "hoogwater-in-de-rijn-zakt-langzaam.html",
        "raad-wil-register-van-slimme-cameras.html",
    ]
    first = requests[0]
    assert first.meta[ARTICLE_META] == first.url and first.callback == spider.parse_article
    entry = first.cb_kwargs["entry"]
    assert isinstance(entry, FeedEntry) and entry.title.startswith("Gemeente stopt proef") and entry.published
    assert requests[2].cb_kwargs["entry"] == FeedEntry(link=requests[2].url, title=None, summary=None, published=None)
    stats = spider.crawler.stats.get_stats()
    assert stats["waakhond/feed/entries"] == 3
    assert stats["waakhond/sitemap/too_old"] == 1 and stats["waakhond/sitemap/not_followed"] == 2


def test_spider_reads_at_most_max_pages_child_sitemaps_per_crawl() -> None:
    now = datetime.now(UTC)
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"".join(
        f"<sitemap><loc>https://k.example/s{i}.xml</loc><lastmod>{(now - timedelta(hours=i)).isoformat()}</lastmod>"
        f"</sitemap>".encode() for i in range(6)
    ) + b"</sitemapindex>"
    spider = spider_for(Source("krant", "sitemap", "https://k.example/index.xml", max_pages=2))
    first = list(spider.parse_sitemap(response("https://k.example/index.xml", index)))
    assert [r.url for r in first] == ["https://k.example/s0.xml", "https://k.example/s1.xml"]
    assert all(r.callback == spider.parse_sitemap and not r.dont_filter for r in first)
    assert first[0].meta[SITEMAP_DEPTH_META] == 1
    # A nested index gets only what is left of the crawl's budget, and nesting is bounded.
    assert list(spider.parse_sitemap(response("https://k.example/s0.xml", index, depth=1))) == []
    spider = spider_for(Source("krant", "sitemap", "https://k.example/index.xml", max_pages=10))
    assert list(spider.parse_sitemap(response("https://k.example/deep.xml", index, depth=2))) == []


def test_spider_fails_the_crawl_on_an_unusable_sitemap() -> None:
    spider = spider_for(Source("krant", "sitemap", f"{BASE}/sitemapkrant/onderhoud.xml"))
    page = response(f"{BASE}/sitemapkrant/onderhoud.xml", b"<html><body>503</body></html>")
    assert list(spider.parse_sitemap(page)) == []
    assert spider.crawler.stats.get_value("waakhond/feed/failed") == 1


# -- real crawls, as `scrapy crawl` from the repository root ----------------------------------


def scrapy_crawl(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", name, "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def serve_sitemapkrant(site: FixtureSite) -> None:
    """The outlet as it is today: its robots.txt at the root, its sitemaps dated relative to now."""
    now = datetime.now(UTC)
    site.set("/robots.txt", fill((KRANT / "robots.txt").read_bytes(), site.base_url, now),
             content_type="text/plain; charset=utf-8")
    for path in ("sitemap-news-index.xml", "sitemaps/nieuws-vandaag.xml", "sitemaps/nieuws-archief.xml"):
        site.set(f"/sitemapkrant/{path}", fill((KRANT / path).read_bytes(), site.base_url, now),
                 content_type="application/xml; charset=utf-8")
    packed = fill(gzip.decompress((KRANT / "sitemaps/nieuws-gisteren.xml.gz").read_bytes()), site.base_url, now)
    site.set("/sitemapkrant/sitemaps/nieuws-gisteren.xml.gz", gzip.compress(packed, mtime=0),
             content_type="application/x-gzip")


def sitemap_config(tmp_path: Path, site: FixtureSite, path: str = "/sitemapkrant/sitemap-news-index.xml") -> Path:
    config = tmp_path / "w.toml"
    config.write_text(
        f'[[sources]]\nname = "sitemapkrant"\nkind = "sitemap"\nurl = "{site.url(path)}"\n'
        f"interval = \"30m\"\nfollow = '{FOLLOW}'\n",
        encoding="utf-8",
    )
    return config


def test_crawl_stores_only_recent_matching_articles_and_downloads_nothing_twice(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    serve_sitemapkrant(fixture_site)
    env = {**waakhond_env, "WAAKHOND_CONFIG": str(sitemap_config(tmp_path, fixture_site))}
    env.pop("SCRAPY_SETTINGS_MODULE", None)

    first = scrapy_crawl("sitemapkrant", env)
    assert first.returncode == 0, first.stderr
    assert "'waakhond/stored': 4" in first.stderr, first.stderr
    assert "'waakhond/feed/entries': 4" in first.stderr and "'waakhond/sitemap/read': 3" in first.stderr
    assert "'waakhond/sitemap/too_old': 2" in first.stderr and "'waakhond/sitemap/not_followed': 2" in first.stderr
    assert "ERROR" not in first.stderr
    for path in NEVER_FETCHED:
        assert fixture_site.hits(path) == 0, path
    assert fixture_site.hits("/robots.txt") == 1

    engine = open_database(database_url)
    with Session(engine) as session:
        docs = {d.url: d for d in session.execute(select(Document)).scalars()}
    engine.dispose()
    assert set(docs) == {fixture_site.url(f"/sitemapkrant/nieuws/{slug}.html") for slug in STORED}
    for slug, sentence in STORED.items():
        doc = docs[fixture_site.url(f"/sitemapkrant/nieuws/{slug}.html")]
        assert sentence in doc.text and doc.text_origin == "article" and doc.language == "nl"
    news = docs[fixture_site.url(f"/sitemapkrant/nieuws/{next(iter(STORED))}.html")]
    assert news.title == "Gemeente stopt proef met gezichtsherkenning in winkelcentrum De Brink"
    assert news.published_at is not None and datetime.now(UTC) - news.published_at < timedelta(hours=2)
    assert news.label != "unrelated"
    assert docs[fixture_site.url("/sitemapkrant/nieuws/hoogwater-in-de-rijn-zakt-langzaam.html")].label == "unrelated"

    # The second crawl asks for everything conditionally: sitemaps and archived pages all answer 304.
    fixture_site.reset_requests()
    second = scrapy_crawl("sitemapkrant", env)
    assert second.returncode == 0, second.stderr
    assert "'waakhond/stored'" not in second.stderr and "'waakhond/articles/unchanged': 4" in second.stderr
    asked = [r for r in fixture_site.requests if r.path.startswith("/sitemapkrant/")]
    assert len(asked) == 3 + 4
    assert all("If-None-Match" in r.headers for r in asked), [r.path for r in asked if "If-None-Match" not in r.headers]
    assert "'httpcache/revalidate': 8" in second.stderr  # robots.txt, 3 sitemaps, 4 pages: all answered 304


def test_crawl_of_a_page_that_is_not_a_sitemap_fails_with_the_reason(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    config = sitemap_config(tmp_path, fixture_site, "/sitemapkrant/onderhoud.xml")
    env = {**waakhond_env, "WAAKHOND_CONFIG": str(config)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    crawled = scrapy_crawl("sitemapkrant", env)
    assert crawled.returncode == 0, crawled.stderr
    reason = f"sitemap {fixture_site.url('/sitemapkrant/onderhoud.xml')}: not a sitemap (root element <html>)"
    assert reason in crawled.stderr
    assert "'waakhond/feed/failed': 1" in crawled.stderr
    assert "crawl of sitemapkrant: failed" in crawled.stderr and "feed unusable" in crawled.stderr
