"""Search latency and index size: archives of 10,000, 100,000 and 1,000,000 documents, a fixed query mix,
on SQLite and (when reachable) PostgreSQL, through storage.search.search exactly as the CLI and web call it.

Run: .venv/bin/python bench/search.py [--quick] [--sizes 10000,100000] [--no-postgres | --no-sqlite] [--repeat N]
     [--keep DIR [--reuse]] [--export]

Archives are generated with a fixed seed (Dutch news-like titles and texts of 60-160 words with compounds,
inflections, names, Kamervragen and AP kinds, entities, labels and dates over three years) and bulk-inserted
straight into a freshly migrated database (not through the crawler): on SQLite with the FTS triggers off and
one FTS5 'rebuild' after the load, on PostgreSQL with the GIN index built after the load. Every document's
search columns come from storage.fulltext.index_fields, as in production.

Each query of the mix runs once to warm up, then --repeat times; the figures are over all timed runs of
the mix (time.perf_counter around search(), snippets and rules included). Baseline: the same engine's
primary-key look-up of one document (the cheapest read there is), measured in the same run.
Nothing is asserted: the script prints figures. --quick (CI) builds 2,000 and 10,000 documents.
The 1,000,000-document SQLite archive takes about 10 minutes to build on a 2-core VM and ~2 GB of disk.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # bench/pipeline.py would shadow the project's `pipeline` package

from sqlalchemy import Engine, insert, text  # noqa: E402

from bench.contract import Result, add_arguments, emit, report_stream  # noqa: E402

from storage import fulltext  # noqa: E402
from storage.engine import open_database  # noqa: E402
from storage.models import Document, EntityMention, Source  # noqa: E402
from storage.search import Filters, search  # noqa: E402

SEED = 20261202
PG_ADMIN = os.environ.get("WAAKHOND_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_DAYS = 3 * 365

FIRST = ["gezichts", "politie", "camera", "data", "privacy", "gemeente", "belasting", "verkeers", "zorg", "onderwijs",
         "klimaat", "energie", "stikstof", "asiel", "jeugd", "veiligheids", "burger", "overheids", "grens", "stem",
         "vinger", "iris", "bewakings", "identiteits", "reis", "school", "water", "spoor", "fraude", "huur"]
HEADS = ["herkenning", "toezicht", "bewaking", "software", "systeem", "beleid", "regeling", "onderzoek", "beelden",
         "database", "scanner", "gegevens", "controle", "netwerk", "plan", "debat", "rapport", "besluit", "register"]
WORDS = ("de het een en van in op met voor door over bij naar uit tegen zonder tussen na om als dat die dit wordt "
         "worden werd zijn is was heeft hebben had kan kunnen moet moeten zal zullen niet ook nog wel al meer veel "
         "minder nieuwe grote kleine eerste laatste andere openbare landelijke lokale Nederlandse Europese "
         "kabinet minister staatssecretaris Kamer rechter gemeente provincie inwoners burgers bedrijven agenten "
         "onderzoekers advocaten journalisten wet regels besluit uitspraak boete boetes dwangsom verbod "
         "toezichthouder privacy gegevens persoonsgegevens camera's beelden systemen algoritmes verdachten "
         "slachtoffers stations winkels straten scholen ziekenhuizen vragen antwoorden plannen kritiek zorgen "
         "gebruikt gebruiken inzet inzetten testen getest gestopt verboden toegestaan onderzocht gepubliceerd "
         "biometrische biometrie vingerafdrukken identificatie surveillance handhaving opsporing").split()
NAMES = ["Clearview AI", "PimEyes", "Autoriteit Persoonsgegevens", "Nationale Politie", "Bits of Freedom",
         "Amnesty", "de Raad van State", "het Openbaar Ministerie", "de marechaussee", "Europol"]
ENTITIES = [("clearview-ai", "organisation", "Clearview AI"), ("pimeyes", "organisation", "PimEyes"),
            ("autoriteit-persoonsgegevens", "organisation", "Autoriteit Persoonsgegevens"),
            ("nationale-politie", "organisation", "Nationale Politie"), ("bits-of-freedom", "organisation", "Bits of Freedom")]
KINDS = ["news"] * 14 + ["kamervraag", "kamervraag-antwoord", "ap-release", "ap-decision"]
SOURCES = ["nos", "nu", "nrc", "volkskrant", "trouw", "ad", "tweakers", "security-nl", "tweede-kamer", "ap"]
LABELS = ["unrelated"] * 6 + ["adjacent"] * 3 + ["core"]

QUERIES: list[tuple[str, str | None, Filters, str | None]] = [
    ("common word", "gezichtsherkenning", Filters(), None),
    ("rare word", "pimeyes", Filters(), None),
    ("phrase", '"biometrische gegevens"', Filters(), None),
    ("OR", "clearview OR pimeyes", Filters(), None),
    ("exclusion", "camera -politie", Filters(), None),
    ("prefix", "biometr*", Filters(), None),
    ("two words", "boete dwangsom", Filters(), None),
    ("compound part", "beelden", Filters(), None),
    ("word + kind", "toezicht", Filters(kinds=("kamervragen",)), None),
    ("word + dates", "privacy", Filters(since=date(2025, 3, 1), until=date(2025, 5, 31)), None),
    ("word + entity", "boete", Filters(entities=("clearview-ai",)), None),
    ("word, newest", "gezichtsherkenning", Filters(), "newest"),
    ("stop word", "de", Filters(), None),
    ("timeline", None, Filters(), None),
    ("timeline + source", None, Filters(sources=("tweakers",), labels=("core", "adjacent")), None),
]


def words(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        r = rng.random()
        if r < 0.10:
            yield rng.choice(FIRST) + rng.choice(HEADS) + rng.choice(("", "", "", "en", "s"))
        elif r < 0.13:
            yield rng.choice(NAMES)
        elif r < 0.135:
            yield f"{rng.randint(2020, 2026)}Z{rng.randint(10000, 99999)}"
        else:
            yield rng.choice(WORDS)


def _sentence(parts: Iterator[str]) -> str:
    value = " ".join(parts)
    return value[:1].upper() + value[1:]


def documents(n: int, seed: int, source_ids: dict[str, int]) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    rng = random.Random(seed)
    for i in range(n):
        title = _sentence(words(rng, rng.randint(5, 11)))
        body = ". ".join(_sentence(words(rng, rng.randint(8, 20))) for _ in range(rng.randint(5, 10))) + "."
        if rng.random() < 0.2:
            body += " Het gaat om gezichtsherkenning en biometrische gegevens."
        published = START + timedelta(seconds=rng.randint(0, SPAN_DAYS * 86400))
        kind = rng.choice(KINDS)
        source = {"kamervraag": "tweede-kamer", "kamervraag-antwoord": "tweede-kamer", "ap-release": "ap",
                  "ap-decision": "ap"}.get(kind) or rng.choice(SOURCES[:8])
        label = rng.choice(LABELS)
        row = {
            "source_id": source_ids[source], "kind": kind, "url": f"https://{source}.example/{seed}/{i}",
            "fetched_url": f"https://{source}.example/{seed}/{i}", "title": title, "published_at": published,
            "fetched_at": published + timedelta(minutes=rng.randint(1, 90)), "dated_at": published, "text": body,
            "text_origin": "article", "content_hash": f"{i:064x}", "raw": None, "raw_size": 0, "raw_sha256": None,
            "label": label, "relevance": round(rng.uniform(1, 3), 2) if label == "core" else 0.0,
            "tags": "", "watchlists": "gezichtsherkenning" if label == "core" else "", "version": 1,
            **fulltext.index_fields(title, body),
        }
        mentions = [{"entity": e, "entity_type": t, "name": name, "count": body.count(name) + title.count(name)}
                    for e, t, name in ENTITIES if name in body or name in title]
        yield row, mentions


def build(engine: Engine, n: int) -> float:
    """Bulk-load n documents; the seconds it took (index build included)."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for name in SOURCES:
            conn.execute(insert(Source), {"name": name, "kind": "feed", "url": f"https://{name}.example/", "created_at": now})
        source_ids = dict(conn.execute(text("SELECT name, id FROM sources")).all())
        fulltext.drop(conn)  # bulk load first, index once afterwards
    batch: list[dict[str, Any]] = []
    mention_batch: list[tuple[int, list[dict[str, Any]]]] = []
    next_id = 1

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(Document), batch)
            rows = [{"document_id": doc_id, "spans": "[]", "snippet": "", **m} for doc_id, ms in mention_batch for m in ms]
            if rows:
                conn.execute(insert(EntityMention), rows)
        batch.clear()
        mention_batch.clear()

    for row, mentions in documents(n, SEED + n, source_ids):
        row["id"] = next_id
        batch.append(row)
        if mentions:
            mention_batch.append((next_id, mentions))
        next_id += 1
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    with engine.begin() as conn:
        fulltext.create(conn)  # SQLite: triggers + FTS5 rebuild; PostgreSQL: generated tsvector + GIN
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"INSERT INTO {fulltext.FTS_TABLE}({fulltext.FTS_TABLE}) VALUES ('optimize')")
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return time.perf_counter() - started


def index_bytes(engine: Engine) -> tuple[int, int]:
    """(bytes of the backend's index structures, bytes of the stemmed search columns stored in documents)."""
    with engine.connect() as conn:
        columns = int(conn.execute(text(
            "SELECT sum(length(search_title) + length(search_body) + length(search_parts)) FROM documents")).scalar_one())
        if conn.dialect.name == "sqlite":
            fts = int(conn.execute(text(
                f"SELECT sum(pgsize) FROM dbstat WHERE name LIKE '{fulltext.FTS_TABLE}%'")).scalar_one())
        else:
            fts = int(conn.execute(text(
                f"SELECT pg_relation_size('{fulltext.PG_INDEX}') + sum(pg_column_size({fulltext.PG_COLUMN})) "
                "FROM documents")).scalar_one())
    return fts, columns


def measure(engine: Engine, repeat: int) -> dict[str, Any]:
    timings: dict[str, list[float]] = {name: [] for name, *_ in QUERIES}
    hits: dict[str, int] = {}
    for round_ in range(repeat + 1):
        for name, query, filters, sort in QUERIES:
            started = time.perf_counter()
            results = search(engine, query, filters, sort=sort, limit=20)
            elapsed = time.perf_counter() - started
            hits[name] = len(results.hits) + (1000 if results.has_more else 0)
            if round_:
                timings[name].append(elapsed)
    baseline = []
    with engine.connect() as conn:
        for i in range(1, 200):
            started = time.perf_counter()
            conn.execute(text("SELECT title FROM documents WHERE id = :i"), {"i": i * 37 % 1000 + 1}).all()
            baseline.append(time.perf_counter() - started)
    every = sorted(t for ts in timings.values() for t in ts)
    return {
        "median_ms": statistics.median(every) * 1000,
        "p95_ms": every[min(len(every) - 1, int(len(every) * 0.95))] * 1000,
        "max_ms": every[-1] * 1000,
        "baseline_ms": statistics.median(baseline) * 1000,
        "per_query": {name: (statistics.median(ts) * 1000, max(ts) * 1000, hits[name]) for name, ts in timings.items()},
    }


def export_figures(url: str) -> tuple[int, float, float, float]:
    """(documents, seconds, peak RSS MiB before, after) for streaming a whole archive as JSON lines."""
    import resource

    from storage.search import iter_documents
    from waakhond import feeds

    engine = open_database(url)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    count = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for line in feeds.json_lines(feeds.export_record(d) for d in iter_documents(engine)):
            sink.write(line)
            count += 1
    seconds = time.perf_counter() - started
    engine.dispose()
    return count, seconds, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pg_database() -> tuple[str, str] | None:
    try:
        import psycopg

        name = f"waakhond_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}", name
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL figure
        print(f"PostgreSQL not available ({exc.__class__.__name__}): SQLite only", file=sys.stderr)
        return None


def drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that a stopped run still drops its PostgreSQL database
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser, quick_help="2,000 and 10,000 documents, 3 timed runs of the mix (CI)")
    parser.add_argument("--sizes", help="comma-separated archive sizes (default 10000,100000,1000000)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs of the query mix per archive (default 10; 3 with --quick)")
    parser.add_argument("--keep", metavar="DIR", help="build the SQLite archives in DIR and keep them")
    parser.add_argument("--reuse", action="store_true", help="with --keep: measure archives already built there")
    parser.add_argument("--export", action="store_true",
                        help="also stream the largest SQLite archive through `export --format json` (time, peak RSS)")
    args = parser.parse_args()
    args.repeat = args.repeat or (3 if args.quick else 10)
    with report_stream(args.json) as out:
        result = run(args)
    emit(result, out, args.json)


TARGET_P95_MS = 50.0  # issue 10: SQLite p95 under 50 ms at 1,000,000 documents


def run(args: argparse.Namespace) -> Result:
    result = Result("search")
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([2000, 10_000] if args.quick else
                                                                          [10_000, 100_000, 1_000_000])
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, SQLite "
          f"{__import__('sqlite3').sqlite_version}, query mix of {len(QUERIES)}, {args.repeat} timed runs each")
    rows = []
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="waakhond-bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        for backend in ("sqlite", "postgresql"):
            if (backend == "postgresql" and args.no_postgres) or (backend == "sqlite" and args.no_sqlite):
                continue
            pg = pg_database() if backend == "postgresql" else None
            if backend == "postgresql" and pg is None:
                args.no_postgres = True
                continue
            path = workdir / f"search-{n}.db"
            reuse = backend == "sqlite" and args.reuse and path.exists()
            if backend == "sqlite" and not reuse:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            engine = open_database(f"sqlite:///{path}" if backend == "sqlite" else pg[0])  # type: ignore[index]
            try:
                built = 0.0 if reuse else build(engine, n)
                fts, columns = index_bytes(engine)
                figures = measure(engine, args.repeat)
            finally:
                engine.dispose()
                if pg:
                    drop_pg(pg[1])
                elif not args.keep:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
            if args.export and backend == "sqlite" and n == max(sizes):
                figures["export"] = export_figures(f"sqlite:///{path}")
            rows.append((n, backend, built, fts / n, columns / n, figures))
            print(f"\n{n:>9,} documents, {backend}: built in {built:.0f} s; index {fts / n:.0f} B/doc "
                  f"(+ {columns / n:.0f} B/doc of stemmed columns); search median {figures['median_ms']:.1f} ms, "
                  f"p95 {figures['p95_ms']:.1f} ms, max {figures['max_ms']:.1f} ms; "
                  f"primary-key read {figures['baseline_ms']:.3f} ms")
            if "export" in figures:
                count, seconds, before, after = figures["export"]
                print(f"    export --format json of all {count:,} documents: {seconds:.0f} s ({count / seconds:,.0f} docs/s), "
                      f"peak RSS {before:.0f} MiB before, {after:.0f} MiB after")
            for name, (median, worst, hits) in figures["per_query"].items():
                shown = f"{hits - 1000}+" if hits >= 1000 else str(hits)
                print(f"    {name:20} median {median:7.1f} ms  max {worst:7.1f} ms  hits on page {shown}")
    print("\n| documents | backend | build s | index B/doc | stems B/doc | median ms | p95 ms | max ms | p95 / pk read |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n, backend, built, fts_per, col_per, f in rows:
        print(f"| {n:,} | {backend} | {built:.0f} | {fts_per:.0f} | {col_per:.0f} | {f['median_ms']:.1f} | "
              f"{f['p95_ms']:.1f} | {f['max_ms']:.1f} | {f['p95_ms'] / f['baseline_ms']:.0f}x |")
    for n, backend, built, fts_per, col_per, f in rows:
        where = f"{backend} {n:,} docs"
        target = n == 1_000_000 and backend == "sqlite"
        result.add(f"{where}: p95", f["p95_ms"], "ms", baseline=f["baseline_ms"],
                   target=f"< {TARGET_P95_MS:.0f} ms at 1M (SQLite)" if target else None,
                   met=f["p95_ms"] < TARGET_P95_MS if target else None)
        result.add(f"{where}: median", f["median_ms"], "ms", baseline=f["baseline_ms"])
        result.add(f"{where}: index size", fts_per, "B/doc")
        slowest = max(f["per_query"].items(), key=lambda kv: kv[1][0])
        result.notes.append(f"{where}: slowest query kind {slowest[0]} (median {slowest[1][0]:.1f} ms); "
                            f"build {built:.0f} s; stemmed columns {col_per:.0f} B/doc")
        if "export" in f:
            count, seconds, _before, after = f["export"]
            result.add(f"{where}: export --format json", count / seconds, "docs/s")
    result.notes.append("baseline: a primary-key read of one document on the same engine, in the same run; "
                        f"{len(QUERIES)} queries x {args.repeat} timed runs per archive")
    return result


if __name__ == "__main__":
    main()
