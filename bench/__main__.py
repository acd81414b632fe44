"""The benchmark suite: runs every bench script in a subprocess with --json and prints one table of figures.

Run from the project root: `.venv/bin/python -m bench [--quick] [--only NAME ...] [--json] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.contract import Figure, cpu_model, render_rows, validate

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
NOT_SCRIPTS = {"__init__", "__main__", "contract"}
# The cheap, self-contained scripts first; the long ones (servers, daemons, big archives) after.
ORDER = ["classify_quality", "classify", "dedupe", "pipeline", "crawl", "alerts", "search", "soak", "scrapyd_cluster"]


def scripts() -> list[str]:
    """Every bench script, in ORDER first and any other bench/*.py after (a new script joins the suite)."""
    found = sorted(p.stem for p in BENCH_DIR.glob("*.py") if p.stem not in NOT_SCRIPTS)
    return [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]


@dataclass
class Outcome:
    bench: str
    seconds: float
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    raw: dict[str, Any] | None = None


def run_script(name: str, quick: bool, timeout: float | None, extra: list[str]) -> Outcome:
    command = [sys.executable, str(BENCH_DIR / f"{name}.py"), "--json", *(["--quick"] if quick else []), *extra]
    print(f"[bench] {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        # stderr passes through: the scripts' own tables and logs are the progress report.
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=None, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return Outcome(name, time.monotonic() - started, error=f"timed out after {timeout:.0f} s")
    seconds = time.monotonic() - started
    if done.returncode != 0:
        return Outcome(name, seconds, error=f"exit code {done.returncode}")
    try:
        obj = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        return Outcome(name, seconds, error=f"stdout is not one JSON object ({exc.msg} at char {exc.pos})")
    problems = validate(obj)
    if problems:
        return Outcome(name, seconds, error="contract: " + "; ".join(problems[:3]), raw=obj)
    figures = [Figure(**{k: f.get(k) for k in Figure.__dataclass_fields__}) for f in obj["figures"]]
    return Outcome(name, seconds, figures, list(obj["notes"]), raw=obj)


def postgres_version() -> str:
    url = os.environ.get("WAAKHOND_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except Exception as exc:  # any failure means "not available": the suite still runs on SQLite
        return f"not reachable ({type(exc).__name__})"


def machine() -> dict[str, Any]:
    cpu = cpu_model()
    return {
        "cpus": os.cpu_count(), "cpu_model": cpu, "platform": platform.platform(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": postgres_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def describe(m: dict[str, Any]) -> str:
    return (f"Machine: {m['cpus']} CPUs, {m['cpu_model']}; {m['platform']}; Python {m['python']}; "
            f"SQLite {m['sqlite']}; PostgreSQL {m['postgresql']}; load average {' '.join(map(str, m['load_average']))}")


def render_saved(paths: list[Path]) -> int:
    """The suite's table from saved script outputs (runs made one at a time, e.g. on a busy machine)."""
    rows: list[tuple[str, Figure]] = []
    for path in paths:
        obj = json.loads(path.read_text())
        problems = validate(obj)
        if problems:
            print(f"{path}: contract: {'; '.join(problems[:3])}", file=sys.stderr)
            return 1
        rows += [(obj["bench"], Figure(**{k: f.get(k) for k in Figure.__dataclass_fields__})) for f in obj["figures"]]
    print(describe(machine()))
    print()
    print(render_rows(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script (small runs, for CI)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these scripts (names without .py)")
    parser.add_argument("--skip", nargs="+", metavar="NAME", default=[], help="leave these scripts out")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds allowed per script (default: none; 600 with --quick)")
    parser.add_argument("--json", action="store_true", help="print the whole suite's results as one JSON object")
    parser.add_argument("--out", metavar="FILE", help="also write the suite's results as JSON to FILE")
    parser.add_argument("--list", action="store_true", help="list the scripts the suite would run, and exit")
    parser.add_argument("--render", nargs="+", metavar="JSON",
                        help="run nothing: print the table of bench scripts' saved --json outputs (one file each)")
    args = parser.parse_args(argv)
    available = scripts()
    if args.list:
        print("\n".join(available))
        return 0
    if args.render:
        return render_saved([Path(p) for p in args.render])
    unknown = [n for n in (args.only or []) + args.skip if n not in available]
    if unknown:
        parser.error(f"unknown bench script(s): {', '.join(unknown)} (there are: {', '.join(available)})")
    chosen = [n for n in (args.only or available) if n not in args.skip]
    timeout = args.timeout if args.timeout is not None else (600.0 if args.quick else None)
    before = machine()
    outcomes = [run_script(name, args.quick, timeout, []) for name in chosen]
    after = machine()
    report = {
        "mode": "quick" if args.quick else "full", "machine": before,
        "load_average_after": after["load_average"],
        "results": [{"bench": o.bench, "seconds": round(o.seconds, 1), "error": o.error,
                     "figures": [vars(f) for f in o.figures], "notes": o.notes} for o in outcomes],
    }
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"Waakhond benchmark suite ({report['mode']}), {time.strftime('%Y-%m-%d %H:%M %Z')}")
        print(describe(before) + f" (after: {' '.join(map(str, after['load_average']))})")
        print()
        rows = [(o.bench, f) for o in outcomes for f in o.figures]
        if rows:
            print(render_rows(rows))
        for o in outcomes:
            status = f"FAILED: {o.error}" if o.error else f"{len(o.figures)} figures"
            print(f"{o.bench}: {o.seconds:.0f} s, {status}")
        print("Ratios against a baseline measured in the same run carry the meaning; absolute figures depend on "
              "the machine and its load.")
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
