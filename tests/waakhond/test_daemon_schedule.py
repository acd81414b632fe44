"""The daemon over several short cycles: rhythm, no overlap, hard timeouts, health alerts, status, reload."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import CrawlRun
from tests.harness.commands import ROOT, feed_source, run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite
from waakhond.daemon import STOP_GRACE

FEED = "/dagblad/rss.xml"


def source(name: str, url: str, extra: str = 'interval = "1s"') -> str:
    return feed_source(name, url, extra)


@contextmanager
def daemon(config: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    with subprocess.Popen(
        [sys.executable, "-m", "waakhond", "--config", str(config), "run"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()


def stop(proc: subprocess.Popen[str]) -> tuple[float, str]:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=STOP_GRACE.total_seconds() + 30)
    return time.monotonic() - started, err


def runs(database_url: str, name: str) -> list[CrawlRun]:
    engine = open_database(database_url)
    with Session(engine) as session:
        result = list(session.execute(select(CrawlRun).where(CrawlRun.source_name == name).order_by(CrawlRun.id)).scalars())
    engine.dispose()
    return result


def test_rhythm_no_overlap_and_hard_timeouts(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    feed = (fixture_site.root / "dagblad" / "rss.xml").read_bytes()
    for path in ("/traag/rss.xml", "/hangt/rss.xml"):
        fixture_site.set(path, feed, "application/rss+xml")
    fixture_site.delay("/traag/rss.xml", 2.5)  # slower than its 1 s interval
    fixture_site.delay("/hangt/rss.xml", 3600)  # never answers
    config = tmp_path / "w.toml"
    config.write_text(
        source("snel", fixture_site.url(FEED))
        + source("traag", fixture_site.url("/traag/rss.xml"))
        # Long enough for a crawl process to start on a busy 2-core machine (imports take seconds).
        + source("hangt", fixture_site.url("/hangt/rss.xml"), 'interval = "1s"\ntimeout = "10s"'),
        encoding="utf-8",
    )
    with daemon(config, waakhond_env) as proc:
        # The hanging source is killed at its timeout and crawled again; meanwhile the others go on.
        fixture_site.wait_for_hits("/hangt/rss.xml", 2, timeout=90)
        fixture_site.wait_for_hits(FEED, 4, timeout=90)
        fixture_site.wait_for_hits("/traag/rss.xml", 3, timeout=90)
        status = json.loads(run_waakhond(["--config", str(config), "status", "--json"], waakhond_env).stdout)
        took, err = stop(proc)
    assert proc.returncode == 0, err
    assert took < STOP_GRACE.total_seconds() + 10, f"stopping took {took:.1f}s"
    assert "Traceback" not in err

    assert status["daemon"]["running"] is True
    assert {s["name"]: bool(s["next_run"]) for s in status["sources"]} == {"snel": True, "traag": True, "hangt": True}

    fast = runs(database_url, "snel")
    assert len(fast) >= 3 and all(r.outcome in ("ok", "interrupted") for r in fast)
    assert [r.outcome for r in fast].count("interrupted") <= 1  # only a crawl running at the SIGTERM
    slow = [r for r in runs(database_url, "traag") if r.finished_at]
    assert len(slow) >= 2
    for earlier, later in zip(slow, slow[1:], strict=False):
        assert later.started_at >= earlier.finished_at, "a slow source overlapped itself"
    hung = runs(database_url, "hangt")
    killed = [r for r in hung if r.message and "timeout of 0:00:10" in r.message]
    assert killed and all(r.outcome == "failed" and r.finished_at for r in killed), [
        (r.outcome, r.started_at, r.finished_at, r.message) for r in hung
    ]
    # The fast source kept its rhythm while the hanging one was stuck for 10 s at a time. (A hung crawl's record
    # starts once its process has started, which on a loaded machine can be late in its 10 s: any hang will do.)
    during = [r for r in fast for k in killed
              if r.started_at < k.finished_at and (r.finished_at or r.started_at) > k.started_at]  # type: ignore[operator]
    assert during, ("the fast source stopped while another source hung",
                    [(k.started_at, k.finished_at) for k in killed], [(r.started_at, r.finished_at) for r in fast])
    left_open = [(r.source_name, r.started_at, r.message) for r in runs(database_url, "snel") + hung if r.outcome == "running"]
    assert not left_open, (left_open, err[-4000:])  # nothing left half-written

    after = json.loads(run_waakhond(["--config", str(config), "status", "--json"], waakhond_env).stdout)
    assert after["daemon"]["running"] is False and after["daemon"]["stopped"]


def test_a_failing_source_raises_one_alert_and_one_recovery(
    tmp_path: Path, fixture_site: FixtureSite, fake_telegram: FakeBotAPI, waakhond_env: dict[str, str]
) -> None:
    config = tmp_path / "w.toml"
    config.write_text(
        "[operator]\nchat_id = 4242\n[health]\nfailures = 2\n" + source("dagblad", fixture_site.url(FEED)),
        encoding="utf-8",
    )
    env = {**waakhond_env, "TELEGRAM_BOT_TOKEN": fake_telegram.token, "TELEGRAM_API_URL": fake_telegram.base_url}
    with daemon(config, env) as proc:
        fixture_site.wait_for_hits(FEED, 1, timeout=60)
        fixture_site.set_status(FEED, 500)
        (failing,) = fake_telegram.wait_for_messages(1, timeout=90)
        # More failed crawls follow; none of them may announce the failure again.
        fixture_site.wait_for_hits(FEED, fixture_site.hits(FEED) + 4, timeout=90)
        fixture_site.restore(FEED)
        messages = fake_telegram.wait_for_messages(2, timeout=90)
        took, err = stop(proc)
    assert proc.returncode == 0, err
    assert failing["chat_id"] == "4242"
    assert "source dagblad is failing: the last 2 crawls failed" in failing["text"]
    assert "HTTP 500" in failing["text"] or "feed unusable" in failing["text"]
    assert len(messages) == 2 and "source dagblad works again" in messages[1]["text"]
    assert len(fake_telegram.messages) == 2


def test_sighup_reloads_the_schedule_and_keeps_it_on_a_broken_config(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    feed = (fixture_site.root / "dagblad" / "rss.xml").read_bytes()
    fixture_site.set("/nieuw/rss.xml", feed, "application/rss+xml")
    config = tmp_path / "w.toml"
    config.write_text(source("dagblad", fixture_site.url(FEED)), encoding="utf-8")
    with daemon(config, waakhond_env) as proc:
        fixture_site.wait_for_hits(FEED, 1, timeout=60)
        config.write_text("[[sources]]\nname = 'kapot'\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        before = fixture_site.hits(FEED)
        fixture_site.wait_for_hits(FEED, before + 2, timeout=60)  # the old schedule goes on
        config.write_text(
            source("nieuw", fixture_site.url("/nieuw/rss.xml"))
            + source("ochtend", fixture_site.url("/nieuw/rss.xml"), 'cron = "0 7 * * *"'),
            encoding="utf-8",
        )
        proc.send_signal(signal.SIGHUP)
        fixture_site.wait_for_hits("/nieuw/rss.xml", 2, timeout=60)
        stopped_at = fixture_site.hits(FEED)
        fixture_site.wait_for_hits("/nieuw/rss.xml", 4, timeout=60)
        _, err = stop(proc)
    assert proc.returncode == 0, err
    assert "config not reloaded, the running schedule stays" in err and "sources[0].kind: is required" in err
    assert "config reloaded from" in err and ": 2 sources" in err
    # dagblad left the config: at most a crawl already under way when the reload came.
    assert fixture_site.hits(FEED) <= stopped_at + 1


def test_prune_http_cache_removes_only_old_entries(tmp_path: Path) -> None:
    from waakhond.daemon import prune_http_cache

    now = time.time()
    for name, age in (("oud", timedelta(days=20)), ("vers", timedelta(days=1))):
        entry = tmp_path / "dagblad" / "ab" / name
        entry.mkdir(parents=True)
        (entry / "meta").write_text("{}")
        (entry / "response_body").write_bytes(b"x")
        import os

        os.utime(entry / "meta", (now - age.total_seconds(), now - age.total_seconds()))
    assert prune_http_cache(tmp_path, timedelta(days=14), now=now) == 1
    assert not (tmp_path / "dagblad" / "ab" / "oud").exists() and (tmp_path / "dagblad" / "ab" / "vers").exists()
