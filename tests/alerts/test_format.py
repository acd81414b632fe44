"""Alert messages: scraped text is escaped, the limit after entity parsing is respected."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from alerts.format import MAX_MESSAGE_CHARS, render_html, render_text
from storage.repository import MatchFound, PendingAlert


def alert(**changes: object) -> PendingAlert:
    values: dict[str, object] = dict(
        outbox_id=1, chat_id="42", attempts=1, source="dagblad", kind="news",
        title="Politie gebruikt gezichtsherkenning", url="https://dagblad.example/a?x=1&y=2",
        published_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC), text="De politie zet gezichtsherkenning in.",
        matches=(MatchFound("gezichtsherkenning", "gezichtsherkenning", 2), MatchFound("fr", "Clearview", 1)),
    )
    values.update(changes)
    return PendingAlert(**values)  # type: ignore[arg-type]


def visible(html_text: str) -> str:
    """What Telegram counts: the text after entity parsing."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def test_message_has_title_source_date_terms_and_link() -> None:
    message = render_html(alert())
    assert message.startswith("<b>Politie gebruikt gezichtsherkenning</b>")
    assert "dagblad · 21-11-2026 10:00" in message  # Amsterdam time
    assert "Trefwoorden: gezichtsherkenning, Clearview" in message
    assert '<a href="https://dagblad.example/a?x=1&amp;y=2">' in message


def test_scraped_markup_is_escaped() -> None:
    message = render_html(alert(title='<script>alert(1)</script> & </b><a href="x">', text="<i>niet cursief</i> & meer",
                                url='https://e.example/"><b>'))
    tags = re.findall(r"</?([a-z]+)", message)
    assert set(tags) <= {"b", "i", "a"} and tags.count("a") == 2  # only our own tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;/b&gt;" in message
    assert 'href="https://e.example/&quot;&gt;&lt;b&gt;"' in message


def test_long_text_stays_under_the_limit_after_entity_parsing() -> None:
    message = render_html(alert(title="&" * 5000, text="<>" * 20000))
    assert len(visible(message)) <= MAX_MESSAGE_CHARS
    assert len(message) > MAX_MESSAGE_CHARS // 2  # escaping made it longer, which is allowed


def test_console_text_is_plain() -> None:
    text = render_text(alert(published_at=None))
    assert "<" not in text and "datum onbekend" in text and text.endswith("https://dagblad.example/a?x=1&y=2")
