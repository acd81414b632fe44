"""Watchlist query syntax: what parses to what, and clear errors with a column for what does not."""

from __future__ import annotations

import pytest

from pipeline.errors import QuerySyntaxError
from pipeline.query import And, EntityRef, Near, Not, Or, Phrase, Word, parse_query, parse_term


def test_operators_and_precedence() -> None:
    assert parse_query("a b OR c") == Or((And((Word("a"), Word("b"))), Word("c")))
    assert parse_query("a AND (b OR c)") == And((Word("a"), Or((Word("b"), Word("c")))))
    assert parse_query("a NOT b") == And((Word("a"), Not(Word("b"))))
    assert parse_query("a -b") == And((Word("a"), Not(Word("b"))))
    assert parse_query("a NEAR/3 b OR c") == Or((Near(Word("a"), Word("b"), 3), Word("c")))
    assert parse_query("a NEAR b") == Near(Word("a"), Word("b"), 10)


def test_leaves() -> None:
    assert parse_query("herkenn*") == Word("herkenn", prefix=True)
    assert parse_query('"Biometrische Gegevens"') == Phrase((Word("biometrische", exact=True), Word("gegevens", exact=True)))
    assert parse_query("AI-verordening") == Phrase((Word("ai", exact=True), Word("verordening", exact=True)))
    assert parse_query("@autoriteit-persoonsgegevens") == EntityRef("autoriteit-persoonsgegevens")
    assert parse_query("Café") == Word("cafe")
    assert parse_query("or and") == And((Word("or"), Word("and")))  # lower-case operators are words


def test_terms_are_literal() -> None:
    assert parse_term("Clearview AI") == Phrase((Word("clearview", exact=True), Word("ai", exact=True)))
    assert parse_term("AND") == Word("and")
    assert parse_term("gezichts*") == Word("gezichts", prefix=True)


@pytest.mark.parametrize(
    ("query", "column", "reason"),
    [
        ("", 1, "empty"),
        ("a OR", 5, "ends where"),
        ("(a", 1, "never closed"),
        ('"a', 1, "quote is never closed"),
        ("NOT a", 1, "only excludes"),
        ("a NEAR/500 b", 3, "1 to 100"),
        ("AND a", 1, "both sides"),
        ("a )", 3, "unexpected"),
        ("x*", 1, "two letters"),
        ("@Bad!", 1, "not an entity id"),
        ("...", 1, "no letters"),
        ("a NEAR/5 -b", 3, "not an exclusion"),
        ("(NOT a) NEAR b c", 9, "not an exclusion"),
    ],
)
def test_errors_name_the_column(query: str, column: int, reason: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse_query(query)
    assert err.value.column == column
    assert reason in err.value.reason
