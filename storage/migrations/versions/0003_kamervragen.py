"""Kamervragen cases, actors, documents, question/answer pairs, status changes, sync cursors; outbox events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An alert is now owed per (document, chat, event): a Kamervraag's question can also be alerted as overdue.
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(sa.Column("event", sa.String(16), nullable=False, server_default="new"))
        batch.drop_constraint("uq_alert_outbox_document_chat", type_="unique")
        batch.create_unique_constraint("uq_alert_outbox_document_chat_event", ["document_id", "chat_id", "event"])
    op.create_table(
        "kamervraag_cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("zaak_id", sa.String(64), nullable=False, unique=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("vergaderjaar", sa.String(16), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", UTCDateTime(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("relevant", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("api_modified", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    for column in ("source_id", "number", "submitted_at", "status", "due_at"):
        op.create_index(f"ix_kamervraag_cases_{column}", "kamervraag_cases", [column])
    op.create_table(
        "kamervraag_actors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("kamervraag_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("relation", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("party", sa.String(64), nullable=True),
        sa.Column("function", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index("ix_kamervraag_actors_case_id", "kamervraag_actors", ["case_id"])
    op.create_table(
        "kamervraag_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("kamervraag_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tk_id", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("soort", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("dated_at", UTCDateTime(), nullable=True),
        sa.Column("publication_id", sa.String(64), nullable=True),
        sa.Column("text_source", sa.String(16), nullable=False),
        sa.Column("answerer", sa.Text(), nullable=True),
        sa.Column("api_modified", sa.String(40), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_kamervraag_documents_case_id", "kamervraag_documents", ["case_id"])
    op.create_table(
        "kamervraag_pairs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "kamervraag_document_id",
            sa.Integer(),
            sa.ForeignKey("kamervraag_documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.UniqueConstraint("kamervraag_document_id", "number", name="uq_kamervraag_pairs_document_number"),
    )
    op.create_index("ix_kamervraag_pairs_kamervraag_document_id", "kamervraag_pairs", ["kamervraag_document_id"])
    op.create_table(
        "kamervraag_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("kamervraag_cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_kamervraag_status_changes_case_id", "kamervraag_status_changes", ["case_id"])
    op.create_table(
        "sync_cursors",
        sa.Column("source_name", sa.String(64), primary_key=True),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "sync_cursors", "kamervraag_status_changes", "kamervraag_pairs", "kamervraag_documents", "kamervraag_actors",
        "kamervraag_cases",
    ):
        op.drop_table(table)
    op.execute("DELETE FROM alert_outbox WHERE event <> 'new'")
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_constraint("uq_alert_outbox_document_chat_event", type_="unique")
        batch.create_unique_constraint("uq_alert_outbox_document_chat", ["document_id", "chat_id"])
        batch.drop_column("event")
