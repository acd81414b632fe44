"""Finds entities in a text: gazetteer aliases (with ambiguous ones resolved from context) and patterns.

Pattern entities are money amounts (normalised to whole euros), Tweede Kamer case and document numbers
(2021Z12345, 2021D12345) and dates written out in Dutch or as numbers (normalised to ISO dates).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from pipeline.folding import fold
from pipeline.gazetteer import Entity
from pipeline.matcher import Matcher
from pipeline.query import Phrase, Word, parse_term
from pipeline.tokens import WORD, Token

# How near (in words) a context word must stand to an ambiguous alias to confirm or rule it out.
CONTEXT_WINDOW = 20

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "januari februari maart april mei juni juli augustus september oktober november december".split()
    )
}
_MULTIPLIERS = {
    "miljard": 10**9, "mld": 10**9, "miljoen": 10**6, "mln": 10**6, "mio": 10**6, "duizend": 10**3,
}  # fmt: skip
_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_MULT = r"(?:\s*(?P<mult>miljard|mld\.?|miljoen|mln\.?|mio\.?|duizend))?"
_MONEY = re.compile(
    rf"(?:€|\bEUR\b|\beuro\b)\s*(?P<a>{_NUMBER}){_MULT}(?![\w,.]\d)"
    rf"|(?<![\w.,])(?P<b>{_NUMBER}){_MULT.replace('mult', 'mult2')}\s*(?:euro\b|EUR\b|€)",
    re.IGNORECASE,
)
_CASE = re.compile(r"\b((?:19|20)\d{2})\s?([ZD])\s?(\d{5})\b")
_DATE_WORDS = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d{2})\b", re.IGNORECASE
)
_DATE_ISO = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})-(\d{1,2})-((?:19|20)\d{2})\b")


@dataclass(frozen=True)
class Mention:
    entity: str  # gazetteer id, or "money:30500000", "case:2024Z16676", "document:2024D12345", "date:2025-03-12"
    type: str  # a gazetteer type, or money | case | document | date
    name: str  # display name: the entity's, or the normalised value ("€ 30.500.000")
    field: str
    start: int  # character offsets in the field's text
    end: int


def money_value(number: str, multiplier: str | None) -> int | None:
    """Whole euros of "30.500.000" or "30,5" + "miljoen"; None when it does not make a number."""
    try:
        value = Decimal(number.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None
    if multiplier:
        value *= _MULTIPLIERS[multiplier.lower().rstrip(".")]
    return int(value) if value >= 0 else None


def format_euros(value: int) -> str:
    return "€ " + f"{value:,}".replace(",", ".")


def pattern_mentions(field: str, text: str) -> list[Mention]:
    """Money amounts, case and document numbers and dates in one field's text."""
    found: list[Mention] = []
    for m in _MONEY.finditer(text):
        number, mult = (m.group("a"), m.group("mult")) if m.group("a") else (m.group("b"), m.group("mult2"))
        value = money_value(number, mult)
        if value is not None and value > 0:
            found.append(Mention(f"money:{value}", "money", format_euros(value), field, m.start(), m.end()))
    for m in _CASE.finditer(text):
        number = f"{m.group(1)}{m.group(2)}{m.group(3)}"
        kind = "case" if m.group(2) == "Z" else "document"
        found.append(Mention(f"{kind}:{number}", kind, number, field, m.start(), m.end()))
    for regex, order in ((_DATE_WORDS, "dmy-word"), (_DATE_ISO, "ymd"), (_DATE_NUMERIC, "dmy")):
        for m in regex.finditer(text):
            try:
                if order == "dmy-word":
                    day = date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
                elif order == "ymd":
                    day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                else:
                    day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                continue  # "31 februari 2024": not a date
            found.append(Mention(f"date:{day.isoformat()}", "date", day.isoformat(), field, m.start(), m.end()))
    return found


@dataclass(frozen=True)
class _Alias:
    entity: Entity
    words: tuple[str, ...]  # folded
    originals: tuple[str, ...]  # as written, compared when case-sensitive
    case_sensitive: bool
    ambiguous: bool


def case_sensitive(alias: str) -> bool:
    """Short all-capital aliases ("AP", "CATCH", "DENK") are only themselves in capitals."""
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and len(letters) <= 5 and all(c.isupper() for c in letters)


class EntityFinder:
    """Finds the gazetteer's entities in tokens: per token, one dictionary probe per alias length (not per alias)."""

    def __init__(self, entities: tuple[Entity, ...], window: int = CONTEXT_WINDOW) -> None:
        self.entities = {e.id: e for e in entities}
        self.window = window
        # Aliases by their folded words; several entities may share one ("De Vries").
        self._aliases: dict[tuple[str, ...], list[_Alias]] = defaultdict(list)
        self._context: Matcher = Matcher()
        self._context_of: dict[str, tuple[list[Word | Phrase], list[Word | Phrase]]] = {}
        for entity in entities:
            for alias in entity.aliases:
                originals = tuple(WORD.findall(alias))
                words = tuple(fold(w) for w in originals)
                if not words:
                    continue
                self._aliases[words].append(
                    _Alias(entity, words, originals, case_sensitive(alias), alias in entity.ambiguous)
                )
            if entity.ambiguous:
                pro = [leaf for c in entity.context if (leaf := _context_leaf(c)) is not None]
                con = [leaf for c in entity.not_context if (leaf := _context_leaf(c)) is not None]
                for leaf in pro + con:
                    self._context.add(leaf)
                self._context_of[entity.id] = (pro, con)
        # Per first word, the lengths of the aliases it starts, longest first (the longest alias wins): a word
        # that starts only one-word aliases is not compared at every length of the whole gazetteer.
        lengths: dict[str, set[int]] = defaultdict(set)
        for words in self._aliases:
            lengths[words[0]].add(len(words))
        self._starts = {word: sorted(ns, reverse=True) for word, ns in lengths.items()}

    def find(self, tokens: list[Token]) -> list[tuple[Mention, int, int]]:
        """Each mention with the token indexes it spans."""
        raw: list[tuple[_Alias, int, int]] = []
        starts = self._starts
        i, count = 0, len(tokens)
        while i < count:
            if tokens[i].folded not in starts:  # most words start no alias: skip them without a call
                i += 1
                continue
            matches = self._aliases_at(tokens, i)
            if not matches:
                i += 1
                continue
            n = len(matches[0].words)
            raw.extend((match, i, i + n - 1) for match in matches)
            i += n
        if not raw:
            return []
        confirmed = {a.entity.id for a, _, _ in raw if not a.ambiguous}
        context_hits = self._context.find(tokens) if any(a.ambiguous for a, _, _ in raw) else {}
        mentions = []
        for alias, first, last in raw:
            if alias.ambiguous and not self._claim(alias.entity, tokens, first, context_hits, alias.entity.id in confirmed):
                continue
            start, end = tokens[first], tokens[last]
            mentions.append((Mention(alias.entity.id, alias.entity.type, alias.entity.name, start.field, start.start, end.end), first, last))
        return mentions

    def _aliases_at(self, tokens: list[Token], i: int) -> list[_Alias]:
        """The aliases (of one length, the longest found; one per entity) that begin at token ``i``."""
        lengths = self._starts.get(tokens[i].folded)
        if not lengths:
            return []
        for n in lengths:
            if i + n > len(tokens) or tokens[i + n - 1].position - tokens[i].position != n - 1:
                continue
            candidates = self._aliases.get(tuple(t.folded for t in tokens[i : i + n]))
            if not candidates:
                continue
            found = {
                a.entity.id: a for a in candidates
                if not a.case_sensitive or all(tokens[i + k].original == a.originals[k] for k in range(n))
            }
            if found:
                return list(found.values())
        return []

    def _claim(
        self, entity: Entity, tokens: list[Token], at: int, hits: dict[Word | Phrase, list[tuple[int, int]]], confirmed: bool
    ) -> bool:
        """An ambiguous alias is the entity unless a ruling-out word is near; else it needs context or a sure mention."""
        pro, con = self._context_of.get(entity.id, ([], []))
        position = tokens[at].position

        def near(leaves: list[Word | Phrase]) -> bool:
            return any(
                abs(tokens[first].position - position) <= self.window
                for leaf in leaves
                for first, _ in hits.get(leaf, ())
            )

        if near(con):
            return False
        return confirmed or near(pro)


def _context_leaf(text: str) -> Word | Phrase | None:
    node = parse_term(text)
    return node if isinstance(node, (Word, Phrase)) else None
