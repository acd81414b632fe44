"""Judges a source's health from its recent crawls and the rhythm of its new documents."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from waakhond.config import Health

# Fewer new documents than this give no usable rhythm, so silence is not judged.
MIN_DOCUMENTS_FOR_RHYTHM = 5


@dataclass(frozen=True)
class Verdict:
    state: str  # ok | failing | silent
    reason: str | None = None


def silence_threshold(document_times: list[datetime], health: Health) -> timedelta | None:
    """How long without a new document counts as silent for this source (None: too little history)."""
    if len(document_times) < MIN_DOCUMENTS_FOR_RHYTHM:
        return None
    ordered = sorted(document_times)
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
    usual = statistics.median(gaps)
    return max(health.min_silence, usual * health.silence_factor)


def evaluate(outcomes: list[str], document_times: list[datetime], now: datetime, health: Health) -> Verdict:
    """Failing: the last ``health.failures`` crawls all failed. Silent: no new document for much
    longer than the source's usual gap between new documents. Otherwise ok.

    ``outcomes`` are the latest crawl outcomes, newest first; ``document_times`` when the latest
    new documents were fetched.
    """
    recent = outcomes[: health.failures]
    if len(recent) == health.failures and all(o == "failed" for o in recent):
        return Verdict("failing", f"the last {health.failures} crawls failed")
    threshold = silence_threshold(document_times, health)
    if threshold is not None:
        quiet = now - max(document_times)
        if quiet > threshold:
            return Verdict("silent", f"no new document for {_human(quiet)} (usually silent at most {_human(threshold)})")
    return Verdict("ok")


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
