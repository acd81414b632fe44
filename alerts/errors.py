"""Errors of alert delivery, as the sender acts on them.

AlertError
 ├── NotifierUnavailable    the notifier cannot work at all (Telegram rejected the token); stop sending
 └── DeliveryError          one message could not be delivered
      ├── RetryLater        try again later (flood control, network trouble, server errors)
      └── Undeliverable     never retry this message (chat gone, bot blocked, message refused)
           ├── ChatForbidden    403: the bot was blocked or removed; the chat's subscriptions are disabled
           └── MessageRejected  400: Telegram refused this message for good; it becomes a dead letter
"""

from __future__ import annotations


class AlertError(Exception):
    """Base of alert-delivery errors."""


class NotifierUnavailable(AlertError):
    pass


class DeliveryError(AlertError):
    pass


class RetryLater(DeliveryError):
    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.after_seconds = after_seconds


class Undeliverable(DeliveryError):
    pass


class ChatForbidden(Undeliverable):
    pass


class MessageRejected(Undeliverable):
    pass
