"""Waits for a condition another process brings about (a database row, an API call), with a deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    """Call ``check`` every ``every`` seconds until it returns something truthy, and return that.

    Raises:
        AssertionError: ``timeout`` seconds passed first; the message says what was awaited.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        pause.wait(every)
