"""Engines: SQLite in WAL mode taking the write lock at BEGIN; clear errors for unusable URLs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.engine import make_engine, open_database
from storage.errors import DatabaseUnavailable


def test_sqlite_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'new' / 'dir' / 'w.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_sqlite_transactions_take_the_write_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    engine = open_database(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))  # a read only: a deferred BEGIN would hold no lock yet
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again once the transaction ended
    other.execute("ROLLBACK")


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "not a url at all"])
def test_unusable_urls_are_clear_errors(url: str) -> None:
    with pytest.raises(DatabaseUnavailable):
        make_engine(url)


@pytest.mark.postgres
def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(DatabaseUnavailable, match="cannot migrate"):
        open_database("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
