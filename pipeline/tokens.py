"""Splits text into folded word tokens that remember where they stand in the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.folding import fold

# Letters, digits and combining accents (a decomposed "é" stays one word); everything else separates words,
# so "AI-verordening" is two tokens and "camera's" is "camera" + "s".
WORD = re.compile(r"[\w\u0300-\u036f]+")
# Positions between fields are this far apart, so no phrase or NEAR/n query reaches from a title into the text.
FIELD_GAP = 1000


@dataclass(frozen=True, slots=True)
class Token:
    folded: str  # lower-case, accents stripped: what matching compares
    original: str  # as written: what case-sensitive aliases ("AP", "CATCH") compare
    field: str  # which text it came from: "title", "text", ...
    start: int  # character offsets in that field's text
    end: int
    position: int  # word number across all fields, with FIELD_GAP between fields


def tokenize(fields: list[tuple[str, str]]) -> list[Token]:
    """The tokens of each (field name, text) pair in order."""
    tokens: list[Token] = []
    position = 0
    for name, text in fields:
        for m in WORD.finditer(text):
            original = m.group()
            tokens.append(Token(fold(original), original, name, m.start(), m.end(), position))
            position += 1
        position += FIELD_GAP
    return tokens
