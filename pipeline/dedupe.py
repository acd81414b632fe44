"""Near-duplicate fingerprints of extracted text: MinHash signatures of word shingles and their LSH band keys.

Two texts are copies of one story when the estimated Jaccard similarity of their sets of word
3-shingles (three consecutive folded words) is at least ``THRESHOLD`` (0.4). A wire story republished
with another headline, a local intro, a dropped paragraph, a reworded sentence or an outlet's "Lees ook"
lines keeps most of its shingles (0.56–0.97 in the labelled set, tests/fixtures/dedupe/); different
articles on the same topic share a few phrases ("de Autoriteit Persoonsgegevens", "van de politie")
and stay below 0.2, even a follow-up that repeats a background paragraph of the first report (0.18).
Titles are left out: outlets rewrite them.

The signature is datasketch's MinHash (126 permutations, the "affine32" scheme, a fixed seed: signatures
stay comparable across processes and restarts; each stored signature records ``METHOD``, and
`waakhond relate` signs again what an older method signed). For the candidate index the signature is cut into ``BANDS`` bands of ``ROWS``
values; a band's key is a 63-bit hash of its band number and values. Texts with similarity s share at
least one key with probability 1 - (1 - s^ROWS)^BANDS: 0.94 at 0.4, 0.996 at 0.5, 0.29 at 0.2, 0.04
at 0.1. (datasketch's own optimiser would pick 25 bands of 5 for 0.5; this choice buys recall at the
threshold, and the false candidates it adds are cheap to reject.)
Candidates that share a key are then compared on their whole signatures, so a chance key collision
costs one row read, never a wrong story.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pipeline.folding import words

if TYPE_CHECKING:
    # datasketch imports scipy (half a second), numpy a few tenths: both are loaded when first needed, so a
    # process that signs nothing (a crawl with nothing new, any other command) does not pay for them.
    import numpy as np
    from datasketch import MinHash

NUM_PERM = 126
SEED = 1
SCHEME = "affine32"  # named, so a datasketch release with another default cannot change stored signatures
SHINGLE_WORDS = 3
BANDS, ROWS = 42, 3
THRESHOLD = 0.4
# Texts of fewer words give too few shingles for a meaningful estimate (and a feed teaser is not a copy).
MIN_WORDS = 40
METHOD = f"minhash{NUM_PERM}-w{SHINGLE_WORDS}-b{BANDS}x{ROWS}"

assert BANDS * ROWS == NUM_PERM


@dataclass(frozen=True)
class Signature:
    """A text's MinHash: NUM_PERM 32-bit values (little-endian bytes, as stored) and how many shingles it saw."""

    values: bytes
    shingles: int

    def similarity(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets (share of equal values)."""
        return similarity(self.values, other.values)

    def band_keys(self) -> list[int]:
        """One key per band: texts that share any key are candidates for comparison."""
        return band_keys(self.values)


def shingles(text: str) -> set[str]:
    """The text's word 3-shingles, folded (case and accents ignored), punctuation dropped."""
    tokens = words(text)
    n = SHINGLE_WORDS
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def signature(text: str) -> Signature | None:
    """The MinHash signature of a text; None when it is too short to compare."""
    if len(words(text)) < MIN_WORDS:
        return None
    found = shingles(text)
    minhash = _new_minhash()
    minhash.update_batch([s.encode("utf-8") for s in found])
    return Signature(minhash.hashvalues.astype("<u4").tobytes(), len(found))


def similarity(a: bytes, b: bytes) -> float:
    """Share of equal MinHash values of two stored signatures (0.0 when they are not comparable)."""
    if len(a) != len(b) or not a:
        return 0.0
    import numpy as np

    return float(np.count_nonzero(np.frombuffer(a, "<u4") == np.frombuffer(b, "<u4"))) / (len(a) // 4)


def band_keys(values: bytes) -> list[int]:
    """The LSH keys of a stored signature: band number and band values hashed to 63 bits (a signed BIGINT)."""
    width = ROWS * 4
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(values[band * width : (band + 1) * width], digest_size=8, person=band.to_bytes(2, "big"))
        keys.append(int.from_bytes(digest.digest(), "big") >> 1)
    return keys


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # MinHash draws its permutations from SEED on every construction; drawing them once makes a signature cheap.
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def _new_minhash() -> MinHash:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_permutations(), scheme=SCHEME)
