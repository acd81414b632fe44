"""Soak benchmark: the real `waakhond run` daemon crawling two local feeds every second for N cycles.

It watches the daemon process from outside (RSS and open file descriptors from /proc, the size of the
SQLite archive) while crawls, stores and console alerts keep happening, then stops it with SIGTERM and
reports how the figures moved. Everything runs on 127.0.0.1; nothing is asserted.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

# Run as a script, sys.path[0] is bench/, where pipeline.py would shadow the project's `pipeline`
# package; put the project root first instead.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]

from bench.contract import Result as Report  # noqa: E402
from bench.contract import add_arguments, emit, report_stream  # noqa: E402
from tests.harness.fixture_site import FixtureSite  # noqa: E402

SITES = ROOT / "tests" / "fixtures" / "sites"
FIRST_SOURCE = "dagblad"
GROWING_SOURCE = "groeikrant"
GROWING_FEED = "/groeikrant/rss.xml"
CHAT_ID = -1001234567890
ALERT_MARK = "--- alert for chat "
POLL_SECONDS = 0.25
STOP_WAIT_SECONDS = 90  # the daemon's own grace for a running crawl is 20 s
CHECKPOINT_FRACTIONS = (0.05, 0.25, 0.5, 0.75, 1.0)  # cycle 10, 50, 100, 150, 200 of 200
MIB = 1024 * 1024
PROBLEM_RE = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback|^Error:")

# --- the growing feed: one new article every few cycles ------------------------------------------

RELEVANT_LEADS = [
    "De politie wil gezichtsherkenning inzetten bij het zoeken naar vermiste personen",
    "De Autoriteit Persoonsgegevens onderzoekt opnieuw het gebruik van Clearview AI door bedrijven",
    "Een supermarktketen stopt na kritiek met biometrische camera's bij de zelfscankassa",
    "De Tweede Kamer wil dat de AI-verordening streng wordt gehandhaafd bij biometrische identificatie",
]
OTHER_LEADS = [
    "De gemeenteraad stemt donderdag over de nieuwe parkeertarieven in de binnenstad",
    "Het KNMI verwacht een zacht en nat weekend met af en toe een flinke bui",
    "De plaatselijke voetbalclub heeft een nieuwe trainer gevonden voor het komende seizoen",
]
FILLER = [
    "Volgens betrokkenen is het laatste woord hierover nog lang niet gezegd.",
    "Een woordvoerder liet weten dat er in de komende weken meer duidelijkheid komt.",
    "Omwonenden en ondernemers reageren verdeeld op het nieuws.",
    "De betrokken partijen komen na de zomer opnieuw bij elkaar om de plannen te bespreken.",
    "Critici wijzen erop dat eerdere afspraken nooit volledig zijn nagekomen.",
]


def is_relevant(n: int) -> bool:
    return n % 3 != 0  # two of every three generated articles are about the watched topic


def lead_of(n: int) -> str:
    leads = RELEVANT_LEADS if is_relevant(n) else OTHER_LEADS
    return leads[n % len(leads)]


def article_html(n: int) -> str:
    lead = lead_of(n)
    title = f"Bericht {n}: {lead.split(' ', 2)[-1][:70]}"
    day = 1 + n % 28
    paragraphs = "\n".join(
        f"      <p>{FILLER[(n + i) % len(FILLER)]} Dit is alinea {i + 1} van bericht nummer {n} in de soaktest.</p>"
        for i in range(4)
    )
    url = f"{{{{base}}}}/groeikrant/artikel/bericht-{n:04d}.html"
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>{title} | De Groeikrant</title>
<meta name="author" content="Redactie Groeikrant">
<meta property="og:site_name" content="De Groeikrant">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2026-12-{day:02d}T09:00:00+01:00">
<link rel="canonical" href="{url}">
</head>
<body>
<nav><a href="{{{{base}}}}/groeikrant/">Home</a> <a href="{{{{base}}}}/groeikrant/binnenland.html">Binnenland</a></nav>
<main>
  <article>
    <h1>{title}</h1>
    <p class="byline">Door Redactie Groeikrant</p>
    <div class="tekst">
      <p><strong>{lead}. Dat meldt de redactie van De Groeikrant in bericht nummer {n}.</strong></p>
{paragraphs}
    </div>
  </article>
</main>
<footer><p>&copy; 2026 De Groeikrant</p></footer>
</body>
</html>
"""


def feed_xml(count: int) -> str:
    items = []
    for n in range(count, 0, -1):  # newest first
        day = 1 + n % 28
        url = f"{{{{base}}}}/groeikrant/artikel/bericht-{n:04d}.html"
        lead = lead_of(n)
        items.append(
            f"""    <item>
      <title>Bericht {n}</title>
      <link>{url}</link>
      <guid isPermaLink="true">{url}</guid>
      <description>{lead}.</description>
      <pubDate>{datetime(2026, 12, day, 9, n % 60).strftime('%a, %d %b %Y %H:%M:00')} +0100</pubDate>
    </item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>De Groeikrant</title>
    <link>{{{{base}}}}/groeikrant/</link>
    <description>Een feed die tijdens de soaktest groeit.</description>
    <language>nl</language>
{chr(10).join(items)}
  </channel>
</rss>
"""


def publish(site: FixtureSite, count: int) -> None:
    """Make articles 1..count exist and list them all in the feed (pages first, then the feed)."""
    site.set(f"/groeikrant/artikel/bericht-{count:04d}.html", article_html(count))
    site.set(GROWING_FEED, feed_xml(count))


# --- observation -------------------------------------------------------------------------------


@dataclass
class Sample:
    cycle: int  # completed crawls of the first source
    elapsed_s: float
    rss_mib: float
    hwm_mib: float
    threads: int
    fds: int
    db_bytes: int
    wal_bytes: int
    documents: int


@dataclass
class Result:
    cycles_target: int
    cycles_done: int = 0
    second_source_cycles: int = 0
    articles_published: int = 0
    gave_up: str | None = None
    run_seconds: float = 0.0
    cycles_per_minute: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    checkpoints: list[Sample] = field(default_factory=list)
    rss_growth_mib: float | None = None
    rss_growth_pct: float | None = None
    rss_max_mib: float = 0.0
    fds_first: int | None = None
    fds_last: int | None = None
    fds_min: int | None = None
    fds_max: int | None = None
    threads_first: int | None = None
    threads_last: int | None = None
    documents: int = 0
    db_bytes: int = 0
    db_per_document_kib: float | None = None
    httpcache_bytes: int = 0
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    crawl_seconds_mean: dict[str, float] = field(default_factory=dict)
    alerts_printed: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    stop_seconds: float | None = None
    exit_code: int | None = None
    killed: bool = False
    stderr_lines: int = 0
    db_per_added_document_kib: float | None = None
    # Distinct warnings and errors of the daemon and its crawls (digits folded), with how often each came.
    stderr_problems: list[dict[str, Any]] = field(default_factory=list)


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM in KiB and Threads, from /proc/<pid>/status."""
    wanted = {"VmRSS", "VmHWM", "Threads"}
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in wanted:
                out[key] = int(value.split()[0])
    return out


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def tree_size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            total += file_size(Path(dirpath) / name)
    return total


class Archive:
    """Read-only look at the daemon's SQLite file (opened lazily: the daemon creates it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None and self.path.exists():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA query_only = ON")
            self._conn = conn
        return self._conn

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        conn = self._connect()
        if conn is None:
            return []
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # no such table before the migrations ran; a busy moment
            return []

    def finished_runs(self) -> dict[str, int]:
        rows = self.query("SELECT source_name, COUNT(*) FROM crawl_runs WHERE finished_at IS NOT NULL GROUP BY 1")
        return {name: n for name, n in rows}

    def documents(self) -> int:
        rows = self.query("SELECT COUNT(*) FROM documents")
        return rows[0][0] if rows else 0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class StdoutCounter(threading.Thread):
    """Reads the daemon's stdout to the end so the pipe never fills; counts console alerts."""

    def __init__(self, stream: Any) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.alerts = 0
        self.bytes = 0

    def run(self) -> None:
        for line in self.stream:
            self.bytes += len(line)
            if line.startswith(ALERT_MARK):
                self.alerts += 1


# --- the run -----------------------------------------------------------------------------------


def write_config(path: Path, site: FixtureSite, interval: int) -> None:
    path.write_text(
        f'[[sources]]\nname = "{FIRST_SOURCE}"\nkind = "feed"\nurl = "{site.url("/dagblad/rss.xml")}"\n'
        f'interval = "{interval}s"\n\n'
        f'[[sources]]\nname = "{GROWING_SOURCE}"\nkind = "feed"\nurl = "{site.url(GROWING_FEED)}"\n'
        f'interval = "{interval}s"\n\n'
        f"[[subscriptions]]\nchat_id = {CHAT_ID}\n",
        encoding="utf-8",
    )


def daemon_env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "WAAKHOND_DATABASE_URL", "WAAKHOND_CONFIG")
    }
    env.update(WAAKHOND_DATA_DIR=str(data_dir), WAAKHOND_DOWNLOAD_DELAY="0", PYTHONUNBUFFERED="1")
    return env


def checkpoint_cycles(cycles: int) -> list[int]:
    return sorted({max(1, round(cycles * f)) for f in CHECKPOINT_FRACTIONS})


def soak(args: argparse.Namespace, workdir: Path) -> Result:
    result = Result(cycles_target=args.cycles)
    data_dir = workdir / "data"
    data_dir.mkdir()
    config = workdir / "soak.toml"
    stderr_path = workdir / "daemon.stderr"
    archive = Archive(data_dir / "waakhond.db")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log line per request
    with FixtureSite(SITES) as site:
        published = 2
        for n in range(1, published + 1):
            publish(site, n)
        write_config(config, site, args.interval)
        cmd = [sys.executable, "-m", "waakhond", "--config", str(config)] + ["-v"] * args.verbose + ["run"]
        with open(stderr_path, "w", encoding="utf-8") as err:
            started = time.monotonic()
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=daemon_env(data_dir), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=err, text=True, encoding="utf-8", errors="replace",
            )
            reader = StdoutCounter(proc.stdout)
            reader.start()
            deadline = started + args.time_limit
            last_cycle = 0
            try:
                while True:
                    if proc.poll() is not None:
                        result.gave_up = f"the daemon exited by itself with code {proc.returncode}"
                        break
                    now = time.monotonic()
                    if now > deadline:
                        result.gave_up = f"wall-clock limit of {args.time_limit:.0f} s reached"
                        break
                    runs = archive.finished_runs()
                    cycle = runs.get(FIRST_SOURCE, 0)
                    result.second_source_cycles = runs.get(GROWING_SOURCE, 0)
                    if cycle != last_cycle:
                        last_cycle = cycle
                        result.samples.append(take_sample(proc.pid, cycle, now - started, data_dir, archive))
                        # The second feed gains one article every `new_every` cycles of the first.
                        while published < 2 + cycle // args.new_every:
                            published += 1
                            publish(site, published)
                    if cycle >= args.cycles:
                        break
                    time.sleep(POLL_SECONDS)
                result.cycles_done = last_cycle
                result.run_seconds = time.monotonic() - started
            finally:
                if proc.poll() is None:
                    stop_started = time.monotonic()
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(timeout=STOP_WAIT_SECONDS)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
                        result.killed = True
                    result.stop_seconds = time.monotonic() - stop_started
                result.exit_code = proc.returncode
                reader.join(timeout=10)
        result.articles_published = published
        result.alerts_printed = reader.alerts
        site.check()

    summarise(result, archive, data_dir, stderr_path)
    archive.close()
    return result


def take_sample(pid: int, cycle: int, elapsed: float, data_dir: Path, archive: Archive) -> Sample:
    status = proc_status(pid)
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return Sample(
        cycle=cycle, elapsed_s=round(elapsed, 1), rss_mib=status.get("VmRSS", 0) / 1024,
        hwm_mib=status.get("VmHWM", 0) / 1024, threads=status.get("Threads", 0), fds=fds,
        db_bytes=file_size(data_dir / "waakhond.db"), wal_bytes=file_size(data_dir / "waakhond.db-wal"),
        documents=archive.documents(),
    )


def summarise(result: Result, archive: Archive, data_dir: Path, stderr_path: Path) -> None:
    samples = result.samples
    for target in checkpoint_cycles(result.cycles_target):
        hit = next((s for s in samples if s.cycle >= target), None)
        if hit is not None and hit not in result.checkpoints:
            result.checkpoints.append(hit)
    if result.checkpoints:
        base = result.checkpoints[0]
        last = samples[-1]
        result.rss_growth_mib = last.rss_mib - base.rss_mib
        result.rss_growth_pct = 100 * result.rss_growth_mib / base.rss_mib if base.rss_mib else None
        result.fds_first, result.fds_last = base.fds, last.fds
        result.threads_first, result.threads_last = base.threads, last.threads
    if samples:
        result.rss_max_mib = max(s.rss_mib for s in samples)
        result.fds_min = min(s.fds for s in samples)
        result.fds_max = max(s.fds for s in samples)
    if result.run_seconds:
        result.cycles_per_minute = 60 * result.cycles_done / result.run_seconds

    # After the stop: the daemon has closed its engine, so the WAL has been checkpointed (or is left).
    result.documents = archive.documents()
    result.db_bytes = file_size(data_dir / "waakhond.db") + file_size(data_dir / "waakhond.db-wal")
    if result.documents:
        result.db_per_document_kib = result.db_bytes / result.documents / 1024
    result.httpcache_bytes = tree_size(data_dir / "httpcache")
    for source, outcome, n in archive.query("SELECT source_name, outcome, COUNT(*) FROM crawl_runs GROUP BY 1, 2"):
        result.outcomes.setdefault(source, {})[outcome] = n
    durations: dict[str, list[float]] = {}
    for source, start, end in archive.query(
        "SELECT source_name, started_at, finished_at FROM crawl_runs WHERE finished_at IS NOT NULL"
    ):
        took = (datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))).total_seconds()
        durations.setdefault(source, []).append(took)
    result.crawl_seconds_mean = {k: sum(v) / len(v) for k, v in durations.items()}
    result.outbox = {status: n for status, n in archive.query("SELECT status, COUNT(*) FROM alert_outbox GROUP BY 1")}

    # Growth of the archive per document added after the first checkpoint: without the fixed cost of
    # the schema, the indexes and the preallocated WAL that dominates the per-document figure in short runs.
    if result.checkpoints:
        base = result.checkpoints[0]
        added = result.documents - base.documents
        if added > 0:
            result.db_per_added_document_kib = (result.db_bytes - base.db_bytes - base.wal_bytes) / added / 1024

    lines = stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
    result.stderr_lines = len(lines)
    problems: dict[str, dict[str, Any]] = {}
    for line in lines:
        found = PROBLEM_RE.search(line)
        if found is None or "polls more often than every" in line:  # expected with a 1 s interval
            continue
        key = re.sub(r"\d+", "#", line[found.start():])[:200]
        entry = problems.setdefault(key, {"count": 0, "first": line[:300]})
        entry["count"] += 1
    result.stderr_problems = sorted(problems.values(), key=lambda e: -e["count"])


# --- output ------------------------------------------------------------------------------------


def fmt(value: float | None, spec: str = ".1f", suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{suffix}"


def print_table(r: Result, args: argparse.Namespace) -> None:
    print(f"Waakhond soak benchmark: {r.cycles_target} cycles of '{FIRST_SOURCE}', interval {args.interval}s, "
          f"Python {platform.python_version()}")
    if r.gave_up:
        print(f"GAVE UP after {r.cycles_done} cycles: {r.gave_up}")
    print(f"{r.cycles_done} cycles of {FIRST_SOURCE}, {r.second_source_cycles} of {GROWING_SOURCE} "
          f"({r.articles_published} articles published, one every {args.new_every} cycles) in {r.run_seconds:.0f} s")
    print()
    print(f"{'cycle':>6} {'elapsed s':>10} {'RSS MiB':>8} {'threads':>8} {'fds':>5} {'docs':>5} "
          f"{'db KiB':>8} {'wal KiB':>8}")
    for s in r.checkpoints:
        print(f"{s.cycle:>6} {s.elapsed_s:>10.0f} {s.rss_mib:>8.1f} {s.threads:>8} {s.fds:>5} {s.documents:>5} "
              f"{s.db_bytes / 1024:>8.0f} {s.wal_bytes / 1024:>8.0f}")
    print()
    first = r.checkpoints[0].cycle if r.checkpoints else 0
    rows = [
        (f"RSS growth cycle {first} -> end", f"{fmt(r.rss_growth_mib, '+.1f', ' MiB')} ({fmt(r.rss_growth_pct, '+.1f', ' %')})"),
        ("RSS max over all samples", f"{r.rss_max_mib:.1f} MiB"),
        ("open fds first / last", f"{r.fds_first} / {r.fds_last} (min {r.fds_min}, max {r.fds_max})"),
        ("threads first / last", f"{r.threads_first} / {r.threads_last}"),
        ("documents stored", str(r.documents)),
        ("DB size (db + wal) after stop", f"{r.db_bytes / 1024:.0f} KiB"),
        ("DB size per stored document", fmt(r.db_per_document_kib, ".1f", " KiB")),
        (f"DB growth per document added after cycle {first}", fmt(r.db_per_added_document_kib, ".1f", " KiB")),
        ("HTTP cache on disk", f"{r.httpcache_bytes / 1024:.0f} KiB"),
        ("cycles per minute", f"{r.cycles_per_minute:.1f}"),
        ("mean crawl time", ", ".join(f"{k} {v:.2f} s" for k, v in sorted(r.crawl_seconds_mean.items())) or "n/a"),
        ("crawl outcomes", "; ".join(f"{k}: {v}" for k, v in sorted(r.outcomes.items())) or "n/a"),
        ("alerts printed", str(r.alerts_printed)),
        ("alert outbox", ", ".join(f"{k} {v}" for k, v in sorted(r.outbox.items())) or "empty"),
        ("stop time after SIGTERM", fmt(r.stop_seconds, ".2f", " s") + (" (killed)" if r.killed else "")),
        ("exit code", str(r.exit_code)),
        ("daemon stderr lines", str(r.stderr_lines)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if r.stderr_problems:
        print(f"\ndistinct warnings/errors in the daemon's stderr ({len(r.stderr_problems)}; count, first line):")
        for entry in r.stderr_problems[:20]:
            print(f"  {entry['count']:>5} x {entry['first']}")
    print("\nFigures are indications for one machine and one run; nothing is asserted.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=None,
                        help="completed crawls of the first source (default 200; 6 with --quick)")
    parser.add_argument("--interval", type=int, default=1, help="crawl interval of both sources in seconds (default 1)")
    parser.add_argument("--new-every", type=int, default=5, help="cycles between new articles in the second feed")
    parser.add_argument("--time-limit", type=float, default=1800, help="give up after this many seconds (default 1800)")
    parser.add_argument("--verbose", "-v", action="count", default=0, help="pass -v to the daemon (stderr is scanned)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    add_arguments(parser, quick_help="6 cycles (CI, about a minute)")
    args = parser.parse_args()
    args.cycles = args.cycles if args.cycles is not None else 6 if args.quick else 200
    if args.cycles < 1 or args.interval < 1 or args.new_every < 1:
        parser.error("--cycles, --interval and --new-every must be at least 1")

    with report_stream(args.json) as out:
        workdir = Path(tempfile.mkdtemp(prefix="waakhond-soak-"))
        try:
            result = soak(args, workdir)
        finally:
            if args.keep:
                print(f"kept {workdir}", file=sys.stderr)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        print_table(result, args)
    emit(contract(result, args), out, args.json)
    return 0


# Flat memory: the daemon's RSS over the second half of the cycles grows by less than this per 100 cycles
# (a leak of a few KiB per crawl shows as a steady slope; start-up allocations are all in the first half).
FLAT_MIB_PER_100_CYCLES = 1.0


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x; None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def contract(r: Result, args: argparse.Namespace) -> Report:
    report = Report("soak", details={**asdict(r), "python": platform.python_version(), "interval_s": args.interval,
                                     "new_every": args.new_every})
    second_half = [s for s in r.samples if s.cycle >= r.cycles_done / 2]
    rss_slope = slope([(s.cycle, s.rss_mib) for s in second_half])
    fd_slope = slope([(s.cycle, s.fds) for s in second_half])
    first = r.checkpoints[0] if r.checkpoints else (r.samples[0] if r.samples else None)
    last = r.samples[-1] if r.samples else None
    if rss_slope is not None:
        per_100 = rss_slope * 100
        report.add("RSS slope, second half of the cycles", per_100, "MiB/100 cycles",
                   target=f"< {FLAT_MIB_PER_100_CYCLES} MiB/100 cycles (flat memory)",
                   met=per_100 < FLAT_MIB_PER_100_CYCLES)
    if first and last:
        report.add("daemon RSS at the end", last.rss_mib, "MiB", baseline=first.rss_mib)
        report.add("open fds at the end", last.fds, "fds", baseline=first.fds, target="no growth",
                   met=last.fds <= first.fds)
    if fd_slope is not None:
        report.add("fd slope, second half", fd_slope * 100, "fds/100 cycles")
    report.add("cycles completed", r.cycles_done, "cycles", baseline=r.cycles_target)
    report.add("documents stored", r.documents, "docs")
    report.add("DB size (db + wal) after stop", r.db_bytes / 1024, "KiB")
    if r.db_per_added_document_kib is not None:
        report.add("DB growth per document added", r.db_per_added_document_kib, "KiB/doc")
    if r.stop_seconds is not None:
        report.add("stop time after SIGTERM", r.stop_seconds, "s")
    report.add("exit code", r.exit_code if r.exit_code is not None else -1, "code", target="0",
               met=r.exit_code == 0)
    report.notes.append(f"{r.cycles_done} cycles of {FIRST_SOURCE} in {r.run_seconds:.0f} s, interval "
                        f"{args.interval}s; RSS baseline = the first checkpoint (cycle "
                        f"{first.cycle if first else 'n/a'}); samples cover the daemon, not its crawl processes")
    if r.gave_up:
        report.notes.append(f"gave up: {r.gave_up}")
    if r.cycles_done < 20:
        report.notes.append("a short run: the slope says little about leaks (run the full 200 cycles)")
    return report


if __name__ == "__main__":
    sys.exit(main())
