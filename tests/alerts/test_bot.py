"""Bot commands through the real PTB Application, long polling the fake Bot API's getUpdates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import Engine

from alerts.bot import REFUSAL, build_application, start_bot, stop_bot
from storage import subscriptions as subs
from tests.alerts.test_delivery import queue
from tests.harness.fake_telegram import FakeBotAPI, parse_telegram_html
from waakhond.config import Config, parse_config

ADMIN, READER, STRANGER = 555, 12, 999
GROUP = -100777
CONFIG = f"""
[[watchlists]]
name = "fr"
terms = ["gezichtsherkenning"]

[bot]
admins = [{ADMIN}]
allowed_chats = [{GROUP}]
"""
WATCHLIST_ONLY = CONFIG.split("[bot]")[0]


def run_bot(engine: Engine, api: FakeBotAPI, config: Config, script: Callable[[], Awaitable[None]]) -> None:
    async def go() -> None:
        app = build_application(api.token, api.base_url, engine, config)
        await start_bot(app, poll_timeout=1)
        try:
            await script()
        finally:
            await stop_bot(app)

    asyncio.run(go())


def replies(api: FakeBotAPI, n: int) -> list[str]:
    return [parse_telegram_html(m["text"]) if m.get("parse_mode") == "HTML" else m["text"]
            for m in api.wait_for_messages(n, timeout=15)]


def test_a_stranger_changes_nothing_and_learns_nothing(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    config = parse_config(CONFIG, "w.toml")
    queue(engine, ["1"], n=1, prefix="Geheim stuk")
    subs.add(engine, subs.Subscription("-100888"))  # some other chat's subscription: must stay unseen

    async def script() -> None:
        for text in ("/subscribe", "/search Geheim", "/latest", "/status", "/mute 1d", "/unsubscribe"):
            fake_telegram.push_update(STRANGER, STRANGER, text)
        # A group member who is no admin tries to change the group: refused as well.
        fake_telegram.push_update(GROUP, READER, "/subscribe fr")
        fake_telegram.push_update(STRANGER, STRANGER, "/help")
        fake_telegram.push_update(ADMIN, ADMIN, "/help")  # a marker: handled after everything above
        await asyncio.to_thread(fake_telegram.wait_for_messages, 3, 15)

    run_bot(engine, fake_telegram, config, script)
    to_stranger = fake_telegram.messages_for(STRANGER)
    assert [m["text"] for m in to_stranger] == [REFUSAL]  # one polite refusal, nothing else
    assert [m["text"] for m in fake_telegram.messages_for(GROUP)] == [REFUSAL]
    assert [s.target for s in subs.all_subscriptions(engine)] == ["-100888"]
    assert all("Geheim" not in m["text"] and "-100888" not in m["text"] for m in to_stranger)


def test_admins_manage_subscriptions_and_readers_read(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    config = parse_config(CONFIG, "w.toml")
    queue(engine, ["1"], n=2, prefix="Boete <Clearview>")

    async def script() -> None:
        for text in ("/subscribe fr", "/status", "/mute 2h", "/subscribe bestaatniet", "/unsubscribe"):
            fake_telegram.push_update(ADMIN, ADMIN, text)
        fake_telegram.push_update(GROUP, READER, "/latest")
        fake_telegram.push_update(GROUP, READER, "/search Clearview")
        await asyncio.to_thread(fake_telegram.wait_for_messages, 7, 15)

    run_bot(engine, fake_telegram, config, script)
    admin = [parse_telegram_html(m["text"]) for m in fake_telegram.messages_for(ADMIN)]
    assert admin[0] == "Geabonneerd: fr."
    assert admin[1].startswith("555 · enabled · from bot · watchlists: fr")
    assert admin[2].startswith("Gedempt tot ")
    assert admin[3].startswith("Onbekende watchlist: bestaatniet")
    assert admin[4] == "Abonnement opgezegd."
    assert subs.all_subscriptions(engine) == []
    group = [parse_telegram_html(m["text"]) for m in fake_telegram.messages_for(GROUP)]
    assert group[0].startswith("Nieuwste relevante berichten\n• Boete <Clearview> 1")
    assert group[1].startswith("Zoekresultaten voor Clearview\n•") and "Boete <Clearview> 0" in group[1]


def test_a_subscription_made_in_a_forum_topic_is_that_topics(engine: Engine, fake_telegram: FakeBotAPI) -> None:
    """/subscribe sent by an admin inside a forum topic subscribes the topic (message_thread_id)."""
    config = parse_config(CONFIG, "w.toml")

    async def script() -> None:
        fake_telegram.push_update(GROUP, ADMIN, "/subscribe", thread_id=42)
        await asyncio.to_thread(fake_telegram.wait_for_messages, 1, 15)

    run_bot(engine, fake_telegram, config, script)
    assert [s.target for s in subs.all_subscriptions(engine)] == [f"{GROUP}/42"]
    assert fake_telegram.messages[0]["message_thread_id"] == "42"


def test_the_daemon_starts_the_bot_when_bot_is_configured(
    engine: Engine, fake_telegram: FakeBotAPI, tmp_path: Path, database_url: str
) -> None:
    from waakhond.config import Settings
    from waakhond.daemon import Daemon

    settings = Settings(data_dir=tmp_path, database_url=database_url, telegram_bot_token=fake_telegram.token,
                        telegram_api_url=fake_telegram.base_url)

    async def go(config: Config) -> bool:
        daemon = Daemon(settings, config, engine)
        app = await daemon._start_bot()
        if app is None:
            return False
        try:
            fake_telegram.push_update(ADMIN, ADMIN, "/help")
            await asyncio.to_thread(fake_telegram.wait_for_messages, 1, 15)
        finally:
            await stop_bot(app)  # type: ignore[arg-type]
        return True

    assert asyncio.run(go(parse_config(WATCHLIST_ONLY, "w.toml"))) is False  # no [bot]: no polling
    assert fake_telegram.wait_for_call("getMe", 0) == [] and not any(c.method == "getUpdates" for c in fake_telegram.calls)
    assert asyncio.run(go(parse_config(CONFIG, "w.toml"))) is True
    assert parse_telegram_html(fake_telegram.messages[0]["text"]).startswith("Waakhond volgt nieuws")
