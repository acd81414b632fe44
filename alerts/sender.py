"""Works through the alert outbox: claims due rows, renders, delivers, and records each outcome."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Engine

from alerts.errors import RetryLater, Undeliverable
from alerts.format import render_html, render_text
from storage import repository
from storage.models import utcnow

logger = logging.getLogger(__name__)

# How long a claimed row stays reserved for this sender; past it, another sender may take it over.
CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 20


class Notifier(Protocol):
    name: str

    async def send(self, chat_id: str, text: str) -> int | None: ...


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at an hour."""
    # The exponent is capped: 2**50 seconds would overflow timedelta long before the cap applies.
    return min(timedelta(seconds=30 * 2 ** min(max(0, attempts - 1), 12)), MAX_BACKOFF)


async def send_due(
    engine: Engine, notifier: Notifier, batch: int = 100, stop: asyncio.Event | None = None
) -> SendReport:
    """Deliver every due outbox row once; NotifierUnavailable propagates and leaves rows to their lease.

    When ``stop`` is set, the message in flight is finished and the rest of the claimed rows are
    handed back as due at once, so a shutdown neither loses nor delays them.
    """
    report = SendReport()
    render = render_text if notifier.name == "console" else render_html
    while not (stop and stop.is_set()):
        alerts = repository.claim_due_alerts(engine, utcnow(), CLAIM_LEASE, limit=batch)
        if not alerts:
            return report
        for position, alert in enumerate(alerts):
            if stop and stop.is_set():
                for unsent in alerts[position:]:
                    repository.mark_retry(engine, unsent.outbox_id, utcnow(), "not sent yet: sender stopped")
                return report
            try:
                message_id = await notifier.send(alert.chat_id, render(alert))
            except RetryLater as exc:
                if alert.attempts >= MAX_ATTEMPTS:
                    repository.mark_failed(engine, alert.outbox_id, f"gave up after {alert.attempts} attempts: {exc}")
                    report.failed += 1
                    continue
                delay = timedelta(seconds=exc.after_seconds) if exc.after_seconds else backoff(alert.attempts)
                repository.mark_retry(engine, alert.outbox_id, utcnow() + delay, str(exc))
                logger.warning("alert %s to chat %s will be retried in %s: %s", alert.outbox_id, alert.chat_id, delay, exc)
                report.retried += 1
            except Undeliverable as exc:
                repository.mark_failed(engine, alert.outbox_id, str(exc))
                logger.error("alert %s to chat %s failed for good: %s", alert.outbox_id, alert.chat_id, exc)
                report.failed += 1
            else:
                repository.mark_sent(engine, alert.outbox_id, utcnow(), message_id)
                report.sent += 1
    return report
