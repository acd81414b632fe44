"""Dutch stemming with one pinned algorithm, shared by classification and search so both conflate words alike."""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

# Pinned: Snowball's "dutch_porter" is the algorithm PostgreSQL <= 18 calls "dutch". Snowball 3 renamed it
# when "dutch" became Kraaij-Pohlmann, which strips "ge-" ("gegevens" -> "geven", "gezicht" -> "zicht").
# Changing it changes stored stems: a migration must recompute them.
ALGORITHM = "dutch_porter"
_STEMMER = snowballstemmer.stemmer(ALGORITHM)

# Endings dutch_porter leaves on that still separate one word family: "boetes"/"boete",
# "algoritmes"/"algoritme", "biometrische"/"biometrie". Longest first.
_FAMILY_ENDINGS = ("ische", "isch", "ie", "es", "s", "e")
# A plural "s" follows a single vowel ("camera-s", "auto-s", "boete-s"); not "kruis" or "status".
_PLURAL_S_AFTER = set("aeioy")
_VOWELS = set("aeiouy")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a folded word: "gezichtsherkenningen" -> "gezichtsherkenn"."""
    return _STEMMER.stemWord(word)


@lru_cache(maxsize=65536)
def root(word: str) -> str:
    """A folded word's family key: its stem less one family ending, never shorter than four letters.

    "biometrie", "biometrisch" and "biometrische" share "biometr"; "boete" and "boetes" share "boet";
    "camera" and "cameras" share "camera" (a final "s" after a vowel is the plural). Words too short
    to shorten safely stay their stem.
    """
    s = stem(word)
    for ending in _FAMILY_ENDINGS:
        if s.endswith(ending) and len(s) - len(ending) >= 4:
            if ending == "s" and (s[-2] not in _PLURAL_S_AFTER or s[-3] in _VOWELS):
                continue
            s = s[: -len(ending)]
            if ending in ("es", "s") and s.endswith("e") and len(s) >= 5:
                s = s[:-1]
            break
    return s
