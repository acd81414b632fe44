"""Fault injection for the reliability suite: SIGKILLs this process at a chosen point, when asked to.

Loaded by Python at start-up in every process the fault tests launch (their PYTHONPATH names this
folder), so it reaches the daemon's crawl subprocesses too. Inert unless WAAKHOND_FAULT is set:

    WAAKHOND_FAULT=ROLE:POINT:N   ROLE: crawl | send-alerts | run (the waakhond command of the process)
    WAAKHOND_FAULT_DIR=DIR        where the process notes that it fired (DIR/fired), before dying
    WAAKHOND_FAULT_PORT=PORT      the fixture site's port, for the fetch point
    WAAKHOND_FAULT_GROUP=1        kill the whole process group (the daemon with its crawl), not one process

POINT, each at its N-th occurrence in the process:
    fetch          a connection to the fixture site is being opened (robots.txt, the feed, the articles)
    store-mid      a document row was just inserted, inside its storing transaction
    store-commit   the storing transaction of the N-th document is about to commit
    store-after    the storing transaction of the N-th document has committed
    claim          the N-th alert claim (its lease) has committed; nothing was sent yet
    accepted       Telegram accepted the N-th message; its row is about to be marked sent
    recorded       the N-th message's row has been marked sent
"""

from __future__ import annotations

import os
import re
import signal
import sys

_SPEC = os.environ.get("WAAKHOND_FAULT")


def _install(spec: str) -> None:
    role, point, nth = spec.split(":")
    n = int(nth)
    port = int(os.environ.get("WAAKHOND_FAULT_PORT", "0"))
    seen = {"count": 0, "armed": False}

    def mine() -> bool:
        return role in sys.argv[1:]

    def die() -> None:
        folder = os.environ.get("WAAKHOND_FAULT_DIR")
        if folder:
            with open(os.path.join(folder, "fired"), "w", encoding="utf-8") as f:
                f.write(f"{spec} pid {os.getpid()}\n")
        if os.environ.get("WAAKHOND_FAULT_GROUP") == "1":
            os.killpg(os.getpgid(0), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    def hit() -> bool:
        seen["count"] += 1
        return seen["count"] == n

    if point == "fetch":
        def audit(event: str, args: tuple) -> None:
            if event == "socket.connect" and mine():
                address = args[1]
                if isinstance(address, tuple) and len(address) >= 2 and address[1] == port and hit():
                    die()

        sys.addaudithook(audit)
        return

    from sqlalchemy import Engine, event
    from sqlalchemy.orm import Session

    patterns = {
        "store-mid": r"insert into documents\b",
        "store-commit": r"insert into documents\b",
        "store-after": r"insert into documents\b",
        "claim": r"update alert_outbox set .*attempts",
        "accepted": r"update alert_outbox set .*sent_at",
        "recorded": r"update alert_outbox set .*sent_at",
    }
    statement = re.compile(patterns[point], re.IGNORECASE | re.DOTALL)

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, sql, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not mine() or not statement.match(sql.lstrip()):
            return
        if point == "accepted":
            if hit():
                die()
        elif hit():
            if point == "store-mid":
                # After the insert itself: let it run, die at the transaction's next statement or commit.
                seen["armed"] = "mid"
            else:
                seen["armed"] = True

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, sql, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if seen["armed"] == "mid" and statement.match(sql.lstrip()):
            die()

    @event.listens_for(Engine, "commit")
    def _commit(conn) -> None:  # type: ignore[no-untyped-def]
        if seen["armed"] is True and point == "store-commit":
            die()

    @event.listens_for(Session, "after_commit")
    def _committed(session) -> None:  # type: ignore[no-untyped-def]
        if seen["armed"] is True and point in ("store-after", "claim", "recorded"):
            die()


if _SPEC:
    _install(_SPEC)
