"""Digest slots, quiet hours and mutes in Europe/Amsterdam, with an injected clock (DST included)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.schedule import hold_until, next_digest, quiet_until
from alerts.sender import SendReport, send_due
from alerts.telegram import TelegramNotifier
from storage import subscriptions as subs
from storage.models import OutboxEntry
from tests.alerts.test_delivery import Clock, queue
from tests.harness.fake_telegram import FakeBotAPI
from waakhond.config import AMSTERDAM, Subscription


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)  # type: ignore[misc]


def test_digest_slots_follow_amsterdam_wall_clock_across_dst() -> None:
    daily = Subscription("1", mode="daily", digest_at="08:00")
    # The night the clocks go back (25 Oct 2026) and forward (28 Mar 2027): still 08:00 local.
    assert next_digest(daily, local(2026, 10, 24, 9, 0).astimezone(UTC)) == local(2026, 10, 25, 8, 0)
    assert next_digest(daily, local(2026, 10, 25, 8, 0).astimezone(UTC)) == local(2026, 10, 26, 8, 0)
    assert next_digest(daily, local(2027, 3, 27, 20, 0).astimezone(UTC)).astimezone(UTC) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    assert next_digest(daily, local(2026, 12, 1, 7, 59).astimezone(UTC)) == local(2026, 12, 1, 8, 0)
    hourly = Subscription("1", mode="hourly")
    assert next_digest(hourly, datetime(2026, 12, 1, 10, 17, tzinfo=UTC)) == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def test_quiet_hours_span_midnight_and_end_at_local_time() -> None:
    night = Subscription("1", quiet_hours=("22:00", "07:00"))
    assert quiet_until(night, local(2026, 12, 1, 23, 30).astimezone(UTC)) == local(2026, 12, 2, 7, 0)
    assert quiet_until(night, local(2026, 12, 2, 6, 59).astimezone(UTC)) == local(2026, 12, 2, 7, 0)
    assert quiet_until(night, local(2026, 12, 2, 7, 0).astimezone(UTC)) is None
    assert quiet_until(night, local(2026, 12, 2, 21, 59).astimezone(UTC)) is None
    lunch = Subscription("1", quiet_hours=("12:00", "13:00"))
    assert quiet_until(lunch, local(2026, 6, 1, 12, 30).astimezone(UTC)) == local(2026, 6, 1, 13, 0)
    now = local(2026, 12, 1, 10, 0).astimezone(UTC)
    assert hold_until(Subscription("1"), now + timedelta(hours=1), now) == (now + timedelta(hours=1), "muted")
    assert hold_until(Subscription("1"), None, now) is None


def send(engine: Engine, api: FakeBotAPI, clock: Clock) -> SendReport:
    async def go() -> SendReport:
        async with TelegramNotifier(api.token, api.base_url) as notifier:
            return await send_due(engine, notifier, clock=clock)

    return asyncio.run(go())


def test_quiet_hours_hold_instant_alerts_until_they_end(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    subs.add(engine, Subscription("701", quiet_hours=("22:00", "07:00")))
    queue(engine, ["701"], n=2)
    # The next 23:00 in Amsterdam after the rows were queued: inside the quiet hours.
    night = datetime.now(UTC).astimezone(AMSTERDAM).replace(hour=23, minute=0, second=0, microsecond=0)
    if night <= datetime.now(UTC):
        night = (night + timedelta(days=1)).replace(hour=23)
    clock = Clock(night.astimezone(UTC))
    assert send(engine, fake_telegram, clock).held == 2 and fake_telegram.messages == []
    with Session(engine) as s:
        held = list(s.execute(select(OutboxEntry)).scalars())
    end = (clock.now.astimezone(AMSTERDAM) + timedelta(days=1)).replace(hour=7, minute=0)
    assert {(r.held, r.next_attempt_at, r.attempts) for r in held} == {("quiet", end, 0)}
    clock.now = end.astimezone(UTC) - timedelta(minutes=1)
    assert send(engine, fake_telegram, clock).sent == 0
    clock.now = end.astimezone(UTC)
    assert send(engine, fake_telegram, clock).sent == 2 and len(fake_telegram.messages) == 2


def test_a_muted_chat_gets_its_alerts_when_the_mute_ends(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    subs.add(engine, Subscription("702"))
    start = datetime.now(UTC) + timedelta(seconds=1)
    subs.mute(engine, "702", start + timedelta(hours=2))
    queue(engine, ["702"], n=1)
    clock = Clock(start)
    assert send(engine, fake_telegram, clock).held == 1
    clock.now = start + timedelta(hours=2)
    assert send(engine, fake_telegram, clock).sent == 1
