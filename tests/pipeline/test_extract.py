"""Extraction at the trafilatura boundary: text and metadata, or a named reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.errors import EmptyExtraction
from pipeline.extract import extract, parse_date

BODY = " ".join(["De gemeente onderzoekt of camera's met gezichtsherkenning bij het zwembad mogen worden ingezet."] * 6)
PAGE = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Zwembad | Krant</title>
<meta name="author" content="Sanne de Vries">
<meta property="article:published_time" content="2026-11-20T09:30:00+01:00"></head>
<body><nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article><h1>Zwembad wil gezichtsherkenning</h1><p>{BODY}</p><p>{BODY}</p></article>
<footer>Copyright Krant</footer></body></html>"""


def test_text_and_metadata() -> None:
    result = extract(PAGE, "https://krant.example/zwembad")
    assert "camera's met gezichtsherkenning bij het zwembad" in result.text
    assert "Copyright Krant" not in result.text
    assert result.author == "Sanne de Vries"
    assert result.published == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_page_without_main_text_raises_a_named_error() -> None:
    with pytest.raises(EmptyExtraction):
        extract("<html><body><nav><a href='/'>Home</a></nav><script>var x=1;</script></body></html>", "https://a.nl/")


def test_bytes_in_other_encodings_are_decoded() -> None:
    page = PAGE.replace('charset="utf-8"', 'charset="windows-1252"').replace("gemeente", "café-gemeente")
    result = extract(page.encode("cp1252"), "https://krant.example/zwembad")
    assert "café-gemeente" in result.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T09:30:00+0100", datetime(2026, 11, 20, 8, 30, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        ("gisteren", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: datetime | None) -> None:
    assert parse_date(value) == expected
