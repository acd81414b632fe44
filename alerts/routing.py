"""Decides which subscribed chats get an alert for a classified document."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from waakhond.config import Subscription


def recipients(subscriptions: Sequence[Subscription], reached: Collection[str], label: str) -> list[str]:
    """Chat ids of the subscriptions that want a document with this label that reached these watchlists."""
    return [s.chat_id for s in subscriptions if s.wants(reached, label)]
