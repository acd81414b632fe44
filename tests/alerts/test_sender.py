"""The outbox sender against a real HTTP fake of the Bot API, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.console import ConsoleNotifier
from alerts.errors import NotifierUnavailable
from alerts.sender import SendReport, backoff, send_due
from alerts.telegram import TelegramNotifier
from storage import repository as repo
from storage.models import OutboxEntry
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.verdicts import matched
from waakhond.logsetup import configure_logging

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def queue(engine: Engine, chats: list[str], n: int = 1, title: str = "Boete voor <Clearview> & co") -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    for i in range(n):
        doc = repo.NewDocument(
            source_name="dagblad", kind="news", url=f"https://dagblad.example/{i}", fetched_url=f"https://dagblad.example/{i}",
            title=f"{title} {i}", text="De AP legt Clearview een boete op.", text_origin="article", fetched_at=NOW,
            content_hash="0" * 64, raw=b"x", published_at=NOW,
        )
        repo.store_document(engine, sid, doc, matched("fr", "Clearview"), chats)


def send(engine: Engine, api: FakeBotAPI, token: str | None = None) -> SendReport:
    async def go() -> SendReport:
        async with TelegramNotifier(token or api.token, api.base_url) as notifier:
            return await send_due(engine, notifier)

    return asyncio.run(go())


def statuses(engine: Engine) -> dict[str, tuple[str, int, str | None]]:
    with Session(engine) as s:
        return {o.chat_id: (o.status, o.attempts, o.last_error) for o in s.execute(select(OutboxEntry)).scalars()}


def test_sends_each_due_alert_once_as_escaped_html(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    queue(engine, ["42", "-100500"], n=2)
    report = send(engine, fake_telegram)
    assert (report.sent, report.retried, report.failed) == (4, 0, 0)
    messages = fake_telegram.messages
    assert sorted(m["chat_id"] for m in messages) == ["-100500", "-100500", "42", "42"]
    assert all("<b>Boete voor &lt;Clearview&gt; &amp; co" in m["text"] for m in messages)
    assert send(engine, fake_telegram).sent == 0 and len(fake_telegram.messages) == 4


def test_flood_control_reschedules_only_that_alert(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    queue(engine, ["1", "2"])
    fake_telegram.fail_next("sendMessage", status=429, retry_after=30)
    report = send(engine, fake_telegram)
    assert (report.sent, report.retried) == (1, 1)
    state = statuses(engine)
    retried = [chat for chat, (status, _, _) in state.items() if status == "pending"]
    assert len(retried) == 1 and "retry after 30s" in (state[retried[0]][2] or "")
    with Session(engine) as s:
        row = s.execute(select(OutboxEntry).where(OutboxEntry.chat_id == retried[0])).scalar_one()
    assert row.next_attempt_at > datetime.now(UTC) + timedelta(seconds=20)


def test_blocked_bot_and_bad_requests_fail_for_good(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    queue(engine, ["1", "2", "3"])
    fake_telegram.fail_next("sendMessage", status=403)
    fake_telegram.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    report = send(engine, fake_telegram)
    assert (report.sent, report.failed) == (1, 2)
    reasons = sorted(err for status, _, err in statuses(engine).values() if status == "failed")
    assert reasons[0].startswith("bad request:") and reasons[1].startswith("forbidden:")


def test_server_errors_are_retried_with_backoff(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    queue(engine, ["1"])
    fake_telegram.fail_next("sendMessage", status=500)
    assert send(engine, fake_telegram).retried == 1
    assert statuses(engine)["1"][0] == "pending"
    assert [backoff(a) for a in (1, 2, 3)] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert backoff(50) == timedelta(hours=1)


def test_a_rejected_token_stops_sending_and_keeps_the_alerts(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    queue(engine, ["1"])
    with pytest.raises(NotifierUnavailable, match="rejected the bot token"):
        send(engine, fake_telegram, token="999:WRONG")
    assert statuses(engine)["1"][0] == "pending" and fake_telegram.messages == []


def test_an_unreachable_api_is_a_clear_error(engine: Engine) -> None:
    queue(engine, ["1"])

    async def go() -> None:
        async with TelegramNotifier("1:T", "http://127.0.0.1:9", timeout=2):
            pass

    with pytest.raises(NotifierUnavailable, match="cannot reach"):
        asyncio.run(go())


def test_the_token_never_reaches_the_log(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    stream = io.StringIO()
    configure_logging(2, [fake_telegram.token])
    (ours,) = [h for h in logging.getLogger().handlers if getattr(h, "_waakhond", False)]
    ours.setStream(stream)  # type: ignore[attr-defined]
    try:
        queue(engine, ["1"])
        fake_telegram.fail_next("sendMessage", status=500)
        send(engine, fake_telegram)
        logging.getLogger("test").warning("url was https://api.telegram.org/bot%s/sendMessage", fake_telegram.token)
    finally:
        logging.getLogger().removeHandler(ours)
    log = stream.getvalue()
    assert "will be retried" in log and "bot<redacted>/sendMessage" in log
    assert fake_telegram.token not in log


def test_console_notifier_prints_plain_text(engine: Engine) -> None:
    queue(engine, ["42"])
    out = io.StringIO()

    async def go() -> SendReport:
        async with ConsoleNotifier(out) as notifier:
            return await send_due(engine, notifier)

    assert asyncio.run(go()).sent == 1
    assert "--- alert for chat 42 ---\nBoete voor <Clearview> & co 0\n" in out.getvalue()


def test_a_stop_finishes_the_message_in_flight_and_hands_back_the_rest(engine: Engine) -> None:
    queue(engine, ["1", "2", "3"])
    stop = asyncio.Event()
    out = io.StringIO()

    class StopAfterOne(ConsoleNotifier):
        async def send(self, chat_id: str, text: str, thread_id: int | None = None) -> int | None:
            await super().send(chat_id, text, thread_id)
            stop.set()  # the operator pressed Ctrl-C while this message was going out
            return None

    async def go() -> SendReport:
        async with StopAfterOne(out) as notifier:
            return await send_due(engine, notifier, stop=stop)

    assert asyncio.run(go()).sent == 1
    state = statuses(engine)
    assert sorted(s for s, _, _ in state.values()) == ["pending", "pending", "sent"]
    # Handed back as due now: the next sender takes them at once, not after the lease.
    assert len(repo.claim_due_alerts(engine, datetime.now(UTC), timedelta(minutes=5))) == 2
