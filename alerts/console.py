"""Prints alerts to standard output: the notifier used when no Telegram token is configured."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO


class ConsoleNotifier:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self.name = "console"

    async def __aenter__(self) -> ConsoleNotifier:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def send(self, chat_id: str, text: str, thread_id: int | None = None) -> int | None:
        stream = self._stream or sys.stdout
        where = chat_id if thread_id is None else f"{chat_id} topic {thread_id}"
        stream.write(f"--- alert for chat {where} ---\n{text}\n\n")
        stream.flush()
        return None
