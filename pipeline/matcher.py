"""Finds where words and phrases occur in a token list (positions, not yet what they mean)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pipeline.lexicon import DUTCH, INFLECT, PREFIX, Lexicon
from pipeline.query import Phrase, Word
from pipeline.tokens import Token

# A hit is the token indexes (first, last) of one occurrence.
Hit = tuple[int, int]
# More occurrences of one word than this in one document add nothing to its score or its explanation.
MAX_HITS = 500


def word_mode(word: Word) -> str:
    if word.prefix:
        return PREFIX
    return INFLECT if word.exact else DUTCH


class Matcher:
    """Registers words and phrases once; ``find`` then locates all of them in one pass over the tokens."""

    def __init__(self, leaves: Iterable[Word | Phrase] = ()) -> None:
        self.lexicon = Lexicon()
        self._leaves: dict[Word | Phrase, tuple[int, ...]] = {}
        for leaf in leaves:
            self.add(leaf)

    def add(self, leaf: Word | Phrase) -> None:
        if leaf in self._leaves:
            return
        words = leaf.words if isinstance(leaf, Phrase) else (leaf,)
        self._leaves[leaf] = tuple(self.lexicon.add(word_mode(w), w.text) for w in words)

    def find(self, tokens: list[Token]) -> dict[Word | Phrase, list[Hit]]:
        """Every registered word and phrase with its hits in ``tokens`` (absent ones left out)."""
        at: list[tuple[int, ...]] = [self.lexicon.match(t.folded) for t in tokens]
        where: dict[int, list[int]] = defaultdict(list)
        for index, ids in enumerate(at):
            for wid in ids:
                where[wid].append(index)
        found: dict[Word | Phrase, list[Hit]] = {}
        for leaf, ids in self._leaves.items():
            starts = where.get(ids[0])
            if not starts:
                continue
            if len(ids) == 1:
                hits = [(i, i) for i in starts[:MAX_HITS]]
            else:
                hits = []
                for i in starts:
                    last = i + len(ids) - 1
                    if last >= len(tokens) or tokens[last].position - tokens[i].position != len(ids) - 1:
                        continue
                    if all(ids[k] in at[i + k] for k in range(1, len(ids))):
                        hits.append((i, last))
                        if len(hits) >= MAX_HITS:
                            break
            if hits:
                found[leaf] = hits
        return found
