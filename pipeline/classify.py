"""Classifies a document: watchlist scores, a label and relevance, topic tags, entities, and every match with its place.

Scoring, per watchlist: each rule that matches adds its weight, once for the first hit and half again
for each further hit up to three times the weight in all, plus its weight once more when it matches in
the title; a rule with a negative weight subtracts its weight once. The watchlist is reached when its
score is at least its threshold. The label is "core" when a core watchlist is reached, else "adjacent"
when an adjacent one is, else "unrelated"; tags are the reached tag watchlists of a core or adjacent
document. Relevance is the best core score divided by its threshold (1.0 or more: core).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.entities import EntityFinder, Mention, pattern_mentions
from pipeline.gazetteer import Entity
from pipeline.matcher import Hit, Matcher
from pipeline.query import And, EntityRef, Near, Node, Not, Or, Phrase, Word, leaves
from pipeline.rules import ADJACENT, CORE, TAG, UNRELATED, Rule, Watchlist
from pipeline.tokens import Token, tokenize

TITLE = "title"
TEXT = "text"
SNIPPET_CONTEXT = 80  # characters either side of a match
_MAX_REPEAT_FACTOR = 3.0
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    field: str
    start: int  # character offsets in that field's text
    end: int


@dataclass(frozen=True)
class RuleMatch:
    """One rule that matched: where, how often, what it added to its watchlist's score."""

    watchlist: str
    rule: str
    weight: float
    count: int
    score: float
    spans: tuple[Span, ...]
    snippet: str  # the text around the first match, the match in [[double brackets]]


@dataclass(frozen=True)
class EntityMatch:
    entity: str
    type: str
    name: str
    count: int
    spans: tuple[Span, ...]
    snippet: str


@dataclass(frozen=True)
class WatchlistScore:
    name: str
    role: str
    score: float
    threshold: float

    @property
    def reached(self) -> bool:
        return self.score >= self.threshold


@dataclass(frozen=True)
class Classification:
    label: str  # core | adjacent | unrelated
    relevance: float
    tags: tuple[str, ...]
    watchlists: tuple[WatchlistScore, ...]
    matches: tuple[RuleMatch, ...]
    entities: tuple[EntityMatch, ...]

    @property
    def reached(self) -> frozenset[str]:
        """The watchlists this document reached (tags only when it is core or adjacent): what subscriptions follow."""
        return frozenset(
            w.name for w in self.watchlists if w.reached and (w.role != TAG or self.label != UNRELATED)
        )


UNCLASSIFIED = Classification(UNRELATED, 0.0, (), (), (), ())


class Classifier:
    """Built once from the watchlists and the gazetteer; ``classify`` is then one pass over a document's tokens."""

    def __init__(self, watchlists: tuple[Watchlist, ...], entities: tuple[Entity, ...] = ()) -> None:
        self.watchlists = watchlists
        self.entities = EntityFinder(entities)
        self.matcher = Matcher(
            leaf for w in watchlists for r in w.rules for leaf in leaves(r.node) if not isinstance(leaf, EntityRef)
        )
        # Which rules each word, phrase or entity can make true: a document's candidates are the rules of what
        # it contains (a rule never matches by absence alone), so the rules of absent words cost nothing.
        self._rules_of: dict[object, list[tuple[int, int]]] = {}
        for w_index, watchlist in enumerate(watchlists):
            for r_index, rule in enumerate(watchlist.rules):
                for leaf in leaves(rule.node):
                    key = ("@", leaf.entity) if isinstance(leaf, EntityRef) else leaf
                    self._rules_of.setdefault(key, []).append((w_index, r_index))

    def classify(self, title: str | None, text: str | None, extra: Mapping[str, str | None] | None = None) -> Classification:
        """Classify a document's title and text; ``extra`` fields (a case subject, ...) count as title."""
        fields = [(TITLE, title or ""), (TEXT, text or "")]
        fields += [(name, value) for name, value in (extra or {}).items() if value]
        texts = dict(fields)
        tokens = tokenize(fields)
        word_hits = self.matcher.find(tokens)
        found = self.entities.find(tokens)
        entity_hits: dict[str, list[Hit]] = {}
        for mention, first, last in found:
            entity_hits.setdefault(mention.entity, []).append((first, last))
        evaluator = _Evaluator(tokens, word_hits, entity_hits)
        candidates: dict[int, set[int]] = {}
        for key in [*word_hits, *(("@", e) for e in entity_hits)]:
            for w_index, r_index in self._rules_of.get(key, ()):
                candidates.setdefault(w_index, set()).add(r_index)

        scores: list[WatchlistScore] = []
        matches: list[RuleMatch] = []
        for w_index, watchlist in enumerate(self.watchlists):
            total = 0.0
            for r_index in sorted(candidates.get(w_index, ())):
                rule = watchlist.rules[r_index]
                ok, hits = evaluator.run(rule.node)
                if not ok:
                    continue
                score = _rule_score(rule, hits, tokens)
                total += score
                spans = tuple(_span(tokens, h) for h in sorted(set(hits)))
                matches.append(
                    RuleMatch(watchlist.name, rule.text, rule.weight, max(len(set(hits)), 1), round(score, 3), spans,
                              snippet(texts, spans[0]) if spans else "")
                )
            scores.append(WatchlistScore(watchlist.name, watchlist.role, round(total, 3), watchlist.threshold))

        reached = {w.role for w in scores if w.reached}
        label = CORE if CORE in reached else ADJACENT if ADJACENT in reached else UNRELATED
        core = [w.score / w.threshold for w in scores if w.role == CORE]
        relevance = round(max(core), 3) if core else 0.0
        tags = tuple(w.name for w in scores if w.role == TAG and w.reached) if label != UNRELATED else ()
        mentions = [m for m, _, _ in found]
        for name, value in fields:
            mentions += pattern_mentions(name, value)
        return Classification(label, max(relevance, 0.0), tags, tuple(scores), tuple(matches), _group(mentions, texts))


def _rule_score(rule: Rule, hits: list[Hit], tokens: list[Token]) -> float:
    if rule.weight < 0:
        return rule.weight
    count = max(len(set(hits)), 1)
    score = rule.weight * min(1 + 0.5 * (count - 1), _MAX_REPEAT_FACTOR)
    if any(tokens[first].field != TEXT for first, _ in hits):
        score += rule.weight
    return score


def _span(tokens: list[Token], hit: Hit) -> Span:
    first, last = tokens[hit[0]], tokens[hit[1]]
    return Span(first.field, first.start, last.end)


def snippet(texts: Mapping[str, str], span: Span, context: int = SNIPPET_CONTEXT) -> str:
    """The text around a span on one line, the span itself in [[double brackets]]."""
    text = texts.get(span.field, "")
    start = max(0, span.start - context)
    end = min(len(text), span.end + context)
    # Widen to whole words so the snippet does not begin or end inside one.
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    # Brackets in the text itself would pass for the marks: they are split apart (in the window only).
    before, middle, after = (
        _WHITESPACE.sub(" ", part.replace("[[", "[ ").replace("]]", "] "))
        for part in (text[start : span.start], text[span.start : span.end], text[span.end : end])
    )
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return f"{lead}{before.lstrip()}[[{middle}]]{after.rstrip()}{tail}"


def _group(mentions: list[Mention], texts: Mapping[str, str]) -> tuple[EntityMatch, ...]:
    by_entity: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_entity.setdefault(mention.entity, []).append(mention)
    grouped = []
    for key, group in by_entity.items():
        spans = tuple(sorted({Span(m.field, m.start, m.end) for m in group}, key=lambda s: (s.field != TITLE, s.start)))
        grouped.append(EntityMatch(key, group[0].type, group[0].name, len(spans), spans, snippet(texts, spans[0])))
    return tuple(grouped)


class _Evaluator:
    """Evaluates a query tree to (matched, hits); NOT contributes no hits."""

    def __init__(self, tokens: list[Token], words: dict[Word | Phrase, list[Hit]], entities: dict[str, list[Hit]]) -> None:
        self.tokens = tokens
        self.words = words
        self.entities = entities

    def run(self, node: Node) -> tuple[bool, list[Hit]]:
        if isinstance(node, (Word, Phrase)):
            hits = self.words.get(node, [])
            return bool(hits), hits
        if isinstance(node, EntityRef):
            hits = self.entities.get(node.entity, [])
            return bool(hits), hits
        if isinstance(node, Not):
            ok, _ = self.run(node.operand)
            return not ok, []
        if isinstance(node, And):
            collected: list[Hit] = []
            for operand in node.operands:
                ok, hits = self.run(operand)
                if not ok:
                    return False, []
                collected += hits
            return True, collected
        if isinstance(node, Or):
            collected = []
            any_ok = False
            for operand in node.operands:
                ok, hits = self.run(operand)
                if ok:
                    any_ok = True
                    collected += hits
            return any_ok, collected
        assert isinstance(node, Near)
        left_ok, left = self.run(node.left)
        right_ok, right = self.run(node.right)
        if not (left_ok and right_ok):
            return False, []
        pos = self.tokens
        paired: set[Hit] = set()
        for a in left:
            for b in right:
                if a[0] <= b[1] and b[0] <= a[1]:
                    continue  # one word cannot stand near itself ("gezichtsherkenning" holds both "gezicht" and "herkenning")
                gap = max(pos[b[0]].position - pos[a[1]].position, pos[a[0]].position - pos[b[1]].position)
                if gap <= node.distance:
                    paired.add(a)
                    paired.add(b)
        return bool(paired), sorted(paired)
