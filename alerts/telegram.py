"""Delivers rendered alerts through python-telegram-bot, mapping its errors to the sender's outcomes."""

from __future__ import annotations

import logging
import os
from types import TracebackType

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from alerts.errors import ChatForbidden, MessageRejected, NotifierUnavailable, RetryLater, Undeliverable

logger = logging.getLogger(__name__)

# PTB 22 warns on every RetryAfter unless retry_after is opted into as a timedelta; this is its switch.
os.environ.setdefault("PTB_TIMEDELTA", "1")


class TelegramNotifier:
    """Sends HTML messages to chats through the Bot API at ``api_url`` (the part before /bot<token>)."""

    def __init__(self, token: str, api_url: str, timeout: float = 20.0) -> None:
        request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
        self._bot = Bot(token, base_url=f"{api_url.rstrip('/')}/bot", request=request)
        self.name = "telegram"

    async def __aenter__(self) -> TelegramNotifier:
        try:
            await self._bot.initialize()
        except InvalidToken as exc:
            raise NotifierUnavailable("Telegram rejected the bot token (TELEGRAM_BOT_TOKEN)") from exc
        except (TimedOut, NetworkError) as exc:
            raise NotifierUnavailable(f"cannot reach the Telegram Bot API: {exc.message}") from exc
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self._bot.shutdown()
        except TelegramError:  # pragma: no cover - shutdown only closes the HTTP client
            logger.debug("error while closing the Telegram client", exc_info=True)

    async def send(self, chat_id: str, html_text: str, thread_id: int | None = None) -> int | None:
        """Send one message; returns Telegram's message id.

        Raises:
            RetryLater: flood control, time-outs, network or server errors.
            Undeliverable: the chat is gone, the bot was blocked, or Telegram refused the message.
        """
        target: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        try:
            message = await self._bot.send_message(
                target, html_text, parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True),
                message_thread_id=thread_id,
            )
        except RetryAfter as exc:
            delay = exc.retry_after
            seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
            raise RetryLater(f"flood control: retry after {seconds:g}s", after_seconds=seconds) from exc
        except Forbidden as exc:
            raise ChatForbidden(f"forbidden: {exc.message}") from exc
        except ChatMigrated as exc:
            raise Undeliverable(f"chat migrated to {exc.new_chat_id}; update the subscription") from exc
        except InvalidToken as exc:
            raise NotifierUnavailable("Telegram rejected the bot token (TELEGRAM_BOT_TOKEN)") from exc
        except BadRequest as exc:
            # BadRequest subclasses NetworkError, so it must be caught first.
            raise MessageRejected(f"bad request: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(f"network: {exc.message}") from exc
        return message.message_id
