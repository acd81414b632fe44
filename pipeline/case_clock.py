"""The status and answer clock of a written-question case, computed from its documents and the time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# The Tweede Kamer's Rules of Procedure give the government three weeks to answer a written question,
# or to send a notice explaining the delay; the notice starts a new three-week period.
ANSWER_PERIOD = timedelta(weeks=3)

OPEN, POSTPONED, ANSWERED, OVERDUE = "open", "postponed", "answered", "overdue"
STATUSES = (OPEN, POSTPONED, ANSWERED, OVERDUE)

QUESTION, POSTPONEMENT, ANSWER = "question", "postponement", "answer"


@dataclass(frozen=True)
class CaseEvent:
    """A document of the case: its role (question, postponement, answer) and its date."""

    role: str
    at: datetime


@dataclass(frozen=True)
class CaseClock:
    status: str
    since: datetime | None  # when the status took effect
    due_at: datetime | None  # the running answer deadline; None once answered


def case_clock(submitted: datetime | None, events: Iterable[CaseEvent], now: datetime) -> CaseClock:
    """Where a case stands at ``now``.

    Answered as soon as any answer exists (a later "nader" answer does not reopen it). Otherwise the
    deadline is three weeks after submission, or three weeks after the latest postponement notice;
    past it the case is overdue from the deadline on.
    """
    events = sorted(events, key=lambda e: e.at)
    answers = [e for e in events if e.role == ANSWER]
    if answers:
        return CaseClock(ANSWERED, answers[0].at, None)
    postponements = [e for e in events if e.role == POSTPONEMENT]
    questions = [e for e in events if e.role == QUESTION]
    start = submitted or (questions[0].at if questions else None)
    if postponements:
        status, since, due = POSTPONED, postponements[-1].at, postponements[-1].at + ANSWER_PERIOD
    elif start is not None:
        status, since, due = OPEN, start, start + ANSWER_PERIOD
    else:
        return CaseClock(OPEN, None, None)
    if now >= due:
        return CaseClock(OVERDUE, due, due)
    return CaseClock(status, since, due)
