"""Keeps sending within Telegram's flood limits: per chat, per group and overall (leaky buckets)."""

from __future__ import annotations

from dataclasses import dataclass

from aiolimiter import AsyncLimiter


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented limits: about 1 message/s per chat, 20/min per group, 30/s overall."""

    per_chat: float = 1.0  # messages per second in one chat
    per_group: int = 20  # messages per minute in one group or channel
    overall: int = 30  # messages per second across all chats

    def minimum_seconds(self, per_chat_counts: dict[str, int]) -> float:
        """The least time these messages (count per chat) can take under the limits, buckets starting full."""
        total = sum(per_chat_counts.values())
        bound = max(0.0, (total - self.overall) / self.overall)
        for chat, count in per_chat_counts.items():
            bound = max(bound, (count - 1) / self.per_chat)
            if is_group(chat):
                bound = max(bound, (count - self.per_group) * 60 / self.per_group)
        return bound


def is_group(chat_id: str) -> bool:
    """Groups, supergroups and channels have negative ids or an @name; private chats positive ids."""
    return chat_id.startswith(("-", "@"))


class FloodLimiter:
    """``await acquire(chat)`` before each message; waits as long as the chat's, group's and overall limits need."""

    def __init__(self, limits: FloodLimits = FloodLimits()) -> None:
        self.limits = limits
        self._overall = AsyncLimiter(limits.overall, 1)
        self._chats: dict[str, AsyncLimiter] = {}
        self._groups: dict[str, AsyncLimiter] = {}

    async def acquire(self, chat_id: str) -> None:
        # The overall bucket is taken last, so a chat waiting for its own slot holds no shared capacity.
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = AsyncLimiter(1, 1 / self.limits.per_chat)
        await chat.acquire()
        if is_group(chat_id):
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = AsyncLimiter(self.limits.per_group, 60)
            await group.acquire()
        await self._overall.acquire()


class Unlimited:
    """For the console: no limits."""

    async def acquire(self, chat_id: str) -> None:
        return None
