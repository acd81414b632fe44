"""Case and accent folding shared by matching and search, so both see text the same way."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics and collapse white space: "Ïnformatie  Café" -> "informatie cafe"."""
    folded = text.casefold()
    if not folded.isascii():  # ASCII has nothing to decompose or strip
        folded = unicodedata.normalize("NFKD", folded)
        # Dropping the few distinct combining marks with translate() costs a set of the text's characters,
        # not a Python call per character (whole texts are folded for search and near-duplicate signatures).
        marks = {ord(ch): None for ch in set(folded) if unicodedata.combining(ch)}
        if marks:
            folded = folded.translate(marks)
    return " ".join(folded.split())


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation dropped: "Clearview-AI's boete!" -> clearview, ai, s, boete."""
    return _WORD.findall(fold(text))
