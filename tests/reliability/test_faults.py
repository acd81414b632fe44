"""Fault injection: crawls, senders and the daemon SIGKILLed at seeded points lose no document or alert.

Each run gets a fresh archive, a fresh fake Bot API and one fault (tests/reliability/inject/
sitecustomize.py kills the process at its N-th fetch, document store, alert claim or send), then a
restart without the fault. After it: every document the feed links is stored once and nothing stored
before the kill changed or vanished, every relevant document has its alerts, all sent, each at most
once beyond the window README "Alert delivery" documents (killed between Telegram accepting a message
and its row being marked sent), and SQLite's integrity and foreign-key checks pass.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from storage.engine import open_database
from tests.harness.commands import ROOT, run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite
from tests.harness.plugin import SITES_ROOT
from tests.harness.polling import wait_until
from tests.reliability.figures import FAULTS
from tests.reliability.outbox_clock import make_due
from tests.test_end_to_end import RELEVANT, SENTENCES

pytestmark = pytest.mark.faults

INJECT = Path(__file__).resolve().parent / "inject"
SEED = 20261202
CHATS = ("1001", "1002")
SOURCE = "dagblad"
CRAWL_POINTS = ("fetch", "store-mid", "store-commit", "store-after")
SEND_POINTS = ("claim", "accepted", "recorded")
# Upper bounds of N that every run reaches: a crawl opens at least 2 connections (robots.txt, feed,
# then articles, maybe over kept-alive connections) and stores 5 documents; a send claims and sends 6.
MAX_N = {"fetch": 2, "store-mid": 5, "store-commit": 5, "store-after": 5, "claim": 6, "accepted": 6, "recorded": 6}


@dataclass(frozen=True)
class Fault:
    target: str  # "crawl" (a `waakhond crawl`), "send" (a `waakhond send-alerts`), "daemon" (`waakhond run`)
    point: str
    n: int

    @property
    def role(self) -> str:
        if self.target == "daemon":
            return "crawl" if self.point in CRAWL_POINTS else "run"
        return {"crawl": "crawl", "send": "send-alerts"}[self.target]

    def __str__(self) -> str:
        return f"{self.target}-{self.point}-{self.n}"


def schedule(seed: int = SEED) -> list[Fault]:
    """20 crawl, 16 send and 16 daemon runs, kill points drawn from the seed."""
    rng = random.Random(seed)
    faults = []
    for target, count, points in (
        ("crawl", 20, CRAWL_POINTS),
        ("send", 16, SEND_POINTS),
        ("daemon", 16, CRAWL_POINTS + SEND_POINTS),
    ):
        for _ in range(count):
            point = rng.choice(points)
            faults.append(Fault(target, point, rng.randint(1, MAX_N[point])))
    return faults


RUNS = [("sqlite", f) for f in schedule()]
# PostgreSQL where it is cheap: 8 more runs (3 crawl, 3 send, 2 daemon), drawn from the next seed.
PG_RUNS = [("postgresql", f) for f in [*schedule(SEED + 1)[:3], *schedule(SEED + 1)[20:23], *schedule(SEED + 1)[36:38]]]


def copy_database(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def base_env(data: Path, url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAAKHOND_", "TELEGRAM_"))}
    env.update(
        WAAKHOND_DATA_DIR=str(data),
        WAAKHOND_DATABASE_URL=url or f"sqlite:///{data / 'waakhond.db'}",
        WAAKHOND_DOWNLOAD_DELAY="0",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join([str(INJECT), str(ROOT)]),
    )
    return env


def write_config(path: Path, site: FixtureSite) -> Path:
    subs = "".join(f"[[subscriptions]]\nchat_id = {c}\n" for c in CHATS)
    path.write_text(
        f'[[sources]]\nname = "{SOURCE}"\nkind = "feed"\nurl = "{site.url("/dagblad/rss.xml")}"\ninterval = "1h"\n'
        '[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning", "Clearview", "biometrie"]\n' + subs,
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    s = FixtureSite(SITES_ROOT)
    s.start()
    yield s
    s.stop()
    s.check()


@pytest.fixture(scope="module")
def templates(site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A migrated empty archive, and one holding the crawled feed with its 6 alerts still pending."""
    root = tmp_path_factory.mktemp("templates")
    empty = root / "empty.db"
    open_database(f"sqlite:///{empty}").dispose()
    data = root / "crawled"
    copy_database(empty, data / "waakhond.db")
    config = write_config(root / "w.toml", site)
    result = run_waakhond(["--config", str(config), "crawl", SOURCE], base_env(data))
    assert result.returncode == 0, result.stderr
    crawled = root / "crawled.db"
    copy_database(data / "waakhond.db", crawled)
    return {"empty": empty, "crawled": crawled}


def pg_url(admin: str, name: str) -> str:
    return admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


@pytest.fixture(scope="module")
def pg_templates(site: FixtureSite, postgres_admin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The same two archives as ``templates``, as PostgreSQL template databases."""
    suffix = os.urandom(4).hex()
    names = {"empty": f"waakhond_fault_empty_{suffix}", "crawled": f"waakhond_fault_crawled_{suffix}"}
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        open_database(pg_url(postgres_admin, names["empty"])).dispose()
        root = tmp_path_factory.mktemp("pg-templates")
        config = write_config(root / "w.toml", site)
        result = run_waakhond(["--config", str(config), "crawl", SOURCE], base_env(root / "data", pg_url(postgres_admin, names["crawled"])))
        assert result.returncode == 0, result.stderr
        yield names
    finally:
        with psycopg.connect(postgres_admin, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connect(url: str):  # type: ignore[no-untyped-def]
    return create_engine(url, poolclass=NullPool)


def stored(url: str) -> dict[str, str]:
    engine = connect(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT url, content_hash FROM documents")).all()
    engine.dispose()
    return {u: h for u, h in rows}


def integrity(url: str) -> list[str]:
    """Problems the backend's own checker finds: SQLite's integrity and foreign-key checks, amcheck's
    B-tree checks on PostgreSQL, and rows whose document is gone."""
    engine = connect(url)
    problems: list[str] = []
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            problems += [str(r) for r in conn.execute(text("PRAGMA integrity_check")).all() if r[0] != "ok"]
            problems += [str(r) for r in conn.execute(text("PRAGMA foreign_key_check")).all()]
        else:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            indexes = conn.execute(text(
                "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = 'public'"
            )).scalars().all()
            if not indexes:
                problems.append("no B-tree index found to check")
            for oid in indexes:
                conn.execute(text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
        problems += [f"orphan outbox row {r}" for r in conn.execute(text(
            "SELECT o.id FROM alert_outbox o LEFT JOIN documents d ON d.id = o.document_id WHERE d.id IS NULL")).all()]
    engine.dispose()
    return problems


class Daemon:
    """`waakhond run -v` in its own process group (a group kill takes its crawls too), its log read live."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "waakhond", "-v", "--config", str(config), "run"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )
        self.log: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)

    def logged(self, text: str) -> bool:
        return any(text in line for line in list(self.log))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._reader.join(timeout=10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return self.proc.returncode

    def kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def delivered(api: FakeBotAPI, site: FixtureSite) -> Counter[tuple[str, str]]:
    urls = {site.url(f"/dagblad/artikel/{slug}.html") for slug in RELEVANT}
    seen: Counter[tuple[str, str]] = Counter()
    for message in api.messages:
        (url,) = [u for u in urls if u in message["text"]]
        seen[(message["chat_id"], url)] += 1
    return seen


@pytest.fixture
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh archive for one run, copied from the template its fault needs; its URL."""
    backend, fault = request.param
    kind = "crawled" if fault.target == "send" else "empty"
    if backend == "sqlite":
        templates = request.getfixturevalue("templates")
        copy_database(templates[kind], tmp_path / "data" / "waakhond.db")
        yield f"sqlite:///{tmp_path / 'data' / 'waakhond.db'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    template = request.getfixturevalue("pg_templates")[kind]
    name = f"waakhond_fault_{os.urandom(6).hex()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield pg_url(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ALL_RUNS = [pytest.param(r, id=f"{r[0]}-{i:02d}-{r[1]}", marks=[pytest.mark.postgres] if r[0] == "postgresql" else [])
            for i, r in enumerate(RUNS + PG_RUNS)]


@pytest.mark.parametrize("archive", ALL_RUNS, indirect=True)
def test_a_killed_process_loses_nothing(archive: str, site: FixtureSite, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    fault: Fault = request.node.callspec.params["archive"][1]
    data = tmp_path / "data"
    db = archive
    config = write_config(tmp_path / "w.toml", site)
    faults_dir = tmp_path / "fault"
    faults_dir.mkdir()
    port = site.base_url.rsplit(":", 1)[1]
    window_kills = 0
    with FakeBotAPI() as api:
        env = {**base_env(data, archive), "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url}
        faulty = {
            **env, "WAAKHOND_FAULT": f"{fault.role}:{fault.point}:{fault.n}", "WAAKHOND_FAULT_DIR": str(faults_dir),
            "WAAKHOND_FAULT_PORT": port,
        }
        args = ["--config", str(config)]
        if fault.target == "crawl":
            killed = run_waakhond([*args, "crawl", SOURCE], faulty)
            assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
        elif fault.target == "send":
            killed = run_waakhond([*args, "send-alerts"], faulty)
            assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
        else:
            daemon = Daemon(config, {**faulty, "WAAKHOND_FAULT_GROUP": "1"})
            try:
                daemon.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                daemon.kill_group()
                pytest.fail(f"the fault {fault} never fired; log: {''.join(daemon.log)[-3000:]}")
            finally:
                daemon.stop()
            assert daemon.proc.returncode == -signal.SIGKILL, "".join(daemon.log)[-3000:]
        assert (faults_dir / "fired").exists()
        # The sender has at most one message in flight per chat (one worker each): a kill while it runs
        # may catch each chat's message after Telegram accepted it and before its row was marked sent.
        window_kills = len(CHATS) if fault.target != "crawl" else 0
        before = stored(db)

        # Restart without the fault.
        engine = connect(db)
        make_due(engine, "sending")  # what five minutes do: a killed sender's leases run out
        engine.dispose()
        if fault.target == "daemon":
            daemon = Daemon(config, env)
            try:
                wait_until(
                    lambda: daemon.logged(f"crawl {SOURCE}: ") and len(delivered(api, site)) == len(RELEVANT) * len(CHATS),
                    120, "the restarted daemon's crawl and every alert",
                )
            finally:
                code = daemon.stop()
            assert code == 0, "".join(daemon.log)[-3000:]
            assert "Traceback" not in "".join(daemon.log)
        else:
            if fault.target == "crawl":
                again = run_waakhond([*args, "crawl", SOURCE], env)
                assert again.returncode == 0, again.stderr[-2000:]
            sent = run_waakhond([*args, "send-alerts"], env)
            assert sent.returncode == 0, sent.stderr[-2000:]
            assert api.token not in sent.stderr + sent.stdout

        after = stored(db)
        messages = delivered(api, site)

    problems = integrity(db)
    engine = connect(db)
    with engine.connect() as conn:
        outbox = conn.execute(text(
            "SELECT d.url, o.chat_id, o.status FROM alert_outbox o JOIN documents d ON d.id = o.document_id"
        )).all()
        texts = {u: t for u, t in conn.execute(text("SELECT url, text FROM documents")).all()}
        open_runs = conn.execute(text("SELECT count(*) FROM crawl_runs WHERE outcome = 'running'")).scalar_one()
    engine.dispose()

    expected_docs = {site.url(f"/dagblad/artikel/{slug}.html") for slug in SENTENCES}
    expected_alerts = {(c, site.url(f"/dagblad/artikel/{slug}.html")) for slug in RELEVANT for c in CHATS}
    lost_docs = len(expected_docs - set(after)) + sum(1 for u, h in before.items() if after.get(u) != h)
    lost_alerts = len(expected_alerts - set(messages)) + sum(1 for _, _, status in outbox if status != "sent")
    duplicates = sum(n - 1 for n in messages.values() if n > 1)
    FAULTS.runs += 1
    FAULTS.by_backend[archive.split(":", 1)[0].split("+")[0]] += 1
    FAULTS.faults_injected += 1
    FAULTS.by_point[f"{fault.target}/{fault.point}"] += 1
    FAULTS.items_checked += len(expected_docs)
    FAULTS.alerts_checked += len(expected_alerts)
    FAULTS.documents_lost += lost_docs
    FAULTS.alerts_lost += lost_alerts
    FAULTS.duplicates += duplicates
    FAULTS.duplicates_in_window += min(duplicates, window_kills)

    assert problems == []
    assert set(after) == expected_docs and lost_docs == 0
    for slug, sentence in SENTENCES.items():
        assert sentence in texts[site.url(f"/dagblad/artikel/{slug}.html")]
    assert sorted((c, u) for u, c, _ in outbox) == sorted(expected_alerts), "one outbox row per relevant document and chat"
    assert lost_alerts == 0, (messages, outbox)
    # The documented guarantee: at least once; a second copy only of a message in flight when the
    # sender was killed after Telegram accepted it: at most one per chat, none from a crawl's kill.
    per_chat = Counter(chat for (chat, _), n in messages.items() for _ in range(n - 1))
    assert duplicates <= window_kills and all(n <= 1 for n in per_chat.values()), messages
    if fault.target == "daemon":
        assert open_runs == 0, "the restarted daemon closes the killed crawl's record"
