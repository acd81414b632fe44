"""A sender in its own process for the crash test: `python -m tests.alerts.sender_process DB API DIR [--pause] [--ahead S]`.

With --pause it writes DIR/sent (the row ids) after Telegram accepted the first message and then
blocks before marking it sent, so the test can SIGKILL it exactly there. --ahead runs its clock
S seconds ahead (a restart after the lease of the killed sender has run out).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path

from alerts.sender import send_due
from alerts.telegram import TelegramNotifier
from storage.engine import open_database
from storage.models import utcnow


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--pause", action="store_true")
    parser.add_argument("--ahead", type=float, default=0.0)
    args = parser.parse_args()
    engine = open_database(args.database_url)

    async def pause(row_ids: tuple[int, ...]) -> None:
        (args.directory / "sent.new").write_text(" ".join(map(str, row_ids)))
        (args.directory / "sent.new").replace(args.directory / "sent")
        await asyncio.Event().wait()  # until killed

    async with TelegramNotifier("123456:TEST-TOKEN", args.api_url) as notifier:
        report = await send_due(
            engine, notifier, clock=lambda: utcnow() + timedelta(seconds=args.ahead),
            after_send=pause if args.pause else None,
        )
    print(f"sent {report.sent}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
