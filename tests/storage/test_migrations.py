"""Migrations: the Alembic schema is exactly the models' schema, on both backends, and reruns are harmless."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

from storage import fulltext
from storage.engine import migrate


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": fulltext.include_object})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    assert {"sources", "documents", "matches", "alert_outbox", "crawl_runs", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )


def test_migrating_again_changes_nothing(engine: Engine) -> None:
    from alembic.script import ScriptDirectory

    from storage.engine import alembic_config

    migrate(engine)
    script = ScriptDirectory.from_config(alembic_config(engine))
    head = script.get_current_head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    applied = {r.revision for r in script.iterate_revisions(head, "base")}
    # 0009: crawl runs record their node and job; 0008: stories and links; 0007: full-text search
    # (numbers were assigned to parallel work, so the chain is not in numeric order).
    # 0010: subscriptions in the database and held alerts.
    assert {"0010", "0009", "0008", "0007"} <= applied


def test_upgrading_a_populated_archive_keeps_its_documents(database_url: str) -> None:
    from alembic import command

    from storage.engine import alembic_config, make_engine

    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, kind, url, created_at) VALUES (1, 'a', 'feed', 'u', :t)"),
                     {"t": "2026-01-01 00:00:00"})
        conn.execute(
            text("INSERT INTO documents (id, source_id, kind, url, fetched_url, title, fetched_at, text, text_origin, "
                 "content_hash, search_text, raw_size) VALUES (1, 1, 'news', 'https://a.nl/x', 'https://a.nl/x', "
                 "'Titel', :t, 'Tekst', 'article', 'h', ' tekst ', 0)"),
            {"t": "2026-01-01 00:00:00"},
        )
        conn.execute(text("INSERT INTO crawl_runs (source_name, started_at, outcome, entries_seen, items_stored, "
                          "items_relevant, alerts_queued, errors, http_errors, bytes_received) "
                          "VALUES ('a', :t, 'ok', 1, 1, 0, 0, 0, 0, 10)"), {"t": "2026-01-01 00:00:00"})
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT title, text, version, updated_at FROM documents")).one()
        assert tuple(row) == ("Titel", "Tekst", 1, None)
        assert conn.execute(text("SELECT items_updated FROM crawl_runs")).scalar_one() == 0
    engine.dispose()
