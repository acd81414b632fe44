"""Tests of the test harness itself: fixture outlet server, fake Bot API and the fixture files."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import feedparser
import httpx
import pytest
import telegram
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from tests.harness.fake_telegram import Call, FakeBotAPI, HTMLEntityError, parse_telegram_html
from tests.harness.fixture_site import FixtureSite
from tests.harness.plugin import SITES_ROOT

TOKEN = "123456:TEST-TOKEN"
EXCLUDED_WORDS = (
    "gezichtsherkenning", "clearview", "biometrie", "biometrische", "pimeyes",
    "facial recognition", "ai act", "ai-verordening",
)
# Kept in step with tests/fixtures/sites/README.md, which test writers copy from.
DISTINCTIVE = {
    "dagblad/artikel/politie-gebruikt-gezichtsherkenning-vaker-bij-opsporing.html":
        "Volgens de interne cijfers werden in de eerste tien maanden van 2026 precies 4213 zoekopdrachten "
        "uitgevoerd in de fotodatabank van de politie.",
    "dagblad/artikel/ap-legt-clearview-ai-nieuwe-dwangsom-op.html":
        "De toezichthouder geeft Clearview AI tot 1 februari 2027 de tijd om alle beelden van Nederlanders "
        "uit de database te verwijderen.",
    "dagblad/artikel/gemeente-overweegt-biometrie-bij-ingang-zwembad.html":
        "Abonnementhouders van zwembad De Golfslag zouden vanaf het voorjaar met een handpalmscan door het "
        "toegangspoortje kunnen.",
    "dagblad/artikel/ai-verordening-uitvoeringswet-verbod-realtime-biometrische-identificatie.html":
        "Het wetsvoorstel wijst de rechter-commissaris aan als enige die een uitzondering op het verbod mag "
        "toestaan.",
    "dagblad/artikel/zware-storm-trekt-over-het-noorden.html":
        "Bij Lauwersoog werd een windstoot van 131 kilometer per uur gemeten.",
    "dagblad/artikel/eredivisie-koploper-verspeelt-punten-in-slotminuut.html":
        "De thuisploeg kwam in de slotminuut nog langszij via een kopbal van de ingevallen verdediger.",
    "storing/artikel/latin1.html":
        "Volgens de eigenaar van café “De Kroon” is geen enkele horecaondernemer geïnteresseerd in camera’s "
        "die gasten herkennen.",
    "storing/artikel/goed.html":
        "Een meerderheid van de Tweede Kamer wil dat zoekmachines voor gezichten in Nederland volledig "
        "worden verboden.",
}
IRRELEVANT = (
    "dagblad/artikel/zware-storm-trekt-over-het-noorden.html",
    "dagblad/artikel/eredivisie-koploper-verspeelt-punten-in-slotminuut.html",
)


# -- FixtureSite -----------------------------------------------------------------------------


def test_feed_is_templated_with_base_url(fixture_site: FixtureSite) -> None:
    response = httpx.get(fixture_site.url("/dagblad/rss.xml"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert b"{{base}}" not in response.content
    assert f"<link>{fixture_site.base_url}/dagblad/</link>" in response.text
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fixture_site.base_url)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/storing/feed.atom", "application/atom+xml"),
        ("/storing/niet-xml.xml", "application/rss+xml; charset=utf-8"),
        ("/storing/artikel/goed.html", "text/html; charset=utf-8"),
        # Declares windows-1252 itself; a utf-8 header would override that in every client.
        ("/storing/artikel/latin1.html", "text/html"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_content_types(fixture_site: FixtureSite, path: str, content_type: str) -> None:
    response = httpx.get(fixture_site.url(path))

    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


def test_non_utf8_page_is_served_byte_exact(fixture_site: FixtureSite) -> None:
    raw = (SITES_ROOT / "storing/artikel/latin1.html").read_bytes()

    response = httpx.get(fixture_site.url("storing/artikel/latin1.html"))

    assert response.content == raw.replace(b"{{base}}", fixture_site.base_url.encode())
    assert b"\x80 30.500.000" in response.content  # the euro sign in cp1252, not in latin-1
    assert "“De Kroon”".encode("cp1252") in response.content
    assert "€ 30.500.000" in response.content.decode("cp1252")


def test_unknown_path_is_404_and_robots_allows_all(fixture_site: FixtureSite) -> None:
    assert httpx.get(fixture_site.url("/storing/artikel/bestaat-niet.html")).status_code == 404
    assert httpx.get(fixture_site.url("/storing/artikel/serverfout.html")).status_code == 404
    robots = httpx.get(fixture_site.url("/robots.txt"))
    assert robots.text == "User-agent: *\nAllow: /\n"


def test_set_replaces_a_route_and_templates_it(fixture_site: FixtureSite) -> None:
    updated = (SITES_ROOT / "dagblad/rss-updated.xml").read_bytes()

    fixture_site.set("/dagblad/rss.xml", updated)
    feed = feedparser.parse(httpx.get(fixture_site.url("/dagblad/rss.xml")).content)

    assert len(feed.entries) == 6
    assert feed.entries[0].link.startswith(fixture_site.base_url + "/dagblad/artikel/ai-verordening-")


def test_set_with_str_status_and_headers(fixture_site: FixtureSite) -> None:
    fixture_site.set("extra/nieuw.txt", "héllo", content_type="text/plain; charset=utf-8", status=202,
                     headers={"X-Fixture": "ja"})

    response = httpx.get(fixture_site.url("/extra/nieuw.txt"))

    assert response.status_code == 202
    assert response.text == "héllo"
    assert response.headers["x-fixture"] == "ja"


def test_set_status_remove_and_restore(fixture_site: FixtureSite) -> None:
    fixture_site.set_status("/storing/artikel/serverfout.html", 500)
    fixture_site.remove("/dagblad/rss.xml")

    failing = httpx.get(fixture_site.url("/storing/artikel/serverfout.html"))
    assert failing.status_code == 500
    assert failing.text == "500 Internal Server Error\n"
    assert httpx.get(fixture_site.url("/dagblad/rss.xml")).status_code == 404

    fixture_site.restore("/dagblad/rss.xml")
    assert httpx.get(fixture_site.url("/dagblad/rss.xml")).status_code == 200


def test_conditional_get_answers_304_on_matching_etag(fixture_site: FixtureSite) -> None:
    url = fixture_site.url("/dagblad/rss.xml")
    first = httpx.get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    again = httpx.get(url)
    not_modified = httpx.get(url, headers={"If-None-Match": etag})
    weak = httpx.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    other = httpx.get(url, headers={"If-None-Match": '"something-else"'})

    assert (again.headers["etag"], again.headers["last-modified"]) == (etag, last_modified)
    assert last_modified.endswith(" GMT")
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert weak.status_code == 304
    assert other.status_code == 200

    fixture_site.set("/dagblad/rss.xml", (SITES_ROOT / "dagblad/rss-updated.xml").read_bytes())
    changed = httpx.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_etag_depends_on_base_url(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(b"<rss><channel><link>{{base}}/</link></channel></rss>")

    with FixtureSite(tmp_path) as one, FixtureSite(tmp_path) as two:
        assert httpx.get(one.url("feed.xml")).headers["etag"] != httpx.get(two.url("feed.xml")).headers["etag"]


def test_requests_are_recorded_with_headers_and_query(fixture_site: FixtureSite) -> None:
    path = "/dagblad/artikel/zware-storm-trekt-over-het-noorden.html"
    httpx.get(fixture_site.url(path) + "?utm_source=rss&utm_medium=feed", headers={"User-Agent": "waakhond-test"})
    httpx.get(fixture_site.url(path))
    httpx.head(fixture_site.url("/nergens"))

    method, recorded_path, headers = fixture_site.requests[0]
    assert (method, recorded_path) == ("GET", path + "?utm_source=rss&utm_medium=feed")
    assert headers["User-Agent"] == "waakhond-test"
    assert fixture_site.hits(path) == 2
    assert fixture_site.hits(path + "?utm_source=rss&utm_medium=feed") == 1
    assert fixture_site.hits("nergens") == 1
    fixture_site.reset_requests()
    assert fixture_site.requests == []


def test_concurrent_requests(fixture_site: FixtureSite) -> None:
    paths = [f"/dagblad/artikel/{p.name}" for p in sorted((SITES_ROOT / "dagblad/artikel").glob("*.html"))]

    with httpx.Client() as client, ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda p: client.get(fixture_site.url(p)).status_code, paths * 8))

    assert statuses == [200] * len(paths) * 8
    assert all(fixture_site.hits(p) == 8 for p in paths)


def test_paths_cannot_escape_root(tmp_path: Path) -> None:
    root = tmp_path / "sites"
    root.mkdir()
    (tmp_path / "geheim.txt").write_text("niet serveren")

    with FixtureSite(root) as site:
        # Percent-encoded dots survive client-side URL normalisation and reach the server.
        assert httpx.get(site.url("/%2e%2e/geheim.txt")).status_code == 404


def test_base_url_needs_a_started_server(tmp_path: Path) -> None:
    site = FixtureSite(tmp_path)
    with pytest.raises(RuntimeError):
        _ = site.base_url


# -- Fixture files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "entries"),
    [("/dagblad/rss.xml", 5), ("/dagblad/rss-updated.xml", 6), ("/storing/feed.atom", 5)],
)
def test_fixture_feeds_parse(fixture_site: FixtureSite, path: str, entries: int) -> None:
    feed = feedparser.parse(httpx.get(fixture_site.url(path)).content)

    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == entries
    for entry in feed.entries:
        assert entry.link.startswith(fixture_site.base_url + "/")
        assert entry.title and entry.published_parsed


def test_broken_feed_has_no_entries(fixture_site: FixtureSite) -> None:
    feed = feedparser.parse(httpx.get(fixture_site.url("/storing/niet-xml.xml")).content)

    assert feed.bozo
    assert len(feed.entries) == 0


def test_dagblad_feed_items() -> None:
    feed = feedparser.parse((SITES_ROOT / "dagblad/rss.xml").read_bytes())

    assert feed.feed.language == "nl"
    assert sum("utm_source=rss&utm_medium=feed" in e.link for e in feed.entries) == 2
    assert any("Sport & Recreatie" in e.summary for e in feed.entries)
    for entry, irrelevant in zip(feed.entries, [False, False, False, True, True], strict=True):
        text = " ".join([entry.title, entry.summary, entry.link]).lower()
        if irrelevant:
            assert not [w for w in EXCLUDED_WORDS if w in text]
        else:
            assert [w for w in EXCLUDED_WORDS if w in text]
    clearview = feed.entries[1]
    assert "gezichtsherkenning" not in (clearview.title + clearview.summary).lower()
    # guids are permalinks without tracking parameters, whatever <link> carries.
    assert feed.entries[0].guid == feed.entries[0].link.split("?", 1)[0] != feed.entries[0].link
    assert feed.entries[4].guid == feed.entries[4].link


def test_storing_feed_leeg_entry_has_no_summary() -> None:
    feed = feedparser.parse((SITES_ROOT / "storing/feed.atom").read_bytes())

    by_slug = {e.link.rsplit("/", 1)[1]: e for e in feed.entries}
    assert list(by_slug) == ["bestaat-niet.html", "serverfout.html", "leeg.html", "latin1.html", "goed.html"]
    assert "summary" not in by_slug["leeg.html"]
    assert not (SITES_ROOT / "storing/artikel/bestaat-niet.html").exists()
    assert not (SITES_ROOT / "storing/artikel/serverfout.html").exists()


@pytest.mark.parametrize("path", IRRELEVANT)
def test_irrelevant_pages_contain_no_keyword_anywhere(path: str) -> None:
    page = html.unescape((SITES_ROOT / path).read_text(encoding="utf-8")).lower()

    assert not [w for w in EXCLUDED_WORDS if w in page]


def test_clearview_page_avoids_the_word_gezichtsherkenning() -> None:
    page = (SITES_ROOT / "dagblad/artikel/ap-legt-clearview-ai-nieuwe-dwangsom-op.html").read_text().lower()

    assert "clearview" in page and "biometrische gegevens" in page
    assert "gezichtsherkenning" not in page


@pytest.mark.parametrize(("path", "sentence"), DISTINCTIVE.items())
def test_distinctive_sentence_survives_extraction(path: str, sentence: str) -> None:
    trafilatura = pytest.importorskip("trafilatura")

    text = trafilatura.extract((SITES_ROOT / path).read_bytes(), favor_precision=True, deduplicate=False)

    assert text is not None and sentence in text
    assert "Lees ook" not in text and "Alles accepteren" not in text


def test_distinctive_sentences_are_in_readme() -> None:
    readme = (SITES_ROOT / "README.md").read_text(encoding="utf-8")

    for sentence in DISTINCTIVE.values():
        assert sentence in readme


def test_empty_page_has_no_extractable_text() -> None:
    trafilatura = pytest.importorskip("trafilatura")

    text = trafilatura.extract((SITES_ROOT / "storing/artikel/leeg.html").read_bytes(), favor_precision=True)

    assert not text


def test_latin1_page_is_cp1252_not_utf8() -> None:
    raw = (SITES_ROOT / "storing/artikel/latin1.html").read_bytes()

    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert '<meta charset="windows-1252">' in text
    for needle in ("café", "geïnteresseerd", "ideeën", "€ 30.500.000", "“", "”", "’"):
        assert needle in text
    assert raw.decode("latin-1") != text  # the curly quotes and euro are where the two differ


# -- FakeBotAPI ----------------------------------------------------------------------------------


def _bot(api: FakeBotAPI, token: str = TOKEN) -> telegram.Bot:
    return telegram.Bot(token, base_url=f"{api.base_url}/bot")


def test_get_me(fake_telegram: FakeBotAPI) -> None:
    async def run() -> telegram.User:
        async with _bot(fake_telegram) as bot:
            return await bot.get_me()

    me = asyncio.run(run())

    assert me.is_bot and me.username == "waakhond_test_bot" and me.first_name == "Waakhond Test"
    assert fake_telegram.calls[0] == Call("getMe", {})


def test_send_message_returns_messages_with_chat_and_increasing_ids(fake_telegram: FakeBotAPI) -> None:
    async def run() -> list[telegram.Message]:
        async with _bot(fake_telegram) as bot:
            return [
                await bot.send_message(chat_id=4242, text="<b>Nieuw:</b> gezichtsherkenning &amp; meer",
                                       parse_mode="HTML"),
                await bot.send_message(chat_id=-1001234567890, text="Tweede <melding>"),
                await bot.send_message(chat_id="@waakhond_kanaal", text="Derde"),
            ]

    private, group, channel = asyncio.run(run())

    assert [m.message_id for m in (private, group, channel)] == [1, 2, 3]
    assert (private.chat.id, private.chat.type) == (4242, "private")
    assert private.text == "Nieuw: gezichtsherkenning & meer"
    assert (group.chat.id, group.chat.type) == (-1001234567890, "supergroup")
    assert group.text == "Tweede <melding>"  # no parse_mode: sent literally
    assert channel.chat.type == "channel" and channel.chat.id < 0
    assert private.date.tzinfo is not None
    messages = fake_telegram.messages
    assert [m["chat_id"] for m in messages] == ["4242", "-1001234567890", "@waakhond_kanaal"]
    assert messages[0]["parse_mode"] == "HTML"


def test_wrong_token_is_invalid(fake_telegram: FakeBotAPI) -> None:
    async def run() -> None:
        async with _bot(fake_telegram, token="999:WRONG") as bot:
            await bot.send_message(chat_id=1, text="x")

    with pytest.raises(InvalidToken):
        asyncio.run(run())
    assert fake_telegram.calls[-1].status == 401
    assert fake_telegram.messages == []


def test_fail_next_429_raises_retry_after(fake_telegram: FakeBotAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it PTB 22 emits a PTBDeprecationWarning when building RetryAfter, an error under
    # filterwarnings=error; opting in to timedelta is PTB's documented way out.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake_telegram.fail_next("sendMessage", status=429, retry_after=1)

    async def run() -> telegram.Message:
        async with _bot(fake_telegram) as bot:
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(chat_id=7, text="eerste poging")
            assert caught.value.retry_after == dtm.timedelta(seconds=1)
            return await bot.send_message(chat_id=7, text="tweede poging")

    message = asyncio.run(run())

    assert message.text == "tweede poging" and message.message_id == 1
    assert [(c.method, c.status) for c in fake_telegram.calls] == [("getMe", 200), ("sendMessage", 429),
                                                                   ("sendMessage", 200)]
    assert [m["text"] for m in fake_telegram.messages] == ["tweede poging"]


def test_error_body_has_bot_api_shape(fake_telegram: FakeBotAPI) -> None:
    fake_telegram.fail_next(status=429, retry_after=3)
    fake_telegram.fail_next(status=403)
    url = f"{fake_telegram.base_url}/bot{TOKEN}/sendMessage"

    limited = httpx.post(url, data={"chat_id": "1", "text": "x"})
    blocked = httpx.post(url, data={"chat_id": "1", "text": "x"})

    assert limited.status_code == 429
    assert limited.json() == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                              "parameters": {"retry_after": 3}}
    assert blocked.json() == {"ok": False, "error_code": 403,
                              "description": "Forbidden: bot was blocked by the user"}


@pytest.mark.parametrize(
    ("status", "error", "message"),
    # PTB strips the "Bad Request: " prefix and capitalises what is left.
    [
        (403, Forbidden, "Forbidden: bot was blocked by the user"),
        (400, BadRequest, "Chat not found"),
        (500, NetworkError, "Internal Server Error"),
    ],
)
def test_fail_next_maps_to_ptb_errors(
    fake_telegram: FakeBotAPI, status: int, error: type[Exception], message: str
) -> None:
    fake_telegram.fail_next(status=status, times=2)

    async def run() -> None:
        async with _bot(fake_telegram) as bot:
            for _ in range(2):
                with pytest.raises(error, match=re.escape(message)):
                    await bot.send_message(chat_id=7, text="x")
            await bot.send_message(chat_id=7, text="daarna weer goed")

    asyncio.run(run())

    assert [c.status for c in fake_telegram.calls if c.method == "sendMessage"] == [status, status, 200]
    assert len(fake_telegram.messages) == 1


def test_invalid_html_is_rejected_like_telegram(fake_telegram: FakeBotAPI) -> None:
    async def run() -> None:
        async with _bot(fake_telegram) as bot:
            await bot.send_message(chat_id=7, text="Boete < 5 miljoen", parse_mode="HTML")

    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag \"\" at byte offset 6"):
        asyncio.run(run())
    assert fake_telegram.messages == []


def test_parse_telegram_html() -> None:
    assert parse_telegram_html('<a href="https://x.nl/?a=1&amp;b=2">Lees</a> &quot;hier&quot; &#8364; & co') == (
        'Lees "hier" € & co'
    )
    for bad in ("<p>alinea</p>", "<b>open", "</b>", "<b><i>x</b></i>", "a < b"):
        with pytest.raises(HTMLEntityError):
            parse_telegram_html(bad)


def test_params_from_json_query_and_form(fake_telegram: FakeBotAPI) -> None:
    base = f"{fake_telegram.base_url}/bot{TOKEN}"

    as_json = httpx.post(f"{base}/sendMessage", json={"chat_id": 42, "text": "json", "disable_notification": True})
    as_query = httpx.get(f"{base}/SENDMESSAGE", params={"chat_id": "43", "text": "query"})

    assert as_json.json()["result"]["chat"]["id"] == 42
    assert as_query.json()["result"]["message_id"] == 2
    assert fake_telegram.messages == [
        {"chat_id": "42", "text": "json", "disable_notification": "true"},
        {"chat_id": "43", "text": "query"},
    ]


def test_unknown_method_and_path_are_404(fake_telegram: FakeBotAPI) -> None:
    unknown = httpx.post(f"{fake_telegram.base_url}/bot{TOKEN}/sendPhoto", data={"chat_id": "1"})
    elsewhere = httpx.get(f"{fake_telegram.base_url}/")

    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert elsewhere.status_code == 404
    assert fake_telegram.calls[0].method == "sendPhoto"


def test_wait_for_messages_returns_at_once_when_enough_arrived(fake_telegram: FakeBotAPI) -> None:
    url = f"{fake_telegram.base_url}/bot{TOKEN}/sendMessage"
    for text in ("een", "twee"):
        httpx.post(url, data={"chat_id": "1", "text": text})

    started = time.monotonic()
    received = fake_telegram.wait_for_messages(2, timeout=30.0)

    assert time.monotonic() - started < 1.0
    assert [m["text"] for m in received] == ["een", "twee"]


def test_wait_for_messages_wakes_up_on_arrival(fake_telegram: FakeBotAPI) -> None:
    received: list[list[dict[str, str]]] = []
    waiter = threading.Thread(target=lambda: received.append(fake_telegram.wait_for_messages(1, timeout=30.0)))
    waiter.start()

    httpx.post(f"{fake_telegram.base_url}/bot{TOKEN}/sendMessage", data={"chat_id": "1", "text": "hallo"})
    waiter.join(timeout=30.0)

    assert not waiter.is_alive()
    assert received[0][0]["text"] == "hallo"


def test_wait_for_messages_times_out_with_what_arrived(fake_telegram: FakeBotAPI) -> None:
    httpx.post(f"{fake_telegram.base_url}/bot{TOKEN}/sendMessage", data={"chat_id": "1", "text": "alleen ik"})

    with pytest.raises(AssertionError, match=r"expected at least 2 .* got 1: \['alleen ik'\]"):
        fake_telegram.wait_for_messages(2, timeout=0.2)


def test_delayed_routes_and_waiting_for_hits(fixture_site: FixtureSite) -> None:
    fixture_site.delay("/dagblad/rss.xml", 0.3)
    results: list[int] = []
    thread = threading.Thread(target=lambda: results.append(httpx.get(fixture_site.url("/dagblad/rss.xml")).status_code))
    started = time.monotonic()
    thread.start()
    assert fixture_site.wait_for_hits("/dagblad/rss.xml", 1, timeout=5) == 1  # woken by the request itself
    thread.join(timeout=5)
    assert results == [200] and time.monotonic() - started >= 0.3
    with pytest.raises(AssertionError, match="requested 1 times, not 2"):
        fixture_site.wait_for_hits("/dagblad/rss.xml", 2, timeout=0.2)


def test_a_hanging_route_is_released_when_the_server_stops() -> None:
    site = FixtureSite(SITES_ROOT)
    site.start()
    site.delay("/dagblad/rss.xml", 3600)
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            httpx.get(site.url("/dagblad/rss.xml"), timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=fetch)
    thread.start()
    site.wait_for_hits("/dagblad/rss.xml", 1, timeout=5)
    site.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
