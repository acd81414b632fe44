"""Alert delivery: latency from a document's commit to the Bot API's receipt, and a burst under the flood limits.

`.venv/bin/python bench/alerts.py [--quick] [--json]`. Runs offline: SQLite in a temporary
directory, the fake Bot API of tests/harness on 127.0.0.1, the real python-telegram-bot client.

- latency: documents are stored one by one at random moments while a sender pumps the outbox as
  the daemon does (every SEND_INTERVAL); each alert's latency is the fake API's receipt minus the
  moment its document's transaction committed. Baseline: a bare sendMessage round trip measured
  in the same run (ratio = p95 latency / baseline round trip).
- burst: 1,000 alerts across 50 chats (half groups, half private chats) queued at once and sent
  under the flood limits; ratio = measured time / the limits' theoretical minimum.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, sys.path[0] is bench/, where pipeline.py would shadow the project's `pipeline`.
sys.path[:1] = [str(ROOT)]

from alerts.flood import FloodLimits  # noqa: E402
from alerts.sender import Sender  # noqa: E402
from alerts.telegram import TelegramNotifier  # noqa: E402
from storage import repository as repo  # noqa: E402
from storage.engine import open_database  # noqa: E402
from tests.harness.fake_telegram import FakeBotAPI, parse_telegram_html  # noqa: E402
from tests.harness.verdicts import matched  # noqa: E402
from waakhond.daemon import SEND_INTERVAL  # noqa: E402

logger = logging.getLogger("bench.alerts")


def store(engine: object, sid: int, n: int, chats: list[str], prefix: str) -> float:
    """Store document ``n`` with alerts for ``chats``; the monotonic time its transaction committed."""
    doc = repo.NewDocument(
        source_name="dagblad", kind="news", url=f"https://dagblad.example/{prefix}/{n}",
        fetched_url=f"https://dagblad.example/{prefix}/{n}", title=f"{prefix} {n}", text="De AP onderzoekt Clearview.",
        text_origin="article", fetched_at=datetime.now(UTC), content_hash=f"{n:064d}", raw=b"x",
        published_at=datetime.now(UTC),
    )
    repo.store_document(engine, sid, doc, matched("fr", "Clearview"), chats)  # type: ignore[arg-type]
    return time.monotonic()


def receipts(api: FakeBotAPI) -> dict[tuple[str, str], list[float]]:
    out: dict[tuple[str, str], list[float]] = {}
    for call in api.calls:
        if call.method == "sendMessage" and call.status == 200:
            title = parse_telegram_html(call.params["text"]).split("\n")[0]
            out.setdefault((call.params["chat_id"], title), []).append(call.at)
    return out


async def round_trip(api: FakeBotAPI, n: int) -> float:
    """Median time of a bare sendMessage through the same client: the floor under any latency."""
    async with TelegramNotifier(api.token, api.base_url) as notifier:
        times = []
        for i in range(n):
            start = time.monotonic()
            await notifier.send("1", f"ping {i}")
            times.append(time.monotonic() - start)
    return statistics.median(times)


async def latency(engine: object, api: FakeBotAPI, documents: int) -> list[float]:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")  # type: ignore[arg-type]
    # Each document goes to two of twenty chats in turn, so no chat gets more than Telegram's 1/s:
    # what is measured is the sender, not a per-chat backlog.
    pairs = [[f"-100{500 + i}", str(520 + i)] for i in range(10)]
    committed: dict[str, tuple[float, list[str]]] = {}
    stop = asyncio.Event()

    async def writer() -> None:
        rng = random.Random(6)
        for n in range(documents):
            await asyncio.sleep(rng.uniform(0.05, 0.6))  # documents arrive at random moments
            chats = pairs[n % len(pairs)]
            committed[f"lat {n}"] = (await asyncio.to_thread(store, engine, sid, n, chats, "lat"), chats)
        stop.set()

    async with TelegramNotifier(api.token, api.base_url) as notifier:
        sender = Sender(engine, notifier)  # type: ignore[arg-type]
        task = asyncio.create_task(writer())
        while not (stop.is_set() and sum(t.startswith("lat") for _, t in receipts(api)) >= documents * 2):
            await sender.pump()  # the daemon's send-alerts job
            await asyncio.sleep(SEND_INTERVAL.total_seconds())
        await task
        await sender.close()
    got = receipts(api)
    return [got[(chat, title)][0] - at for title, (at, chats) in committed.items() for chat in chats]


async def burst(engine: object, api: FakeBotAPI, alerts: int, chat_count: int) -> tuple[float, float, Counter[int]]:
    sid = repo.ensure_source(engine, "dagblad", "feed", "https://dagblad.example/rss")  # type: ignore[arg-type]
    chats = [f"-100{600 + i}" if i % 2 == 0 else str(600 + i) for i in range(chat_count)]
    per_doc = chat_count
    for n in range(alerts // per_doc):
        store(engine, sid, n, chats, "burst")
    limits = FloodLimits()
    minimum = limits.minimum_seconds({c: alerts // per_doc for c in chats})
    async with TelegramNotifier(api.token, api.base_url) as notifier:
        sender = Sender(engine, notifier, limits=limits)  # type: ignore[arg-type]
        start = time.monotonic()
        await sender.drain()
    got = receipts(api)
    last = max(t for (chat, title), times in got.items() if title.startswith("burst") for t in times)
    copies = Counter(len(times) for (chat, title), times in got.items() if title.startswith("burst"))
    return last - start, minimum, copies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (under a minute)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    documents, alerts, chat_count = (15, 200, 10) if args.quick else (60, 1000, 50)
    with tempfile.TemporaryDirectory() as tmp:
        api = FakeBotAPI()
        api.start()
        try:
            engine = open_database(f"sqlite:///{tmp}/lat.db")
            floor = asyncio.run(round_trip(api, 20))
            lat = sorted(asyncio.run(latency(engine, api, documents)))
            engine.dispose()
            engine = open_database(f"sqlite:///{tmp}/burst.db")
            took, minimum, copies = asyncio.run(burst(engine, api, alerts, chat_count))
            engine.dispose()
        finally:
            api.stop()
    median = statistics.median(lat)
    p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)]
    exactly_once = set(copies) == {1} and sum(copies.values()) == alerts
    figures = [
        {"name": "latency median (commit -> Bot API)", "value": round(median, 3), "unit": "s",
         "baseline": round(floor, 4), "ratio": round(median / floor, 1), "target": None, "met": None},
        {"name": "latency p95 (commit -> Bot API)", "value": round(p95, 3), "unit": "s", "baseline": round(floor, 4),
         "ratio": round(p95 / floor, 1), "target": "< 2 s", "met": p95 < 2.0},
        {"name": f"burst of {alerts} alerts to {chat_count} chats", "value": round(took, 2), "unit": "s",
         "baseline": round(minimum, 2), "ratio": round(took / minimum, 3) if minimum else None,
         "target": "<= 1.2 x the limits' minimum", "met": minimum > 0 and took / minimum <= 1.2},
        {"name": "burst alerts delivered exactly once", "value": copies.get(1, 0), "unit": "alerts",
         "baseline": alerts, "ratio": round(copies.get(1, 0) / alerts, 3), "target": "all, once each", "met": exactly_once},
    ]
    notes = [
        f"{len(lat)} alerts timed ({documents} documents x 2 of 20 chats, 0.05-0.6 s apart); sender pumps every {SEND_INTERVAL.total_seconds():g} s "
        "like the daemon; baseline = median bare sendMessage round trip",
        "limits: 1/s per chat, 20/min per group, 30/s overall; minimum assumes full buckets at the start",
        "SQLite, fake Bot API on 127.0.0.1 (no network latency)",
    ]
    if args.json:
        print(json.dumps({"bench": "alerts", "figures": figures, "notes": notes}))
    else:
        print(f"{'figure':48} {'value':>10} {'baseline':>10} {'ratio':>8}  target")
        for f in figures:
            print(f"{f['name']:48} {f['value']:>10} {f['baseline']!s:>10} {f['ratio']!s:>8}  {f['target'] or ''}"
                  f"{'' if f['met'] is None else (' met' if f['met'] else ' NOT met')}")
        for note in notes:
            print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
