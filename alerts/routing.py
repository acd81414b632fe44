"""Decides which subscribed chats (and forum topics) get an alert for a classified document."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

from sqlalchemy import Engine

from storage import subscriptions as subs
from waakhond.config import Subscription

# Bot commands change subscriptions while crawls run; a crawl sees a change within this many seconds.
REFRESH_SECONDS = 5.0


def recipients(subscriptions: Sequence[Subscription], reached: Collection[str], label: str) -> list[str]:
    """Targets of the subscriptions that want a document with this label that reached these watchlists.

    The finer filters (kinds, min_relevance, entities) and delivery modes are applied by the sender.
    """
    return [s.target for s in subscriptions if s.wants(reached, label)]


class Router:
    """``router(reached, label)``: the targets of the database's enabled subscriptions and the config's unsynced ones."""

    def __init__(self, engine: Engine, configured: Sequence[Subscription]) -> None:
        self.engine = engine
        self.configured = tuple(configured)
        self._loaded_at = -REFRESH_SECONDS
        self._active: list[Subscription] = []

    def active(self) -> list[Subscription]:
        if time.monotonic() - self._loaded_at >= REFRESH_SECONDS:
            stored = subs.merged(subs.all_subscriptions(self.engine), self.configured)
            self._active = [s.subscription for s in stored if s.enabled]
            self._loaded_at = time.monotonic()
        return self._active

    def __call__(self, reached: Collection[str], label: str) -> list[str]:
        return recipients(self.active(), reached, label)
