"""Decides which subscribed chats (and forum topics) get an alert for a classified document."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Engine

from storage import subscriptions as subs
from waakhond.config import Subscription

def recipients(subscriptions: Sequence[Subscription], reached: Collection[str], label: str) -> list[str]:
    """Targets of the subscriptions that want a document with this label that reached these watchlists.

    The finer filters (kinds, min_relevance, entities) and delivery modes are applied by the sender.
    """
    return [s.target for s in subscriptions if s.wants(reached, label)]


class Router:
    """``router(reached, label)``: the targets of the database's enabled subscriptions and the config's unsynced ones.

    The subscriptions are read once, when the router is made: routing runs inside the transaction
    that stores a document, where SQLite allows no second connection. A crawl therefore routes with
    the subscriptions as they were when it started; the sender checks each alert's subscription
    again when it sends (a removed or disabled one gets nothing).
    """

    def __init__(self, engine: Engine, configured: Sequence[Subscription]) -> None:
        stored = subs.merged(subs.all_subscriptions(engine), configured)
        self.active = [s.subscription for s in stored if s.enabled]

    def __call__(self, reached: Collection[str], label: str) -> list[str]:
        return recipients(self.active, reached, label)
