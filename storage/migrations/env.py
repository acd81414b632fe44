"""Alembic environment: runs migrations on the engine handed over by storage.engine.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from storage import fulltext
from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from sqlmodel import SQLModel

# An arbitrary constant: the key of the PostgreSQL advisory lock that serialises migrations.
_PG_MIGRATION_LOCK = 7_310_415_001


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # The full-text index objects are hand-made (storage.fulltext): not the models' business.
            include_object=fulltext.include_object,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two processes starting at once must not both create the tables.
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            context.run_migrations()
        # A later migration that re-creates `documents` (SQLite batch mode) loses the FTS triggers.
        fulltext.ensure(connection)
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Waakhond runs its migrations online only (storage.engine.migrate).")
run_migrations_online()
