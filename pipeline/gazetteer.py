"""The entity gazetteer: organisations, people, parties, laws and systems with their aliases, validated from TOML."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pipeline.rules import RuleProblem, table_line

ENTITY_TYPES = ("organisation", "person", "party", "law", "system")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_KEYS = {"id", "type", "name", "aliases", "ambiguous", "context", "not_context", "role", "party", "note"}


@dataclass(frozen=True)
class Entity:
    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    # Aliases that also mean something else ("AP" is a news agency too): claimed only with context.
    ambiguous: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    not_context: tuple[str, ...] = ()
    role: str | None = None
    party: str | None = None


def builtin_text() -> str:
    return resources.files("pipeline").joinpath("gazetteer.toml").read_text(encoding="utf-8")


def parse_gazetteer(text: str) -> tuple[tuple[Entity, ...], list[RuleProblem]]:
    """Entities from a gazetteer file's text, and every problem found (with its line)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return (), [RuleProblem("", f"not valid TOML: {exc}")]
    problems = [RuleProblem(key, "unknown key (a gazetteer holds [[entity]] tables)") for key in sorted(set(data) - {"entity"})]
    entities, more = parse_gazetteer_tables(data.get("entity", []), text)
    return entities, problems + more


def parse_gazetteer_tables(tables: Any, text: str = "") -> tuple[tuple[Entity, ...], list[RuleProblem]]:
    """Entities from parsed ``[[entity]]`` tables; ``text`` is their file's, for line numbers."""
    if not isinstance(tables, list):
        return (), [RuleProblem("entity", "must be [[entity]] tables")]
    problems: list[RuleProblem] = []
    entities: list[Entity] = []
    seen: set[str] = set()
    for i, table in enumerate(tables):
        entity = _entity(i, table, text, problems)
        if entity is None:
            continue
        if entity.id in seen:
            problems.append(RuleProblem(f"entity[{i}].id", f"{entity.id!r} is used twice", table_line(text, "[[entity]]", i)))
            continue
        seen.add(entity.id)
        entities.append(entity)
    parties = {e.id for e in entities if e.type == "party"}
    for entity in entities:
        if entity.party and entity.party not in parties:
            problems.append(RuleProblem(f"{entity.id}.party", f"no party entity {entity.party!r}"))
    return tuple(entities), problems


def _entity(i: int, table: Any, text: str, problems: list[RuleProblem]) -> Entity | None:
    where = f"entity[{i}]"

    def problem(key: str, reason: str, needle: str | None = None) -> None:
        problems.append(RuleProblem(f"{where}.{key}" if key else where, reason, table_line(text, "[[entity]]", i, needle)))

    if not isinstance(table, dict):
        problem("", "must be a table")
        return None
    before = len(problems)
    for key in sorted(set(table) - _KEYS):
        problem(key, f"unknown key (known: {', '.join(sorted(_KEYS))})", key)
    entity_id, etype, name = table.get("id"), table.get("type"), table.get("name")
    if not isinstance(entity_id, str) or not _ID.match(entity_id):
        problem("id", "must be lower-case letters, digits and - (at most 64)")
    if etype not in ENTITY_TYPES:
        problem("type", f"{etype!r} is not one of {', '.join(ENTITY_TYPES)}", str(etype))
    if not isinstance(name, str) or not name.strip():
        problem("name", "must be a non-empty string")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("aliases", "ambiguous", "context", "not_context"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problem(key, "must be an array of non-empty strings")
            value = []
        lists[key] = tuple(" ".join(v.split()) for v in value)
    for key in ("role", "party", "note"):
        if key in table and not isinstance(table[key], str):
            problem(key, "must be a string")
    if not lists["aliases"] and isinstance(name, str):
        lists["aliases"] = (name,)
    for alias in lists["ambiguous"]:
        if alias not in lists["aliases"]:
            problem("ambiguous", f"{alias!r} is not one of the aliases", alias)
    if lists["ambiguous"] and not lists["context"] and set(lists["aliases"]) <= set(lists["ambiguous"]):
        problem("context", "an entity whose every alias is ambiguous needs context words to be found at all")
    if len(problems) > before:
        return None
    assert isinstance(entity_id, str) and isinstance(etype, str) and isinstance(name, str)
    return Entity(
        entity_id,
        etype,
        name.strip(),
        lists["aliases"],
        lists["ambiguous"],
        lists["context"],
        lists["not_context"],
        table.get("role"),
        table.get("party"),
    )
