"""Moves the alert outbox past its waits: what a back-off's or a lease's minutes would do in a real run."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from storage.models import OutboxEntry


def make_due(engine: Engine, status: str = "pending") -> int:
    """Every outbox row in ``status`` becomes due now ("pending": retries; "sending": expired leases); how many."""
    with Session(engine) as session, session.begin():
        return session.execute(
            update(OutboxEntry).where(OutboxEntry.status == status).values(next_attempt_at=datetime.now(UTC))
        ).rowcount
