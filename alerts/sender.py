"""Works through the alert outbox: claims due rows, applies each subscription, delivers per chat, records outcomes.

One asyncio worker per chat sends that chat's messages in order through the flood limiter, so a
429 ``retry_after`` (or a slow chat) pauses only its own chat. Each row is marked sent right after
Telegram accepted it; see README "Alert delivery" for the guarantee and its duplicate window.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine

from alerts.errors import ChatForbidden, NotifierUnavailable, RetryLater, Undeliverable
from alerts.flood import FloodLimiter, FloodLimits, Unlimited
from alerts.format import render_digest, render_html, render_text
from alerts.schedule import hold_until
from storage import repository, stories
from storage import subscriptions as subs
from storage.models import OperatorMessage, OutboxEntry, utcnow
from storage.repository import PendingAlert
from waakhond.config import Subscription

logger = logging.getLogger(__name__)

# How long a claimed row stays reserved for this sender; past it, another sender may take it over.
CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 20
# Rows waiting in one chat's queue at most: at 20 messages a minute in a group they go out well within the lease.
CHAT_QUEUE = 20


class Notifier(Protocol):
    name: str

    async def send(self, chat_id: str, text: str, thread_id: int | None = None) -> int | None: ...


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0
    operator: int = 0  # operator messages delivered (or logged)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at an hour."""
    # The exponent is capped: 2**50 seconds would overflow timedelta long before the cap applies.
    return min(timedelta(seconds=30 * 2 ** min(max(0, attempts - 1), 12)), MAX_BACKOFF)


def alert_kind(alert: PendingAlert) -> str:
    """What a subscription's ``kinds`` filter calls this alert: news, kamervragen or ap."""
    if alert.case is not None:
        return "kamervragen"
    return "ap" if alert.kind.startswith("ap") else "news"


def split_target(target: str) -> tuple[str, int | None]:
    """An outbox chat ("chat" or "chat/thread") as chat id and forum topic."""
    chat, _, thread = target.partition("/")
    return chat, int(thread) if thread.isdigit() else None


@dataclass
class _Job:
    """One message to one chat and the rows it settles (several for a digest part)."""

    table: repository.Queue
    row_ids: tuple[int, ...]
    attempts: int
    chat_id: str | None  # None: no operator chat configured, the message goes to the log
    thread_id: int | None
    text: str
    describe: str  # for the log and operator messages: what this message is


# Called after Telegram accepted a message and before the row is marked sent (the crash test's pause point).
AfterSend = Callable[[tuple[int, ...]], Awaitable[None]]


@dataclass
class Sender:
    """Delivers due alerts and operator messages; ``pump`` claims and dispatches, workers send per chat."""

    engine: Engine
    notifier: Notifier
    operator_chat_id: str | None = None
    configured: Sequence[Subscription] = ()
    limits: FloodLimits | None = FloodLimits()
    clock: Callable[[], datetime] = utcnow
    lease: timedelta = CLAIM_LEASE
    batch: int = 100
    after_send: AfterSend | None = None
    report: SendReport = field(default_factory=SendReport)

    def __post_init__(self) -> None:
        self._plain = self.notifier.name == "console"
        self._limiter = Unlimited() if self._plain or self.limits is None else FloodLimiter(self.limits)
        self._queues: dict[str, deque[_Job]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._stop = asyncio.Event()
        self._external: asyncio.Event | None = None
        self._paused: dict[str, datetime] = {}  # chat -> until (Telegram's retry_after)
        # Set when the notifier stopped working (token rejected): every worker hands its rows back.
        self.unavailable: NotifierUnavailable | None = None

    def _stopping(self) -> bool:
        return self._stop.is_set() or (self._external is not None and self._external.is_set())

    # --- claiming ---------------------------------------------------------------------------

    async def pump(self) -> int:
        """Claim what is due now and hand it to the chats' workers; how many rows were claimed."""
        now = self.clock()
        claimed = repository.claim_due_alerts(self.engine, now, self.lease, limit=self.batch)
        if claimed:
            self._dispatch_alerts(claimed, now)
        messages = repository.claim_operator_messages(self.engine, now, self.lease, limit=self.batch)
        for m in messages:
            text = m.text if self._plain else html.escape(m.text, quote=False)
            self._enqueue(_Job(OperatorMessage, (m.message_id,), m.attempts, self.operator_chat_id, None, text,
                               f"operator message {m.message_id}"), now)
        return len(claimed) + len(messages)

    def _dispatch_alerts(self, claimed: list[PendingAlert], now: datetime) -> None:
        stored = subs.by_targets(self.engine, {a.chat_id for a in claimed})
        configured = {c.target: c for c in self.configured}
        also = stories.also_in(self.engine, {a.document_id for a in claimed if a.document_id is not None})
        digests: dict[str, list[PendingAlert]] = {}
        for alert in claimed:
            state = stored.get(alert.chat_id)
            sub = state.subscription if state else configured.get(alert.chat_id)
            if state is not None and not state.enabled:
                self._cancel(alert, f"subscription disabled: {state.disabled_reason or 'by the operator'}")
                continue
            if sub is not None and not sub.accepts(
                alert_kind(alert), alert.relevance, {e.entity for e in alert.entities} | {e.name for e in alert.entities}
            ):
                self._cancel(alert, "filtered out by the subscription")
                continue
            if alert.held == "digest":
                muted = state.muted_until if state else None
                if muted is not None and muted > now:
                    repository.mark_held(self.engine, alert.outbox_id, muted, "digest")
                    self.report.held += 1
                    continue
                digests.setdefault(alert.chat_id, []).append(alert)
                continue
            hold = hold_until(sub, state.muted_until if state else None, now)
            if hold is not None:
                until, why = hold
                repository.mark_held(self.engine, alert.outbox_id, until, why)
                self.report.held += 1
                continue
            chat, thread = split_target(alert.chat_id)
            also_in = [s for s in also.get(alert.document_id or -1, ()) if s != alert.source]
            text = render_text(alert, also_in) if self._plain else render_html(alert, also_in)
            self._enqueue(_Job(OutboxEntry, (alert.outbox_id,), alert.attempts, chat, thread, text,
                               f"alert {alert.outbox_id}"), now)
        for target, items in digests.items():
            chat, thread = split_target(target)
            for part in render_digest(items, also, html_mode=not self._plain):
                attempts = max(a.attempts for a in items if a.outbox_id in part.outbox_ids)
                self._enqueue(_Job(OutboxEntry, part.outbox_ids, attempts, chat, thread, part.text,
                                   f"digest of {len(part.outbox_ids)} alerts"), now)

    def _cancel(self, alert: PendingAlert, reason: str) -> None:
        repository.mark_cancelled(self.engine, alert.outbox_id, reason)
        self.report.cancelled += 1

    def _enqueue(self, job: _Job, now: datetime) -> None:
        key = job.chat_id or ""
        queue = self._queues.setdefault(key, deque())
        paused = self._paused.get(key)
        if len(queue) >= CHAT_QUEUE or (paused is not None and paused > now):
            # Not now: the chat is paused by Telegram or already has its fill; back to the outbox untried.
            for row_id in job.row_ids:
                repository.release(self.engine, row_id, paused if paused and paused > now else now, job.table)
            return
        queue.append(job)
        worker = self._workers.get(key)
        if worker is None or worker.done():
            self._workers[key] = asyncio.create_task(self._work(key))

    # --- sending ----------------------------------------------------------------------------

    async def _work(self, key: str) -> None:
        queue = self._queues[key]
        while queue:
            if self._stopping():
                self._hand_back(queue, self.clock())
                return
            job = queue.popleft()
            if job.chat_id is not None:
                await self._limiter.acquire(job.chat_id)
                if self._stopping():
                    queue.appendleft(job)
                    continue
            await self._deliver(job, queue)

    async def _deliver(self, job: _Job, queue: deque[_Job]) -> None:
        try:
            if job.chat_id is None:
                logger.warning("operator: %s", job.text)
                message_id = None
            else:
                message_id = await self.notifier.send(job.chat_id, job.text, job.thread_id)
        except NotifierUnavailable as exc:
            self.unavailable = exc
            self._stop.set()
            queue.appendleft(job)
            self._hand_back(queue, self.clock())
            return
        except RetryLater as exc:
            self._retry(job, queue, exc)
        except ChatForbidden as exc:
            self._forbidden(job, queue, exc)
        except Undeliverable as exc:
            self._dead_letter(job, str(exc))
        else:
            if self.after_send is not None:
                await self.after_send(job.row_ids)
            now = self.clock()
            for row_id in job.row_ids:
                repository.mark_sent(self.engine, row_id, now, message_id, job.table)
            if job.table is OutboxEntry:
                self.report.sent += len(job.row_ids)
            else:
                self.report.operator += 1

    def _retry(self, job: _Job, queue: deque[_Job], exc: RetryLater) -> None:
        now = self.clock()
        if not exc.after_seconds and job.attempts >= MAX_ATTEMPTS:
            self._dead_letter(job, f"gave up after {job.attempts} attempts: {exc}")
            return
        # Telegram's flood control says how long to wait; any other failure backs off.
        until = now + (timedelta(seconds=exc.after_seconds) if exc.after_seconds else backoff(job.attempts))
        for row_id in job.row_ids:
            repository.mark_retry(self.engine, row_id, until, str(exc), job.table)
        self.report.retried += len(job.row_ids)
        if exc.after_seconds or job.table is OutboxEntry:
            # The chat waits as a whole, with everything queued for it (other chats go on): nothing is sent
            # into Telegram's flood control, and no later alert overtakes one waiting for its retry.
            self._paused[job.chat_id or ""] = until
            self._hand_back(queue, until)
        if exc.after_seconds:
            logger.warning("chat %s paused by flood control until %s", job.chat_id, until.isoformat())
        else:
            logger.warning("%s to chat %s will be retried in %s: %s", job.describe, job.chat_id, until - now, exc)

    def _forbidden(self, job: _Job, queue: deque[_Job], exc: ChatForbidden) -> None:
        for row_id in job.row_ids:
            repository.mark_failed(self.engine, row_id, str(exc), job.table)
        self.report.failed += len(job.row_ids)
        if job.table is OperatorMessage or job.chat_id is None:
            logger.error("the operator chat %s refuses the bot: %s", job.chat_id, exc)
            return
        disabled = subs.disable_chat(self.engine, job.chat_id, str(exc))
        # The rest of this chat's queue cannot go either; the subscription check cancels it on the next claim.
        self._hand_back(queue, self.clock())
        logger.error("chat %s refuses the bot (%s); its subscriptions are disabled: %s", job.chat_id, exc,
                     ", ".join(disabled) or "none stored")
        repository.queue_operator_message(
            self.engine, "chat-disabled",
            f"Chat {job.chat_id} weigert de bot ({exc}); abonnement uitgeschakeld. "
            f"Weer aanzetten: waakhond subscriptions --enable {job.chat_id}",
        )

    def _dead_letter(self, job: _Job, reason: str) -> None:
        for row_id in job.row_ids:
            repository.mark_failed(self.engine, row_id, reason, job.table)
        self.report.failed += len(job.row_ids)
        logger.error("%s to chat %s failed for good: %s", job.describe, job.chat_id, reason)
        if job.table is OutboxEntry:
            repository.queue_operator_message(
                self.engine, "dead-letter",
                f"Bericht niet afgeleverd aan chat {job.chat_id} ({job.describe}): {reason}. "
                "Zie: waakhond alerts --failed",
            )

    def _hand_back(self, queue: deque[_Job], at: datetime) -> None:
        """The rest of a chat's queue back to the outbox, untried, due at ``at``."""
        while queue:
            job = queue.popleft()
            for row_id in job.row_ids:
                repository.release(self.engine, row_id, at, job.table)

    # --- running ----------------------------------------------------------------------------

    async def idle(self) -> None:
        """Wait until every chat's worker has finished what it was given."""
        while True:
            running = [t for t in self._workers.values() if not t.done()]
            if not running:
                return
            await asyncio.gather(*running)

    async def drain(self, stop: asyncio.Event | None = None) -> SendReport:
        """Send everything due now (and what becomes due while sending), then return the report.

        Claims again whenever a chat's worker finishes (or every quarter second), so busy chats
        never hold up the others' rows behind one batch.
        """
        self._external = stop
        while not self._stopping():
            claimed = await self.pump()
            running = [t for t in self._workers.values() if not t.done()]
            if not claimed and not running:
                break
            if running:
                await asyncio.wait(running, timeout=0.25, return_when=asyncio.FIRST_COMPLETED)
        await self.idle()
        if self.unavailable is not None:
            raise self.unavailable
        return self.report

    async def close(self) -> None:
        """Finish the message in flight in every chat, hand the rest back as due now."""
        self._stop.set()
        await self.idle()


async def send_due(
    engine: Engine,
    notifier: Notifier,
    batch: int = 100,
    stop: asyncio.Event | None = None,
    operator_chat_id: str | None = None,
    **options: object,
) -> SendReport:
    """Deliver every due alert and operator message once.

    NotifierUnavailable propagates and leaves rows to their lease. When ``stop`` is set, the
    message in flight is finished and the rest of the claimed rows are handed back as due at once,
    so a shutdown neither loses nor delays them. Operator messages go to ``operator_chat_id``, or
    to the log when there is none. ``options`` are Sender's (configured, limits, clock, lease, after_send).
    """
    sender = Sender(engine, notifier, operator_chat_id=operator_chat_id, batch=batch, **options)  # type: ignore[arg-type]
    return await sender.drain(stop)
