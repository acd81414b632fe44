"""The executor setting, the scrapyd executor's parts (placement, egg, API client) and the cross-machine lock."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import text

from storage import locks, repository
from storage.engine import open_database
from storage.models import utcnow
from tests.harness.commands import ROOT, feed_source, run_waakhond
from tests.harness.fixture_site import FixtureSite
from tests.harness.polling import wait_until
from waakhond.config import ScrapydNode, Settings, load_config, parse_config
from waakhond.errors import ConfigError, DeploymentError, NodeUnavailable, ScrapydRejected
from waakhond.executors import check_executor, close_open_runs
from waakhond.executors.egg import build_egg, code_fingerprint, deployed_config
from waakhond.executors.scrapyd import _Node, rank_nodes
from waakhond.executors.scrapyd_api import ScrapydAPI, stored_version
from waakhond.status import render

SCRAPYD = '[crawler]\nexecutor = "scrapyd"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "w.toml")
    return [str(p) for p in info.value.problems]


# --- the setting --------------------------------------------------------------------------


def test_local_stays_the_default_and_nodes_take_a_url_or_a_table() -> None:
    assert parse_config("", "w.toml").executor.kind == "local"
    executor = parse_config(
        SCRAPYD + 'scrapyd_nodes = ["http://10.0.0.5:6800/", { url = "https://n2.example:6800", max_proc = 8 }]\n',
        "w.toml",
    ).executor
    assert executor.kind == "scrapyd" and executor.project == "waakhond"
    assert executor.nodes == (ScrapydNode("http://10.0.0.5:6800", 4), ScrapydNode("https://n2.example:6800", 8))


def test_executor_problems_are_named() -> None:
    assert problems('[crawler]\nexecutor = "celery"\n') == [
        "w.toml: crawler.executor: 'celery' is not an executor (known: local, scrapyd)"
    ]
    assert problems(SCRAPYD) == [
        'w.toml: crawler.scrapyd_nodes: the scrapyd executor needs a list of Scrapyd URLs, e.g. ["http://10.0.0.5:6800"]'
    ]
    assert problems('[crawler]\nscrapyd_nodes = ["http://a:6800"]\n') == [
        'w.toml: crawler.scrapyd_nodes: only used with executor = "scrapyd"'
    ]
    found = problems(
        SCRAPYD + 'scrapyd_nodes = ["ftp://a", "http://u:geheim@b:6800", "http://c:6800", "http://c:6800/", '
        '{ url = "http://d:6800", max_proc = 0 }, { url = "http://e:6800", slots = 2 }, 7]\n'
    )
    assert found == [
        "w.toml: crawler.scrapyd_nodes[0]: 'ftp://a' is not an http(s) URL of a Scrapyd service",
        "w.toml: crawler.scrapyd_nodes[1]: put no credentials in the URL: set WAAKHOND_SCRAPYD_USERNAME and "
        "WAAKHOND_SCRAPYD_PASSWORD",
        "w.toml: crawler.scrapyd_nodes[3]: duplicate node 'http://c:6800'",
        "w.toml: crawler.scrapyd_nodes[4].max_proc: must be a whole number from 1 to 256, not 0",
        "w.toml: crawler.scrapyd_nodes[5].slots: unknown key (expected one of: max_proc, url)",
        "w.toml: crawler.scrapyd_nodes[6]: must be a URL or a table { url = ..., max_proc = N }, not an integer",
    ]
    assert "geheim" not in " ".join(found[1:])


def test_the_scrapyd_executor_refuses_a_sqlite_archive(tmp_path: Path) -> None:
    config = parse_config(SCRAPYD + 'scrapyd_nodes = ["http://127.0.0.1:9"]\n', "w.toml")
    settings = Settings.from_env({"WAAKHOND_DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match='"scrapyd" needs a PostgreSQL archive every node can reach'):
        check_executor(settings, config)
    check_executor(Settings.from_env({"WAAKHOND_DATABASE_URL": "postgresql+psycopg://h/db"}), config)
    # The daemon refuses to start with it, in one line, before crawling anything.
    path = tmp_path / "w.toml"
    path.write_text(SCRAPYD + 'scrapyd_nodes = ["http://127.0.0.1:9"]\n', encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "WAAKHOND_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    result = run_waakhond(["--config", str(path), "run"], env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {path}: crawler.executor: \"scrapyd\" needs a PostgreSQL")


# --- placement ----------------------------------------------------------------------------


def nodes(*urls: str) -> list[_Node]:
    return [_Node(ScrapydNode(url), ScrapydAPI(url)) for url in urls]


def test_each_source_keeps_to_its_node_and_sources_spread_evenly() -> None:
    three = nodes("http://a:6800", "http://b:6800", "http://c:6800")
    names = [f"bron-{i}" for i in range(900)]
    first = {name: rank_nodes(three, name)[0].spec.url for name in names}
    assert first == {name: rank_nodes(list(reversed(three)), name)[0].spec.url for name in names}  # order-free
    spread = Counter(first.values())
    assert set(spread) == {"http://a:6800", "http://b:6800", "http://c:6800"}
    assert min(spread.values()) > 250  # 300 each, give or take
    # A node leaving moves only the sources that preferred it; each falls to its second choice.
    two = [n for n in three if n.spec.url != "http://b:6800"]
    for name in names:
        if first[name] != "http://b:6800":
            assert rank_nodes(two, name)[0].spec.url == first[name]
        else:
            assert rank_nodes(two, name)[0].spec.url == rank_nodes(three, name)[1].spec.url


# --- the egg ------------------------------------------------------------------------------


def test_the_egg_carries_code_settings_and_the_snapshot_deterministically(tmp_path: Path) -> None:
    config = parse_config(feed_source("dagblad", "https://dagblad.example/rss.xml"), "w.toml")
    egg = build_egg(config.resolved)
    assert build_egg(config.resolved).data == egg.data  # same input, same bytes, same version
    other = build_egg(parse_config(feed_source("ander", "https://ander.example/rss.xml"), "w.toml").resolved)
    assert other.version != egg.version and other.fingerprint == egg.fingerprint
    with zipfile.ZipFile(BytesIO(egg.data)) as archive:
        names = set(archive.namelist())
        assert archive.read("EGG-INFO/entry_points.txt") == b"[scrapy]\nsettings = waakhond_deployment.settings\n"
        snapshot = json.loads(archive.read("waakhond_deployment/config.snapshot.json"))
        settings_module = archive.read("waakhond_deployment/settings.py").decode()
    assert {"crawlers/settings.py", "waakhond/default_config.toml", "pipeline/watchlists.toml",
            "storage/migrations/versions/0009_crawl_run_placement.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert snapshot["sources"] == [{"name": "dagblad", "kind": "feed", "url": "https://dagblad.example/rss.xml"}]
    assert egg.fingerprint in settings_module
    assert stored_version(egg.version) == egg.version.replace(".", "_").replace("+", "_")


@pytest.fixture
def deployment_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The egg's deployment package with its snapshot, importable as a node's runner would import it."""
    config = parse_config(feed_source("dagblad", "https://dagblad.example/rss.xml"), "w.toml")
    with zipfile.ZipFile(BytesIO(build_egg(config.resolved).data)) as archive:
        snapshot = archive.read("waakhond_deployment/config.snapshot.json")
    package = tmp_path / "pkgs" / "waakhond_deployment_test"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "config.snapshot.json").write_bytes(snapshot)
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    return package.name


def test_a_node_unpacks_the_snapshot_or_refuses_the_egg(tmp_path: Path, deployment_package: str) -> None:
    env = {"WAAKHOND_DATA_DIR": str(tmp_path / "node"), "WAAKHOND_DATABASE_URL": "postgresql+psycopg://h/db"}
    path = deployed_config(deployment_package, code_fingerprint(), env)
    assert Path(path).parent == tmp_path / "node" / "deployments"
    assert [s.name for s in load_config(path).sources] == ["dagblad"]
    assert deployed_config(deployment_package, code_fingerprint(), env) == path  # once per content
    with pytest.raises(DeploymentError, match="runs other Waakhond code"):
        deployed_config(deployment_package, "0" * 64, env)
    with pytest.raises(DeploymentError, match="WAAKHOND_DATABASE_URL is not a PostgreSQL URL"):
        deployed_config(deployment_package, code_fingerprint(), {**env, "WAAKHOND_DATABASE_URL": ""})


# --- the API client -----------------------------------------------------------------------


def call(coro_factory):  # type: ignore[no-untyped-def]
    return asyncio.run(coro_factory())


def test_node_failures_become_waakhond_errors(httpserver: HTTPServer) -> None:
    async def status(url: str) -> object:
        async with ScrapydAPI(url) as api:
            return await api.daemon_status()

    with pytest.raises(NodeUnavailable, match=r"Scrapyd node http://127.0.0.1:9: daemonstatus.json: ConnectError"):
        call(lambda: status("http://127.0.0.1:9"))
    httpserver.expect_request("/daemonstatus.json").respond_with_data("boom", status=503)
    with pytest.raises(NodeUnavailable, match="answered HTTP 503"):
        call(lambda: status(httpserver.url_for("/")))
    httpserver.clear()
    httpserver.expect_request("/daemonstatus.json").respond_with_data("", status=401)
    with pytest.raises(ScrapydRejected, match="401 Unauthorized: check WAAKHOND_SCRAPYD_USERNAME"):
        call(lambda: status(httpserver.url_for("/")))
    httpserver.clear()
    httpserver.expect_request("/daemonstatus.json").respond_with_data("<html>proxy</html>")
    with pytest.raises(ScrapydRejected, match="without JSON"):
        call(lambda: status(httpserver.url_for("/")))
    httpserver.clear()
    httpserver.expect_request("/addversion.json").respond_with_json(
        {"status": "error", "message": "Traceback (most recent call last):\n  File ...\nDeploymentError: this node runs other Waakhond code"}
    )

    async def deploy() -> int:
        async with ScrapydAPI(httpserver.url_for("/")) as api:
            return await api.add_version("waakhond", "1", b"PK")

    with pytest.raises(ScrapydRejected, match=r"addversion.json: DeploymentError: this node runs other Waakhond code$"):
        call(deploy)


def test_schedule_sends_version_and_settings_as_scrapyd_expects(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/schedule.json", method="POST").respond_with_json({"status": "ok", "jobid": "abc"})

    async def schedule() -> str:
        async with ScrapydAPI(httpserver.url_for("/")) as api:
            return await api.schedule("waakhond", "dagblad", "0.1.0+f00", {"DOWNLOAD_DELAY": 1, "USER_AGENT": "W (+x)"})

    assert call(schedule) == "abc"
    (request, _), = httpserver.log
    form = request.form
    assert (form["project"], form["spider"], form["_version"]) == ("waakhond", "dagblad", "0.1.0+f00")
    assert form.getlist("setting") == ["DOWNLOAD_DELAY=1", "USER_AGENT=W (+x)"]


# --- the cross-machine lock ---------------------------------------------------------------


@pytest.mark.postgres
def test_the_advisory_lock_is_exclusive_and_dies_with_its_process(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    held = locks.try_source_lock(engine, "dagblad")
    assert held is not None and locks.try_source_lock(engine, "dagblad") is None
    assert locks.source_locked(engine, "dagblad") and not locks.source_locked(engine, "krant")
    held.release()
    assert not locks.source_locked(engine, "dagblad")
    # A crawl killed with the lock held (SIGKILL: no cleanup at all) leaves no stale lock.
    script = (
        "import sys\nfrom storage.engine import make_engine\nfrom storage import locks\n"
        f"lock = locks.try_source_lock(make_engine({postgres_url!r}), 'dagblad')\n"
        "print('locked' if lock else 'busy', flush=True)\nsys.stdin.read()\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert locks.source_locked(engine, "dagblad")
        holder.kill()
    deadline = asyncio.run(_released_within(engine, 10))
    assert deadline, "the lock outlived its process"
    engine.dispose()


async def _released_within(engine, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        if not locks.source_locked(engine, "dagblad"):
            return True
        await asyncio.sleep(0.05)
    return False


def _queued_for_a_lock(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )).scalar_one())


@pytest.mark.postgres
def test_the_record_of_an_ended_crawl_is_closed_once_the_server_lets_go_of_its_lock(
    tmp_path: Path, postgres_url: str
) -> None:
    # A crawl process that has exited can keep its advisory lock for a moment, until the server ends its
    # session; the executor's close must wait for that hand-over, not mistake it for another crawl.
    engine = open_database(postgres_url)
    settings = Settings(data_dir=tmp_path, database_url=postgres_url)
    run_id = repository.start_crawl_run(engine, "dagblad", utcnow())
    ending = locks.try_source_lock(engine, "dagblad")  # the session the server has not ended yet
    assert ending is not None
    assert close_open_runs(settings, engine, "dagblad", None, "not now", "failed") == 0  # a crawl may be writing it
    with ThreadPoolExecutor(1) as pool:
        closing = pool.submit(close_open_runs, settings, engine, "dagblad", None, "process ended", "failed", ended=True)
        wait_until(lambda: _queued_for_a_lock(engine), 10, "the close to queue for the source's lock")
        assert not closing.done()
        ending.release()
        assert closing.result(timeout=10) == 1
    run = repository.latest_run(engine, "dagblad")
    assert run is not None and (run.id, run.outcome, run.message) == (run_id, "failed", "process ended")
    # The lock the close took was released with it, and its wait did not stay on the pooled connection.
    assert not locks.source_locked(engine, "dagblad")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "0"
    # A lock that is not let go of is given up after the wait: the crawl holding it keeps its record open.
    other = locks.try_source_lock(engine, "dagblad")
    assert other is not None
    try:
        assert locks.try_source_lock(engine, "dagblad", wait=0.2) is None
        assert locks.source_locked(engine, "dagblad")
    finally:
        other.release()
    engine.dispose()


@pytest.mark.postgres
def test_a_manual_crawl_refuses_a_source_locked_on_another_machine(
    tmp_path: Path, fixture_site: FixtureSite, postgres_url: str
) -> None:
    config = tmp_path / "w.toml"
    config.write_text(feed_source("dagblad", fixture_site.url("/dagblad/rss.xml")), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WAAKHOND_DATA_DIR": str(tmp_path / "data"),
           "WAAKHOND_DATABASE_URL": postgres_url, "WAAKHOND_DOWNLOAD_DELAY": "0"}
    engine = open_database(postgres_url)
    held = locks.try_source_lock(engine, "dagblad")  # the file lock of this machine is free
    assert held is not None
    try:
        busy = run_waakhond(["--config", str(config), "crawl", "dagblad"], env)
    finally:
        held.release()
        engine.dispose()
    assert busy.returncode == 1
    assert busy.stderr.strip() == "Error: source 'dagblad' is already being crawled by another process"
    assert fixture_site.hits("/dagblad/rss.xml") == 0


# --- status -------------------------------------------------------------------------------


def test_status_shows_nodes_with_their_jobs_and_free_slots() -> None:
    report = {
        "daemon": {"running": False},
        "database": {"url": "postgresql+psycopg://h/db", "bytes": None},
        "outbox": {},
        "operator_messages": {},
        "sources": [],
        "nodes": [
            {"url": "http://10.0.0.5:6800", "max_proc": 4, "reachable": True, "node_name": "n1", "running": 1,
             "pending": 1, "free": 2, "versions": 1,
             "jobs": [{"id": "j1", "source": "nos-tech", "state": "running", "started": "2026-12-02T10:00:00.5", "pid": 7}]},
            {"url": "http://10.0.0.6:6800", "max_proc": 2, "reachable": False,
             "error": "Scrapyd node http://10.0.0.6:6800: daemonstatus.json timed out"},
        ],
    }
    text = render(report)
    assert "http://10.0.0.5:6800                     up                 1       1    2/4" in text
    assert "    running  nos-tech                 job j1 since 2026-12-02 10:00:00" in text
    assert "http://10.0.0.6:6800                     UNREACHABLE        -       -    -/2  Scrapyd node" in text
