"""Watchlists as data: validates watchlist tables (terms, queries, weights, thresholds) into typed rules."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import QuerySyntaxError
from pipeline.query import EntityRef, Node, leaves, parse_query, parse_term

CORE, ADJACENT, TAG = "core", "adjacent", "tag"
ROLES = (CORE, ADJACENT, TAG)
UNRELATED = "unrelated"
LABELS = (CORE, ADJACENT, UNRELATED)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Rule:
    """One term or query of a watchlist and what a match is worth (negative: counts against)."""

    text: str  # as written: how matches name it
    node: Node = field(compare=False, repr=False)
    weight: float = 1.0
    kind: str = "term"  # term | query


@dataclass(frozen=True)
class Watchlist:
    """Named rules; a document reaches the watchlist when its score is at least ``threshold``.

    ``role``: "core" watchlists make a document core (alerted by default), "adjacent" ones mark the
    wider privacy and surveillance field, "tag" ones only add their name as a topic tag.
    """

    name: str
    rules: tuple[Rule, ...] = ()
    role: str = CORE
    threshold: float = 1.0
    description: str = ""

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(r.text for r in self.rules)


@dataclass(frozen=True)
class RuleProblem:
    key: str  # "watchlists[0].queries[2]"
    reason: str
    line: int | None = None


def parse_watchlists(tables: list[Any], text: str = "") -> tuple[tuple[Watchlist, ...], list[RuleProblem]]:
    """Watchlists from parsed ``[[watchlists]]`` tables; ``text`` is the file they came from, for line numbers."""
    checker = _Checker(text)
    names = [t.get("name") for t in tables if isinstance(t, dict)]
    watchlists = []
    for i, table in enumerate(tables):
        where = f"watchlists[{i}]"
        if not isinstance(table, dict):
            checker.problem(where, "must be a table", i)
            continue
        if isinstance(table.get("name"), str) and names.count(table["name"]) > 1:
            checker.problem(f"{where}.name", f"{table['name']!r} is used by more than one watchlist", i, table["name"])
        watchlist = checker.watchlist(i, table)
        if watchlist is not None:
            watchlists.append(watchlist)
    return tuple(watchlists), checker.problems


def entity_refs(watchlists: tuple[Watchlist, ...]) -> list[tuple[str, str, str]]:
    """(watchlist, rule, entity id) for every @entity a rule names, to check against the gazetteer."""
    return [
        (w.name, r.text, leaf.entity)
        for w in watchlists
        for r in w.rules
        for leaf in leaves(r.node)
        if isinstance(leaf, EntityRef)
    ]


def table_line(text: str, header: str, index: int, needle: str | None = None) -> int | None:
    """The line (1-based) of the ``index``-th ``header`` table in a TOML text, or of ``needle`` inside it.

    tomllib gives no positions; this finds the table header, then the first line after it holding the
    value as TOML writes it (basic or literal string), which is where an editor should go.
    """
    if not text:
        return None
    lines = text.splitlines()
    seen = -1
    for n, line in enumerate(lines):
        if line.strip().startswith(header):
            seen += 1
            if seen == index:
                if needle is None:
                    return n + 1
                forms = (json.dumps(needle, ensure_ascii=False), f"'{needle}'", needle)
                for m in range(n, len(lines)):
                    if m > n and lines[m].strip().startswith("[["):
                        break
                    if any(form in lines[m] for form in forms):
                        return m + 1
                return n + 1
    return None


class _Checker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[RuleProblem] = []

    def problem(self, key: str, reason: str, index: int, needle: str | None = None) -> None:
        self.problems.append(RuleProblem(key, reason, table_line(self.text, "[[watchlists]]", index, needle)))

    def watchlist(self, i: int, table: dict[str, Any]) -> Watchlist | None:
        where = f"watchlists[{i}]"
        before = len(self.problems)
        for key in sorted(set(table) - {"name", "role", "threshold", "description", "terms", "queries"}):
            self.problem(f"{where}.{key}", "unknown key (known: name, role, threshold, description, terms, queries)", i, key)
        name = table.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            self.problem(f"{where}.name", "must be lower-case letters, digits, - or _ (at most 64)", i)
        role = table.get("role", CORE)
        if role not in ROLES:
            self.problem(f"{where}.role", f"{role!r} is not one of {', '.join(ROLES)}", i, str(role))
        threshold = table.get("threshold", 1.0)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1000:
            self.problem(f"{where}.threshold", "must be a number above 0 (and at most 1000)", i)
        description = table.get("description", "")
        if not isinstance(description, str):
            self.problem(f"{where}.description", "must be a string", i)
        rules: list[Rule] = []
        for kind in ("terms", "queries"):
            entries = table.get(kind, [])
            if not isinstance(entries, list):
                self.problem(f"{where}.{kind}", "must be an array of strings or {" + kind[:-1] + ", weight} tables", i)
                continue
            for j, entry in enumerate(entries):
                rule = self.rule(i, f"{where}.{kind}[{j}]", kind, entry)
                if rule is not None:
                    rules.append(rule)
        if not rules and len(self.problems) == before:
            self.problem(f"{where}.terms", "needs at least one term or query", i)
        seen: set[str] = set()
        unique = []
        for rule in rules:
            if rule.text not in seen:
                seen.add(rule.text)
                unique.append(rule)
        if len(self.problems) > before:
            return None
        if unique and all(r.weight <= 0 for r in unique):
            self.problem(f"{where}", "every rule has a weight of 0 or less: nothing could ever reach it", i)
            return None
        assert isinstance(name, str)
        return Watchlist(name, tuple(unique), str(role), float(threshold), str(description))

    def rule(self, i: int, key: str, kind: str, entry: Any) -> Rule | None:
        label = "term" if kind == "terms" else "query"
        weight: Any = 1.0
        if isinstance(entry, dict):
            unknown = set(entry) - {label, "weight"}
            if unknown:
                self.problem(key, f"unknown key {sorted(unknown)[0]!r} (known: {label}, weight)", i)
                return None
            weight = entry.get("weight", 1.0)
            entry = entry.get(label)
        if not isinstance(entry, str) or not entry.strip():
            self.problem(key, f"must be a non-empty string or a {{{label} = ..., weight = ...}} table", i)
            return None
        text = " ".join(entry.split())
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not -100 <= weight <= 100 or weight == 0:
            self.problem(key, f"{text!r}: weight must be a number from -100 to 100, not 0", i, entry)
            return None
        try:
            node = parse_term(text) if kind == "terms" else parse_query(text)
        except QuerySyntaxError as exc:
            self.problem(key, f"{text!r}: {exc}", i, entry)
            return None
        return Rule(text, node, float(weight), label)
