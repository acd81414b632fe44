"""The daemon with the scrapyd executor: two real Scrapyd nodes, one PostgreSQL archive, one node lost mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import CrawlRun, Document, OutboxEntry
from tests.harness.commands import ROOT, feed_source, run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite
from tests.harness.polling import wait_until
from tests.harness.scrapyd_node import ScrapydNode

pytestmark = pytest.mark.postgres

CRAWLED = ("ok", "partial")  # stadsbericht's fixture feed links two missing pages: it is always partial
FEEDS = {
    "dagblad": "/dagblad/rss.xml",
    "dagblad-spiegel": "/spiegel/rss.xml",  # the same feed again: the same articles, stored once
    "stadsbericht": "/storing/feed.atom",
    "krant": "/krant/rss.xml",
    "traag": "/traag/rss.xml",  # slow: still running when its node goes down
}


@pytest.fixture
def cluster_env(tmp_path: Path, postgres_url: str) -> dict[str, str]:
    """The daemon's environment: the shared PostgreSQL archive, offline politeness for the fixture sites."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAAKHOND_", "TELEGRAM_", "SCRAPY"))}
    env.update(
        WAAKHOND_DATA_DIR=str(tmp_path / "daemon"), WAAKHOND_DATABASE_URL=postgres_url, WAAKHOND_DOWNLOAD_DELAY="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def node_env(base: dict[str, str], directory: Path) -> dict[str, str]:
    # Each node has a data directory (HTTP cache, file locks) of its own, as separate machines would.
    return {**base, "WAAKHOND_DATA_DIR": str(directory / "data")}


@contextmanager
def cluster(tmp_path: Path, env: dict[str, str], count: int = 2) -> Iterator[list[ScrapydNode]]:
    with ExitStack() as stack:
        nodes = []
        for i in range(count):
            directory = tmp_path / f"node{i}"
            node = ScrapydNode(directory, node_env(env, directory), max_proc=2)
            stack.enter_context(node)
            nodes.append(node)
        yield nodes


def cluster_config(tmp_path: Path, site: FixtureSite, nodes: list[ScrapydNode], interval: str) -> Path:
    node_list = ", ".join(f'{{ url = "{n.url}", max_proc = {n.max_proc} }}' for n in nodes)
    text = f'[crawler]\nexecutor = "scrapyd"\nscrapyd_nodes = [{node_list}]\n'
    text += "".join(feed_source(name, site.url(path), f'interval = "{interval}"') for name, path in FEEDS.items())
    path = tmp_path / "cluster.toml"
    path.write_text(text + "[[subscriptions]]\nchat_id = 1001\n", encoding="utf-8")
    return path


def runs(database_url: str) -> list[CrawlRun]:
    engine = open_database(database_url)
    try:
        with Session(engine) as session:
            return list(session.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars())
    finally:
        engine.dispose()


def test_two_nodes_crawl_every_source_once_and_take_over_from_a_lost_node(
    tmp_path: Path, fixture_site: FixtureSite, fake_telegram: FakeBotAPI, cluster_env: dict[str, str],
    postgres_url: str,
) -> None:
    base = cluster_env
    fixture_site.set("/spiegel/rss.xml", (fixture_site.root / "dagblad" / "rss.xml").read_bytes(), "application/rss+xml")
    fixture_site.set("/traag/rss.xml", (fixture_site.root / "krant" / "rss.xml").read_bytes(), "application/rss+xml")
    fixture_site.delay("/traag/rss.xml", 6)
    daemon_env = {**base, "TELEGRAM_BOT_TOKEN": fake_telegram.token, "TELEGRAM_API_URL": fake_telegram.base_url}
    with cluster(tmp_path, base) as nodes:
        by_url = {n.url: n for n in nodes}
        config = cluster_config(tmp_path, fixture_site, nodes, "20s")
        with subprocess.Popen(
            [sys.executable, "-m", "waakhond", "--config", str(config), "run"],
            cwd=ROOT, env=daemon_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        ) as daemon:
            try:
                # Round one: the slow source's job is running (its feed request is held) on some node.
                fixture_site.wait_for_hits("/traag/rss.xml", 1, timeout=120)
                busy = wait_until(
                    lambda: next((n for n in nodes if any(j["spider"] == "traag" for j in n.jobs()["running"])), None),
                    30, "the slow source's job running on a node", every=0.25,
                )
                (survivor,) = [n for n in nodes if n is not busy]
                lost_url = busy.url
                busy.stop()  # SIGKILL to the node and its crawls, mid-crawl
                status = json.loads(run_waakhond(["--config", str(config), "status", "--json"], base).stdout)

                def taken_over() -> bool:
                    done = runs(postgres_url)
                    ran_on_lost = {r.source_name for r in done if r.node == lost_url}
                    later_ok = {
                        r.source_name for r in done
                        if r.node == survivor.url and r.outcome in CRAWLED
                        and any(e.node == lost_url and e.id < r.id for e in done if e.source_name == r.source_name)
                    }
                    return bool(ran_on_lost) and ran_on_lost <= later_ok and len({r.source_name for r in done if r.outcome in CRAWLED}) == len(FEEDS)

                wait_until(taken_over, 150, "every source of the lost node crawled again on the other node", every=0.25)
                engine = open_database(postgres_url)
                with Session(engine) as session:
                    expected_alerts = session.execute(select(func.count(OutboxEntry.id))).scalar_one()
                engine.dispose()
                fake_telegram.wait_for_messages(expected_alerts, timeout=90)
            except BaseException:
                daemon.send_signal(signal.SIGTERM)
                _, err = daemon.communicate(timeout=90)
                print("daemon log:", err[-8000:], "runs:", *[
                    (r.source_name, r.outcome, r.node, r.message) for r in runs(postgres_url)], sep="\n")
                raise
            daemon.send_signal(signal.SIGTERM)
            _, err = daemon.communicate(timeout=90)
    assert daemon.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert f"node {lost_url} went away during the crawl; running it on another node" in err

    every = runs(postgres_url)
    assert {r.source_name for r in every if r.outcome in CRAWLED} == set(FEEDS)  # every source crawled
    assert {r.node for r in every} == set(by_url)  # the work was spread over both nodes
    assert all(r.job and r.outcome != "running" for r in every)  # every record closed, each with its job
    # The slow source: its run on the lost node was closed as failed, then it ran to the end on the other.
    slow = [r for r in every if r.source_name == "traag"]
    assert slow[0].node == lost_url and slow[0].outcome == "failed" and "went away" in (slow[0].message or "")
    assert slow[1].node == survivor.url and slow[1].outcome in CRAWLED

    engine = open_database(postgres_url)
    with Session(engine) as session:
        documents = list(session.execute(select(Document.url, Document.version)).all())
        outbox = list(session.execute(select(OutboxEntry)).scalars())
    engine.dispose()
    # Each document once, and exactly what one machine archives from the same sources: the mirror feed and
    # the slow copy of krant found their articles already stored (by whichever node came first).
    urls = [url for url, _ in documents]
    assert len(urls) == len(set(urls)) and all(version == 1 for _, version in documents)
    reference = {**base, "WAAKHOND_DATABASE_URL": f"sqlite:///{tmp_path / 'reference.db'}",
                 "WAAKHOND_DATA_DIR": str(tmp_path / "reference")}
    fixture_site.delay("/traag/rss.xml", 0)
    assert run_waakhond(["--config", str(config), "crawl", "--all"], reference, timeout=180).returncode == 0
    one_machine = open_database(reference["WAAKHOND_DATABASE_URL"])
    with Session(one_machine) as session:
        assert set(urls) == set(session.execute(select(Document.url)).scalars())
    one_machine.dispose()
    # Each alert once: one message per outbox row, no row or message twice.
    assert outbox and all(o.status == "sent" for o in outbox)
    assert len({(o.document_id, o.chat_id, o.event) for o in outbox}) == len(outbox)
    texts = [m["text"] for m in fake_telegram.messages]
    assert len(texts) == len(outbox) and not [t for t, n in Counter(texts).items() if n > 1]

    # Operations: status showed both nodes with their capacity, the lost one as unreachable.
    shown = {n["url"]: n for n in status["nodes"]}
    assert set(shown) == set(by_url)
    assert shown[lost_url]["reachable"] is False and shown[survivor.url]["reachable"] is True
    assert shown[survivor.url]["max_proc"] == 2 and shown[survivor.url]["versions"] == 1


def test_a_job_on_a_node_does_not_crawl_a_source_locked_elsewhere(
    tmp_path: Path, fixture_site: FixtureSite, cluster_env: dict[str, str], postgres_url: str,
) -> None:
    """The one-crawl-per-source rule across machines: a lock held on another machine stops a node's job."""
    import asyncio

    from storage import locks
    from waakhond.config import load_config
    from waakhond.executors.egg import build_egg
    from waakhond.executors.scrapyd_api import ScrapydAPI

    base = cluster_env
    with cluster(tmp_path, base, count=1) as (node,):
        config = load_config(cluster_config(tmp_path, fixture_site, [node], "1h"))
        egg = build_egg(config.resolved)
        engine = open_database(postgres_url)
        held = locks.try_source_lock(engine, "dagblad")  # as a crawl on another machine would hold it
        assert held is not None

        async def crawl_once() -> tuple[str, str]:
            async with ScrapydAPI(node.url) as api:
                assert await api.add_version("waakhond", egg.version, egg.data) == len(FEEDS)
                job = await api.schedule("waakhond", "dagblad", egg.version, {"DOWNLOAD_DELAY": 0})
                while (await api.jobs("waakhond"))[job].state != "finished":
                    await asyncio.sleep(0.2)
                return job, (await api.jobs("waakhond"))[job].log_url or ""

        try:
            job, log_url = asyncio.run(crawl_once())
        finally:
            held.release()
        assert fixture_site.hits("/dagblad/rss.xml") == 0
        assert runs(postgres_url) == []
        assert "source dagblad is already being crawled by another process; this crawl does not start" in node.log_text()
        assert job in log_url
        engine.dispose()


def test_a_job_past_its_timeout_is_cancelled_and_recorded_failed(
    tmp_path: Path, fixture_site: FixtureSite, cluster_env: dict[str, str], postgres_url: str,
) -> None:
    feed = (fixture_site.root / "dagblad" / "rss.xml").read_bytes()
    fixture_site.set("/hangt/rss.xml", feed, "application/rss+xml")
    fixture_site.delay("/hangt/rss.xml", 3600)  # never answers
    with cluster(tmp_path, cluster_env, count=1) as (node,):
        config = tmp_path / "hang.toml"
        config.write_text(
            f'[crawler]\nexecutor = "scrapyd"\nscrapyd_nodes = ["{node.url}"]\n'
            + feed_source("hangt", fixture_site.url("/hangt/rss.xml"), 'interval = "1h"\ntimeout = "8s"'),
            encoding="utf-8",
        )
        with subprocess.Popen(
            [sys.executable, "-m", "waakhond", "--config", str(config), "run"],
            cwd=ROOT, env=cluster_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        ) as daemon:
            try:
                run = wait_until(
                    lambda: next((r for r in runs(postgres_url) if r.outcome == "failed"), None), 120,
                    "the hung crawl recorded as failed", every=0.25,
                )
                jobs = node.jobs()
            finally:
                daemon.send_signal(signal.SIGTERM)
                _, err = daemon.communicate(timeout=90)
    assert daemon.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert run.message and run.message.startswith(f"crawl killed after its timeout of 0:00:08 (job {run.job} on {node.url})")
    assert run.node == node.url and run.finished_at is not None
    assert run.job in {j["id"] for j in jobs["finished"]}  # cancel.json ended the job on the node
    assert "passed its timeout of 0:00:08: stopping job" in err
    assert fixture_site.hits("/hangt/rss.xml") == 1
