"""The CLI through click's runner: help everywhere, one-line user errors, JSON output shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from storage import repository as repo
from tests.harness.commands import cli_commands
from tests.harness.verdicts import matched
from waakhond.cli import cli

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CONFIG = """
[[sources]]
name = "dagblad"
kind = "feed"
url = "https://dagblad.example/rss.xml"
interval = "2h"

[[watchlists]]
name = "fr"
terms = ["Clearview"]
"""


def invoke(args: list[str], env: dict[str, str]) -> click.testing.Result:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    config = tmp_path / "w.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return {
        "WAAKHOND_CONFIG": str(config),
        "WAAKHOND_DATA_DIR": str(tmp_path / "data"),
        "WAAKHOND_DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": "",
    }


def test_every_command_and_option_has_help() -> None:
    commands = cli_commands(cli)
    assert {"waakhond config check", "waakhond crawl", "waakhond send-alerts", "waakhond run", "waakhond sources",
            "waakhond search"} <= {n for n, _ in commands}
    for name, command in [("waakhond", cli), *commands]:
        assert command.help, f"{name} has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts} has no help text"
        result = CliRunner().invoke(cli, [*name.split()[1:], "--help"])
        assert result.exit_code == 0 and "Usage:" in result.stdout, name


def test_config_check_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nkind = "feed"\nurl = "nope"\ninterval = "soon"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: sources[0].url: 'nope' is not an http(s) URL" in result.stderr
    assert f"{bad}: sources[0].interval: 'soon' is not a duration" in result.stderr
    assert "Error: 2 problem(s) found" in result.stderr and "Traceback" not in result.output


def test_config_check_accepts_the_config_in_use(env: dict[str, str]) -> None:
    result = invoke(["config", "check"], env)
    assert result.exit_code == 0 and "OK (1 sources, 1 watchlists, 0 subscriptions)" in result.stdout


def test_user_errors_are_one_line(env: dict[str, str]) -> None:
    assert CliRunner().invoke(cli, ["crawl"], env=env).exit_code == 2  # usage error
    unknown = CliRunner().invoke(cli, ["crawl", "bestaat-niet"], env=env)
    assert unknown.exit_code == 1
    assert unknown.stderr.strip().splitlines() == [
        f"Error: {env['WAAKHOND_CONFIG']}: sources: no source named 'bestaat-niet' (configured: dagblad)"
    ]
    bad_db = CliRunner().invoke(cli, ["sources"], env={**env, "WAAKHOND_DATABASE_URL": "mysql://x"})
    assert bad_db.exit_code == 1 and "WAAKHOND_DATABASE_URL" in bad_db.stderr and "Traceback" not in bad_db.output
    missing = CliRunner().invoke(cli, ["--config", "/nonexistent.toml", "sources"], env=env)
    assert missing.exit_code == 1 and "/nonexistent.toml: file not found" in missing.stderr


@pytest.mark.postgres
def test_an_unreachable_database_is_one_line(env: dict[str, str]) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    result = CliRunner().invoke(cli, ["sources"], env={**env, "WAAKHOND_DATABASE_URL": url})
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot migrate") and "Traceback" not in result.output


def test_search_json_and_malformed_queries(env: dict[str, str], engine: Engine) -> None:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss.xml")
    repo.store_document(
        engine, sid,
        repo.NewDocument(source_name="dagblad", kind="news", url="https://dagblad.example/a", fetched_url="https://dagblad.example/a",
                         title="Clearview krijgt boete", text="De AP legt Clearview een boete op.", text_origin="article",
                         fetched_at=NOW, content_hash="0" * 64, raw=b"x", published_at=NOW),
        matched("fr", "Clearview", 2), [],
    )
    result = invoke(["search", "--json", "boete"], env)
    (line,) = result.stdout.splitlines()
    record = json.loads(line)
    assert record == {
        "id": 1, "url": "https://dagblad.example/a", "title": "Clearview krijgt boete", "kind": "news",
        "source": "dagblad", "published": "2026-11-21T12:00:00+00:00", "fetched": "2026-11-21T12:00:00+00:00",
        "matches": ["Clearview"], "label": "core", "relevance": 2.0, "tags": [], "version": 1, "updated": None,
        "raw_sha256": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
        "snippet": "De AP legt Clearview een [[boete]] op.", "story": 1, "also_in": [],
    }
    table = invoke(["search", "boete"], env)
    assert "2026-11-21  dagblad" in table.stdout and "https://dagblad.example/a" in table.stdout
    assert "core 2.0: Clearview" in table.stdout  # why it matched
    assert "De AP legt Clearview een [[boete]] op." in table.stdout
    assert "no documents found" in invoke(["search", "onbekendwoord"], env).stderr
    bad = CliRunner().invoke(cli, ["search", '"open'], env=env)
    assert bad.exit_code == 1 and bad.stderr.strip() == "Error: a quote is never closed (column 1)"
    assert CliRunner().invoke(cli, ["search", "x", "--limit", "0"], env=env).exit_code == 2


def test_sources_lists_last_crawl(env: dict[str, str], engine: Engine) -> None:
    before = json.loads(invoke(["sources", "--json"], env).stdout)
    assert before["name"] == "dagblad" and before["interval_seconds"] == 7200 and before["last_crawl"] is None
    run = repo.start_crawl_run(engine, "dagblad", NOW)
    repo.finish_crawl_run(engine, run, finished_at=NOW, outcome="partial", items_stored=3, errors=1, message="1 failed")
    after = json.loads(invoke(["sources", "--json"], env).stdout)
    assert after["last_crawl"] == {
        "started": "2026-11-21T12:00:00+00:00", "finished": "2026-11-21T12:00:00+00:00", "outcome": "partial",
        "items_stored": 3, "errors": 1, "message": "1 failed",
    }
    assert "every 2h" in invoke(["sources"], env).stdout


def test_sources_lists_the_shipped_sources_with_kind_schedule_and_url(env: dict[str, str]) -> None:
    from waakhond.config import load_config

    shipped = {k: v for k, v in env.items() if k != "WAAKHOND_CONFIG"}
    listed = invoke(["sources"], shipped).stdout.splitlines()
    sources = load_config(None).sources
    assert len(listed) == len(sources) >= 15
    for line, source in zip(listed, sources, strict=True):
        assert line.split()[:3] == [source.name, source.kind, "every"] and line.endswith(source.url)
    assert invoke(["config", "check"], shipped).exit_code == 0


def test_status_shows_daemon_health_backlog_and_size(env: dict[str, str], engine: Engine) -> None:
    import os
    import socket

    fresh = json.loads(invoke(["status", "--json"], env).stdout)
    assert fresh["daemon"] == {"running": False} and fresh["database"]["bytes"] > 0
    assert fresh["sources"][0]["health"] == "ok" and fresh["sources"][0]["last_crawl"] is None
    assert fresh["sources"][0]["schedule"] == "every 2h"
    assert "never started on this archive" in invoke(["status"], env).stdout

    now = datetime.now(UTC)
    repo.save_daemon_state(engine, pid=os.getpid(), hostname=socket.gethostname(), started_at=now, heartbeat_at=now,
                           next_runs={"crawl:dagblad": now.isoformat()})
    repo.change_health(engine, "dagblad", "failing", "the last 3 crawls failed", "Waakhond: source dagblad is failing", "failing")
    report = json.loads(invoke(["status", "--json"], env).stdout)
    assert report["daemon"]["running"] is True and report["daemon"]["pid"] == os.getpid()
    (source,) = report["sources"]
    assert (source["health"], source["health_reason"], source["next_run"]) == ("failing", "the last 3 crawls failed", now.isoformat())
    assert report["operator_messages"] == {"pending": 1}
    text = invoke(["status"], env).stdout
    assert "daemon:   running (pid" in text and "failing since" in text and "the last 3 crawls failed" in text
    # A second evaluation reaching the same verdict announces nothing new.
    assert not repo.change_health(engine, "dagblad", "failing", "again", "again", "failing")

    repo.save_daemon_state(engine, pid=os.getpid(), hostname=socket.gethostname(), started_at=now,
                           heartbeat_at=now - timedelta(minutes=10), next_runs={})
    stale = json.loads(invoke(["status", "--json"], env).stdout)
    assert stale["daemon"]["running"] is False
    assert "did not stop cleanly" in invoke(["status"], env).stdout


def test_config_check_prints_politeness_warnings(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text('[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://a.nl/f"\ninterval = "1m"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0
    assert "warning: " in result.stderr and "polls more often than every 5 minutes" in result.stderr


def test_cron_sources_are_scheduled_in_amsterdam_time() -> None:
    from waakhond.config import parse_config
    from waakhond.daemon import trigger_for

    (source,) = parse_config('[[sources]]\nname="a"\nkind="feed"\nurl="https://a.nl/f"\ncron="0 7 * * *"\n', "w").sources
    trigger = trigger_for(source)
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    assert fire is not None
    local = fire.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (local.day, local.hour) == (23, 7) and local.minute == 0 and local.second <= 30  # jitter ≤ 30 s
