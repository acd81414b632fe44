"""One news item from a feed to a Telegram alert and the archive, through the real CLI, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import Document, OutboxEntry
from tests.harness.commands import run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite

SENTENCES = {
    "politie-gebruikt-gezichtsherkenning-vaker-bij-opsporing": "precies 4213 zoekopdrachten uitgevoerd in de fotodatabank",
    "ap-legt-clearview-ai-nieuwe-dwangsom-op": "tot 1 februari 2027 de tijd om alle beelden van Nederlanders",
    "gemeente-overweegt-biometrie-bij-ingang-zwembad": "met een handpalmscan door het toegangspoortje",
    "zware-storm-trekt-over-het-noorden": "een windstoot van 131 kilometer per uur gemeten",
    "eredivisie-koploper-verspeelt-punten-in-slotminuut": "via een kopbal van de ingevallen verdediger",
}
RELEVANT = {
    "politie-gebruikt-gezichtsherkenning-vaker-bij-opsporing": "gezichtsherkenning",
    "ap-legt-clearview-ai-nieuwe-dwangsom-op": "Clearview",
    "gemeente-overweegt-biometrie-bij-ingang-zwembad": "biometrie",
}
NEW_SLUG = "ai-verordening-uitvoeringswet-verbod-realtime-biometrische-identificatie"


def write_config(tmp_path: Path, site: FixtureSite, feed: str = "/dagblad/rss.xml") -> Path:
    path = tmp_path / "waakhond.toml"
    path.write_text(
        f"""
[[sources]]
name = "dagblad"
kind = "feed"
url = "{site.url(feed)}"
interval = "15m"

[[watchlists]]
name = "gezichtsherkenning"
terms = ["gezichtsherkenning", "Clearview", "biometrie", "biometrische", "AI-verordening"]

[[subscriptions]]
chat_id = 1001
watchlists = ["gezichtsherkenning"]
""",
        encoding="utf-8",
    )
    return path


def article_url(site: FixtureSite, slug: str) -> str:
    return site.url(f"/dagblad/artikel/{slug}.html")


def test_feed_to_archive_to_telegram_and_nothing_twice(
    tmp_path: Path, fixture_site: FixtureSite, fake_telegram: FakeBotAPI, waakhond_env: dict[str, str], database_url: str
) -> None:
    config = write_config(tmp_path, fixture_site)
    env = {**waakhond_env, "TELEGRAM_BOT_TOKEN": fake_telegram.token, "TELEGRAM_API_URL": fake_telegram.base_url}

    crawl = run_waakhond(["--config", str(config), "crawl", "dagblad"], env)
    assert crawl.returncode == 0, crawl.stderr
    assert "dagblad: ok: 5 feed entries, 5 stored, 0 updated, 3 relevant, 3 alerts queued" in crawl.stdout

    engine = open_database(database_url)
    with Session(engine) as session:
        docs = {d.url: d for d in session.execute(select(Document)).scalars()}
        outbox = session.execute(select(OutboxEntry)).scalars().all()
    # Every article is archived under its canonical URL (utm parameters gone) with its extracted text.
    assert set(docs) == {article_url(fixture_site, slug) for slug in SENTENCES}
    for slug, sentence in SENTENCES.items():
        doc = docs[article_url(fixture_site, slug)]
        assert sentence in doc.text and doc.text_origin == "article" and doc.language == "nl"
        assert doc.raw_size > len(doc.text) and doc.published_at is not None and len(doc.content_hash) == 64
    # Only the relevant ones have alerts owed.
    assert sorted(docs_by_id(docs)[o.document_id] for o in outbox) == sorted(
        article_url(fixture_site, s) for s in RELEVANT
    )

    sent = run_waakhond(["send-alerts"], {**env, "WAAKHOND_CONFIG": str(config)})
    assert sent.returncode == 0, sent.stderr
    messages = fake_telegram.wait_for_messages(3)
    assert len(messages) == 3
    for slug, term in RELEVANT.items():
        doc = docs[article_url(fixture_site, slug)]
        (message,) = [m for m in messages if doc.url in m["text"]]
        assert message["chat_id"] == "1001" and message["parse_mode"] == "HTML"
        assert f"<b>{doc.title}</b>" in message["text"]
        assert "dagblad" in message["text"] and f"Trefwoorden: {term}" in message["text"]
        assert f'<a href="{doc.url}">' in message["text"]
    assert fake_telegram.token not in sent.stderr + sent.stdout

    # Running both again: no new document, no page downloaded again (only conditional GETs), no message.
    fixture_site.reset_requests()
    again = run_waakhond(["--config", str(config), "crawl", "dagblad"], env)
    assert again.returncode == 0, again.stderr
    assert "5 feed entries, 0 stored, 0 updated, 0 relevant, 0 alerts queued, 7 unchanged (304), 0 downloaded" in again.stdout  # feed, 5 pages, robots.txt
    rechecks = [r for r in fixture_site.requests if r.path.startswith("/dagblad/")]
    assert len(rechecks) == 6 and all("If-None-Match" in r.headers for r in rechecks)
    assert run_waakhond(["--config", str(config), "send-alerts"], env).returncode == 0
    assert len(fake_telegram.messages) == 3

    # A new article in the feed gives exactly one new alert.
    fixture_site.set("/dagblad/rss.xml", (fixture_site.root / "dagblad" / "rss-updated.xml").read_bytes())
    later = run_waakhond(["--config", str(config), "crawl", "dagblad"], env)
    assert "6 feed entries, 1 stored, 0 updated, 1 relevant, 1 alerts queued" in later.stdout, later.stderr
    assert run_waakhond(["--config", str(config), "send-alerts"], env).returncode == 0
    messages = fake_telegram.wait_for_messages(4)
    assert len(messages) == 4 and article_url(fixture_site, NEW_SLUG) in messages[3]["text"]

    hits = run_waakhond(["--config", str(config), "search", "--json", "dwangsom"], env)
    (hit,) = [json.loads(line) for line in hits.stdout.splitlines()]
    assert hit["url"] == article_url(fixture_site, "ap-legt-clearview-ai-nieuwe-dwangsom-op")
    assert hit["source"] == "dagblad" and hit["kind"] == "news" and "Clearview" in hit["matches"]
    engine.dispose()


def docs_by_id(docs: dict[str, Document]) -> dict[int | None, str]:
    return {d.id: url for url, d in docs.items()}


def test_without_a_token_alerts_go_to_the_console(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    config = write_config(tmp_path, fixture_site)
    assert run_waakhond(["--config", str(config), "crawl", "dagblad"], waakhond_env).returncode == 0
    out = run_waakhond(["--config", str(config), "send-alerts"], waakhond_env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("--- alert for chat 1001 ---") == 3
    assert "<b>" not in out.stdout and article_url(fixture_site, "ap-legt-clearview-ai-nieuwe-dwangsom-op") in out.stdout
    assert "3 sent" in out.stderr
    assert run_waakhond(["--config", str(config), "send-alerts"], waakhond_env).stdout == ""
