"""Stories and links: near-duplicate signatures with their LSH band index, story clusters, links from documents
to Kamervragen cases and to other documents; archived URLs re-canonicalised (AMP, mobile, trailing slash).

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

# Documents whose URL Waakhond computes itself (Tweede Kamer permalinks) are left as they are.
_CRAWLED_KINDS = ("news", "ap-release", "ap-decision")


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("head_document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "story_members",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("story_id", sa.Integer(), sa.ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("matched_document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="SET NULL"), nullable=True),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_story_members_story_id", "story_members", ["story_id"])
    op.create_table(
        "document_signatures",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("shingles", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "signature_bands",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_signature_bands_key_at", "signature_bands", ["key", "at"])
    op.create_index("ix_signature_bands_document_id", "signature_bands", ["document_id"])
    for table, target, target_table in (("case_links", "case_id", "kamervraag_cases"), ("document_links", "target_id", "documents")):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
            sa.Column(target, sa.Integer(), sa.ForeignKey(f"{target_table}.id", ondelete="CASCADE"), nullable=False),
            sa.Column("reason", sa.String(32), nullable=False),
            sa.Column("confidence", sa.Float(), nullable=False),
            sa.Column("evidence", sa.Text(), nullable=False),
            sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.UniqueConstraint("document_id", target, name=f"uq_{table}_document_{target.removesuffix('_id')}"),
        )
        op.create_index(f"ix_{table}_document_id", table, ["document_id"])
        op.create_index(f"ix_{table}_{target}", table, [target])
    # A decision stored before its press release is found by the release's URL (storage.stories, storage.links).
    op.create_index("ix_documents_linked_from", "documents", ["linked_from"])
    _recanonicalise_urls()


def _recanonicalise_urls() -> None:
    """Archived URLs in today's canonical form, so that a re-crawl finds them instead of storing a second copy.

    A URL whose new form another document already has keeps its old form (both stay; near-duplicate
    grouping puts them in one story). The current pipeline.canonical is used on purpose: what matters is
    that stored URLs match what the crawler will look up from now on.
    """
    from pipeline.canonical import canonical_url

    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, url, linked_from FROM documents WHERE kind IN :kinds").bindparams(
            sa.bindparam("kinds", expanding=True)
        ),
        {"kinds": list(_CRAWLED_KINDS)},
    ).all()
    taken = {url for (url,) in conn.execute(sa.text("SELECT url FROM documents"))}
    renamed: dict[str, str] = {}
    for document_id, url, _ in rows:
        new = canonical_url(url)
        if new == url:
            continue
        if new in taken:
            logger.warning("document %s keeps %s: %s is archived already", document_id, url, new)
            continue
        conn.execute(sa.text("UPDATE documents SET url = :new WHERE id = :id"), {"new": new, "id": document_id})
        taken.discard(url)
        taken.add(new)
        renamed[url] = new
    for document_id, _, linked_from in rows:
        if linked_from and renamed.get(linked_from, canonical_url(linked_from)) != linked_from:
            conn.execute(sa.text("UPDATE documents SET linked_from = :new WHERE id = :id"),
                         {"new": renamed.get(linked_from, canonical_url(linked_from)), "id": document_id})


def downgrade() -> None:
    op.drop_index("ix_documents_linked_from", "documents")
    for table in ("document_links", "case_links", "signature_bands", "document_signatures", "story_members", "stories"):
        op.drop_table(table)
