"""Renders one alert as Telegram HTML or as console text; every scraped field is escaped."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from storage.repository import PendingAlert

# Telegram's limit counts characters after entity parsing: tags do not count, "&amp;" counts as one.
MAX_MESSAGE_CHARS = 4096
SNIPPET_CHARS = 400
TITLE_CHARS = 300
_AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"


def _parts(alert: PendingAlert) -> tuple[str, str, str, str, str]:
    title = _shorten(alert.title or alert.url, TITLE_CHARS)
    when = alert.published_at.astimezone(_AMSTERDAM).strftime("%d-%m-%Y %H:%M") if alert.published_at else "datum onbekend"
    meta = f"{alert.source} · {when}"
    terms = ", ".join(dict.fromkeys(m.term for m in alert.matches)) or "-"
    fixed = len(title) + len(meta) + len("Trefwoorden: ") + len(terms) + len(alert.url) + 8
    snippet = _shorten(alert.text, max(0, min(SNIPPET_CHARS, MAX_MESSAGE_CHARS - fixed)))
    return title, meta, terms, snippet, alert.url


def render_html(alert: PendingAlert) -> str:
    """The alert in Telegram's HTML parse mode, at most MAX_MESSAGE_CHARS visible characters."""
    title, meta, terms, snippet, url = _parts(alert)
    esc = lambda s: html.escape(s, quote=False)  # noqa: E731
    lines = [
        f"<b>{esc(title)}</b>",
        f"<i>{esc(meta)}</i>",
        f"Trefwoorden: {esc(terms)}",
    ]
    if snippet:
        lines.append(esc(snippet))
    lines.append(f'<a href="{html.escape(url, quote=True)}">{esc(url)}</a>')
    return "\n".join(lines)


def render_text(alert: PendingAlert) -> str:
    """The same alert as plain text, for the console."""
    title, meta, terms, snippet, url = _parts(alert)
    lines = [title, meta, f"Trefwoorden: {terms}"]
    if snippet:
        lines.append(snippet)
    lines.append(url)
    return "\n".join(lines)
