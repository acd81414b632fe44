"""The hostile-input corpus (tests/fixtures/hostile/) through one real crawl, send and web timeline.

One test per class of bad input: each page or feed is logged and skipped, or stored safely (its text
intact, its alert accepted by a Bot API that rejects bad HTML, its web page and JSON inert), and the
rest of its feed is stored. tests/test_bad_input.py covers HTTP errors, empty pages and non-XML feeds.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from storage.engine import open_database
from tests.harness.commands import feed_source, run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite
from waakhond.web import create_app

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
HUGE_TITLE_WORDS = 13_000
HUGE_TEXT_REPEAT = 30_000  # about 2.8 MB of text in one paragraph


@dataclass
class Crawled:
    site: FixtureSite
    stdout: str
    log: str
    documents: dict[str, dict[str, object]]  # by fetched path
    messages: list[dict[str, str]]
    pages: dict[str, str]  # web item page by fetched path
    hits: dict[str, dict[str, object]]  # /search.json hit by fetched path

    def doc(self, path: str) -> dict[str, object]:
        (found,) = [d for p, d in self.documents.items() if p.split("?")[0] == path]
        return found

    def message_for(self, path: str) -> str:
        (text,) = [m["text"] for m in self.messages if self.site.url(path) in m["text"]]
        return text


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("hostile")
    site = FixtureSite(HOSTILE)
    site.start()
    # Generated at serving time rather than committed: a 200,000-character title and a 2.8 MB paragraph.
    site.set("/artikel/enorm.html", "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Verslag</title></head>"
             "<body><main><article><h1>Het volledige verslag</h1><p>" + "Gezichtsherkenning op het plein. " * HUGE_TEXT_REPEAT
             + "</p></article></main></body></html>")
    huge_title = "Gezichtsherkenning " + "zeer lange kop " * HUGE_TITLE_WORDS
    feed = (HOSTILE / "feed.xml").read_text(encoding="utf-8")
    site.set("/reuzenveld.xml", feed.replace(feed[feed.index("    <item>"):feed.rindex("</item>") + 8],
        f"<item><title>{huge_title}</title><link>{{{{base}}}}/artikel/reuzenkop.html</link>"
        f"<description>{'x' * 1_000_000}</description></item>\n"
        "<item><title>Het volledige verslag</title><link>{{base}}/artikel/enorm.html</link></item>\n"))
    config = tmp / "w.toml"
    config.write_text(
        "".join(feed_source(n, site.url(p)) for n, p in
                (("stadskrant", "/feed.xml"), ("kapot", "/kapot.xml"), ("codering", "/codering.xml"),
                 ("reuzenveld", "/reuzenveld.xml"), ("atom", "/opmaak.atom")))
        + "[[subscriptions]]\nchat_id = 1001\n",
        encoding="utf-8",
    )
    data = tmp / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAAKHOND_", "TELEGRAM_"))}
    env.update(WAAKHOND_DATA_DIR=str(data), WAAKHOND_DOWNLOAD_DELAY="0", PYTHONUNBUFFERED="1")
    try:
        crawl = run_waakhond(["--config", str(config), "-v", "crawl", "--all"], env, timeout=240)
        with FakeBotAPI() as api:
            sent = run_waakhond(["--config", str(config), "send-alerts"],
                                {**env, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url})
            messages = api.messages
            api.check()
        assert "Traceback" not in crawl.stderr + sent.stderr, (crawl.stderr + sent.stderr)[-4000:]
        assert sent.returncode == 0 and " 0 failed" in sent.stderr, sent.stderr
        db = data / "waakhond.db"
        with sqlite3.connect(db) as conn:
            conn.row_factory = sqlite3.Row
            rows = [dict(r) for r in conn.execute("SELECT id, fetched_url, title, text, label FROM documents")]
        conn.close()
        base = site.base_url
        documents = {r["fetched_url"].removeprefix(base): r for r in rows}
        engine = open_database(f"sqlite:///{db}")
        client = create_app(engine).test_client()
        pages = {p: fetch(client, f"/item/{r['id']}") for p, r in documents.items()}
        found = json.loads(fetch(client, "/search.json?q=gezichtsherkenning&limit=100"))["hits"]
        hits = {h["url"].removeprefix(base): h for h in found}
        yield Crawled(site, crawl.stdout, crawl.stderr, documents, messages, pages, hits)
        engine.dispose()
    finally:
        site.stop()


def fetch(client: Any, url: str) -> str:
    response = client.get(url)
    body = response.text
    response.close()  # a streamed page holds its database connection until closed
    return body


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.handlers.update(n for n, _ in attrs if n.startswith("on"))


def inert(page: str) -> None:
    elements = _Elements()
    elements.feed(page)
    assert not elements.tags & {"script", "img", "iframe", "svg"} and not elements.handlers


def check_ill_formed_feed(c: Crawled) -> None:
    assert "kapot.xml is ill-formed, entries read anyway" in c.log
    assert "1 entries without a usable link skipped" in c.log
    doc = c.doc("/artikel/kapot-doel.html")
    assert doc["title"] == "Camera's & gezichtsherkenning: raad & college oneens"
    assert "kapot: ok: 1 feed entries, 1 stored" in c.stdout


def check_wrongly_encoded_feed(c: Crawled) -> None:
    assert "codering.xml is ill-formed, entries read anyway: CharacterEncodingOverride" in c.log
    assert c.doc("/artikel/codering-doel.html")["title"] == "Café-eigenaar wint zaak over gezichtsherkenning"


def check_wrongly_encoded_page(c: Crawled) -> None:
    # Declares UTF-8 in its header and its <meta>, is windows-1252: the text is kept, never a crash.
    text = str(c.doc("/artikel/verkeerde-codering.html")["text"])
    assert "gezichtsherkenning" in text and "30.000" in text


def check_truncated_html(c: Crawled) -> None:
    text = str(c.doc("/artikel/afgebroken.html")["text"])
    assert "Het college van gemeente 1 overweegt gezichtsherkenning" in text
    assert "<a" not in text


def check_deeply_nested_html(c: Crawled) -> None:
    # 5,000 unclosed <div>s: the parser gives up on the deep part; the page is skipped with a reason.
    url = c.site.url("/artikel/genest.html")
    assert f"Dropped: {url}: no main text found" in c.log
    assert not [p for p in c.documents if p.startswith("/artikel/genest.html")]


def check_binary_junk(c: Crawled) -> None:
    url = c.site.url("/artikel/rommel.html")
    assert f"Dropped: {url}: no main text found (0 characters" in c.log
    assert "\\x89PNG" not in c.log and "body=b'" not in c.log  # the dropped page's bytes stay out of the log
    assert not [p for p in c.documents if p.startswith("/artikel/rommel.html")]


def check_huge_fields(c: Crawled) -> None:
    assert "reuzenveld: ok: 2 feed entries, 2 stored" in c.stdout, c.stdout
    title = str(c.doc("/artikel/reuzenkop.html")["title"])
    assert title.startswith("Gezichtsherkenning zeer lange kop") and len(title) > 100_000
    text = str(c.doc("/artikel/enorm.html")["text"])
    assert len(text) > 30 * HUGE_TEXT_REPEAT - 1000
    for path in ("/artikel/reuzenkop.html", "/artikel/enorm.html"):
        message = c.message_for(path)
        assert len(message) <= 4096  # and the fake Bot API, like Telegram, accepted it
    assert len(c.log) < 200_000  # neither field was copied into the log


def check_control_and_bidi_characters(c: Crawled) -> None:
    doc = c.doc("/artikel/stuurtekens.html")
    assert "\u202e" in str(doc["title"])  # kept as text: it is what the outlet published
    message = c.message_for("/artikel/stuurtekens.html")
    assert "\x00" not in message and "\x1b" not in message
    assert "\x1b" not in c.log and "\x00" not in c.log
    page = c.pages["/artikel/stuurtekens.html"]
    assert "\x00" not in page and "\x1b" not in page
    inert(page)


def check_script_and_telegram_markup(c: Crawled) -> None:
    # Feed titles are stored as plain text: tags are removed (crawlers/spiders/feed.py), what is left
    # (a bare "<", "&") is text, escaped in every alert and page.
    rss = c.doc("/artikel/opmaak.html")
    assert rss["title"] == "alert(1)Gezichtsherkenning geheim & co"
    assert "geheim &amp; co" in c.message_for("/artikel/opmaak.html")
    atom = c.doc("/artikel/opmaak-atom.html")
    assert str(atom["title"]).endswith("& co: score <3 && 2"), atom["title"]
    message = c.message_for("/artikel/opmaak-atom.html")  # accepted by the fake Bot API, which rejects a bare "<"
    assert "score &lt;3 &amp;&amp; 2" in message and "<script" not in message and "javascript:" not in message
    for path in ("/artikel/opmaak.html", "/artikel/opmaak-atom.html"):
        page = c.pages[path]
        inert(page)
        assert "javascript:" not in page
    assert "score &lt;3 &amp;&amp; 2" in c.pages["/artikel/opmaak-atom.html"]
    assert c.hits["/artikel/opmaak-atom.html"]["title"] == atom["title"]


CLASSES: dict[str, Callable[[Crawled], None]] = {
    "ill-formed feed": check_ill_formed_feed,
    "wrongly encoded feed": check_wrongly_encoded_feed,
    "wrongly encoded page": check_wrongly_encoded_page,
    "truncated html": check_truncated_html,
    "deeply nested html": check_deeply_nested_html,
    "binary junk as html": check_binary_junk,
    "huge fields": check_huge_fields,
    "control and bidi characters": check_control_and_bidi_characters,
    "script and telegram markup": check_script_and_telegram_markup,
}


@pytest.mark.parametrize("kind", list(CLASSES))
def test_hostile_input_is_skipped_with_a_reason_or_stored_safely(kind: str, crawled: Crawled) -> None:
    CLASSES[kind](crawled)


def test_the_rest_of_a_hostile_feed_is_stored(crawled: Crawled) -> None:
    assert "stadskrant: partial: 7 feed entries, 5 stored" in crawled.stdout, crawled.stdout
    assert crawled.doc("/artikel/gewoon.html")["label"] == "core"
    assert crawled.message_for("/artikel/gewoon.html")
