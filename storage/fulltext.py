"""The full-text index: the stemmed search columns of a document and the backend objects built on them.

Stemming happens here in Python, with the classifier's pinned algorithm (pipeline.stemming), so both
backends index and query the very same tokens:

- SQLite: an external-content FTS5 table ``documents_fts`` over the three columns, kept current by
  triggers on ``documents``;
- PostgreSQL: a generated ``tsvector`` column ``documents.search_tsv`` (title weight A, text B,
  compound parts C, configuration ``simple``) with a GIN index.

A document's index fields are its title's and text's words as family keys (stemming.root), in order,
and the family keys of the listed words found inside its compounds (pipeline.decompound).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, text

from pipeline.decompound import parts
from pipeline.folding import fold
from pipeline.stemming import root

# Letters and digits only: the backends' tokenizers split on everything else, so they must never see it.
TOKEN = re.compile(r"[^\W_]+")
# PostgreSQL keeps word positions up to 16,383 and refuses tsvectors over 1 MB; so that phrases match
# alike on both backends, only the first this many words of a text are indexed (the archive keeps all).
MAX_WORDS = 16_000
MAX_TOKEN = 64  # longer "words" are junk (base64, hashes) and PostgreSQL's parser would split them

FTS_TABLE = "documents_fts"
PG_COLUMN = "search_tsv"
PG_INDEX = "ix_documents_search_tsv"
TRIGGERS = ("documents_fts_insert", "documents_fts_delete", "documents_fts_update")
COLUMNS = ("search_title", "search_body", "search_parts")

_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_title, search_body, search_parts, "
    "content='documents', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_insert AFTER INSERT ON documents BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_title, search_body, search_parts) "
    "VALUES (new.id, new.search_title, new.search_body, new.search_parts); END",
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body, search_parts) "
    "VALUES ('delete', old.id, old.search_title, old.search_body, old.search_parts); END",
    f"CREATE TRIGGER IF NOT EXISTS documents_fts_update AFTER UPDATE OF search_title, search_body, search_parts "
    f"ON documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body, search_parts) "
    "VALUES ('delete', old.id, old.search_title, old.search_body, old.search_parts); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_title, search_body, search_parts) "
    "VALUES (new.id, new.search_title, new.search_body, new.search_parts); END",
)
_PG_TSV = (
    "setweight(to_tsvector('simple'::regconfig, search_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, search_parts), 'C')"
)


def keys(value: str, limit: int = MAX_WORDS) -> list[str]:
    """The family keys of a text's first ``limit`` words, in order: "Gezichtsherkenningen!" -> gezichtsherkenn."""
    found = []
    for word in TOKEN.findall(fold(value)):
        if len(word) <= MAX_TOKEN:
            found.append(root(word))
            if len(found) >= limit:
                break
    return found


def index_fields(title: str, body: str) -> dict[str, str]:
    """The search columns of a document with this title and text."""
    title_keys = keys(title)
    body_keys = keys(body)
    folded = {w for w in TOKEN.findall(fold(f"{title}\n{body}")) if len(w) <= MAX_TOKEN}
    found = sorted({p for w in folded for p in parts(w)})
    return {"search_title": " ".join(title_keys), "search_body": " ".join(body_keys), "search_parts": " ".join(found)}


def set_index_fields(row: Any) -> None:
    """Fill a document row's search columns from its title and text, and its timeline date (publication,
    else first fetch); call after any of them changes."""
    for column, value in index_fields(row.title, row.text).items():
        setattr(row, column, value)
    row.dated_at = row.published_at or row.fetched_at


def create(conn: Connection) -> None:
    """Create the backend's index objects (idempotent); on SQLite, fill the FTS table from the columns."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    else:
        conn.exec_driver_sql(
            f"ALTER TABLE documents ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector GENERATED ALWAYS AS ({_PG_TSV}) STORED"
        )
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON documents USING gin ({PG_COLUMN})")


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for trigger in TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")
        conn.exec_driver_sql(f"ALTER TABLE documents DROP COLUMN IF EXISTS {PG_COLUMN}")


def ensure(conn: Connection) -> bool:
    """Re-create index objects a later migration dropped (SQLite's batch mode re-creates tables without
    their triggers). True when something had to be repaired."""
    if conn.dialect.name == "sqlite":
        present = set(conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index') AND name IN "
            f"('{FTS_TABLE}', {', '.join(repr(t) for t in TRIGGERS)})"
        ).scalars())
        wanted = {FTS_TABLE, *TRIGGERS}
    else:
        present = set(conn.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            f"AND table_name = 'documents' AND column_name = '{PG_COLUMN}' "
            "UNION SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            f"AND indexname = '{PG_INDEX}'"
        ).scalars())
        wanted = {PG_COLUMN, PG_INDEX}
    if present >= wanted or "search_title" not in _document_columns(conn):
        return False
    create(conn)
    return True


def _document_columns(conn: Connection) -> set[str]:
    from sqlalchemy import inspect

    return {c["name"] for c in inspect(conn).get_columns("documents")}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """For Alembic's comparisons: the index objects are made by hand, not from the models."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name == PG_COLUMN:
        return False
    if type_ == "index" and name == PG_INDEX:
        return False
    return True


def rebuild(engine: Engine, batch: int = 1000, progress: Any = None) -> int:
    """Recompute every document's search columns (after the stemmer or the compound list changed) and
    rebuild the backend index; document ids, and so permalinks, stay as they are. The number of documents."""
    done = 0
    last = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT id, title, text FROM documents WHERE id > :last ORDER BY id LIMIT :n"),
                {"last": last, "n": batch},
            ).all()
            for row_id, title, body in rows:
                conn.execute(
                    text("UPDATE documents SET search_title = :search_title, search_body = :search_body, "
                         "search_parts = :search_parts WHERE id = :id"),
                    {"id": row_id, **index_fields(title, body)},
                )
        if not rows:
            break
        last = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(len(rows))
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
        else:
            conn.exec_driver_sql(f"REINDEX INDEX {PG_INDEX}")
    return done


def integrity_check(engine: Engine) -> None:
    """Raise when SQLite's FTS index disagrees with the documents table (PostgreSQL's cannot drift)."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")
