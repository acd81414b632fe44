"""Per-source crawl locks in PostgreSQL: a session advisory lock held by the crawl's own connection.

A file lock only guards one machine. When crawls run on several machines (Scrapyd nodes) against
one PostgreSQL archive, the database is the one place every crawl can see, so the lock lives
there. A session-level advisory lock is released by the server the moment its connection ends:
a crawl process that exits, crashes or is killed cannot leave a stale lock behind. The holding
connection asks the server for TCP keepalives, so a node that vanishes from the network (power
loss, partition) loses its locks within about ``KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT``
seconds instead of the operating system's default of two hours.

SQLite archives live on one machine; their crawls are guarded by the file lock alone.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from storage.errors import DatabaseUnavailable

KEEPALIVE_IDLE = 30  # seconds of silence before the server probes the crawl's connection
KEEPALIVE_INTERVAL = 10
KEEPALIVE_COUNT = 3
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock wait that ran past lock_timeout


def lock_key(source_name: str) -> int:
    """The advisory-lock key of a source: a stable signed 64-bit number derived from its name."""
    digest = hashlib.blake2b(f"waakhond-source:{source_name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def supported(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class SourceLock:
    """An advisory lock on one source, held until ``release()`` or until the process ends."""

    def __init__(self, connection: Connection, source_name: str) -> None:
        self._connection: Connection | None = connection
        self.source_name = source_name

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(self.source_name)})
            connection.commit()
            connection.close()
        except SQLAlchemyError:
            # The server ends the session with the connection, and with it the lock.
            connection.invalidate()


def try_source_lock(engine: Engine, source_name: str, wait: float = 0.0) -> SourceLock | None:
    """Take the source's advisory lock on a connection of its own; None when another session holds it.

    ``wait`` seconds lets the server hand over a lock whose holder is ending: a crawl process that
    has exited leaves its session behind for as long as the server takes to notice the closed
    connection, which on a loaded machine is longer than the daemon takes to look.

    Raises:
        DatabaseUnavailable: the server cannot be reached.
    """
    try:
        connection = engine.connect()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"cannot take the crawl lock of {source_name}: {exc.__class__.__name__}") from exc
    key = {"k": lock_key(source_name)}
    try:
        for name, value in (
            ("tcp_keepalives_idle", KEEPALIVE_IDLE),
            ("tcp_keepalives_interval", KEEPALIVE_INTERVAL),
            ("tcp_keepalives_count", KEEPALIVE_COUNT),
        ):
            connection.execute(text(f"SET {name} = {int(value)}"))
        if wait > 0:
            got = _wait_for_lock(connection, key, wait)
        else:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), key).scalar_one()
            connection.commit()
    except SQLAlchemyError as exc:
        connection.invalidate()
        raise DatabaseUnavailable(f"cannot take the crawl lock of {source_name}: {exc.__class__.__name__}") from exc
    if not got:
        connection.close()
        return None
    # The lock belongs to this session: the connection must never go back to the pool while it is held.
    return SourceLock(connection, source_name)


def _wait_for_lock(connection: Connection, key: dict[str, int], wait: float) -> bool:
    # The server queues the request and grants it the moment the holder's session ends: no polling.
    connection.execute(text(f"SET lock_timeout = {max(1, int(wait * 1000))}"))
    try:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), key)
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        connection.rollback()
        return False
    connection.execute(text("SET lock_timeout = 0"))  # the session keeps the lock, not the timeout
    connection.commit()
    return True


def source_locked(engine: Engine, source_name: str) -> bool:
    """Whether some session (a crawl on any machine) holds the source's lock right now."""
    lock = try_source_lock(engine, source_name)
    if lock is None:
        return True
    lock.release()
    return False
