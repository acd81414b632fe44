"""Subscriptions: the config keys, syncing them into the database, routing, and `waakhond subscriptions`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from alerts.routing import Router
from storage import subscriptions as subs
from waakhond.cli import cli
from waakhond.config import Subscription, parse_config
from waakhond.errors import ConfigError

WATCHLIST = '[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning"]\n'
CONFIG = WATCHLIST + """
[[subscriptions]]
chat_id = -1001234
thread_id = 17
watchlists = ["fr"]
kinds = ["news", "ap"]
min_relevance = 2.5
entities = ["clearview"]
mode = "daily"
digest_at = "07:30"

[[subscriptions]]
chat_id = -1001234
quiet_hours = "22:00-07:00"

[bot]
admins = [42]
allowed_chats = [-1001234, "@waakhond_nl"]
"""


def test_the_config_keys_are_read_and_checked() -> None:
    config = parse_config(CONFIG, "w.toml")
    topic, chat = config.subscriptions
    assert topic == Subscription("-1001234", ("fr",), 17, ("news", "ap"), 2.5, ("clearview",), "daily", "07:30", None)
    assert topic.target == "-1001234/17" and chat.target == "-1001234" and chat.quiet_hours == ("22:00", "07:00")
    assert config.bot.admins == (42,) and config.bot.allowed_chats == ("-1001234", "@waakhond_nl")
    bad = WATCHLIST + """
[[subscriptions]]
chat_id = 1
kinds = ["tv"]
min_relevance = -1
mode = "weekly"
quiet_hours = "22-07"
thread_id = 0
[[subscriptions]]
chat_id = 1
digest_at = "08:00"
[bot]
admins = ["x"]
"""
    with pytest.raises(ConfigError) as caught:
        parse_config(bad, "w.toml")
    text = str(caught.value)
    for key in ("kinds[0]", "min_relevance", "mode", "quiet_hours", "thread_id", "subscriptions[1].digest_at", "bot.admins"):
        assert key in text


def test_sync_keeps_bot_subscriptions_and_the_database_state(engine: Engine) -> None:
    config = parse_config(CONFIG, "w.toml")
    assert subs.sync_config(engine, config.subscriptions) == subs.SyncReport(2, 0, 0)
    subs.add(engine, Subscription("555"))  # made with /subscribe
    subs.disable_chat(engine, "-1001234", "forbidden: bot was kicked")
    assert subs.sync_config(engine, config.subscriptions) == subs.SyncReport(0, 0, 0)
    assert subs.sync_config(engine, config.subscriptions[:1]) == subs.SyncReport(0, 0, 1)
    state = {s.target: (s.origin, s.enabled) for s in subs.all_subscriptions(engine)}
    assert state == {"-1001234/17": ("config", False), "555": ("bot", True)}
    assert Router(engine, config.subscriptions[:1])({"fr"}, "core") == ["555"]


def test_the_subscriptions_command_lists_syncs_and_enables(engine: Engine, tmp_path: Path, database_url: str) -> None:
    path = tmp_path / "w.toml"
    path.write_text(CONFIG, encoding="utf-8")
    env = {"WAAKHOND_CONFIG": str(path), "WAAKHOND_DATA_DIR": str(tmp_path / "d"), "WAAKHOND_DATABASE_URL": database_url,
           "TELEGRAM_BOT_TOKEN": ""}
    listed = CliRunner().invoke(cli, ["subscriptions"], env=env, catch_exceptions=False).output
    assert "-1001234/17 · enabled · from config · watchlists: fr · kinds: news, ap · relevance >= 2.5" in listed
    assert "daily at 07:30" in listed and "quiet 22:00-07:00" in listed
    synced = CliRunner().invoke(cli, ["subscriptions", "--sync", "--disable", "-1001234"], env=env, catch_exceptions=False)
    assert "2 added" in synced.output and "-1001234 · DISABLED (disabled by the operator)" in synced.output
    again = CliRunner().invoke(cli, ["subscriptions", "--enable", "-1001234"], env=env, catch_exceptions=False).output
    assert "DISABLED" not in again
    missing = CliRunner().invoke(cli, ["subscriptions", "--enable", "77"], env=env)
    assert missing.exit_code == 1 and "no subscription '77'" in missing.output
