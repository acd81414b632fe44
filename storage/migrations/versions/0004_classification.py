"""Classification: document label, relevance and tags; match weights, scores, positions and snippets; entity mentions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("label", sa.String(16), nullable=False, server_default="unrelated"))
        batch.add_column(sa.Column("relevance", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("tags", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("watchlists", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("classified_at", UTCDateTime(), nullable=True))
    op.create_index("ix_documents_label", "documents", ["label"])
    # Until `waakhond reclassify` runs, a document that matched a watchlist before counts as core, as it did.
    conn = op.get_bind()
    reached: dict[int, set[str]] = {}
    for document_id, watchlist in conn.execute(sa.text("SELECT document_id, watchlist FROM matches")):
        reached.setdefault(document_id, set()).add(watchlist)
    for document_id, names in reached.items():
        conn.execute(
            sa.text("UPDATE documents SET label = 'core', relevance = 1, watchlists = :w WHERE id = :id"),
            {"w": " ".join(sorted(names)), "id": document_id},
        )
    with op.batch_alter_table("matches") as batch:
        batch.add_column(sa.Column("weight", sa.Float(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("score", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("spans", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("snippet", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "entity_mentions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("entity", sa.String(128), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("spans", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("snippet", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("document_id", "entity", name="uq_entity_mentions_document_entity"),
    )
    op.create_index("ix_entity_mentions_document_id", "entity_mentions", ["document_id"])
    op.create_index("ix_entity_mentions_entity", "entity_mentions", ["entity"])


def downgrade() -> None:
    op.drop_table("entity_mentions")
    with op.batch_alter_table("matches") as batch:
        for column in ("snippet", "spans", "score", "weight"):
            batch.drop_column(column)
    op.drop_index("ix_documents_label", "documents")
    with op.batch_alter_table("documents") as batch:
        for column in ("classified_at", "watchlists", "tags", "relevance", "label"):
            batch.drop_column(column)
