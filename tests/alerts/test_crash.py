"""The sender killed with SIGKILL between Telegram accepting a message and the row being marked sent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import OutboxEntry
from tests.alerts.test_delivery import queue
from tests.harness.fake_telegram import FakeBotAPI, parse_telegram_html

ROOT = Path(__file__).resolve().parents[2]


def _sender(database_url: str, api: FakeBotAPI, directory: Path, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.alerts.sender_process", database_url, api.base_url, str(directory), *flags],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_file(path: Path, process: subprocess.Popen[str], deadline: float = 30.0) -> str:
    end = time.monotonic() + deadline
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"sender exited early: {process.communicate()}")
        if time.monotonic() > end:
            raise AssertionError(f"{path} did not appear within {deadline}s")
        time.sleep(0.02)  # polling a condition with a deadline, not waiting for time to pass
    return path.read_text()


def test_sigkill_after_the_api_call_gives_at_least_once_with_one_duplicate(
    engine: Engine, database_url: str, fake_telegram: FakeBotAPI, tmp_path: Path
) -> None:
    """Guarantee shown: AT-LEAST-ONCE. The message in flight when the sender died is sent again after
    the restart (one duplicate, the documented window: Telegram accepted it, the row was not yet
    marked sent); every other alert is delivered exactly once and nothing is lost."""
    titles = queue(engine, ["601"], n=3)
    first = _sender(database_url, fake_telegram, tmp_path, "--pause")
    killed_rows = _wait_for_file(tmp_path / "sent", first)
    assert len(fake_telegram.messages) == 1  # Telegram has it ...
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    with Session(engine) as s:
        killed = s.get(OutboxEntry, int(killed_rows))
        assert killed is not None and killed.status == "sending"  # ... the archive does not know
    # The restart comes after the killed sender's lease ended (its clock is 10 minutes ahead).
    second = _sender(database_url, fake_telegram, tmp_path / "none", "--ahead", "600")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    got = Counter(parse_telegram_html(m["text"]).split("\n")[0] for m in fake_telegram.messages)
    assert got == Counter({titles[0]: 2, titles[1]: 1, titles[2]: 1})
    with Session(engine) as s:
        state = {r.id: (r.status, r.attempts) for r in s.execute(select(OutboxEntry)).scalars()}
    # Every row was claimed by both senders (the killed one took the whole batch), and each is sent once now.
    assert list(state.values()) == [("sent", 2)] * 3
