"""`waakhond run` as a real process: crawls on schedule, sends alerts, stops cleanly on SIGTERM."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import CrawlRun
from tests.harness.commands import ROOT, feed_source, run_waakhond
from tests.harness.fake_parliament import FakeParliament, question_record
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite
from waakhond.crawl_runner import acquire_source_lock


def write_config(tmp_path: Path, site: FixtureSite) -> Path:
    path = tmp_path / "w.toml"
    path.write_text(
        f'[[sources]]\nname = "dagblad"\nkind = "feed"\nurl = "{site.url("/dagblad/rss.xml")}"\ninterval = "1h"\n'
        "[[subscriptions]]\nchat_id = 1001\n",
        encoding="utf-8",
    )
    return path


def start_daemon(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "waakhond", "--config", str(config), "run"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_daemon_crawls_sends_and_stops_on_sigterm(
    tmp_path: Path, fixture_site: FixtureSite, fake_telegram: FakeBotAPI, waakhond_env: dict[str, str], database_url: str
) -> None:
    env = {**waakhond_env, "TELEGRAM_BOT_TOKEN": fake_telegram.token, "TELEGRAM_API_URL": fake_telegram.base_url}
    with start_daemon(write_config(tmp_path, fixture_site), env) as proc:
        try:
            messages = fake_telegram.wait_for_messages(3, timeout=90)
        finally:
            out, err = stop(proc)
    assert proc.returncode == 0, err
    assert "waakhond daemon started: 1 sources, alerts via Telegram" in err
    assert "waakhond daemon stopped" in err and "Traceback" not in err
    assert sorted(m["chat_id"] for m in messages) == ["1001"] * 3 and len(fake_telegram.messages) == 3
    assert fake_telegram.token not in out + err
    engine = open_database(database_url)
    with Session(engine) as session:
        (run,) = session.execute(select(CrawlRun)).scalars().all()
    assert (run.source_name, run.outcome, run.items_stored) == ("dagblad", "ok", 5)
    engine.dispose()


def test_daemon_prints_alerts_without_a_token(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    with start_daemon(write_config(tmp_path, fixture_site), waakhond_env) as proc:
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
        reader.start()
        alerts = 0
        try:
            while alerts < 3:
                line = lines.get(timeout=90)  # raises queue.Empty, failing the test, if alerts never come
                alerts += line.startswith("--- alert for chat 1001 ---")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        reader.join(timeout=10)
        err = proc.stderr.read()  # type: ignore[union-attr]
    assert proc.returncode == 0, err
    assert "alerts to this console (no TELEGRAM_BOT_TOKEN set)" in err and "Traceback" not in err


def test_a_source_is_never_crawled_twice_at_once(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    config = write_config(tmp_path, fixture_site)
    lock = acquire_source_lock(Path(waakhond_env["WAAKHOND_DATA_DIR"]) / "locks", "dagblad")
    try:
        busy = run_waakhond(["--config", str(config), "crawl", "dagblad"], waakhond_env)
    finally:
        lock.close()
    assert busy.returncode == 1
    assert busy.stderr.strip() == "Error: source 'dagblad' is already being crawled by another process"
    assert fixture_site.hits("/dagblad/rss.xml") == 0
    assert run_waakhond(["--config", str(config), "crawl", "dagblad"], waakhond_env).returncode == 0


def test_an_unreachable_source_is_one_log_line_not_a_traceback(
    tmp_path: Path, waakhond_env: dict[str, str]
) -> None:
    config = tmp_path / "w.toml"
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    config.write_text('[[sources]]\nname = "weg"\nkind = "feed"\nurl = "http://127.0.0.1:9/rss.xml"\n', encoding="utf-8")
    result = run_waakhond(["--config", str(config), "crawl", "weg"], waakhond_env)
    assert result.returncode == 1
    assert "feed http://127.0.0.1:9/rss.xml could not be fetched: " in result.stderr
    assert "Connection was refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert "weg: failed: 0 feed entries" in result.stdout


def test_crawl_all_reports_progress_per_finished_source(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    config = tmp_path / "w.toml"
    config.write_text(
        feed_source("dagblad", fixture_site.url("/dagblad/rss.xml"))
        + feed_source("stadsbericht", fixture_site.url("/storing/feed.atom")),
        encoding="utf-8",
    )
    script = (
        "from waakhond.config import Settings, load_config\n"
        "from waakhond.crawl_runner import run_crawls\n"
        "from storage.engine import open_database\n"
        f"settings = Settings.from_env(config_path={str(config)!r})\n"
        "config = load_config(settings.config_path)\n"
        "done = []\n"
        "runs = run_crawls(settings, config, open_database(settings.database_url), ['dagblad', 'stadsbericht'],"
        " on_finished=done.append)\n"
        "print(sorted(done), sorted(r.source_name for r in runs))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=waakhond_env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['dagblad', 'stadsbericht'] ['dagblad', 'stadsbericht']"


def test_daemon_follows_kamervragen_next_to_news(
    tmp_path: Path, fixture_site: FixtureSite, fake_parliament: FakeParliament, fake_telegram: FakeBotAPI,
    waakhond_env: dict[str, str],
) -> None:
    config = tmp_path / "w.toml"
    config.write_text(
        feed_source("dagblad", fixture_site.url("/dagblad/rss.xml"), 'interval = "1h"')
        + f'[[sources]]\nname = "tweede-kamer"\nkind = "kamervragen"\nurl = "{fake_parliament.url("/OData/v5/")}"\n'
        f'publications_url = "{fake_parliament.sru_url}"\ninterval = "1h"\n'
        "[[subscriptions]]\nchat_id = 1001\n",
        encoding="utf-8",
    )
    fake_parliament.add_publication(
        "kv-tk-2026Z01003", (ROOT / "tests/fixtures/kamervragen/publications/kv-tk-2026Z01003.xml").read_bytes()
    )
    fake_parliament.add_document(
        question_record("2026Z01003", "Clearview AI en de Nederlandse politie", date.today() - timedelta(days=1))
    )
    env = {**waakhond_env, "TELEGRAM_BOT_TOKEN": fake_telegram.token, "TELEGRAM_API_URL": fake_telegram.base_url}
    with start_daemon(config, env) as proc:
        try:
            messages = fake_telegram.wait_for_messages(4, timeout=90)
        finally:
            _, err = stop(proc)
    assert proc.returncode == 0, err
    assert sum("Nieuwe Kamervragen: Clearview AI en de Nederlandse politie" in m["text"] for m in messages) == 1
    assert "Traceback" not in err
