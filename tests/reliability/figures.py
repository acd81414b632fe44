"""Figures the reliability suite collects while it runs, printed in pytest's terminal summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FaultFigures:
    runs: int = 0
    faults_injected: int = 0
    by_point: Counter[str] = field(default_factory=Counter)
    by_backend: Counter[str] = field(default_factory=Counter)
    items_checked: int = 0
    alerts_checked: int = 0
    documents_lost: int = 0
    alerts_lost: int = 0
    duplicates: int = 0
    duplicates_in_window: int = 0  # kills between Telegram accepting a message and its row marked sent

    def lines(self) -> list[str]:
        points = ", ".join(f"{k} {v}" for k, v in sorted(self.by_point.items()))
        backends = ", ".join(f"{k} {v}" for k, v in sorted(self.by_backend.items()))
        return [
            f"runs {self.runs} ({backends}), faults injected (SIGKILL) {self.faults_injected}: {points}",
            f"items checked {self.items_checked}, alerts checked {self.alerts_checked}",
            f"documents lost {self.documents_lost}, alerts lost {self.alerts_lost}",
            f"duplicate alerts {self.duplicates} (of which in the documented kill-between-accept-and-record "
            f"window: {self.duplicates_in_window})",
        ]


FAULTS = FaultFigures()
EXTRA: dict[str, list[str]] = {}  # other reliability tests' figures, by test name
