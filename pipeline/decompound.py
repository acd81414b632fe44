"""Splits Dutch compounds into the listed words they contain, so search finds a word inside compounds.

The rules are the classifier's (pipeline.lexicon): a listed word of COMPOUND_MIN letters or more counts
inside a longer word when what is left on each side is empty or a part of three letters or more, so
"politie" is found in "politiecamera" but not in "politieke"; as the last part it may be inflected
("gedragsbiometrische" holds "biometrisch"). The list is pipeline/compounds.txt, shipped and pinned:
the words a document is indexed under must not depend on anyone's config.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pipeline.lexicon import COMPOUND_MIN
from pipeline.stemming import root

_REST_MIN = 3


def _load() -> tuple[frozenset[str], frozenset[str], tuple[int, ...]]:
    text = (resources.files("pipeline") / "compounds.txt").read_text(encoding="utf-8")
    found = {line.split("#", 1)[0].strip() for line in text.splitlines()}
    listed = frozenset(w for w in found if len(w) >= COMPOUND_MIN)
    return listed, frozenset(root(w) for w in listed if len(root(w)) >= COMPOUND_MIN), tuple(sorted({len(w) for w in listed}))


_WORDS, _ROOTS, _LENGTHS = _load()
_ROOT_LENGTHS = tuple(sorted({len(r) for r in _ROOTS}))


@lru_cache(maxsize=131072)
def parts(token: str) -> tuple[str, ...]:
    """The family keys (stemming.root) of the listed words inside a folded word, other than the word itself."""
    n = len(token)
    if n < COMPOUND_MIN + _REST_MIN:
        return ()
    found: set[str] = set()
    for length in _LENGTHS:
        if length + _REST_MIN > n:
            break
        for start in (0, *range(_REST_MIN, n - length + 1)):
            rest = n - start - length
            if 0 < rest < _REST_MIN:
                continue
            piece = token[start : start + length]
            if piece in _WORDS:
                found.add(root(piece))
    # The listed word as the inflected last part: "gedrags|biometrische" ends in the family key "biometr".
    own = root(token)
    for length in _ROOT_LENGTHS:
        if len(own) - length >= _REST_MIN and own[-length:] in _ROOTS:
            found.add(own[-length:])
    found.discard(own)
    return tuple(sorted(found))
