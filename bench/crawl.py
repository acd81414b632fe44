"""Crawl benchmark: the real `waakhond crawl --all` against 50 local outlets of 200 articles, then again unchanged.

Run: .venv/bin/python bench/crawl.py [--outlets 50] [--articles 200] [--quick] [--json]

A server process of its own (this script with --serve) plays the outlets: each outlet listens on a loopback
address of its own (127.0.0.10, .11, ...), as real outlets are separate hosts and Scrapy's per-host concurrency
applies to each, and serves robots.txt, an RSS feed of its articles and the article pages (generated Dutch news
pages from bench/pipeline.py, deterministic per outlet and article) with an ETag and a Last-Modified, answering
If-None-Match / If-Modified-Since with 304. It counts every answer by kind and status.

The crawl is `python -m waakhond --config CFG crawl --all` in a fresh WAAKHOND_DATA_DIR (SQLite, Scrapy's HTTP
cache), with WAAKHOND_DOWNLOAD_DELAY=0: the same spiders, middlewares, item pipelines and store as the daemon's
crawl subprocesses (which run `waakhond crawl SOURCE`, one source each). First crawl: pages per second (every 200
response the server sent, over the process's wall time, start-up included) and the crawl process's peak RSS
(ru_maxrss from wait4). Second crawl, nothing changed: the bodies the server had to send (target 0: every feed
and every recently archived article is revalidated and answered 304), and its wall time against the first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # bench/pipeline.py must not shadow the project's `pipeline` package

from bench.contract import Result, add_arguments, emit, report_stream  # noqa: E402

FIRST_HOST = 10  # outlet i listens on 127.0.0.(FIRST_HOST + i)
LAST_MODIFIED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ROBOTS = b"User-agent: *\nAllow: /\n"


# --- the server process ----------------------------------------------------------------------------
class Outlets:
    """Every outlet's feed and article pages, generated once; answers are counted per (kind, status)."""

    def __init__(self, outlets: int, articles: int, seed: int) -> None:
        import random

        from bench.pipeline import make_page  # the pipeline benchmark's varied news pages

        self.bodies: dict[tuple[int, str], tuple[bytes, str]] = {}
        self.counts: Counter[str] = Counter()
        self.bytes_sent = 0
        self.lock = threading.Lock()
        now = datetime.now(UTC)
        for o in range(outlets):
            rng = random.Random(f"{seed}-{o}")
            items = []
            for a in range(articles):
                page = make_page(rng, o * articles + a)
                path = f"/nieuws/{a:04d}.html"
                self._put(o, path, page.html.encode("utf-8"), "text/html; charset=utf-8")
                title = page.html.split("<title>", 1)[1].split("</title>", 1)[0]
                # Relative links: the feed spider resolves them against the feed's URL (and its port).
                items.append(f"<item><title>{escape(title)}</title><link>{path}</link><guid>{path}</guid>"
                             f"<pubDate>{format_datetime(now - timedelta(minutes=7 * a))}</pubDate></item>")
            feed = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Outlet {o}</title>'
                    f"<link>/</link><description>bench</description>{''.join(items)}</channel></rss>")
            self._put(o, "/rss.xml", feed.encode("utf-8"), "application/rss+xml; charset=utf-8")

    def _put(self, outlet: int, path: str, body: bytes, content_type: str) -> None:
        self.bodies[(outlet, path)] = (body, content_type)

    def count(self, key: str, sent: int) -> None:
        with self.lock:
            self.counts[key] += 1
            self.bytes_sent += sent


def host(outlet: int) -> str:
    return f"127.0.0.{FIRST_HOST + outlet}"


def handler_for(outlet: int, site: Outlets) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the quiet server logs nothing
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            if path == "/_stats":
                with site.lock:
                    body = json.dumps({"counts": dict(site.counts), "bytes": site.bytes_sent}).encode()
                return self.answer(200, body, "application/json", count=False)
            if path == "/_reset":
                with site.lock:
                    site.counts.clear()
                    site.bytes_sent = 0
                return self.answer(200, b"{}", "application/json", count=False)
            if path == "/robots.txt":
                return self.answer(200, ROBOTS, "text/plain", kind="robots")
            found = site.bodies.get((outlet, path))
            kind = "feed" if path.endswith(".xml") else "article"
            if found is None:
                return self.answer(404, b"not found", "text/plain", kind="missing")
            body, content_type = found
            etag = '"%s"' % hashlib.sha1(body).hexdigest()
            headers = {"ETag": etag, "Last-Modified": format_datetime(LAST_MODIFIED, usegmt=True)}
            if self.unchanged(etag):
                return self.answer(304, b"", content_type, kind=kind, headers=headers)
            return self.answer(200, body, content_type, kind=kind, headers=headers)

        def unchanged(self, etag: str) -> bool:
            match = self.headers.get("If-None-Match")
            if match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
                return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return parsedate_to_datetime(since) >= LAST_MODIFIED
                except (TypeError, ValueError):
                    return False
            return False

        def answer(self, status: int, body: bytes, content_type: str, kind: str = "", count: bool = True,
                   headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
            if count:
                site.count(f"{kind} {status}", len(body) if status != 304 else 0)

    return Handler


def serve(outlets: int, articles: int, seed: int) -> None:
    """The server process: one listener per outlet; prints the ports as one JSON line, serves until stdin closes."""
    site = Outlets(outlets, articles, seed)
    servers = []
    for o in range(outlets):
        server = ThreadingHTTPServer((host(o), 0), handler_for(o, site))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    print(json.dumps({"ports": [s.server_address[1] for s in servers],
                      "bytes": sum(len(b) for b, _ in site.bodies.values())}), flush=True)
    sys.stdin.read()  # the benchmark closes our stdin when it is done (or dies)
    for server in servers:
        server.shutdown()


# --- the benchmark ---------------------------------------------------------------------------------
class Server:
    def __init__(self, outlets: int, articles: int, seed: int) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", "--outlets", str(outlets), "--articles",
                                      str(articles), "--seed", str(seed)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the outlet server did not start (exit code {self.proc.wait()})")
        ready = json.loads(line)
        self.ports: list[int] = ready["ports"]
        self.content_bytes: int = ready["bytes"]

    def url(self, outlet: int, path: str) -> str:
        return f"http://{host(outlet)}:{self.ports[outlet]}{path}"

    def get(self, path: str) -> dict[str, Any]:
        from urllib.request import urlopen

        with urlopen(self.url(0, path), timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def crawl(config: Path, data_dir: Path) -> dict[str, Any]:
    """One `waakhond crawl --all`; wall time, peak RSS of the process (wait4), and its per-source summary lines."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "WAAKHOND_DATABASE_URL", "WAAKHOND_CONFIG")}
    env.update(WAAKHOND_DATA_DIR=str(data_dir), WAAKHOND_DOWNLOAD_DELAY="0")
    started = time.monotonic()
    with open(data_dir / "crawl-stderr.log", "ab") as err:
        proc = subprocess.Popen([sys.executable, "-m", "waakhond", "--config", str(config), "crawl", "--all"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        assert proc.stdout is not None
        lines = proc.stdout.read().splitlines()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "peak_rss_mib": usage.ru_maxrss / 1024, "exit_code": proc.returncode,
            "cpu_s": usage.ru_utime + usage.ru_stime, "lines": lines}


def archive_counts(data_dir: Path) -> dict[str, Any]:
    import sqlite3

    conn = sqlite3.connect(data_dir / "waakhond.db")
    try:
        docs = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        runs = conn.execute("SELECT outcome, COUNT(*), SUM(bodies), SUM(not_modified) FROM crawl_runs "
                            "GROUP BY outcome").fetchall()
    finally:
        conn.close()
    return {"documents": docs, "runs": {o: {"count": n, "bodies": b, "not_modified": nm} for o, n, b, nm in runs}}


def measure(args: argparse.Namespace) -> Result:
    result = Result("crawl")
    outlets, articles = args.outlets, args.articles
    print(f"Waakhond crawl benchmark: {outlets} outlets x {articles} articles, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server = Server(outlets, articles, args.seed)
    try:
        print(f"outlet server ready: {outlets} hosts, {server.content_bytes / 2**20:.1f} MiB of feeds and pages")
        with tempfile.TemporaryDirectory(prefix="waakhond-bench-crawl-") as tmp:
            work = Path(tmp)
            config = work / "crawl.toml"
            config.write_text("".join(f'[[sources]]\nname = "outlet{o:02d}"\nkind = "feed"\n'
                                      f'url = "{server.url(o, "/rss.xml")}"\ninterval = "1h"\n\n'
                                      for o in range(outlets)), encoding="utf-8")
            data = work / "data"
            data.mkdir()
            runs = []
            for label in ("first", "second"):
                server.get("/_reset")
                run = crawl(config, data)
                run["server"] = server.get("/_stats")
                run["archive"] = archive_counts(data)
                runs.append(run)
                c = run["server"]["counts"]
                print(f"{label} crawl: {run['wall_s']:.1f} s wall, {run['cpu_s']:.1f} s CPU, exit code "
                      f"{run['exit_code']}, peak RSS {run['peak_rss_mib']:.0f} MiB; server answers {dict(c)}; "
                      f"archive {run['archive']}")
                if run["exit_code"] != 0:
                    print("crawl stderr (tail):\n" + (data / "crawl-stderr.log").read_text()[-3000:])
            cache_bytes = sum(p.stat().st_size for p in (data / "httpcache").rglob("*") if p.is_file())
    finally:
        server.stop()
    first, second = runs

    def bodies(run: dict[str, Any]) -> int:
        return sum(n for k, n in run["server"]["counts"].items() if k.endswith(" 200") and not k.startswith("robots"))

    pages_first = bodies(first)
    expected = outlets * (articles + 1)
    result.add("first crawl throughput", pages_first / first["wall_s"], "pages/s")
    result.add("first crawl pages fetched", pages_first, "pages", baseline=expected)
    result.add("first crawl documents stored", first["archive"]["documents"], "docs", baseline=outlets * articles)
    result.add("first crawl peak RSS (crawl process)", first["peak_rss_mib"], "MiB")
    result.add("first crawl wall time", first["wall_s"], "s")
    second_bodies = bodies(second)
    result.add("second crawl bodies downloaded (server 200s)", second_bodies, "bodies", target="0",
               met=second_bodies == 0)
    not_modified = sum(n for k, n in second["server"]["counts"].items() if k.endswith(" 304"))
    result.add("second crawl answered 304", not_modified, "responses", baseline=expected)
    result.add("second crawl robots.txt fetched", second["server"]["counts"].get("robots 200", 0), "bodies",
               baseline=outlets)
    result.add("second crawl wall time", second["wall_s"], "s", baseline=first["wall_s"])
    result.add("second crawl peak RSS", second["peak_rss_mib"], "MiB", baseline=first["peak_rss_mib"])
    result.add("HTTP cache on disk", cache_bytes / 2**20, "MiB")
    result.notes += [
        f"{outlets} outlets x {articles} articles on loopback hosts of their own; one `waakhond crawl --all` process "
        "per crawl (wall time includes its start-up); SQLite archive; WAAKHOND_DOWNLOAD_DELAY=0",
        "pages = feed and article bodies the server sent (robots.txt not counted); baseline of pages fetched: "
        "one feed plus every article per outlet",
        f"exit codes {first['exit_code']} / {second['exit_code']}; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]
    result.details = {"runs": [{k: v for k, v in r.items() if k != "lines"} for r in runs],
                      "summary_lines_first": first["lines"][:5], "summary_lines_second": second["lines"][:5]}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=None, help="outlets (default 50; 5 with --quick)")
    parser.add_argument("--articles", type=int, default=None, help="articles per outlet (default 200; 20 with --quick)")
    parser.add_argument("--seed", type=int, default=20260301, help="page generator seed (default 20260301)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server process
    add_arguments(parser, quick_help="5 outlets x 20 articles (CI, well under a minute)")
    args = parser.parse_args()
    args.outlets = args.outlets or (5 if args.quick else 50)
    args.articles = args.articles or (20 if args.quick else 200)
    if not 1 <= args.outlets <= 240 or args.articles < 1:
        parser.error("--outlets must be 1-240 (one loopback address each) and --articles at least 1")
    if args.serve:
        serve(args.outlets, args.articles, args.seed)
        return 0
    with report_stream(args.json) as out:
        result = measure(args)
    emit(result, out, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
