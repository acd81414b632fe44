"""Shared fixtures: a fresh database per test on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from storage.engine import open_database

pytest_plugins = ["tests.harness.plugin"]

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("WAAKHOND_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("WAAKHOND_REQUIRE_POSTGRES") == "1"


def _pg_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} unreachable: {str(exc).strip().splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    reason = _pg_unreachable_reason()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"{reason} (WAAKHOND_REQUIRE_POSTGRES=1 makes the PostgreSQL tests mandatory)")
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server, dropped after the test."""
    name = f"waakhond_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'waakhond.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def waakhond_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """Environment for running the real `waakhond` command in a subprocess, offline and isolated."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAAKHOND_", "TELEGRAM_"))}
    env.update(
        WAAKHOND_DATA_DIR=str(tmp_path / "data"),
        WAAKHOND_DATABASE_URL=database_url,
        WAAKHOND_DOWNLOAD_DELAY="0",
        PYTHONUNBUFFERED="1",
    )
    return env
