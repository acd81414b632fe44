"""First classification step: which watchlist terms occur in a document, case- and accent-insensitive."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.folding import fold


@dataclass(frozen=True)
class TermMatch:
    watchlist: str
    term: str
    count: int


class Classifier:
    """Matches whole words and phrases: "AP" does not fire inside "graanprijzen"."""

    def __init__(self, watchlists: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._patterns: list[tuple[str, str, str, re.Pattern[str]]] = []
        for name, terms in watchlists:
            for term in terms:
                folded = fold(term)
                if not folded:
                    continue
                # Word boundaries on folded text; white space inside a phrase may be any run of it.
                body = r"\s+".join(re.escape(part) for part in folded.split(" "))
                self._patterns.append((name, term, folded, re.compile(rf"(?<!\w){body}(?!\w)")))

    def classify(self, *texts: str | None) -> list[TermMatch]:
        folded = fold(" \n ".join(t for t in texts if t))
        matches = []
        for watchlist, term, needle, pattern in self._patterns:
            # Most terms are absent from most texts: a substring test settles those without the regex.
            if needle not in folded:
                continue
            count = len(pattern.findall(folded))
            if count:
                matches.append(TermMatch(watchlist, term, count))
        return matches
