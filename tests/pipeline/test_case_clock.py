"""The answer clock of a written question: open, postponed, answered or overdue, and since when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.case_clock import (
    ANSWER,
    ANSWER_PERIOD,
    ANSWERED,
    OPEN,
    OVERDUE,
    POSTPONED,
    POSTPONEMENT,
    QUESTION,
    CaseClock,
    CaseEvent,
    case_clock,
)

SUBMITTED = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
DEADLINE = SUBMITTED + timedelta(days=21)
TICK = timedelta(microseconds=1)


def test_the_answer_period_is_three_weeks() -> None:
    assert ANSWER_PERIOD == timedelta(days=21)


def test_open_until_just_before_the_deadline() -> None:
    question = [CaseEvent(QUESTION, SUBMITTED)]
    assert case_clock(SUBMITTED, question, SUBMITTED) == CaseClock(OPEN, SUBMITTED, DEADLINE)
    assert case_clock(SUBMITTED, question, DEADLINE - TICK) == CaseClock(OPEN, SUBMITTED, DEADLINE)


@pytest.mark.parametrize("late", [timedelta(0), TICK, timedelta(days=1), timedelta(days=400)])
def test_overdue_exactly_at_and_after_the_deadline_since_the_deadline(late: timedelta) -> None:
    clock = case_clock(SUBMITTED, [CaseEvent(QUESTION, SUBMITTED)], DEADLINE + late)
    assert clock == CaseClock(OVERDUE, DEADLINE, DEADLINE)


def test_the_submission_date_sets_the_clock_not_the_question_documents_date() -> None:
    # The Zaak's GestartOp is the submission; the question document may be registered days later.
    registered = SUBMITTED + timedelta(days=3)
    clock = case_clock(SUBMITTED, [CaseEvent(QUESTION, registered)], DEADLINE)
    assert clock == CaseClock(OVERDUE, DEADLINE, DEADLINE)


def test_without_a_submission_date_the_question_document_starts_the_clock() -> None:
    clock = case_clock(None, [CaseEvent(QUESTION, SUBMITTED)], SUBMITTED + timedelta(days=1))
    assert clock == CaseClock(OPEN, SUBMITTED, DEADLINE)
    assert case_clock(None, [CaseEvent(QUESTION, SUBMITTED)], DEADLINE).status == OVERDUE


def test_a_postponement_restarts_the_clock_from_the_latest_notice() -> None:
    first = SUBMITTED + timedelta(days=20)
    second = first + timedelta(days=20)
    events = [CaseEvent(QUESTION, SUBMITTED), CaseEvent(POSTPONEMENT, first), CaseEvent(POSTPONEMENT, second)]
    # The original deadline passed, but the notices moved it.
    assert case_clock(SUBMITTED, events[:2], DEADLINE + timedelta(days=1)) == CaseClock(
        POSTPONED, first, first + ANSWER_PERIOD
    )
    assert case_clock(SUBMITTED, events, first + ANSWER_PERIOD) == CaseClock(POSTPONED, second, second + ANSWER_PERIOD)
    late = second + ANSWER_PERIOD
    assert case_clock(SUBMITTED, events, late - TICK).status == POSTPONED
    assert case_clock(SUBMITTED, events, late) == CaseClock(OVERDUE, late, late)


def test_a_postponement_sent_after_the_deadline_lifts_overdue() -> None:
    notice = DEADLINE + timedelta(days=4)
    clock = case_clock(SUBMITTED, [CaseEvent(QUESTION, SUBMITTED), CaseEvent(POSTPONEMENT, notice)], notice)
    assert clock == CaseClock(POSTPONED, notice, notice + ANSWER_PERIOD)


def test_answered_wins_over_everything_and_keeps_the_first_answers_date() -> None:
    answered = SUBMITTED + timedelta(days=40)
    events = [
        CaseEvent(QUESTION, SUBMITTED),
        CaseEvent(POSTPONEMENT, SUBMITTED + timedelta(days=20)),
        CaseEvent(ANSWER, answered),
        CaseEvent(ANSWER, answered + timedelta(days=30)),  # a "nader" answer
        CaseEvent(POSTPONEMENT, answered + timedelta(days=10)),  # a notice about the nader answer
    ]
    for now in (answered, answered + timedelta(days=1000)):
        assert case_clock(SUBMITTED, events, now) == CaseClock(ANSWERED, answered, None)


def test_an_answer_after_the_deadline_is_answered_not_overdue() -> None:
    answered = DEADLINE + timedelta(days=60)
    clock = case_clock(SUBMITTED, [CaseEvent(QUESTION, SUBMITTED), CaseEvent(ANSWER, answered)], answered)
    assert clock == CaseClock(ANSWERED, answered, None)


def test_events_given_out_of_order_are_sorted_by_date() -> None:
    first_notice = SUBMITTED + timedelta(days=15)
    latest_notice = SUBMITTED + timedelta(days=35)
    events = [
        CaseEvent(POSTPONEMENT, latest_notice),
        CaseEvent(QUESTION, SUBMITTED),
        CaseEvent(POSTPONEMENT, first_notice),
    ]
    now = latest_notice + timedelta(days=1)
    assert case_clock(SUBMITTED, events, now) == CaseClock(POSTPONED, latest_notice, latest_notice + ANSWER_PERIOD)
    assert case_clock(SUBMITTED, reversed(events), now) == case_clock(SUBMITTED, events, now)

    later_answer, first_answer = SUBMITTED + timedelta(days=50), SUBMITTED + timedelta(days=30)
    answers = [CaseEvent(ANSWER, later_answer), CaseEvent(ANSWER, first_answer)]
    assert case_clock(SUBMITTED, answers + events, later_answer) == CaseClock(ANSWERED, first_answer, None)


def test_events_may_be_any_iterable_consumed_once() -> None:
    events = iter([CaseEvent(QUESTION, SUBMITTED), CaseEvent(ANSWER, DEADLINE)])
    assert case_clock(SUBMITTED, events, DEADLINE).status == ANSWERED


def test_no_submission_date_and_no_events_is_open_without_a_clock() -> None:
    far_future = datetime(2100, 1, 1, tzinfo=UTC)
    assert case_clock(None, [], far_future) == CaseClock(OPEN, None, None)


def test_a_submission_date_without_events_runs_the_clock() -> None:
    assert case_clock(SUBMITTED, [], SUBMITTED) == CaseClock(OPEN, SUBMITTED, DEADLINE)
    assert case_clock(SUBMITTED, [], DEADLINE) == CaseClock(OVERDUE, DEADLINE, DEADLINE)


def test_offsets_are_compared_as_instants() -> None:
    submitted = datetime(2026, 10, 1, 0, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # 30 Sep 22:00 UTC
    deadline_utc = datetime(2026, 10, 21, 22, 0, tzinfo=UTC)
    assert case_clock(submitted, [], deadline_utc - TICK).status == OPEN
    assert case_clock(submitted, [], deadline_utc).status == OVERDUE
