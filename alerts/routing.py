"""Decides which subscribed chats get an alert for a document's matches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from waakhond.config import Subscription


def recipients(subscriptions: Sequence[Subscription], matched_watchlists: Iterable[str]) -> list[str]:
    """Chat ids of the subscriptions that want a document matching these watchlists."""
    matched = set(matched_watchlists)
    return [s.chat_id for s in subscriptions if s.wants(matched)]
