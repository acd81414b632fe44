"""Guaranteed delivery against the fake Bot API with injected faults: 429 per chat, 500, time-outs, 403, 400.

The real python-telegram-bot client talks to tests/harness/fake_telegram.py; the sender's clock is
injected, so retries and backoff are stepped through without waiting for them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.flood import FloodLimits
from alerts.routing import Router
from alerts.sender import SendReport, send_due
from alerts.telegram import TelegramNotifier
from pipeline.classify import EntityMatch, Span
from storage import repository as repo
from storage import subscriptions as subs
from storage.models import OperatorMessage, OutboxEntry
from tests.harness.fake_telegram import FakeBotAPI, parse_telegram_html
from tests.harness.verdicts import matched
from waakhond.cli import cli
from waakhond.config import Subscription

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def queue(engine: Engine, chats: list[str], n: int, prefix: str = "Alert", kind: str = "news") -> list[str]:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    titles = []
    for i in range(n):
        title = f"{prefix} {i}"
        doc = repo.NewDocument(
            source_name="dagblad", kind=kind, url=f"https://dagblad.example/{prefix.lower()}-{i}",
            fetched_url=f"https://dagblad.example/{prefix.lower()}-{i}", title=title,
            text=f"De AP onderzoekt Clearview, bericht {prefix} {i}.", text_origin="article", fetched_at=NOW,
            content_hash=f"{abs(hash(title)):064d}"[:64], raw=b"x", published_at=NOW,
        )
        verdict = replace(matched("fr", "Clearview"), entities=(
            EntityMatch("clearview", "organisation", "Clearview AI", 1, (Span("text", 16, 25),), "[[Clearview]]"),))
        repo.store_document(engine, sid, doc, verdict, chats)
        titles.append(title)
    return titles


def send(engine: Engine, api: FakeBotAPI, clock: Clock, timeout: float = 5.0, **options: object) -> SendReport:
    async def go() -> SendReport:
        async with TelegramNotifier(api.token, api.base_url, timeout=timeout) as notifier:
            return await send_due(engine, notifier, clock=clock, **options)

    return asyncio.run(go())


def rows(engine: Engine) -> list[OutboxEntry]:
    with Session(engine) as s:
        return list(s.execute(select(OutboxEntry).order_by(OutboxEntry.id)).scalars())


def delivered(api: FakeBotAPI) -> Counter[tuple[str, str]]:
    """(chat, title) of every message Telegram accepted, as many times as it accepted it."""
    return Counter((m["chat_id"], parse_telegram_html(m["text"]).split("\n")[0]) for m in api.messages)


def test_every_alert_is_delivered_exactly_once_through_429_500_timeouts_and_403(
    engine: Engine, fake_telegram: FakeBotAPI
) -> None:
    chats = ["101", "102", "103", "104"]
    for chat in chats:
        subs.add(engine, Subscription(chat_id=chat), origin="config")
    titles = queue(engine, chats, n=3)
    fake_telegram.fail_next(status=429, retry_after=30, chat_id="101")
    fake_telegram.fail_next(status=500, times=2, chat_id="102")
    fake_telegram.time_out_next(1.5, chat_id="103")
    fake_telegram.fail_next(status=403, chat_id="104")
    clock = Clock(datetime.now(UTC))
    for _ in range(10):
        send(engine, fake_telegram, clock, timeout=0.5)
        if not [r for r in rows(engine) if r.status in ("pending", "sending")]:
            break
        clock.now += timedelta(hours=2)  # past every backoff and retry_after
    expected = Counter({(chat, title): 1 for chat in chats[:3] for title in titles})
    assert delivered(fake_telegram) == expected
    state = Counter((r.chat_id, r.status) for r in rows(engine))
    assert state == Counter({("101", "sent"): 3, ("102", "sent"): 3, ("103", "sent"): 3,
                             ("104", "failed"): 1, ("104", "cancelled"): 2})
    # The blocked chat's subscription is off and the operator is told.
    (blocked,) = subs.of_chat(engine, "104")
    assert not blocked.enabled and "blocked" in (blocked.disabled_reason or "")
    with Session(engine) as s:
        notes = [m.text for m in s.execute(select(OperatorMessage)).scalars()]
    assert any("104" in n and "uitgeschakeld" in n for n in notes)
    # Routing no longer picks the disabled chat.
    assert "104" not in Router(engine, [])({"fr"}, "core")


def test_flood_control_in_one_chat_pauses_only_that_chat(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    titles = queue(engine, ["201", "202"], n=3)
    fake_telegram.fail_next(status=429, retry_after=30, chat_id="201")
    report = send(engine, fake_telegram, Clock(datetime.now(UTC)))
    # One pass: chat 202 got everything while chat 201 sits out its 30 seconds.
    assert [parse_telegram_html(m["text"]).split("\n")[0] for m in fake_telegram.messages_for("202")] == titles
    assert fake_telegram.messages_for("201") == []
    assert report.sent == 3 and report.retried == 1
    paused = [r for r in rows(engine) if r.chat_id == "201"]
    assert {r.status for r in paused} == {"pending"}
    assert all(r.next_attempt_at >= datetime.now(UTC) + timedelta(seconds=25) for r in paused)
    # Its own per-chat limit still spaced chat 202's messages (about 1 per second).
    times = [c.at for c in fake_telegram.calls if c.method == "sendMessage" and c.params["chat_id"] == "202"]
    assert all(b - a >= 0.9 for a, b in zip(times, times[1:], strict=False))


def test_a_refused_message_is_a_dead_letter_listed_by_the_cli(
    engine: Engine, fake_telegram: FakeBotAPI, tmp_path: Path, database_url: str
) -> None:
    queue(engine, ["301"], n=2)
    fake_telegram.fail_next(status=400, description="Bad Request: message thread not found")
    report = send(engine, fake_telegram, Clock(datetime.now(UTC)))
    assert (report.sent, report.failed) == (1, 1)
    env = {"WAAKHOND_DATA_DIR": str(tmp_path / "data"), "WAAKHOND_DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": ""}
    result = CliRunner().invoke(cli, ["alerts", "--failed"], env=env, catch_exceptions=False)
    assert result.exit_code == 0
    assert "chat 301" in result.output and "Message thread not found" in result.output and "Alert 0" in result.output
    counts = CliRunner().invoke(cli, ["alerts"], env=env, catch_exceptions=False).output
    assert "sent: 1" in counts and "failed: 1" in counts
    with Session(engine) as s:
        (note,) = s.execute(select(OperatorMessage)).scalars()
    assert note.kind == "dead-letter" and "Message thread not found" in note.text


def test_filters_decide_at_send_time(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    subs.add(engine, Subscription(chat_id="401", kinds=("ap",)))
    subs.add(engine, Subscription(chat_id="402", min_relevance=99.0))
    subs.add(engine, Subscription(chat_id="403", entities=("clearview",)))
    subs.add(engine, Subscription(chat_id="404", entities=("palantir",)))
    subs.add(engine, Subscription(chat_id="-100405", thread_id=7))
    queue(engine, ["401", "402", "403", "404", "-100405/7"], n=1)
    report = send(engine, fake_telegram, Clock(datetime.now(UTC)))
    assert report.sent == 2 and report.cancelled == 3
    sent = fake_telegram.messages
    assert sorted(m["chat_id"] for m in sent) == ["-100405", "403"]
    assert next(m for m in sent if m["chat_id"] == "-100405")["message_thread_id"] == "7"


def test_a_stuck_chat_cannot_outlive_the_lease(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    """More rows for one chat than its queue holds go back to the outbox untried and come back later."""
    queue(engine, ["501"], n=25)
    report = send(engine, fake_telegram, Clock(datetime.now(UTC)), batch=100, limits=FloodLimits(per_chat=50.0))
    assert report.sent == 25
    assert {r.attempts for r in rows(engine)} == {1}
    assert len(fake_telegram.messages) == 25


def test_dead_letters_and_blocked_chats_reach_the_operator_chat(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    subs.add(engine, Subscription(chat_id="801"))
    queue(engine, ["801", "802"], n=1)
    fake_telegram.fail_next(status=403, chat_id="801")
    fake_telegram.fail_next(status=400, description="Bad Request: message is too long", chat_id="802")
    # A clock a minute ahead: the operator messages queued during the pass are due in it as well.
    report = send(engine, fake_telegram, Clock(datetime.now(UTC) + timedelta(minutes=1)), operator_chat_id="-100999")
    assert report.failed == 2 and report.operator == 2
    told = sorted(parse_telegram_html(m["text"]) for m in fake_telegram.messages_for("-100999"))
    assert told[0].startswith("Bericht niet afgeleverd aan chat 802") and "Message is too long" in told[0]
    assert told[1].startswith("Chat 801 weigert de bot") and "waakhond subscriptions --enable 801" in told[1]
