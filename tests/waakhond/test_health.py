"""Source health verdicts: failing after N failed crawls in a row, silent after a long quiet spell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from waakhond.config import Health
from waakhond.health import evaluate, silence_threshold

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HEALTH = Health(failures=3, silence_factor=4.0, min_silence=timedelta(hours=12))


def hourly(n: int, last: datetime = NOW) -> list[datetime]:
    return [last - timedelta(hours=i) for i in range(n)]


def test_failing_needs_the_last_n_crawls_failed() -> None:
    assert evaluate(["failed", "failed", "failed", "ok"], hourly(10), NOW, HEALTH).state == "failing"
    assert evaluate(["failed", "failed", "ok", "failed"], hourly(10), NOW, HEALTH).state == "ok"
    assert evaluate(["failed", "failed"], hourly(10), NOW, HEALTH).state == "ok"  # too few crawls yet
    assert evaluate(["partial", "failed", "failed"], hourly(10), NOW, HEALTH).state == "ok"  # the feed worked


def test_silent_after_much_longer_than_its_usual_rhythm() -> None:
    # A new document every hour, the last one 13 hours ago: 4 x 1 h = 4 h, but at least 12 h.
    verdict = evaluate(["ok"], hourly(10, NOW - timedelta(hours=13)), NOW, HEALTH)
    assert verdict.state == "silent" and verdict.reason and "13.0 hours" in verdict.reason
    assert evaluate(["ok"], hourly(10, NOW - timedelta(hours=11)), NOW, HEALTH).state == "ok"


def test_a_slow_source_is_judged_by_its_own_rhythm() -> None:
    weekly = [NOW - timedelta(days=7 * i + 1) for i in range(6)]
    assert silence_threshold(weekly, HEALTH) == timedelta(days=28)
    assert evaluate(["ok"], weekly, NOW, HEALTH).state == "ok"


def test_no_rhythm_without_history() -> None:
    assert silence_threshold(hourly(4), HEALTH) is None
    assert evaluate(["ok"], hourly(4, NOW - timedelta(days=30)), NOW, HEALTH).state == "ok"
