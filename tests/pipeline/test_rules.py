"""Watchlists and gazetteer as data: validation names file, line and problem; files named by the config are read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.gazetteer import parse_gazetteer
from waakhond.config import SNAPSHOT_SUFFIX, builtin_entities, load_config, parse_config, watchlists_from_file
from waakhond.errors import ConfigError

BROKEN = """\
[[sources]]
name = "a"
kind = "feed"
url = "https://a.nl/rss"

[[watchlists]]
name = "fr"
role = "kern"
threshold = 0
terms = [
    "gezichtsherkenning",
    { term = "Face ID", weight = "veel" },
]
queries = [
    "camera NEAR/3",
    '@bestaat-niet OR pimeyes',
]
"""


def problems_of(text: str, path: str = "w.toml") -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, path)
    return [str(p) for p in info.value.problems]


def test_every_problem_names_file_line_and_reason() -> None:
    found = problems_of(BROKEN)
    assert "w.toml:8: watchlists[0].role: 'kern' is not one of core, adjacent, tag" in found
    assert "w.toml:6: watchlists[0].threshold: must be a number above 0 (and at most 1000)" in found
    assert any(p.startswith("w.toml:12: watchlists[0].terms[1]: 'Face ID': weight must be") for p in found)
    assert any(p.startswith("w.toml:15: watchlists[0].queries[0]: 'camera NEAR/3': NEAR needs") or
               p.startswith("w.toml:15: watchlists[0].queries[0]: 'camera NEAR/3': the query ends") for p in found), found


def test_unknown_entities_in_queries_are_named() -> None:
    text = BROKEN.replace('role = "kern"\nthreshold = 0\n', "").replace('{ term = "Face ID", weight = "veel" },\n', "")
    text = text.replace('"camera NEAR/3",\n', "")
    assert problems_of(text) == ["w.toml:12: watchlists[0]: '@bestaat-niet OR pimeyes': no entity @bestaat-niet in the gazetteer"]


def test_a_watchlist_needs_a_rule_that_can_score() -> None:
    found = problems_of('[[watchlists]]\nname = "x"\nterms = [{ term = "a", weight = -1 }]\n')
    assert found == ["w.toml:1: watchlists[0]: every rule has a weight of 0 or less: nothing could ever reach it"]
    assert problems_of('[[watchlists]]\nname = "x"\n') == ["w.toml:1: watchlists[0].terms: needs at least one term or query"]


def test_watchlist_and_gazetteer_files_are_read_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "extra.toml").write_text(
        '[[watchlists]]\nname = "anpr"\nrole = "adjacent"\nthreshold = 2\nterms = [{ term = "ANPR", weight = 2 }]\n'
        'queries = ["@gemeente-testdorp"]\n',
        encoding="utf-8",
    )
    (tmp_path / "local.toml").write_text(
        '[[entity]]\nid = "gemeente-testdorp"\ntype = "organisation"\nname = "Gemeente Testdorp"\n'
        'aliases = ["Testdorp"]\n',
        encoding="utf-8",
    )
    config_file = tmp_path / "waakhond.toml"
    config_file.write_text(
        'watchlist_files = ["rules/extra.toml"]\ngazetteer_files = ["local.toml"]\n'
        '[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning"]\n',
        encoding="utf-8",
    )
    config = load_config(config_file)
    assert [w.name for w in config.watchlists] == ["fr", "anpr"]
    ids = {e.id for e in config.entities}
    assert "gemeente-testdorp" in ids and "clearview-ai" in ids  # added to the built-in gazetteer

    # The daemon's snapshot carries the files' contents: a later edit of them does not reach a running crawl.
    snapshot = tmp_path / f"daemon{SNAPSHOT_SUFFIX}"
    snapshot.write_text(json.dumps(config.resolved), encoding="utf-8")
    (tmp_path / "rules" / "extra.toml").write_text("broken = [", encoding="utf-8")
    again = load_config(snapshot)
    assert again.watchlists == config.watchlists and again.entities == config.entities


def test_problems_in_named_files_name_those_files(tmp_path: Path) -> None:
    (tmp_path / "extra.toml").write_text('[[watchlists]]\nname = "x"\nqueries = [\n  "(a OR b",\n]\n', encoding="utf-8")
    config_file = tmp_path / "waakhond.toml"
    config_file.write_text('watchlist_files = ["extra.toml", "missing.toml"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(config_file)
    shown = [str(p) for p in info.value.problems]
    assert f"{tmp_path / 'extra.toml'}:4: watchlists[0].queries[0]: '(a OR b': a ( is never closed (column 1)" in shown
    assert f"{tmp_path / 'missing.toml'}: named in watchlist_files: file not found" in shown


def test_watchlists_from_file_checks_like_the_config(tmp_path: Path) -> None:
    path = tmp_path / "try.toml"
    path.write_text('[[watchlists]]\nname = "t"\nqueries = ["@clearview-ai AND boete"]\n', encoding="utf-8")
    (watchlist,) = watchlists_from_file(str(path), {e.id for e in builtin_entities()})
    assert watchlist.terms == ("@clearview-ai AND boete",)
    path.write_text('[[watchlists]]\nname = "t"\nqueries = ["@niemand"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="no entity @niemand"):
        watchlists_from_file(str(path), set())


def test_gazetteer_validation() -> None:
    entities, problems = parse_gazetteer(
        '[[entity]]\nid = "x"\ntype = "thing"\nname = "X"\n'
        '[[entity]]\nid = "ap"\ntype = "organisation"\nname = "AP"\naliases = ["AP"]\nambiguous = ["AP"]\n'
        '[[entity]]\nid = "p"\ntype = "person"\nname = "P"\nparty = "geen-partij"\nambiguous = ["Q"]\n'
    )
    shown = [f"{p.line}: {p.key}: {p.reason}" for p in problems]
    assert shown == [
        "3: entity[0].type: 'thing' is not one of organisation, person, party, law, system",
        "5: entity[1].context: an entity whose every alias is ambiguous needs context words to be found at all",
        "16: entity[2].ambiguous: 'Q' is not one of the aliases",
    ]
    assert entities == ()


def test_the_shipped_gazetteer_and_watchlists_are_valid() -> None:
    config = load_config(None)
    assert {w.role for w in config.watchlists} == {"core", "adjacent", "tag"}
    types = {e.type for e in config.entities}
    assert types == {"organisation", "person", "party", "law", "system"}
    required = {"clearview-ai", "pimeyes", "autoriteit-persoonsgegevens", "nationale-politie", "bits-of-freedom",
                "edri", "amnesty-international", "avg", "wet-politiegegevens", "ai-verordening", "catch", "d66",
                "groenlinks-pvda"}
    assert required <= {e.id for e in config.entities}
