"""One crawl per source at a time: a file lock on this machine, plus a PostgreSQL advisory lock that
holds across machines (Scrapyd nodes, several daemons) when the archive is on PostgreSQL."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from sqlalchemy import Engine

from storage import locks
from waakhond.errors import SourceBusy


def acquire_source_lock(lock_dir: Path, name: str) -> IO[str]:
    """An exclusive lock on one source on this machine, held as long as the returned file stays open.

    Raises:
        SourceBusy: another process (the daemon or a manual crawl) is crawling it.
    """
    lock_dir.mkdir(parents=True, exist_ok=True)
    handle = open(lock_dir / f"{name}.lock", "w")  # noqa: SIM115 - the caller owns it
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SourceBusy(name) from None
    return handle


class SourceHold:
    """Both locks of one source; ``close()`` (or the end of the process) releases them."""

    def __init__(self, file_lock: IO[str], db_lock: locks.SourceLock | None) -> None:
        self._file_lock = file_lock
        self._db_lock = db_lock

    def close(self) -> None:
        if self._db_lock is not None:
            self._db_lock.release()
            self._db_lock = None
        self._file_lock.close()

    def __enter__(self) -> SourceHold:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def hold_source(lock_dir: Path, engine: Engine, name: str, wait: float = 0.0) -> SourceHold:
    """Take the source's file lock and, on PostgreSQL, its advisory lock (waiting up to ``wait`` seconds for it).

    Raises:
        SourceBusy: a crawl of this source holds either lock (here, or on any machine sharing the archive).
        DatabaseUnavailable: PostgreSQL cannot be reached.
    """
    file_lock = acquire_source_lock(lock_dir, name)
    if not locks.supported(engine):
        return SourceHold(file_lock, None)
    try:
        db_lock = locks.try_source_lock(engine, name, wait)
    except BaseException:
        file_lock.close()
        raise
    if db_lock is None:
        file_lock.close()
        raise SourceBusy(name)
    return SourceHold(file_lock, db_lock)
