"""When a subscription's alerts go out: digest slots (hourly, daily at HH:MM), quiet hours and mutes, in Europe/Amsterdam."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from waakhond.config import AMSTERDAM, Subscription


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _at(day: datetime, moment: time) -> datetime:
    """That wall-clock time on the local day of ``day``; zoneinfo settles DST gaps and folds."""
    return datetime.combine(day.date(), moment, tzinfo=AMSTERDAM)


def next_digest(sub: Subscription, now: datetime) -> datetime:
    """The first digest slot after ``now``: the next full hour, or the next ``digest_at`` local time."""
    local = now.astimezone(AMSTERDAM)
    if sub.mode == "hourly":
        # Whole hours in UTC are whole hours in Amsterdam (its offsets are whole hours).
        return (now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(now.tzinfo)
    slot = _at(local, _clock(sub.digest_at or "08:00"))
    if slot <= local:
        slot = _at(local + timedelta(days=1), _clock(sub.digest_at or "08:00"))
    return slot.astimezone(now.tzinfo)


def quiet_until(sub: Subscription, now: datetime) -> datetime | None:
    """When the quiet hours ``now`` falls in end (None: not quiet). "22:00-07:00" spans midnight."""
    if sub.quiet_hours is None:
        return None
    local = now.astimezone(AMSTERDAM)
    start, end = (_clock(v) for v in sub.quiet_hours)
    at = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= at < end
        ends = _at(local, end)
    else:
        inside = at >= start or at < end
        ends = _at(local if at < end else local + timedelta(days=1), end)
    return ends.astimezone(now.tzinfo) if inside else None


def hold_until(sub: Subscription | None, muted_until: datetime | None, now: datetime) -> tuple[datetime, str] | None:
    """Whether a new alert waits, until when and why ("digest", "muted", "quiet"); None: send it now."""
    if sub is not None and sub.mode != "instant":
        return next_digest(sub, now), "digest"
    if muted_until is not None and muted_until > now:
        return muted_until, "muted"
    if sub is not None and (quiet := quiet_until(sub, now)) is not None:
        return quiet, "quiet"
    return None
