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


class _Node:
    """A step in the phrase trie: the next word ids, and the phrases that end here."""

    __slots__ = ("next", "ends")

    def __init__(self) -> None:
        self.next: dict[int, _Node] = {}
        self.ends: list[Phrase] = []


class Matcher:
    """Registers words and phrases once; ``find`` then locates all of them in one pass over the tokens.

    Single words are found by their word id; phrases by walking a trie of word ids along the tokens, so
    neither the number of words nor the number of phrases sharing a first word adds to the cost per token.
    """

    def __init__(self, leaves: Iterable[Word | Phrase] = ()) -> None:
        self.lexicon = Lexicon()
        self._words: dict[int, list[Word]] = defaultdict(list)  # word id -> single-word leaves
        self._phrases = _Node()
        self._known: set[Word | Phrase] = set()
        for leaf in leaves:
            self.add(leaf)

    def add(self, leaf: Word | Phrase) -> None:
        if leaf in self._known:
            return
        self._known.add(leaf)
        if isinstance(leaf, Word):
            self._words[self.lexicon.add(word_mode(leaf), leaf.text)].append(leaf)
            return
        node = self._phrases
        for word in leaf.words:
            node = node.next.setdefault(self.lexicon.add(word_mode(word), word.text), _Node())
        node.ends.append(leaf)

    def find(self, tokens: list[Token]) -> dict[Word | Phrase, list[Hit]]:
        """Every registered word and phrase with its hits in ``tokens`` (absent ones left out)."""
        at: list[tuple[int, ...]] = [self.lexicon.match(t.folded) for t in tokens]
        found: dict[Word | Phrase, list[Hit]] = {}
        for i, ids in enumerate(at):
            for wid in ids:
                for word in self._words.get(wid, ()):
                    hits = found.setdefault(word, [])
                    if len(hits) < MAX_HITS:
                        hits.append((i, i))
                first = self._phrases.next.get(wid)
                if first is not None:
                    self._walk(first, i, tokens, at, found)
        return found

    def _walk(self, node: _Node, i: int, tokens: list[Token], at: list[tuple[int, ...]],
              found: dict[Word | Phrase, list[Hit]]) -> None:
        """Follow the trie from a phrase's first word at token ``i`` along the next tokens."""
        frontier = [node]
        j = i
        while True:
            next_frontier: list[_Node] = []
            following = j + 1 < len(tokens) and tokens[j + 1].position - tokens[j].position == 1
            for step in frontier:
                for phrase in step.ends:
                    hits = found.setdefault(phrase, [])
                    if len(hits) < MAX_HITS:
                        hits.append((i, j))
                if following and step.next:
                    next_frontier.extend(child for wid in at[j + 1] if (child := step.next.get(wid)) is not None)
            if not next_frontier:
                return
            frontier = next_frontier
            j += 1
