"""Reliability suite: prints the fault-injection figures at the end of the run, whatever -s says."""

from __future__ import annotations

import pytest

from tests.reliability.figures import EXTRA, FAULTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FAULTS.runs and not EXTRA:
        return
    terminalreporter.section("reliability figures")
    if FAULTS.runs:
        for line in FAULTS.lines():
            terminalreporter.write_line(line)
    for name, lines in EXTRA.items():
        for line in lines:
            terminalreporter.write_line(f"{name}: {line}")
