"""Case and accent folding shared by matching and search, so both see text the same way."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics and collapse white space: "Ïnformatie  Café" -> "informatie cafe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation dropped: "Clearview-AI's boete!" -> clearview, ai, s, boete."""
    return _WORD.findall(fold(text))
