"""SQLModel tables of the archive: sources, documents, matches, entity mentions, AP sanctions, Kamervragen cases, the alert outbox and crawl runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Source(SQLModel, table=True):
    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    url: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (
        # Narrow copies of what search filters on, so that filtering and date-sorting never read the wide rows
        # (text, stems, raw bytes): one by id for hits the full-text index found, one by date for the timeline.
        Index("ix_documents_search_filter", "id", "dated_at", "kind", "source_id", "label", "relevance"),
        Index("ix_documents_timeline", "dated_at", "id", "kind", "source_id", "label", "relevance"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("sources.id"), nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    # The canonical URL is the document's identity: the database refuses a second copy.
    url: str = Field(sa_column=Column(String(2048), nullable=False, unique=True))
    fetched_url: str = Field(sa_column=Column(Text, nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True, index=True))
    fetched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    # The timeline's date: published_at, else fetched_at (storage.fulltext.set_index_fields keeps it).
    dated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=False))
    author: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    # "article" when extracted from the page, "feed_summary" when the feed's summary stood in, "pdf" for a PDF's
    # text, "publication"/"metadata" for Kamervragen.
    text_origin: str = Field(sa_column=Column(String(16), nullable=False))
    # "paywall" or "consent-wall" when the page was walled off (its text is then the feed's summary).
    access: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    # The page that linked to this document: the press release of an AP decision.
    linked_from: str | None = Field(default=None, sa_column=Column(Text, nullable=True, index=True))
    language: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    content_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    # What full-text search indexes (storage.fulltext): the title's and text's words as Dutch family keys,
    # and the compound parts found in them.
    search_title: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    search_body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    search_parts: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    http_status: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    content_type: str | None = Field(default=None, sa_column=Column(String(255), nullable=True))
    # zlib-compressed bytes exactly as fetched: the evidence behind the extracted text.
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    raw_size: int = Field(sa_column=Column(Integer, nullable=False))
    # SHA-256 (hex) of the raw bytes as fetched, before compression: what a citation of the snapshot names.
    raw_sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    # What classification concluded (pipeline.classify): core | adjacent | unrelated, the best core score
    # over its threshold, the topic tags (space-separated), and when (reclassify updates them all).
    label: str = Field(default="unrelated", sa_column=Column(String(16), nullable=False, server_default="unrelated", index=True))
    relevance: float = Field(default=0.0, sa_column=Column(Float, nullable=False, server_default="0"))
    tags: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The watchlists it reached (space-separated): what subscriptions follow.
    watchlists: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    classified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # 1 for the text as first stored; each change of the extracted text after publication adds one,
    # and the previous text is kept in document_versions.
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class DocumentVersion(SQLModel, table=True):
    """An earlier text of a document, kept when the outlet changed the article."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version", name="uq_document_versions_document_version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    version: int = Field(sa_column=Column(Integer, nullable=False))
    fetched_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    raw_size: int = Field(sa_column=Column(Integer, nullable=False))
    raw_sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class Match(SQLModel, table=True):
    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("document_id", "watchlist", "term", name="uq_matches_document_term"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    watchlist: str = Field(sa_column=Column(String(64), nullable=False))
    term: str = Field(sa_column=Column(Text, nullable=False))  # the rule as written: a term or a query
    count: int = Field(sa_column=Column(Integer, nullable=False))
    weight: float = Field(default=1.0, sa_column=Column(Float, nullable=False, server_default="1"))
    score: float = Field(default=0.0, sa_column=Column(Float, nullable=False, server_default="0"))
    # JSON [[field, start, end], ...]: character offsets of every occurrence in the title or text.
    spans: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    snippet: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class Sanction(SQLModel, table=True):
    """The sanction an AP press release or decision announces or imposes (pipeline.sanctions)."""

    __tablename__ = "sanctions"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    organisation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    fine_eur: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    penalty_max_eur: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decision_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True, index=True))
    # JSON list: "boete", "last onder dwangsom", "berisping", ...
    measures: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))


class EntityMention(SQLModel, table=True):
    """An entity a document names: a gazetteer entity, or a pattern (money:…, case:…, document:…, date:…)."""

    __tablename__ = "entity_mentions"
    __table_args__ = (UniqueConstraint("document_id", "entity", name="uq_entity_mentions_document_entity"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    entity: str = Field(sa_column=Column(String(128), nullable=False, index=True))
    entity_type: str = Field(sa_column=Column(String(32), nullable=False))
    name: str = Field(sa_column=Column(Text, nullable=False))
    count: int = Field(sa_column=Column(Integer, nullable=False))
    spans: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    snippet: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class OutboxEntry(SQLModel, table=True):
    """One alert owed to one chat for one event of one document; the sender works through these."""

    __tablename__ = "alert_outbox"
    __table_args__ = (
        UniqueConstraint("document_id", "chat_id", "event", name="uq_alert_outbox_document_chat_event"),
        Index("ix_alert_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    chat_id: str = Field(sa_column=Column(String(64), nullable=False))
    # "new" for a new document; "overdue" when a Kamervraag passed its answer deadline.
    event: str = Field(default="new", sa_column=Column(String(16), nullable=False, server_default="new"))
    # pending | sending | sent | failed | cancelled (its document was withdrawn at the source before sending)
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Why a pending row waits past its creation: "digest" (its subscription's next digest), "quiet" (quiet
    # hours), "muted" (/mute); None: an instant alert not held yet.
    held: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))


class SubscriptionRow(SQLModel, table=True):
    """A chat (or forum topic) that receives alerts, with its filters and delivery mode.

    Seeded and kept in step from the config file (origin "config"); allow-listed admins add and
    remove more with bot commands (origin "bot"). ``target`` is what alert_outbox.chat_id holds:
    the chat id, or "chat_id/thread_id" for a forum topic.
    """

    __tablename__ = "subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    chat_id: str = Field(sa_column=Column(String(64), nullable=False))
    thread_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # JSON arrays; NULL: no filter (watchlists NULL: every core item).
    watchlists: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    kinds: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    entities: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    min_relevance: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    mode: str = Field(default="instant", sa_column=Column(String(16), nullable=False, server_default="instant"))
    digest_at: str | None = Field(default=None, sa_column=Column(String(5), nullable=True))  # "HH:MM", daily mode
    quiet_start: str | None = Field(default=None, sa_column=Column(String(5), nullable=True))
    quiet_end: str | None = Field(default=None, sa_column=Column(String(5), nullable=True))
    muted_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default="1"))
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    origin: str = Field(default="config", sa_column=Column(String(16), nullable=False, server_default="config"))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CrawlRun(SQLModel, table=True):
    __tablename__ = "crawl_runs"
    __table_args__ = (
        Index("ix_crawl_runs_source_started", "source_name", "started_at"),
        Index("ix_crawl_runs_job", "job"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_name: str = Field(sa_column=Column(String(64), nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # running | ok | partial (some pages failed) | failed (feed unusable or crawl broke) | interrupted (stopped)
    outcome: str = Field(sa_column=Column(String(16), nullable=False))
    entries_seen: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    items_stored: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    items_relevant: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    items_updated: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    alerts_queued: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    errors: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    http_errors: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    bytes_received: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # Conditional GETs answered "304 Not Modified" (nothing transferred), and responses that carried a body.
    not_modified: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    bodies: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Crawls placed by the scrapyd executor: the node's URL and the Scrapyd job id (None: a local crawl).
    node: str | None = Field(default=None, sa_column=Column(String(255), nullable=True))
    job: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class SourceHealth(SQLModel, table=True):
    """The health verdict per source, so that each change of state is announced once."""

    __tablename__ = "source_health"

    source_name: str = Field(sa_column=Column(String(64), primary_key=True))
    state: str = Field(sa_column=Column(String(16), nullable=False))  # ok | failing | silent
    since: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class OperatorMessage(SQLModel, table=True):
    """A message for the operator (source failing, silent, recovered), sent like an alert."""

    __tablename__ = "operator_messages"
    __table_args__ = (Index("ix_operator_messages_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_name: str = Field(sa_column=Column(String(64), nullable=False))
    # failing | silent | recovered; "dead-letter" and "chat-disabled" come from the alert sender
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))  # pending | sending | sent | failed
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DaemonState(SQLModel, table=True):
    """The running daemon's heartbeat and schedule, for `waakhond status` (one row)."""

    __tablename__ = "daemon_state"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    pid: int = Field(sa_column=Column(Integer, nullable=False))
    hostname: str = Field(sa_column=Column(String(255), nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    heartbeat_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    stopped_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # JSON object: job name -> next run time (ISO 8601)
    next_runs: str = Field(sa_column=Column(Text, nullable=False))


# --- Kamervragen: written questions of the Tweede Kamer -----------------------------------------


class KamervraagCase(SQLModel, table=True):
    """A written-question case (Zaak "Schriftelijke vragen") with its status and answer clock."""

    __tablename__ = "kamervraag_cases"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("sources.id"), nullable=False, index=True))
    zaak_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))  # the Tweede Kamer's GUID
    number: str = Field(sa_column=Column(String(32), nullable=False, index=True))  # e.g. 2024Z16676
    subject: str = Field(sa_column=Column(Text, nullable=False))
    vergaderjaar: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True, index=True))
    # open | postponed | answered | overdue, since when, and the answer deadline while one runs
    status: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    status_since: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True, index=True))
    # Whether any of its documents matched a watchlist; only relevant cases are alerted on and listed.
    relevant: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default="0"))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    api_modified: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class KamervraagActor(SQLModel, table=True):
    """A person or office on a case: submitter (Indiener), co-submitter (Medeindiener) or addressee (Gericht aan)."""

    __tablename__ = "kamervraag_actors"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kamervraag_cases.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    relation: str = Field(sa_column=Column(String(32), nullable=False))
    name: str = Field(sa_column=Column(Text, nullable=False))
    party: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    function: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    position: int = Field(sa_column=Column(Integer, nullable=False))


class KamervraagDocument(SQLModel, table=True):
    """One Tweede Kamer document of a case (question, postponement notice, answer), linked to its archived text."""

    __tablename__ = "kamervraag_documents"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kamervraag_cases.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    tk_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))  # the Tweede Kamer's GUID
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    role: str = Field(sa_column=Column(String(16), nullable=False))  # question | postponement | answer
    soort: str = Field(sa_column=Column(String(64), nullable=False))
    number: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))  # e.g. 2024D48672
    dated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    publication_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))  # kv-tk-… / ah-tk-…
    # "publication" once the officielebekendmakingen text is stored; "metadata" until then.
    text_source: str = Field(sa_column=Column(String(16), nullable=False))
    answerer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    api_modified: str = Field(sa_column=Column(String(40), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class KamervraagPair(SQLModel, table=True):
    """A numbered question of a case document, with the answer given to it."""

    __tablename__ = "kamervraag_pairs"
    __table_args__ = (UniqueConstraint("kamervraag_document_id", "number", name="uq_kamervraag_pairs_document_number"),)

    id: int | None = Field(default=None, primary_key=True)
    kamervraag_document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kamervraag_documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class KamervraagStatusChange(SQLModel, table=True):
    """Each status a case entered, with the date it took effect."""

    __tablename__ = "kamervraag_status_changes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kamervraag_cases.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: str = Field(sa_column=Column(String(16), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class SyncCursor(SQLModel, table=True):
    """Where an incremental source's sync stands (e.g. the last ApiGewijzigdOp stored), to resume after a restart."""

    __tablename__ = "sync_cursors"

    source_name: str = Field(sa_column=Column(String(64), primary_key=True))
    cursor: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# --- Stories and links: near-duplicates grouped, documents tied to Kamervragen cases and AP decisions ----------


class Story(SQLModel, table=True):
    """One story: a document and its copies (syndicated or lightly edited), headed by the first publication."""

    __tablename__ = "stories"

    id: int | None = Field(default=None, primary_key=True)
    head_document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    # The head's time (publication, else first fetch): a copy published earlier becomes the head.
    first_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class StoryMember(SQLModel, table=True):
    """A document's place in its story (at most one): how it joined and the document it resembled."""

    __tablename__ = "story_members"

    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    story_id: int = Field(
        sa_column=Column(Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    # first (it started the story) | near-duplicate (its text resembles matched_document_id's) |
    # linked (an AP decision and the press release that links it)
    reason: str = Field(sa_column=Column(String(16), nullable=False))
    similarity: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    matched_document_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("documents.id", ondelete="SET NULL"), nullable=True)
    )
    joined_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DocumentSignature(SQLModel, table=True):
    """A document's near-duplicate fingerprint (pipeline.dedupe): its MinHash and the time it is compared at."""

    __tablename__ = "document_signatures"

    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    method: str = Field(sa_column=Column(String(32), nullable=False))  # pipeline.dedupe.METHOD
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    shingles: int = Field(sa_column=Column(Integer, nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class SignatureBand(SQLModel, table=True):
    """The candidate index: one LSH band key per band of a signature; look-ups go by key within a time window."""

    __tablename__ = "signature_bands"
    __table_args__ = (Index("ix_signature_bands_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: int = Field(sa_column=Column(BigInteger, nullable=False))
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CaseLink(SQLModel, table=True):
    """A document that refers to a Kamervragen case: why (the reason and its evidence) and how sure."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("document_id", "case_id", name="uq_case_links_document_case"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    case_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kamervraag_cases.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    # case-number | document-number | member-and-subject (pipeline.links)
    reason: str = Field(sa_column=Column(String(32), nullable=False))
    confidence: float = Field(sa_column=Column(Float, nullable=False))
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DocumentLink(SQLModel, table=True):
    """A document that refers to another: an AP decision to its press release, coverage to an AP sanction."""

    __tablename__ = "document_links"
    __table_args__ = (UniqueConstraint("document_id", "target_id", name="uq_document_links_document_target"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    target_id: int = Field(
        sa_column=Column(Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    # linked-from | covers-sanction (pipeline.links)
    reason: str = Field(sa_column=Column(String(32), nullable=False))
    confidence: float = Field(sa_column=Column(Float, nullable=False))
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
