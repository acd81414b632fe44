"""Crawl throughput on one Scrapyd node versus two, with the same local fixture sources.

For each cluster size it starts real Scrapyd nodes on 127.0.0.1 (own directories, max_proc 2 each),
a fresh PostgreSQL database, and the daemon's scrapyd executor in this process; it deploys the egg,
then crawls every source once, all due at the same moment, and times it. Each source is a feed of its
own with five article pages of its own, so every crawl does the same work. It prints crawls per
minute, documents per second, how the crawls spread over the nodes and whether anything was lost
(a source without a finished crawl, or a document count other than sources x 5). Nothing is asserted.

On a 2-core machine two nodes cannot crawl faster than one (both share the same two cores); the
point is that the work is spread and nothing is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # bench/pipeline.py would shadow the `pipeline` package

import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.contract import Result, add_arguments, emit, report_stream  # noqa: E402
from storage import repository  # noqa: E402
from storage.engine import open_database  # noqa: E402
from storage.models import CrawlRun, Document  # noqa: E402
from tests.harness.fixture_site import FixtureSite  # noqa: E402
from tests.harness.scrapyd_node import ScrapydNode  # noqa: E402
from waakhond.config import Settings, parse_config  # noqa: E402
from waakhond.executors.scrapyd import ScrapydExecutor  # noqa: E402

SITES = ROOT / "tests" / "fixtures" / "sites"
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fixture server logs every request
ADMIN_URL = os.environ.get("WAAKHOND_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
ARTICLES_PER_SOURCE = 5


def serve_sources(site: FixtureSite, count: int) -> list[str]:
    """``count`` feeds, each linking five article pages of its own (copies of the dagblad outlet)."""
    feed = (SITES / "dagblad" / "rss.xml").read_bytes()
    articles = sorted((SITES / "dagblad" / "artikel").glob("*.html"))
    names = []
    for i in range(count):
        name = f"bron{i:02d}"
        site.set(f"/{name}/rss.xml", feed.replace(b"/dagblad/artikel/", f"/{name}/artikel/".encode()), "application/rss+xml")
        for page in articles:
            site.set(f"/{name}/artikel/{page.name}", page.read_bytes(), "text/html; charset=utf-8")
        names.append(name)
    return names


def config_text(site: FixtureSite, names: list[str], nodes: list[ScrapydNode]) -> str:
    node_list = ", ".join(f'{{ url = "{n.url}", max_proc = {n.max_proc} }}' for n in nodes)
    text = f'[crawler]\nexecutor = "scrapyd"\nscrapyd_nodes = [{node_list}]\n'
    for name in names:
        text += f'[[sources]]\nname = "{name}"\nkind = "feed"\nurl = "{site.url(f"/{name}/rss.xml")}"\ninterval = "1h"\n'
    return text


def fresh_database() -> tuple[str, str]:
    name = f"waakhond_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{ADMIN_URL.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def crawl_all(executor: ScrapydExecutor, config: Any) -> tuple[float, float]:
    """Deploy to every node, then crawl every source at once; (deploy seconds, crawl seconds)."""
    started = time.perf_counter()
    for node in executor._nodes:  # noqa: SLF001 - the benchmark deploys up front to time it apart
        await executor._deploy(node)  # noqa: SLF001
    deployed = time.perf_counter()
    await asyncio.gather(*(executor.crawl(source) for source in config.sources))
    return deployed - started, time.perf_counter() - deployed


def run_cluster(size: int, names: list[str], site: FixtureSite, work: Path) -> dict[str, Any]:
    db_name, url = fresh_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAAKHOND_", "TELEGRAM_", "SCRAPY"))}
    env.update(WAAKHOND_DATABASE_URL=url, WAAKHOND_DOWNLOAD_DELAY="0")
    try:
        with ExitStack() as stack:
            nodes = []
            for i in range(size):
                directory = work / f"cluster{size}" / f"node{i}"
                node = ScrapydNode(directory, {**env, "WAAKHOND_DATA_DIR": str(directory / "data")}, max_proc=2)
                stack.enter_context(node)
                nodes.append(node)
            config = parse_config(config_text(site, names, nodes), f"cluster-{size}.toml")
            settings = Settings.from_env({**env, "WAAKHOND_DATA_DIR": str(work / f"cluster{size}" / "daemon")})
            engine = open_database(url)
            empty_bytes = repository.database_size(engine) or 0

            async def go() -> tuple[float, float]:
                executor = ScrapydExecutor(settings, config, engine, asyncio.Event())
                try:
                    return await crawl_all(executor, config)
                finally:
                    await executor.aclose()

            deploy_s, crawl_s = asyncio.run(go())
            with Session(engine) as session:
                runs = list(session.execute(select(CrawlRun)).scalars())
                documents = session.execute(select(func.count(Document.id))).scalar_one()
            grown = (repository.database_size(engine) or 0) - empty_bytes
            engine.dispose()
    finally:
        drop_database(db_name)
    finished = {r.source_name for r in runs if r.outcome == "ok"}
    spread = Counter(r.node for r in runs)
    return {
        "nodes": size,
        "slots": 2 * size,
        "sources": len(names),
        "deploy_s": round(deploy_s, 2),
        "crawl_s": round(crawl_s, 2),
        "crawls_per_min": round(len(runs) / crawl_s * 60, 1),
        "documents": documents,
        "documents_per_s": round(documents / crawl_s, 2),
        "crawls_per_node": sorted(spread.values(), reverse=True),
        "archive_kib_per_document": round(grown / 1024 / max(documents, 1), 1),
        "lost_sources": len(names) - len(finished),
        "lost_documents": len(names) * ARTICLES_PER_SOURCE - documents,
    }


def summarise(size: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The best round of one cluster size (the least disturbed by other load), with every round's crawl time."""
    best = min(results, key=lambda r: r["crawl_s"])
    return {**best, "rounds_crawl_s": [r["crawl_s"] for r in results],
            "lost_sources": sum(r["lost_sources"] for r in results),
            "lost_documents": sum(r["lost_documents"] for r in results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=None, help="fixture sources (default 12; 4 with --quick)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="measurements per cluster size, in alternating order (1,2 then 2,1 ...); default 2, "
                             "1 with --quick")
    add_arguments(parser, quick_help="4 sources, one round per cluster size")
    args = parser.parse_args()
    args.sources = args.sources or (4 if args.quick else 12)
    args.rounds = args.rounds or (1 if args.quick else 2)
    with report_stream(args.json) as out:
        result = measure(args)
    emit(result, out, args.json)


def measure(args: argparse.Namespace) -> Result:
    # SIGTERM unwinds like Ctrl-C, so the nodes and the databases this run made are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    site = FixtureSite(SITES)
    site.start()
    measured: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    try:
        names = serve_sources(site, args.sources)
        with tempfile.TemporaryDirectory(prefix="waakhond-bench-") as work:
            for round_ in range(args.rounds):
                # Alternating the order keeps a load change on a shared machine from favouring one size.
                for size in (1, 2) if round_ % 2 == 0 else (2, 1):
                    measured[size].append(run_cluster(size, names, site, Path(work) / f"round{round_}"))
    finally:
        site.stop()
    results = [summarise(size, measured[size]) for size in (1, 2)]
    one, two = results
    ratio = round(two["crawls_per_min"] / one["crawls_per_min"], 2)
    report = Result("scrapyd_cluster", details={"runs": results, "throughput_two_vs_one": ratio,
                                                "cpus": os.cpu_count(), "load_average": os.getloadavg()})
    report.add("two nodes throughput", two["crawls_per_min"], "crawls/min", baseline=one["crawls_per_min"])
    report.add("one node throughput", one["crawls_per_min"], "crawls/min")
    report.add("sources or documents lost", one["lost_sources"] + two["lost_sources"] + one["lost_documents"]
               + two["lost_documents"], "count", target="0", met=not (one["lost_sources"] + two["lost_sources"]
                                                                       + one["lost_documents"] + two["lost_documents"]))
    report.add("PostgreSQL archive growth", one["archive_kib_per_document"], "KiB/doc")
    report.notes.append(f"{args.sources} sources, best of {args.rounds} round(s) per cluster size; baseline: one node; "
                        "on two shared cores the ratio swings with other load")
    print(f"{args.sources} sources x {ARTICLES_PER_SOURCE} articles, max_proc 2 per node, {os.cpu_count()} CPUs, "
          f"{args.rounds} round(s) per size (best shown), load average now {os.getloadavg()[0]:.1f}")
    print(f"{'nodes':>5} {'slots':>5} {'deploy s':>8} {'crawl s':>8} {'crawls/min':>10} {'docs/s':>7} "
          f"{'per node':>10} {'lost src':>8} {'lost docs':>9}  every round's crawl s")
    for r in results:
        print(f"{r['nodes']:>5} {r['slots']:>5} {r['deploy_s']:>8} {r['crawl_s']:>8} {r['crawls_per_min']:>10} "
              f"{r['documents_per_s']:>7} {'/'.join(map(str, r['crawls_per_node'])):>10} {r['lost_sources']:>8} "
              f"{r['lost_documents']:>9}  {r['rounds_crawl_s']}")
    print(f"throughput two nodes / one node: {ratio}")
    print(f"PostgreSQL archive growth per document: {one['archive_kib_per_document']} KiB (1 node), "
          f"{two['archive_kib_per_document']} KiB (2 nodes)")
    return report


if __name__ == "__main__":
    main()
