"""Renders one alert as Telegram HTML or as console text; every scraped field is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pipeline.sanctions import SanctionFacts
from storage.repository import OVERDUE, MatchFound, PendingAlert
from waakhond.config import AMSTERDAM

# Telegram's limit counts characters after entity parsing: tags do not count, "&amp;" counts as one.
MAX_MESSAGE_CHARS = 4096
SNIPPET_CHARS = 400
TITLE_CHARS = 300
PAIR_CHARS = 600

# What an alert about a Kamervraag document is about: its headline, by the document's role or the event.
CASE_HEADLINES = {
    "question": "Nieuwe Kamervragen",
    "postponement": "Uitstel van antwoord op Kamervragen",
    "answer": "Antwoord op Kamervragen",
    OVERDUE: "Kamervragen niet beantwoord binnen de termijn",
}

ENTITIES_SHOWN = 6
LABEL_NAMES = {"core": "kern", "adjacent": "verwant", "unrelated": "niet relevant"}
# Pattern entities that say little in an alert on their own.
_QUIET_ENTITY_TYPES = {"date"}

# Why a stored text is only the feed's summary.
ACCESS_NOTES = {
    "paywall": "Achter een betaalmuur: de tekst is de samenvatting uit de feed",
    "consent-wall": "Achter een cookiemuur: de tekst is de samenvatting uit de feed",
}

# A line of a message: its text and how it is shown ("b" bold, "i" italic, "a" the link, "m" a snippet whose
# [[marked]] words are bold, "" plain).
Line = tuple[str, str]


# C0 and C1 control characters are shown as visible symbols (U+2400 "control pictures", or U+FFFD): a
# scraped title can then neither break the message nor hide anything. Bidirectional overrides and isolates,
# which could reorder what a reader sees, are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    text = _BIDI.sub("", text)
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20 else
                        ("\u2421" if m.group() == "\x7f" else "\ufffd"), text)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(_visible(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"


def _euros(amount: int) -> str:
    return "€ " + f"{amount:,}".replace(",", ".")


def sanction_line(facts: SanctionFacts) -> str:
    """"Boete € 725.000 · dwangsom tot € 50.000 · aan Voorbeeld B.V. · besluit 03-06-2026"."""
    parts = []
    if facts.fine_eur is not None:
        parts.append(f"Boete {_euros(facts.fine_eur)}")
    if facts.penalty_max_eur is not None:
        parts.append(f"dwangsom tot {_euros(facts.penalty_max_eur)}")
    if not parts and facts.measures:
        parts.append(", ".join(facts.measures).capitalize())
    if facts.organisation:
        parts.append(f"aan {facts.organisation}")
    if facts.decision_date:
        parts.append(f"besluit {facts.decision_date.strftime('%d-%m-%Y')}")
    return " · ".join(parts) or "Sanctie"


def _day(moment: datetime | None) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y") if moment else "onbekend"


def _ranked(alert: PendingAlert) -> list[MatchFound]:
    """The rules that spoke for the alert, strongest first: what its terms and its snippet come from."""
    return sorted((m for m in alert.matches if m.weight > 0), key=lambda m: -m.score)


def _best_snippet(ranked: list[MatchFound]) -> str | None:
    return next((m.snippet for m in ranked if m.snippet), None)


def _lines(alert: PendingAlert) -> list[Line]:
    when = alert.published_at.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M") if alert.published_at else "datum onbekend"
    positive = _ranked(alert)
    terms = ", ".join(dict.fromkeys(m.term for m in positive)) or "-"
    case = alert.case
    if case is None:
        head: list[Line] = [(_shorten(alert.title or alert.url, TITLE_CHARS), "b"), (f"{alert.source} · {when}", "i")]
        body: list[Line] = []
        if alert.sanction is not None:
            body.append((_shorten(sanction_line(alert.sanction), TITLE_CHARS), "b"))
        if alert.access in ACCESS_NOTES:
            body.append((ACCESS_NOTES[alert.access], "i"))
    else:
        headline = CASE_HEADLINES[OVERDUE if alert.event == OVERDUE else case.role]
        head = [(_shorten(f"{headline}: {case.subject or alert.title}", TITLE_CHARS), "b"), (f"{alert.source} · {when}", "i")]
        asked = f"{case.number} · gesteld door {', '.join(case.submitters) or 'onbekend'}"
        body = [(_shorten(asked + (f" aan de {case.addressee}" if case.addressee else ""), TITLE_CHARS), "")]
        if alert.event == OVERDUE:
            body.append((f"Ingediend {_day(case.submitted_at)}; termijn verstreken op {_day(case.due_at)}", ""))
        elif case.role == "question":
            body.append((f"Antwoord uiterlijk {_day(case.due_at)}", ""))
        elif case.role == "postponement":
            body.append((f"Nieuwe termijn: {_day(case.due_at)}", ""))
        elif case.role == "answer":
            body.append((_shorten(f"Beantwoord door {case.answerer or 'onbekend'}", TITLE_CHARS), ""))
            if case.first_pair is not None:
                number, question, answer = case.first_pair
                body.append((f"Vraag {number}: {_shorten(question, PAIR_CHARS)}", "i"))
                body.append((f"Antwoord {number}: {_shorten(answer or '(geen antwoord)', PAIR_CHARS)}", ""))
    lines = head + body + [(_shorten(f"Trefwoorden: {terms}", TITLE_CHARS), "")]
    why = f"{LABEL_NAMES.get(alert.label, alert.label)} (relevantie {alert.relevance:.1f})"
    if alert.tags:
        why += " · " + ", ".join(alert.tags)
    lines.append((why, "i"))
    entities = [e.name for e in alert.entities if e.type not in _QUIET_ENTITY_TYPES][:ENTITIES_SHOWN]
    if entities:
        lines.append((_shorten("Entiteiten: " + ", ".join(dict.fromkeys(entities)), TITLE_CHARS), ""))
    fixed = sum(len(text) + 1 for text, _ in lines) + len(alert.url)
    if case is None or case.first_pair is None:
        room = max(0, min(SNIPPET_CHARS, MAX_MESSAGE_CHARS - fixed))
        best = _best_snippet(positive)
        if best:
            lines.append((_shorten(best, room), "m"))
        elif snippet := _shorten(alert.text, room):
            lines.append((snippet, ""))
    lines.append((alert.url, "a"))
    return lines


def _with_also_in(lines: list[Line], also_in: Sequence[str]) -> list[Line]:
    """A story's other outlets go just above the link ("Ook bij: …")."""
    if not also_in:
        return lines
    return lines[:-1] + [(_shorten("Ook bij: " + ", ".join(dict.fromkeys(also_in)), TITLE_CHARS), "i"), lines[-1]]


def render_html(alert: PendingAlert, also_in: Sequence[str] = ()) -> str:
    """The alert in Telegram's HTML parse mode, at most MAX_MESSAGE_CHARS visible characters."""
    return _html(_with_also_in(_lines(alert), also_in))


def _html(lines: list[Line]) -> str:
    out = []
    for text, style in lines:
        shown = html.escape(text, quote=False)
        if style == "a":
            out.append(f'<a href="{html.escape(text, quote=True)}">{shown}</a>')
        elif style == "m":
            out.append(_marked(shown, "<b>", "</b>"))
        elif style:
            out.append(f"<{style}>{shown}</{style}>")
        else:
            out.append(shown)
    return "\n".join(out)


def render_text(alert: PendingAlert, also_in: Sequence[str] = ()) -> str:
    """The same alert as plain text, for the console."""
    return _text(_with_also_in(_lines(alert), also_in))


def _text(lines: list[Line]) -> str:
    return "\n".join(_marked(text, "*", "*") if style == "m" else text for text, style in lines)


def visible_length(lines: list[Line]) -> int:
    """Telegram's count of a message after entity parsing: UTF-16 code units of the text without markup."""
    plain = _text(lines).replace("*", "") if lines else ""
    return len(plain.encode("utf-16-le")) // 2


DIGEST_SNIPPET_CHARS = 240


@dataclass(frozen=True)
class DigestPart:
    """One message of a digest and the outbox rows whose items it carries (each item whole in one part)."""

    text: str
    outbox_ids: tuple[int, ...]


def _digest_item(alert: PendingAlert, also_in: Sequence[str]) -> list[Line]:
    when = alert.published_at.astimezone(AMSTERDAM).strftime("%d-%m %H:%M") if alert.published_at else "datum onbekend"
    lines: list[Line] = [(_shorten(alert.title or alert.url, TITLE_CHARS), "b"), (f"{alert.source} · {when}", "i")]
    best = _best_snippet(_ranked(alert))
    if best:
        lines.append((_shorten(best, DIGEST_SNIPPET_CHARS), "m"))
    lines.append((alert.url, "a"))
    return _with_also_in(lines, also_in)


def render_digest(
    alerts: Sequence[PendingAlert], also_in: Mapping[int, Sequence[str]], html_mode: bool = True,
    limit: int = MAX_MESSAGE_CHARS,
) -> list[DigestPart]:
    """A digest of these alerts as one or more messages, split between items, each within ``limit``."""
    heading = f"Waakhond-overzicht: {len(alerts)} bericht{'en' if len(alerts) != 1 else ''}"
    render = _html if html_mode else _text
    parts: list[tuple[list[list[Line]], list[int]]] = []
    items: list[list[Line]] = []
    ids: list[int] = []
    # Room for the heading with a part number ("(deel 12/12)") and the blank lines between items.
    budget = limit - len(heading) - 16
    used = 0
    for alert in alerts:
        item = _digest_item(alert, also_in.get(alert.document_id or -1, ()))
        size = visible_length(item) + 2
        if items and used + size > budget:
            parts.append((items, ids))
            items, ids, used = [], [], 0
        items.append(item)
        ids.append(alert.outbox_id)
        used += size
    if items:
        parts.append((items, ids))
    out = []
    for number, (chunk, chunk_ids) in enumerate(parts, 1):
        title = heading + (f" (deel {number}/{len(parts)})" if len(parts) > 1 else "")
        head = render([(title, "b")])
        out.append(DigestPart(head + "\n\n" + "\n\n".join(render(i) for i in chunk), tuple(chunk_ids)))
    return out


def _marked(text: str, open_: str, close: str) -> str:
    """A snippet with its [[marked]] words between ``open_`` and ``close``; unpaired marks (cut off) are dropped."""
    if text.count("[[") != text.count("]]"):
        return text.replace("[[", "").replace("]]", "")
    return text.replace("[[", open_).replace("]]", close)
