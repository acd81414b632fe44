"""Security checks, one test each: the token stays secret, scraped text never runs, search cannot alter
SQL, no route serves files outside its folder, Scrapy's consoles are off, a writable config is refused.

Elsewhere: scraped markup is inert in every web page, the Atom feed and JSON in
tests/web/test_web.py::test_scraped_markup_is_text_in_every_page_and_feed and, in a real browser,
tests/web/test_browser.py (no script runs: the CSP forbids all); the hostile corpus's titles in
tests/reliability/test_hostile_input.py. Bot commands from unknown chats: alerts/bot.py
arrives with issue 6, and its allow-list test with it.
"""

from __future__ import annotations

import gc
import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from waitress.server import create_server

from storage.engine import open_database
from storage.errors import QueryError
from storage.search import search
from tests.harness.archive import fill_archive
from tests.harness.commands import ROOT, feed_source, run_waakhond
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite
from tests.reliability.outbox_clock import make_due
from waakhond.config import Settings, load_config
from waakhond.crawl_runner import scrapy_settings
from waakhond.errors import ConfigError
from waakhond.web import PAGE_CSP, create_app

TOKEN = "424242:AAH-secret-token-Zq9xVv_must-never-show"


def write_config(tmp_path: Path, site: FixtureSite) -> Path:
    path = tmp_path / "w.toml"
    path.write_text(feed_source("dagblad", site.url("/dagblad/rss.xml")) + "[[subscriptions]]\nchat_id = 1001\n",
                    encoding="utf-8")
    return path


def test_the_bot_token_never_appears_in_logs_errors_or_the_web_ui(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    config = write_config(tmp_path, fixture_site)
    log_file = tmp_path / "waakhond.log"
    seen: list[str] = []
    with FakeBotAPI(token=TOKEN) as api:
        env = {**waakhond_env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
               "WAAKHOND_LOG_FILE": str(log_file)}
        args = ["--config", str(config), "-vv"]
        crawl = run_waakhond([*args, "crawl", "dagblad"], env)
        assert crawl.returncode == 0, crawl.stderr
        # A server error (the chat then waits for the retry, keeping its order), then a refused message.
        api.fail_next("sendMessage", status=500)
        failing = run_waakhond([*args, "send-alerts"], env)
        assert "0 sent, 1 to retry, 0 failed" in failing.stderr, failing.stderr
        seen += [crawl.stdout, crawl.stderr, failing.stdout, failing.stderr]
        engine = open_database(database_url)
        make_due(engine)  # the retry's back-off has passed
        engine.dispose()
        api.fail_next("sendMessage", status=400, description="Bad Request: can't parse entities")
        refusing = run_waakhond([*args, "send-alerts"], env)
        assert "2 sent, 0 to retry, 1 failed" in refusing.stderr, refusing.stderr
        seen += [refusing.stdout, refusing.stderr]
    # Telegram gone (connection refused), then a token Telegram rejects.
    refused = run_waakhond([*args, "send-alerts"], {**env, "TELEGRAM_API_URL": "http://127.0.0.1:9"})
    assert refused.returncode == 1 and "cannot reach the Telegram Bot API" in refused.stderr
    with FakeBotAPI(token="1:other") as other:
        rejected = run_waakhond([*args, "send-alerts"], {**env, "TELEGRAM_API_URL": other.base_url})
    assert rejected.returncode == 1 and "Telegram rejected the bot token" in rejected.stderr
    status = run_waakhond([*args, "status"], env)
    seen += [refused.stdout, refused.stderr, rejected.stdout, rejected.stderr, status.stdout, status.stderr,
             log_file.read_text(encoding="utf-8")]
    # The errors recorded in the archive ...
    engine = open_database(database_url)
    with engine.connect() as conn:
        seen += [str(r) for r in conn.execute(text("SELECT last_error FROM alert_outbox")).all()]
        seen += [str(r) for r in conn.execute(text("SELECT message FROM crawl_runs")).all()]
        ids = [r[0] for r in conn.execute(text("SELECT id FROM documents")).all()]
    # ... and the web timeline.
    client = create_app(engine).test_client()
    for url in ("/", "/search?q=gezichtsherkenning", "/search.json?q=clearview", "/search.atom", *(f"/item/{i}" for i in ids)):
        response = client.get(url)
        seen.append(response.text)
        response.close()  # a streamed page holds its database connection until closed
    del client
    # Pages the test client built may still hold a pooled connection until collected; collect them so
    # dispose() closes every connection instead of leaving one for the garbage collector.
    gc.collect()
    engine.dispose()
    assert "sendMessage" in log_file.read_text(encoding="utf-8") or failing.stderr  # the failures were logged
    secret = TOKEN.split(":", 1)[1]
    leaks = [s for s in seen if secret in s]
    assert not leaks, [s[max(0, s.find(secret) - 200): s.find(secret) + 50] for s in leaks]


HOSTILE_QUERIES = [
    "'; DROP TABLE documents; --",
    '" OR 1=1 --',
    "clearview' OR '1'='1",
    "x) UNION SELECT sql FROM sqlite_master --",
    "NEAR(clearview boete)",
    "title:clearview",
    "{title text}: boete",
    "^boete",
    "boete*' --",
    "\\'; SELECT pg_sleep(5); --",
    "\x00boete",
    "(" * 500 + "boete",
    "boete " * 2000,
    "%' OR '%'='",
    "$$; DROP TABLE documents; $$",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_search_input_cannot_alter_sql(engine: Engine, query: str) -> None:
    fill_archive(engine)
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM documents")).scalar_one()
    try:
        search(engine, query)  # words to look for, or a QueryError: nothing else
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)  # one clear line, as the CLI and the web show it
    client = create_app(engine).test_client()
    for args in ({"q": query}, {"source": query, "kind": query}):
        page = client.get("/search", query_string=args)
        page.close()
        assert page.status_code in (200, 400), (args, page.status_code)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar_one() == before
    assert set(inspect(engine).get_table_names()) == tables


TRAVERSALS = [
    "/static/../../pyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/%252e%252e/%252e%252e/pyproject.toml",
    "/static/..%5c..%5cpyproject.toml",
    "/static/....//....//pyproject.toml",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/style.css%00../../pyproject.toml",
    "/item/..%2f..%2f..%2fetc%2fpasswd",
    "/item/1/raw/../../../../etc/passwd",
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/entity/..%2f..%2fpyproject.toml",
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The timeline on waitress (the server `waakhond web` uses), on a free port."""
    engine = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    fill_archive(engine)
    server = create_server(create_app(engine), host="127.0.0.1", port=0, threads=2)

    def run() -> None:
        try:
            server.run()
        except OSError:  # the teardown closed the listening socket under waitress's select loop
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.effective_port  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(5)
        engine.dispose()


def raw_get(host: str, port: int, path: str, follow: bool = True) -> tuple[int, bytes]:
    """Send the path byte for byte, as an attacker would (no client-side normalisation)."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if follow and status in (301, 302, 307, 308):
        # Werkzeug merges double slashes with a redirect; wherever it points must be refused too.
        (location,) = [line.split(b":", 1)[1].strip() for line in head.split(b"\r\n") if line.lower().startswith(b"location:")]
        target = location.decode("latin-1").split(f"{host}", 1)[-1].split("/", 1)[-1]
        return raw_get(host, port, "/" + target, follow=False)
    return status, body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_route_serves_files_outside_its_folder(served: tuple[str, int], path: str) -> None:
    host, port = served
    assert raw_get(host, port, "/static/style.css")[0] == 200  # the folder itself is served
    status, body = raw_get(host, port, path)
    assert status in (400, 404, 405), (status, body[:200])
    for secret in (b"[build-system]", b"root:x:", b"SQLite format"):
        assert secret not in body


def listening_sockets(pid: int) -> list[str]:
    """TCP sockets in LISTEN state that belong to the process (from /proc, no tools needed)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.append(f"{table} {fields[1]}")
    return found


def test_scrapys_telnet_console_and_remote_control_are_off(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    import subprocess
    import sys

    config = write_config(tmp_path, fixture_site)
    effective = scrapy_settings(Settings.from_env(config_path=str(config)), 0, load_config(config))
    assert effective.getbool("TELNETCONSOLE_ENABLED") is False and effective.getbool("REMOTE_CONTROL_ENABLED") is False
    # A real crawl, held at its feed request: what does it listen on?
    fixture_site.delay("/dagblad/rss.xml", 60)
    proc = subprocess.Popen(
        [sys.executable, "-m", "waakhond", "--config", str(config), "-v", "crawl", "dagblad"], cwd=ROOT,
        env=waakhond_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        fixture_site.wait_for_hits("/dagblad/rss.xml", 1, timeout=60)
        listening = listening_sockets(proc.pid)
    finally:
        fixture_site.release_delayed()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert listening == []
    extensions = err[err.find("Enabled extensions"):err.find("]", err.find("Enabled extensions"))]
    assert "CoreStats" in extensions and "TelnetConsole" not in extensions and "RemoteControl" not in extensions


def test_a_config_writable_by_others_is_refused(tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]) -> None:
    folder = tmp_path / "etc"
    folder.mkdir(mode=0o755)
    config = write_config(folder, fixture_site)
    folder.chmod(0o755)
    assert load_config(config).sources[0].name == "dagblad"

    config.chmod(0o666)
    with pytest.raises(ConfigError, match="refused: the file is world-writable"):
        load_config(config)
    result = run_waakhond(["--config", str(config), "crawl", "dagblad"], waakhond_env)
    assert result.returncode == 1 and result.stderr.startswith("Error: ") and "world-writable" in result.stderr
    assert fixture_site.hits("/dagblad/rss.xml") == 0

    config.chmod(0o644)
    folder.chmod(0o777)  # anyone could replace the file
    with pytest.raises(ConfigError, match="folder .* is world-writable without the sticky bit"):
        load_config(config)
    folder.chmod(0o777 | stat.S_ISVTX)  # like /tmp: others cannot replace what they do not own
    assert load_config(config).sources[0].name == "dagblad"
    watchlists = folder / "extra.toml"
    watchlists.write_text('[[watchlists]]\nname = "x"\nterms = ["biometrie"]\n', encoding="utf-8")
    watchlists.chmod(0o666)
    config.write_text('watchlist_files = ["extra.toml"]\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError, match="extra.toml: .*refused: the file is world-writable"):
        load_config(config)
    folder.chmod(0o755)


def test_every_page_and_feed_forbids_scripts(served: tuple[str, int]) -> None:
    host, port = served
    import http.client

    for path in ("/", "/search?q=camera", "/search.json?q=camera", "/search.atom?q=camera", "/item/1", "/nope"):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.getheader("Content-Security-Policy") == PAGE_CSP, path
        assert response.getheader("X-Content-Type-Options") == "nosniff", path
        kind = response.getheader("Content-Type") or ""
        if path.startswith("/search.json"):
            assert kind.startswith("application/json")  # never sniffed or rendered as HTML
        if path.startswith("/search.atom"):
            assert kind.startswith("application/atom+xml")
        conn.close()
