"""Finds which watch words a text's tokens match, with dictionary look-ups whose cost does not grow with the word count.

Four ways a token can match a word (all on folded text):

- ``literal``: the same word ("d66" for an alias).
- ``inflect``: the same word family (pipeline.stemming.root): "biometrische" for "biometrie".
- ``dutch``: the same family, or the word inside a compound: "gezichtsherkenningssoftware" and
  "politiegezichtsherkenning" for "gezichtsherkenning". Only words of COMPOUND_MIN letters or more
  take part in compounds, and the rest of the compound must be a word of its own (three letters or
  more), so "anpr" never matches inside "graanprijzen" and "politie" not inside "politieke".
- ``prefix``: the token starts with it ("herkenn*").

Per token the look-ups are bounded by the token's length, not by the number of words watched; results
are cached per distinct token, which in running text repeats often.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.stemming import root, stem

COMPOUND_MIN = 6
# The shortest part a compound may have besides the watched word ("ssoftware", "politie").
_REST_MIN = 3
_CACHE_LIMIT = 200_000

LITERAL, INFLECT, DUTCH, PREFIX = "literal", "inflect", "dutch", "prefix"


class Lexicon:
    """Words to look for, each with an id; ``match`` gives the ids a token matches."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self._literal: dict[str, list[int]] = defaultdict(list)
        self._family: dict[str, list[int]] = defaultdict(list)
        self._inside: dict[str, list[int]] = defaultdict(list)  # folded compound part -> ids
        self._head_stem: dict[str, list[int]] = defaultdict(list)  # stem of a compound's last part -> ids
        self._head_root: dict[str, list[int]] = defaultdict(list)
        self._prefix: dict[str, list[int]] = defaultdict(list)
        # The lengths of the words in each index, ascending so that loops can stop early.
        self._inside_lengths: list[int] = []
        self._head_lengths: list[int] = []
        self._prefix_lengths: list[int] = []
        self._cache: dict[str, tuple[int, ...]] = {}
        self._stale = False

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, mode: str, word: str) -> int:
        """The id of a (mode, folded word), added if new."""
        key = (mode, word)
        if key in self._ids:
            return self._ids[key]
        wid = len(self._ids)
        self._ids[key] = wid
        self._cache.clear()
        if mode == LITERAL:
            self._literal[word].append(wid)
        elif mode == PREFIX:
            self._prefix[word].append(wid)
        else:
            self._family[root(word)].append(wid)
            if mode == DUTCH and len(word) >= COMPOUND_MIN:
                self._inside[word].append(wid)
                self._head_stem[stem(word)].append(wid)
                # A short family key ("polit" for "politie") would end unrelated words ("kosmopolit-isch").
                if len(root(word)) >= COMPOUND_MIN:
                    self._head_root[root(word)].append(wid)
        self._stale = True
        return wid

    def _index_lengths(self) -> None:
        """Recompute the word lengths each index holds, once after words were added (not per word: that is quadratic)."""
        self._prefix_lengths = sorted({len(w) for w in self._prefix})
        self._inside_lengths = sorted({len(w) for w in self._inside})
        self._head_lengths = sorted({len(k) for k in self._head_stem} | {len(k) for k in self._head_root})
        self._stale = False

    def match(self, token: str) -> tuple[int, ...]:
        """The ids of the words this folded token matches."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        if self._stale:
            self._index_lengths()
        found = self._match(token)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = found
        return found

    def _match(self, token: str) -> tuple[int, ...]:
        found: set[int] = set()
        found.update(self._literal.get(token, ()))
        if token.isdigit():
            return tuple(sorted(found))
        token_root = root(token)
        found.update(self._family.get(token_root, ()))
        n = len(token)
        for length in self._prefix_lengths:
            if length > n:
                break
            found.update(self._prefix.get(token[:length], ()))
        if n >= COMPOUND_MIN + _REST_MIN:
            self._compound(token, token_root, found)
        return tuple(sorted(found))

    def _compound(self, token: str, token_root: str, found: set[int]) -> None:
        n = len(token)
        # The watched word at the start or inside, followed by a part of its own ("gezichtsherkenning|ssoftware").
        for length in self._inside_lengths:
            if length + _REST_MIN > n:
                break
            for start in (0, *range(_REST_MIN, n - length + 1)):
                end = start + length
                rest = n - end
                if rest == 0 and start == 0:
                    continue  # the whole token: the family look-up covers it
                if 0 < rest < _REST_MIN:
                    continue  # "politie|k" is "politiek", not a compound
                ids = self._inside.get(token[start:end])
                if ids:
                    found.update(ids)
        # The watched word as the (inflected) last part: "politie|camera's", "gedrags|biometrische".
        token_stem = stem(token)
        for length in self._head_lengths:
            for key, index in ((token_stem, self._head_stem), (token_root, self._head_root)):
                if len(key) - length >= _REST_MIN:
                    ids = index.get(key[-length:])
                    if ids:
                        found.update(ids)
