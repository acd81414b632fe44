"""Splits text into folded word tokens that remember where they stand in the original text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pipeline.folding import fold

# Letters, digits and combining accents (a decomposed "é" stays one word); everything else separates words,
# so "AI-verordening" is two tokens and "camera's" is "camera" + "s".
WORD = re.compile(r"[\w\u0300-\u036f]+")
# Positions between fields are this far apart, so no phrase or NEAR/n query reaches from a title into the text.
FIELD_GAP = 1000


# A tuple, not a frozen dataclass: a 5 KB text makes ~750 tokens, and a frozen dataclass's __init__ (one
# object.__setattr__ per field) was a sixth of classification time (bench/pipeline.py profile).
class Token(NamedTuple):
    folded: str  # lower-case, accents stripped: what matching compares
    original: str  # as written: what case-sensitive aliases ("AP", "CATCH") compare
    field: str  # which text it came from: "title", "text", ...
    start: int  # character offsets in that field's text
    end: int
    position: int  # word number across all fields, with FIELD_GAP between fields


# Words repeat: folding each distinct non-ASCII word once per process is what keeps tokenising cheap.
_fold_word = lru_cache(maxsize=65536)(fold)


def fold_word(word: str) -> str:
    """fold() of one WORD match: for ASCII that is just lower() (no accents to strip, no white space inside)."""
    return word.lower() if word.isascii() else _fold_word(word)


def tokenize(fields: list[tuple[str, str]]) -> list[Token]:
    """The tokens of each (field name, text) pair in order."""
    tokens: list[Token] = []
    append = tokens.append
    position = 0
    for name, text in fields:
        for m in WORD.finditer(text):
            original = m.group()
            append(Token(fold_word(original), original, name, m.start(), m.end(), position))
            position += 1
        position += FIELD_GAP
    return tokens
