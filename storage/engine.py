"""Creates database engines for SQLite (WAL, BEGIN IMMEDIATE) and PostgreSQL, and migrates them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from storage.errors import DatabaseUnavailable

SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(url: str) -> Engine:
    """Engine for ``url``; SQLite files get their folder created and safe write locking.

    Raises:
        DatabaseUnavailable: the URL is malformed or names an unsupported backend.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"malformed database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _sqlite_locking(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    raise DatabaseUnavailable(f"unsupported database backend {parsed.get_backend_name()!r}")


def _sqlite_locking(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so that it can be BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        # A larger page cache and memory-mapped reads keep full-text search fast on big archives.
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", "foreign_keys=ON",
                       "cache_size=-32768", "mmap_size=268435456"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A deferred BEGIN that later upgrades to a write fails with "database is locked" at once,
        # whatever the busy timeout; taking the write lock up front makes writers queue instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call from several processes at once.

    Raises:
        DatabaseUnavailable: the database cannot be reached or migrated.
    """
    try:
        command.upgrade(alembic_config(engine), "head")
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"cannot migrate {engine.url.render_as_string(hide_password=True)}: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}") from exc


def open_database(url: str) -> Engine:
    """An engine for ``url`` with the schema migrated to the newest revision."""
    engine = make_engine(url)
    migrate(engine)
    return engine
