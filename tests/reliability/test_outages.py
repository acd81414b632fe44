"""Outages: Telegram down then back, sources that are down, slow, looping or huge, a locked database."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request, Response

from storage import repository as repo
from storage.engine import open_database
from storage.models import CrawlRun, Document, OutboxEntry
from tests.harness.commands import feed_source, run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite
from tests.harness.local_server import LocalServer
from tests.harness.plugin import SITES_ROOT
from tests.harness.verdicts import matched
from tests.reliability.figures import EXTRA
from tests.reliability.outbox_clock import make_due
from tests.reliability.slow_server import SlowServer, closed_port

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CHATS = ["2001", "2002"]
HUGE = 100 * 1024 * 1024


def queue_alerts(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` distinct relevant documents, each owed to every chat, stored in order."""
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")
    for i in range(n):
        doc = repo.NewDocument(
            source_name="dagblad", kind="news", url=f"https://dagblad.example/{i}", fetched_url=f"https://dagblad.example/{i}",
            title=f"Bericht {i:02d} over Clearview", text=f"Bericht {i} van de AP over Clearview.", text_origin="article",
            fetched_at=NOW, content_hash=f"{i:064d}", raw=b"x", published_at=NOW,
        )
        repo.store_document(engine, sid, doc, matched("fr", "Clearview"), CHATS)


def outbox(engine) -> list[OutboxEntry]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.execute(select(OutboxEntry).order_by(OutboxEntry.id)).scalars())


def test_telegram_down_for_a_long_stretch_then_back_delivers_every_alert_once_in_order(
    tmp_path: Path, waakhond_env: dict[str, str], database_url: str
) -> None:
    engine = open_database(database_url)
    queue_alerts(engine, 5)
    config = tmp_path / "w.toml"
    config.write_text("".join(f"[[subscriptions]]\nchat_id = {c}\n" for c in CHATS), encoding="utf-8")
    env = {**waakhond_env, "WAAKHOND_CONFIG": str(config), "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN"}

    # Connection refused: nothing is claimed, nothing counts as an attempt.
    refused = {**env, "TELEGRAM_API_URL": f"http://127.0.0.1:{closed_port()}"}
    for _ in range(3):
        result = run_waakhond(["send-alerts"], refused)
        assert result.returncode == 1 and "Error: cannot reach the Telegram Bot API" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert {(o.status, o.attempts) for o in outbox(engine)} == {("pending", 0)}

    # Then 500s on every call for six rounds of retries (about an hour of back-off), ending in the
    # middle of the seventh round, then back. A chat whose alert failed waits as a whole, so each
    # round tries one alert per chat.
    failures = 6 * len(CHATS) + 1
    ticks = 0
    with FakeBotAPI() as api:
        env["TELEGRAM_API_URL"] = api.base_url
        api.fail_next("sendMessage", status=500, times=failures)
        while any(o.status != "sent" for o in outbox(engine)) and ticks < 12:
            result = run_waakhond(["send-alerts"], env)
            assert result.returncode == 0, result.stderr
            assert not any(o.status == "failed" for o in outbox(engine)), result.stderr
            make_due(engine)  # what the back-off waits are for
            ticks += 1
        messages = api.messages
        failed_calls = sum(1 for c in api.calls if c.status == 500)
    rows = outbox(engine)
    assert {o.status for o in rows} == {"sent"}
    assert failed_calls == failures
    # Once each ...
    delivered = [(m["chat_id"], re.search(r"Bericht (\d\d) over", m["text"]).group(1)) for m in messages]  # type: ignore[union-attr]
    assert sorted(delivered) == sorted((c, f"{i:02d}") for c in CHATS for i in range(5))
    EXTRA["telegram outage"] = [
        f"{len(rows)} alerts, 3 refused rounds, {failed_calls} HTTP 500s over {ticks} send rounds: "
        f"{len(delivered)} delivered, {len(delivered) - len(set(delivered))} duplicates"
    ]
    # ... and in order per chat.
    for chat in CHATS:
        numbers = [n for c, n in delivered if c == chat]
        assert numbers == sorted(numbers), f"chat {chat} got its alerts out of order: {numbers}"
    engine.dispose()


class HugePage(LocalServer):
    """Streams a 100 MB "feed" without Content-Length, counting what it managed to send."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.sent = 0

    def _handle(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return Response(b"", status=404)

        def body() -> Iterator[bytes]:
            chunk = b" " * 65536
            yield b"<?xml version='1.0'?><rss><channel>"
            while self.sent < HUGE:
                self.sent += len(chunk)
                yield chunk

        return Response(body(), content_type="application/rss+xml")

    def url(self, path: str) -> str:
        return self.base_url + path


def test_a_down_slow_looping_or_huge_source_ends_within_its_limits_and_the_others_are_stored(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    loop = FixtureSite(SITES_ROOT, host="127.0.0.3")
    loop.start()
    loop.set("/loop/a.xml", "", status=302, headers={"Location": "/loop/b.xml"})
    loop.set("/loop/b.xml", "", status=302, headers={"Location": "/loop/a.xml"})
    huge = HugePage("127.0.0.4")
    huge.start()
    # Every source on its own host, as real outlets are: Scrapy's per-site concurrency is per host.
    with SlowServer("127.0.0.2") as slow:
        try:
            config = tmp_path / "w.toml"
            config.write_text(
                feed_source("dagblad", fixture_site.url("/dagblad/rss.xml"))
                + feed_source("weg", f"http://127.0.0.5:{closed_port('127.0.0.5')}/rss.xml")
                + feed_source("slowloris-kop", slow.url("/slow-headers.xml"))
                + feed_source("slowloris-romp", slow.url("/slow-body.xml"))
                + feed_source("rondje", loop.url("/loop/a.xml"))
                + feed_source("reus", huge.url("/feed.xml"))
                + '[[subscriptions]]\nchat_id = 1001\n',
                encoding="utf-8",
            )
            env = {**waakhond_env, "SCRAPY_SETTINGS_MODULE": "tests.reliability.short_limits"}
            result = run_waakhond(["--config", str(config), "crawl", "--all"], env, timeout=240)
        finally:
            loop.stop()
            huge.stop()
    log = result.stderr
    assert result.returncode == 1 and "Traceback" not in log, log[-3000:]
    assert "dagblad: ok: 5 feed entries, 5 stored" in result.stdout, result.stdout
    for name in ("weg", "slowloris-kop", "slowloris-romp", "rondje", "reus"):
        assert f"{name}: failed: 0 feed entries" in result.stdout, result.stdout
    assert "Connection was refused" in log
    assert log.count("took longer than 3.0 seconds") >= 2, log[-3000:]  # both dribbling servers cut off
    assert "Gave up redirecting" in log or "max redirections" in log.lower() or "redirect" in log.lower(), log[-3000:]
    assert "exceeded DOWNLOAD_MAXSIZE" in log or "larger than download max size" in log, log[-3000:]
    # The huge page was cut off near the 10 MiB limit, not read to its 100 MB.
    assert huge.sent < HUGE / 2
    engine = open_database(database_url)
    with Session(engine) as session:
        runs = {r.source_name: r for r in session.execute(select(CrawlRun)).scalars()}
        docs = session.execute(select(Document)).scalars().all()
    assert {n: r.outcome for n, r in runs.items()} == {
        "dagblad": "ok", "weg": "failed", "slowloris-kop": "failed", "slowloris-romp": "failed", "rondje": "failed",
        "reus": "failed",
    }
    assert len(docs) == 5 and all(r.finished_at is not None for r in runs.values())
    longest = max((r.finished_at - r.started_at).total_seconds() for r in runs.values())  # type: ignore[operator]
    EXTRA["bad sources"] = [
        f"5 bad sources next to a good one: all failed cleanly, the good one stored 5; longest crawl {longest:.1f}s "
        f"(DOWNLOAD_TIMEOUT 3 s, 1 retry); the 100 MB page was cut after {huge.sent / 2**20:.0f} MiB"
    ]
    engine.dispose()


def hold_write_lock(database_url: str, acquired: threading.Event, release: threading.Event) -> None:
    """Another connection takes the archive's write lock and keeps it until ``release``."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        acquired.set()
        release.wait(60)
        conn.execute("ROLLBACK")
        conn.close()
        return
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as pg:
        pg.execute("LOCK TABLE documents, alert_outbox IN ACCESS EXCLUSIVE MODE")
        acquired.set()
        release.wait(60)
        pg.rollback()


def wait_for_lock_wait(database_url: str) -> None:
    admin = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as pg:
        for _ in range(600):
            row = pg.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()
            if row and row[0] > 0:
                return
            threading.Event().wait(0.05)
    raise AssertionError("the crawl never queued behind the lock")


def test_a_locked_database_makes_writes_wait_not_fail(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    open_database(database_url).dispose()
    config = tmp_path / "w.toml"
    config.write_text(feed_source("dagblad", fixture_site.url("/dagblad/rss.xml")) + "[[subscriptions]]\nchat_id = 1001\n",
                      encoding="utf-8")
    acquired, release = threading.Event(), threading.Event()
    # The feed is held back until the lock is taken, so the crawl's reads and stores of its pages meet it.
    fixture_site.delay("/dagblad/rss.xml", 60)
    done: dict[str, object] = {}
    crawl = threading.Thread(target=lambda: done.update(r=run_waakhond(["--config", str(config), "crawl", "dagblad"], waakhond_env)))
    crawl.start()
    fixture_site.wait_for_hits("/dagblad/rss.xml", 1, timeout=60)
    holder = threading.Thread(target=hold_write_lock, args=(database_url, acquired, release))
    holder.start()
    assert acquired.wait(30)
    try:
        fixture_site.release_delayed()
        if not database_url.startswith("sqlite"):
            # PostgreSQL shows the crawl's statement queued behind the lock.
            wait_for_lock_wait(database_url)
        # The lock is the fault: held two seconds past the feed's answer (SQLite's busy timeout is 15 s).
        threading.Event().wait(2)
    finally:
        release.set()
        holder.join(30)
    crawl.join(120)
    result = done["r"]
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    assert "5 stored" in result.stdout and "3 alerts queued" in result.stdout, result.stdout  # type: ignore[attr-defined]
    assert "locked" not in result.stderr and "Traceback" not in result.stderr  # type: ignore[attr-defined]
    engine = open_database(database_url)
    assert repo.document_count(engine) == 5 and len(outbox(engine)) == 3
    engine.dispose()
