"""Message quality as Telegram parses it: hostile fields arrive literally, bold matches, the length limit, digests."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.format import MAX_MESSAGE_CHARS, render_digest, render_html
from alerts.sender import SendReport, send_due
from alerts.telegram import TelegramNotifier
from pipeline.classify import RuleMatch, Span
from storage import repository as repo
from storage import subscriptions as subs
from storage.models import OutboxEntry
from tests.alerts.test_delivery import Clock
from tests.harness.fake_telegram import FakeBotAPI, parse_telegram_html
from tests.harness.verdicts import matched
from waakhond.config import AMSTERDAM, Subscription

HOSTILE = (
    "<script>alert(1)</script> <b>vet</b> </i> &amp; &lt; *ster* _schuin_ `code` [klik](https://x.example) "
    "<tg-spoiler>geheim</tg-spoiler>\x07bel\x01soh\x1b[31m \u202eesrever"
)


def store(engine: Engine, chat: str, title: str, text: str, n: int = 1, snippet: str | None = None) -> list[str]:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    titles = []
    for i in range(n):
        t = title if n == 1 else f"{i:02d} {title}"
        doc = repo.NewDocument(
            source_name="dagblad", kind="news", url=f"https://dagblad.example/q{i}", fetched_url=f"https://dagblad.example/q{i}",
            title=t, text=text, text_origin="article", fetched_at=datetime.now(UTC), content_hash=f"{i:064d}", raw=b"x",
            published_at=datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
        )
        verdict = matched("fr", "Clearview")
        if snippet is not None:
            verdict = replace(verdict, matches=(RuleMatch("fr", "Clearview", 1.0, 1, 1.0, (Span("text", 0, 9),), snippet),))
        repo.store_document(engine, sid, doc, verdict, [chat])
        titles.append(t)
    return titles


def send(engine: Engine, api: FakeBotAPI, clock: Clock) -> SendReport:
    async def go() -> SendReport:
        async with TelegramNotifier(api.token, api.base_url) as notifier:
            return await send_due(engine, notifier, clock=clock)

    return asyncio.run(go())


def test_html_entity_markup_and_control_characters_arrive_as_literal_text(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    store(engine, "42", HOSTILE, "Tekst over " + HOSTILE, snippet="Over [[Clearview]] en " + HOSTILE)
    assert send(engine, fake_telegram, Clock(datetime.now(UTC))).sent == 1  # the fake parses strictly, as Telegram
    (message,) = fake_telegram.messages
    shown = parse_telegram_html(message["text"])
    title = shown.split("\n")[0]
    assert title.startswith(
        "<script>alert(1)</script> <b>vet</b> </i> &amp; &lt; *ster* _schuin_ `code` [klik](https://x.example) "
        "<tg-spoiler>geheim</tg-spoiler>"
    )
    # Control characters are shown as visible symbols; the bidi override that would reverse the text is dropped.
    assert "\u2407bel\u2401soh\u241b[31m esrever" in title and "\u202e" not in shown
    # The only markup Telegram sees is Waakhond's own: the title bold, the matched word bold in the snippet.
    assert message["text"].startswith("<b>&lt;script&gt;")
    assert "Over <b>Clearview</b> en &lt;script&gt;" in message["text"]
    assert "<b>Clearview</b>" not in message["text"].split("\n")[0]


def test_a_huge_document_stays_within_the_limit_after_entity_parsing(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    huge = "&<>" * 3000 + " 😀" * 2000  # entities count as one character, emoji as two UTF-16 units
    store(engine, "42", huge, huge, snippet="[[Clearview]] " + huge)
    assert send(engine, fake_telegram, Clock(datetime.now(UTC))).sent == 1
    shown = parse_telegram_html(fake_telegram.messages[0]["text"])
    assert len(shown.encode("utf-16-le")) // 2 <= MAX_MESSAGE_CHARS


def test_a_digest_of_60_items_splits_at_item_boundaries_under_the_limit(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    subs.add(engine, Subscription(chat_id="-100900", mode="daily", digest_at="08:00"))
    long_title = "Gezichtsherkenning <bij> de politie & de AP " * 7
    titles = store(engine, "-100900", long_title, "tekst", n=60, snippet="[[Clearview]] " + "woord " * 60)
    # 23:30 in Amsterdam (winter, UTC+1): everything waits for 08:00 the next morning.
    clock = Clock(datetime(2026, 12, 3, 22, 30, tzinfo=UTC))
    report = send(engine, fake_telegram, clock)
    assert report.held == 60 and fake_telegram.messages == []
    with Session(engine) as s:
        due = {r.next_attempt_at for r in s.execute(select(OutboxEntry)).scalars()}
    assert due == {datetime(2026, 12, 4, 8, 0, tzinfo=AMSTERDAM)}
    clock.now = datetime(2026, 12, 4, 7, 0, 5, tzinfo=UTC)
    report = send(engine, fake_telegram, clock)
    assert report.sent == 60
    parts = [parse_telegram_html(m["text"]) for m in fake_telegram.messages]
    assert len(parts) > 1
    assert all(len(p.encode("utf-16-le")) // 2 <= MAX_MESSAGE_CHARS for p in parts)
    shortened = [t.split()[0] for t in titles]  # the titles are long; each item starts with its number
    for number in shortened:
        holders = [p for p in parts if f"\n{number} Gezichtsherkenning" in p]
        assert len(holders) == 1  # each item in exactly one part ...
        item = holders[0].split(f"\n{number} Gezichtsherkenning", 1)[1]
        assert f"https://dagblad.example/q{int(number)}" in item.split("\n\n")[0]  # ... whole, with its link
    assert all(p.startswith("Waakhond-overzicht: 60 berichten (deel ") for p in parts)


def test_render_lists_the_other_outlets_of_a_story(engine: Engine) -> None:
    store(engine, "42", "Boete voor Clearview", "tekst")
    (alert,) = repo.claim_due_alerts(engine, datetime.now(UTC), timedelta(minutes=5))
    text = parse_telegram_html(render_html(alert, ["NOS", "<Trouw>", "NOS"]))
    assert "Ook bij: NOS, <Trouw>\nhttps://dagblad.example/q0" in text
    (part,) = render_digest([alert], {alert.document_id or 0: ["NOS"]})
    assert "Ook bij: NOS" in parse_telegram_html(part.text) and part.outbox_ids == (alert.outbox_id,)
