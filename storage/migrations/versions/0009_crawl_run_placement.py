"""Crawl runs record where they ran: the Scrapyd node and job of a crawl the scrapyd executor placed.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("node", sa.String(255), nullable=True))
        batch.add_column(sa.Column("job", sa.String(64), nullable=True))
    op.create_index("ix_crawl_runs_job", "crawl_runs", ["job"])


def downgrade() -> None:
    op.drop_index("ix_crawl_runs_job", table_name="crawl_runs")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("job")
        batch.drop_column("node")
