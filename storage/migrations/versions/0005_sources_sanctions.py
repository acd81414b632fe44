"""AP sanctions; documents record walled pages (access) and the page that linked them (linked_from);
crawl runs count 304s and bodies downloaded.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("access", sa.String(16), nullable=True))
        batch.add_column(sa.Column("linked_from", sa.Text(), nullable=True))
    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("fine_eur", sa.BigInteger(), nullable=True),
        sa.Column("penalty_max_eur", sa.BigInteger(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False, server_default="[]"),
    )
    op.create_index("ix_sanctions_decision_date", "sanctions", ["decision_date"])
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("not_modified", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("bodies", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("bodies")
        batch.drop_column("not_modified")
    op.drop_table("sanctions")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("linked_from")
        batch.drop_column("access")
