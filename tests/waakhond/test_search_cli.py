"""`waakhond search`, `export` and `reindex` through click's runner, on both backends."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from tests.harness.archive import HOSTILE_TEXT, HOSTILE_TITLE, fill_archive
from waakhond.cli import cli

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"WAAKHOND_DATA_DIR": str(tmp_path / "data"), "WAAKHOND_DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": ""}


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    return fill_archive(engine)


def run(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def keys(ids: dict[str, int], lines: list[str]) -> list[str]:
    names = {v: k for k, v in ids.items()}
    return [names[json.loads(line)["id"]] for line in lines]


def test_search_filters_and_sorting(env: dict[str, str], ids: dict[str, int]) -> None:
    newest = run(["search", "gezichtsherkenning", "--json", "--sort", "newest"], env).stdout.splitlines()
    assert keys(ids, newest) == ["antwoord", "verbod", "vraag", "opsporing", "stations"]
    cases = run(["search", "gezichtsherkenning", "--kind", "kamervragen", "--json"], env).stdout.splitlines()
    assert sorted(keys(ids, cases)) == ["antwoord", "vraag"]
    narrowed = run(["search", "--json", "--source", "dagblad", "--label", "core", "--since", "2026-11-14",
                    "--until", "2026-11-20", "--min-relevance", "2"], env).stdout.splitlines()
    assert keys(ids, narrowed) == ["opsporing", "clearview"]
    entity = run(["search", "boete", "--entity", "clearview-ai", "--watchlist", "gezichtsherkenning", "--json"], env)
    assert sorted(keys(ids, entity.stdout.splitlines())) == ["besluit", "clearview"]
    table = CliRunner().invoke(cli, ["search", "--limit", "3"], env=env)
    assert table.exit_code == 0 and "more than 3 found" in table.stderr and table.stdout.count("https://") == 3


def test_search_csv(env: dict[str, str], ids: dict[str, int]) -> None:
    rows = list(csv.DictReader(io.StringIO(run(["search", "boete", "--csv", "--sort", "oldest"], env).stdout)))
    assert [int(r["id"]) for r in rows] == [ids["besluit"], ids["clearview"]]
    assert rows[1]["title"] == "Autoriteit Persoonsgegevens legt Clearview AI boete op" and "[[boete]]" in rows[1]["snippet"]


@pytest.mark.parametrize(("args", "message"), [
    (["search", "camera NEAR beelden"], "Error: NEAR is for watchlist rules"),
    (["search", "x", "--since", "2026-12-01", "--until", "2026-11-01"], "Error: the date range ends (2026-11-01) before"),
    (["export", "--query", "(camera"], "Error: a ( is never closed (column 1)"),
])
def test_malformed_input_is_one_line_and_exit_1(env: dict[str, str], ids: dict[str, int], args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(message) and "Traceback" not in result.output
    assert CliRunner().invoke(cli, ["search", "x", "--kind", "tv"], env=env).exit_code == 2  # a usage error


def test_export_every_format(env: dict[str, str], ids: dict[str, int], tmp_path: Path) -> None:
    lines = run(["export"], env).stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 10 and {r["id"] for r in records} == set(ids.values())
    hostile = next(r for r in records if r["id"] == ids["hostile"])
    assert hostile["title"] == HOSTILE_TITLE and hostile["text"] == HOSTILE_TEXT and len(hostile["raw_sha256"]) == 64
    verbod = next(r for r in records if r["id"] == ids["verbod"])
    assert verbod["version"] == 2 and "terrorismebestrijding" in verbod["text"]

    out = tmp_path / "kv.csv"
    assert run(["export", "--format", "csv", "--kind", "kamervragen", "-o", str(out)], env).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [int(r["id"]) for r in rows] == [ids["antwoord"], ids["vraag"]] and rows[0]["kind"] == "kamervraag-antwoord"

    feed = ET.fromstring(run(["export", "--format", "atom", "--query", "camera"], env).stdout)
    entries = feed.findall(f"{ATOM}entry")
    assert {e.find(f"{ATOM}title").text for e in entries} == {HOSTILE_TITLE, "Live-gezichtsherkenning op stations getest"}
    assert any(e.find(f"{ATOM}content").text == HOSTILE_TEXT for e in entries)  # text, never markup


def test_reindex_keeps_results_and_ids(env: dict[str, str], ids: dict[str, int]) -> None:
    before = run(["search", "gezichtsherkenning", "--json", "--sort", "newest"], env).stdout
    result = run(["reindex"], env)
    assert result.stdout.strip() == "10 documents indexed"
    assert run(["search", "gezichtsherkenning", "--json", "--sort", "newest"], env).stdout == before
