"""Subscriptions in the database (filters, delivery mode, quiet hours, mute) and held outbox rows.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target", sa.String(64), nullable=False, unique=True),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.BigInteger, nullable=True),
        sa.Column("watchlists", sa.Text, nullable=True),
        sa.Column("kinds", sa.Text, nullable=True),
        sa.Column("entities", sa.Text, nullable=True),
        sa.Column("min_relevance", sa.Float, nullable=True),
        sa.Column("mode", sa.String(16), nullable=False, server_default="instant"),
        sa.Column("digest_at", sa.String(5), nullable=True),
        sa.Column("quiet_start", sa.String(5), nullable=True),
        sa.Column("quiet_end", sa.String(5), nullable=True),
        sa.Column("muted_until", UTCDateTime(), nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("disabled_reason", sa.Text, nullable=True),
        sa.Column("origin", sa.String(16), nullable=False, server_default="config"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(sa.Column("held", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_column("held")
    op.drop_table("subscriptions")
