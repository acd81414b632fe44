"""The one place for subscription queries: syncing from the config, bot changes, disabling, muting, lookups."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from storage.models import OutboxEntry, SubscriptionRow, utcnow
from waakhond.config import AMSTERDAM, Subscription

CONFIG = "config"
BOT = "bot"


@dataclass(frozen=True)
class StoredSubscription:
    """A subscription as the database holds it: what it follows and its state."""

    subscription: Subscription
    enabled: bool = True
    disabled_reason: str | None = None
    muted_until: datetime | None = None
    origin: str = CONFIG

    @property
    def target(self) -> str:
        return self.subscription.target


def _list(value: tuple[str, ...] | None) -> str | None:
    return None if value is None else json.dumps(list(value), ensure_ascii=False)


def _tuple(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(json.loads(value))


def _values(sub: Subscription) -> dict[str, object]:
    return {
        "chat_id": sub.chat_id, "thread_id": sub.thread_id, "watchlists": _list(sub.watchlists), "kinds": _list(sub.kinds),
        "entities": _list(sub.entities), "min_relevance": sub.min_relevance, "mode": sub.mode, "digest_at": sub.digest_at,
        "quiet_start": sub.quiet_hours[0] if sub.quiet_hours else None,
        "quiet_end": sub.quiet_hours[1] if sub.quiet_hours else None,
    }


def _stored(row: SubscriptionRow) -> StoredSubscription:
    sub = Subscription(
        chat_id=row.chat_id, watchlists=_tuple(row.watchlists), thread_id=row.thread_id, kinds=_tuple(row.kinds),
        min_relevance=row.min_relevance, entities=_tuple(row.entities), mode=row.mode, digest_at=row.digest_at,
        quiet_hours=(row.quiet_start, row.quiet_end) if row.quiet_start and row.quiet_end else None,
    )
    return StoredSubscription(sub, row.enabled, row.disabled_reason, row.muted_until, row.origin)


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    removed: int


def sync_config(engine: Engine, subscriptions: Sequence[Subscription]) -> SyncReport:
    """Make the config's subscriptions the database's "config" ones; bot-made ones stay.

    A changed filter is updated; whether a chat is enabled or muted is the database's (a chat that
    blocked the bot stays disabled until `waakhond subscriptions --enable`). A config subscription
    taken out of the file is removed with its pending alerts.
    """
    added = updated = 0
    now = utcnow()
    wanted = {s.target: s for s in subscriptions}
    with Session(engine) as session, session.begin():
        rows = {r.target: r for r in session.execute(select(SubscriptionRow)).scalars()}
        for target, sub in wanted.items():
            values = _values(sub)
            row = rows.get(target)
            if row is None:
                session.add(SubscriptionRow(target=target, origin=CONFIG, created_at=now, updated_at=now, **values))
                added += 1
            elif any(getattr(row, k) != v for k, v in values.items()) or row.origin != CONFIG:
                for key, value in values.items():
                    setattr(row, key, value)
                row.origin, row.updated_at = CONFIG, now
                updated += 1
        gone = [t for t, r in rows.items() if r.origin == CONFIG and t not in wanted]
        for target in gone:
            _remove(session, target)
    return SyncReport(added, updated, len(gone))


def add(engine: Engine, sub: Subscription, origin: str = BOT) -> bool:
    """Add or replace a subscription, enabled; True when it is new."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        row = session.execute(select(SubscriptionRow).where(SubscriptionRow.target == sub.target)).scalar_one_or_none()
        if row is None:
            session.add(SubscriptionRow(target=sub.target, origin=origin, created_at=now, updated_at=now, **_values(sub)))
            return True
        for key, value in _values(sub).items():
            setattr(row, key, value)
        row.enabled, row.disabled_reason, row.updated_at = True, None, now
        return False


def _remove(session: Session, target: str) -> int:
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.chat_id == target, OutboxEntry.status == "pending")
        .values(status="cancelled", last_error="unsubscribed")
    )
    return session.execute(delete(SubscriptionRow).where(SubscriptionRow.target == target)).rowcount


def remove(engine: Engine, target: str) -> bool:
    """Remove a subscription and cancel its pending alerts; False when there was none."""
    with Session(engine) as session, session.begin():
        return _remove(session, target) > 0


def disable_chat(engine: Engine, chat_id: str, reason: str) -> list[str]:
    """Disable every enabled subscription of a chat (all its topics); the targets that were disabled."""
    with Session(engine) as session, session.begin():
        rows = list(
            session.execute(
                select(SubscriptionRow).where(SubscriptionRow.chat_id == chat_id, SubscriptionRow.enabled.is_(True))
            ).scalars()
        )
        for row in rows:
            row.enabled, row.disabled_reason, row.updated_at = False, reason[:2000], utcnow()
        return [r.target for r in rows]


def set_enabled(engine: Engine, target: str, enabled: bool) -> bool:
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(SubscriptionRow)
            .where(SubscriptionRow.target == target)
            .values(enabled=enabled, disabled_reason=None if enabled else "disabled by the operator", updated_at=utcnow())
        )
        return result.rowcount > 0


def mute(engine: Engine, chat_id: str, until: datetime | None) -> int:
    """Hold a chat's alerts until ``until`` (None: unmute); how many subscriptions it touched."""
    with Session(engine) as session, session.begin():
        return session.execute(
            update(SubscriptionRow).where(SubscriptionRow.chat_id == chat_id).values(muted_until=until, updated_at=utcnow())
        ).rowcount


def all_subscriptions(engine: Engine) -> list[StoredSubscription]:
    with Session(engine) as session:
        return [_stored(r) for r in session.execute(select(SubscriptionRow).order_by(SubscriptionRow.id)).scalars()]


def of_chat(engine: Engine, chat_id: str) -> list[StoredSubscription]:
    with Session(engine) as session:
        rows = session.execute(
            select(SubscriptionRow).where(SubscriptionRow.chat_id == chat_id).order_by(SubscriptionRow.id)
        ).scalars()
        return [_stored(r) for r in rows]


def by_targets(engine: Engine, targets: Iterable[str]) -> dict[str, StoredSubscription]:
    wanted = list(set(targets))
    found: dict[str, StoredSubscription] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), 500):
            rows = session.execute(
                select(SubscriptionRow).where(SubscriptionRow.target.in_(wanted[start : start + 500]))
            ).scalars()
            found.update((r.target, _stored(r)) for r in rows)
    return found


def merged(stored: Sequence[StoredSubscription], configured: Sequence[Subscription]) -> list[StoredSubscription]:
    """The database's subscriptions, plus configured ones it does not know yet (a config not synced)."""
    known = {s.target for s in stored}
    return list(stored) + [StoredSubscription(replace(c)) for c in configured if c.target not in known]


def describe(row: StoredSubscription) -> str:
    """One line: target, state, filters, delivery."""
    sub = row.subscription
    parts = [sub.target, "enabled" if row.enabled else f"DISABLED ({row.disabled_reason})", f"from {row.origin}"]
    parts.append("watchlists: " + (", ".join(sub.watchlists) if sub.watchlists is not None else "every core item"))
    if sub.kinds is not None:
        parts.append("kinds: " + ", ".join(sub.kinds))
    if sub.min_relevance is not None:
        parts.append(f"relevance >= {sub.min_relevance:g}")
    if sub.entities is not None:
        parts.append("entities: " + ", ".join(sub.entities))
    parts.append(sub.mode + (f" at {sub.digest_at}" if sub.mode == "daily" else ""))
    if sub.quiet_hours:
        parts.append(f"quiet {sub.quiet_hours[0]}-{sub.quiet_hours[1]}")
    if row.muted_until is not None:
        parts.append("muted until " + row.muted_until.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M"))
    return " · ".join(parts)
