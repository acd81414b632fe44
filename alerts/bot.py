"""The Telegram bot: commands by long polling (python-telegram-bot Application), only from allow-listed users and chats.

Readers (members of [bot] allowed_chats, and admins) may use /start /help /latest /search /status;
admins ([bot] admins) also /subscribe /unsubscribe /mute. Anyone else gets one polite refusal per
hour and nothing else: no data, no state change, not even whether the chat is known.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import signal
import time

from sqlalchemy import Engine
from telegram import LinkPreviewOptions, Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from storage import search
from storage import subscriptions as stored
from storage.errors import QueryError
from storage.models import utcnow
from waakhond.config import AMSTERDAM, Config, Settings, Subscription, parse_duration

logger = logging.getLogger(__name__)

REFUSAL = "Sorry, deze bot beantwoordt alleen geautoriseerde chats."
REFUSAL_EVERY = 3600.0  # seconds: a stranger's chat hears the refusal at most this often
RESULTS = 5
HELP = (
    "<b>Waakhond</b> volgt nieuws, Kamervragen en AP-besluiten over gezichtsherkenning en biometrie.\n"
    "/latest — de nieuwste relevante berichten\n"
    "/search WOORDEN — zoeken in het archief\n"
    "/status — abonnement van deze chat\n"
    "/subscribe [watchlist ...] — deze chat (of dit topic) abonneren (beheerders)\n"
    "/unsubscribe — abonnement opzeggen (beheerders)\n"
    "/mute DUUR — meldingen vasthouden, bijv. 2h, 30m, 1d; /mute off (beheerders)"
)
ADMIN_COMMANDS = {"subscribe", "unsubscribe", "mute"}
_DURATION = re.compile(r"^(\d{1,4})([mhd])$")


class CommandBot:
    """The command handlers, bound to the archive and the config's allow-list."""

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine = engine
        self.config = config
        self._refused: dict[int, float] = {}

    def allowed(self, update: Update, command: str) -> bool:
        user = update.effective_user
        chat = update.effective_chat
        if user is not None and user.id in self.config.bot.admins:
            return True
        if command in ADMIN_COMMANDS or chat is None:
            return False
        return str(chat.id) in self.config.bot.allowed_chats or (
            chat.username is not None and f"@{chat.username}" in self.config.bot.allowed_chats
        )

    async def handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = message.text.split()[0][1:].split("@")[0].lower()
        if not self.allowed(update, command):
            last = self._refused.get(chat.id)
            if last is None or time.monotonic() - last >= REFUSAL_EVERY:
                self._refused[chat.id] = time.monotonic()
                await message.reply_text(REFUSAL)
            logger.info("bot: /%s refused in chat %s", command, chat.id)
            return
        args = message.text.split()[1:]
        thread = message.message_thread_id if message.is_topic_message else None
        reply = await asyncio.to_thread(self.answer, command, args, str(chat.id), thread)
        await message.reply_html(reply, link_preview_options=LinkPreviewOptions(is_disabled=True))

    def answer(self, command: str, args: list[str], chat_id: str, thread_id: int | None) -> str:
        """The HTML reply to an allowed command (runs in a thread: it queries the database)."""
        if command in ("start", "help"):
            return HELP
        if command == "latest":
            return self._hits(search.search(self.engine, None, search.Filters(labels=("core",)), limit=RESULTS).hits,
                              "Nieuwste relevante berichten")
        if command == "search":
            if not args:
                return "Gebruik: /search WOORDEN"
            try:
                results = search.search(self.engine, " ".join(args), limit=RESULTS)
            except QueryError as exc:
                return html.escape(str(exc), quote=False)
            return self._hits(results.hits, f"Zoekresultaten voor {' '.join(args)}")
        if command == "status":
            return self._status(chat_id)
        if command == "subscribe":
            return self._subscribe(args, chat_id, thread_id)
        if command == "unsubscribe":
            target = Subscription(chat_id, thread_id=thread_id).target
            return "Abonnement opgezegd." if stored.remove(self.engine, target) else "Deze chat had geen abonnement."
        if command == "mute":
            return self._mute(args, chat_id)
        return "Onbekend commando. " + HELP

    def _hits(self, hits: list[search.SearchHit], heading: str) -> str:
        if not hits:
            return f"<b>{html.escape(heading, quote=False)}</b>\nGeen berichten gevonden."
        lines = [f"<b>{html.escape(heading, quote=False)}</b>"]
        for hit in hits:
            when = hit.dated.astimezone(AMSTERDAM).strftime("%d-%m-%Y")
            lines.append(
                f'• <a href="{html.escape(hit.url, quote=True)}">{html.escape(hit.title[:200], quote=False)}</a>'
                f" <i>({html.escape(hit.source, quote=False)}, {when})</i>"
            )
        return "\n".join(lines)

    def _status(self, chat_id: str) -> str:
        rows = stored.of_chat(self.engine, chat_id)
        if not rows:
            return "Deze chat heeft geen abonnement. /subscribe om er een te nemen."
        return "\n".join(html.escape(stored.describe(r), quote=False) for r in rows)

    def _subscribe(self, args: list[str], chat_id: str, thread_id: int | None) -> str:
        known = {w.name for w in self.config.watchlists}
        unknown = [a for a in args if a not in known]
        if unknown:
            return html.escape(f"Onbekende watchlist: {unknown[0]} (bekend: {', '.join(sorted(known))})", quote=False)
        sub = Subscription(chat_id, watchlists=tuple(args) or None, thread_id=thread_id)
        new = stored.add(self.engine, sub)
        what = ", ".join(args) if args else "alle kernberichten"
        return html.escape(f"{'Geabonneerd' if new else 'Abonnement bijgewerkt'}: {what}.", quote=False)

    def _mute(self, args: list[str], chat_id: str) -> str:
        if len(args) != 1:
            return "Gebruik: /mute 2h (of 30m, 1d), of /mute off"
        if args[0].lower() == "off":
            stored.mute(self.engine, chat_id, None)
            return "Meldingen staan weer aan."
        # The config's duration notation, in the units and size that make sense for a mute.
        duration = parse_duration(args[0].lower()) if _DURATION.match(args[0].lower()) else None
        if duration is None:
            return "Gebruik: /mute 2h (of 30m, 1d), of /mute off"
        until = utcnow() + duration
        if not stored.mute(self.engine, chat_id, until):
            return "Deze chat heeft geen abonnement om te dempen."
        return f"Gedempt tot {until.astimezone(AMSTERDAM).strftime('%d-%m-%Y %H:%M')}; de meldingen komen daarna."


COMMANDS = ("start", "help", "latest", "search", "status", "subscribe", "unsubscribe", "mute")


def build_application(token: str, api_url: str, engine: Engine, config: Config) -> Application:  # type: ignore[type-arg]
    """The PTB Application with every command routed through the allow-list."""
    bot = CommandBot(engine, config)
    request = HTTPXRequest(connect_timeout=20, read_timeout=30)
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api_url.rstrip('/')}/bot")
        .request(request)
        .get_updates_request(HTTPXRequest(connect_timeout=20, read_timeout=40))
        .build()
    )
    app.add_handler(CommandHandler(list(COMMANDS), bot.handle))
    return app


async def start_bot(app: Application, poll_timeout: int = 25) -> None:  # type: ignore[type-arg]
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=poll_timeout, drop_pending_updates=False)


async def stop_bot(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


async def run_bot(settings: Settings, config: Config, engine: Engine) -> None:
    """`waakhond bot`: poll until SIGINT or SIGTERM."""
    assert settings.telegram_bot_token
    app = build_application(settings.telegram_bot_token, settings.telegram_api_url, engine, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await start_bot(app)
    logger.info("bot: answering commands (%d admins, %d allowed chats)", len(config.bot.admins),
                len(config.bot.allowed_chats))
    try:
        await stop.wait()
    finally:
        await stop_bot(app)

