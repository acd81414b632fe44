"""Works through the alert outbox: claims due rows, renders, delivers, and records each outcome."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Engine

from alerts.errors import RetryLater, Undeliverable
from alerts.format import render_html, render_text
from storage import repository
from storage.models import OperatorMessage, OutboxEntry, utcnow

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


@dataclass(frozen=True)
class _Delivery:
    row_id: int
    attempts: int
    chat_id: str | None  # None: no operator chat configured, the message goes to the log
    text: str


async def send_due(
    engine: Engine,
    notifier: Notifier,
    batch: int = 100,
    stop: asyncio.Event | None = None,
    operator_chat_id: str | None = None,
) -> SendReport:
    """Deliver every due alert and operator message once.

    NotifierUnavailable propagates and leaves rows to their lease. When ``stop`` is set, the
    message in flight is finished and the rest of the claimed rows are handed back as due at once,
    so a shutdown neither loses nor delays them. Operator messages go to ``operator_chat_id``, or
    to the log when there is none.
    """
    report = SendReport()
    plain = notifier.name == "console"
    render = render_text if plain else render_html

    def alerts() -> list[_Delivery]:
        claimed = repository.claim_due_alerts(engine, utcnow(), CLAIM_LEASE, limit=batch)
        return [_Delivery(a.outbox_id, a.attempts, a.chat_id, render(a)) for a in claimed]

    def operator_messages() -> list[_Delivery]:
        claimed = repository.claim_operator_messages(engine, utcnow(), CLAIM_LEASE, limit=batch)
        text = (lambda m: m.text) if plain else (lambda m: html.escape(m.text, quote=False))
        return [_Delivery(m.message_id, m.attempts, operator_chat_id, text(m)) for m in claimed]

    await _drain(engine, notifier, alerts, OutboxEntry, report, stop)
    await _drain(engine, notifier, operator_messages, OperatorMessage, report, stop)
    return report


async def _drain(
    engine: Engine,
    notifier: Notifier,
    claim: Callable[[], list[_Delivery]],
    table: repository.Queue,
    report: SendReport,
    stop: asyncio.Event | None,
) -> None:
    while not (stop and stop.is_set()):
        deliveries = claim()
        if not deliveries:
            return
        for position, item in enumerate(deliveries):
            if stop and stop.is_set():
                for unsent in deliveries[position:]:
                    repository.mark_retry(engine, unsent.row_id, utcnow(), "not sent yet: sender stopped", table)
                return
            try:
                if item.chat_id is None:
                    logger.warning("operator: %s", item.text)
                    message_id = None
                else:
                    message_id = await notifier.send(item.chat_id, item.text)
            except RetryLater as exc:
                if item.attempts >= MAX_ATTEMPTS:
                    repository.mark_failed(engine, item.row_id, f"gave up after {item.attempts} attempts: {exc}", table)
                    report.failed += 1
                    continue
                delay = timedelta(seconds=exc.after_seconds) if exc.after_seconds else backoff(item.attempts)
                repository.mark_retry(engine, item.row_id, utcnow() + delay, str(exc), table)
                logger.warning("%s %s to chat %s will be retried in %s: %s", table.__tablename__, item.row_id,
                               item.chat_id, delay, exc)
                report.retried += 1
            except Undeliverable as exc:
                repository.mark_failed(engine, item.row_id, str(exc), table)
                logger.error("%s %s to chat %s failed for good: %s", table.__tablename__, item.row_id, item.chat_id, exc)
                report.failed += 1
            else:
                repository.mark_sent(engine, item.row_id, utcnow(), message_id, table)
                report.sent += 1
