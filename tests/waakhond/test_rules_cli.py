"""`waakhond rules check` and `waakhond reclassify` through click's runner, on SQLite and PostgreSQL.

The reclassify tests store documents the way a crawl does (a real Classifier over the config in use, alerts
routed to the config's subscriptions), then change the watchlists and run the command on the archive.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts.routing import recipients
from pipeline.classify import Classifier
from pipeline.folding import fold
from storage import kamervragen as kv
from storage import repository as repo
from storage.models import Document, EntityMention, KamervraagCase, KamervraagDocument, Match, OutboxEntry
from storage.reclassify import documents_to_classify, save_classifications
from waakhond.cli import cli
from waakhond.config import AMSTERDAM, Config, builtin_entities, load_config

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
SOURCE = "dagblad"
FEED = "https://dagblad.example/rss.xml"

# The watchlists of the reclassify tests: "fr" is the core watchlist the chats follow.
WATCHLISTS_V1 = """
[[watchlists]]
name = "fr"
role = "core"
threshold = 1
terms = ["gezichtsherkenning"]

[[watchlists]]
name = "priv"
role = "adjacent"
threshold = 1
terms = ["privacy"]
"""
# v2: the archive's rules learn a word ("irisscan") that v1 did not cover.
WATCHLISTS_V2 = WATCHLISTS_V1.replace('terms = ["gezichtsherkenning"]', 'terms = ["gezichtsherkenning", "irisscan"]')
# v3: "gezichtsherkenning" is dropped again.
WATCHLISTS_V3 = WATCHLISTS_V1.replace('terms = ["gezichtsherkenning"]', 'terms = ["irisscan"]')

MAIN_CONFIG = f"""
watchlist_files = ["watchlists.toml"]

[[sources]]
name = "{SOURCE}"
kind = "feed"
url = "{FEED}"
interval = "2h"

[[subscriptions]]
chat_id = 1001

[[subscriptions]]
chat_id = -1002
watchlists = ["fr"]
"""
CHATS = ["-1002", "1001"]  # sorted


def invoke(args: list[str], env: dict[str, str], input: str | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, args, env=env, input=input, catch_exceptions=False)


@dataclass
class Setup:
    dir: Path
    env: dict[str, str]

    @property
    def config_path(self) -> Path:
        return self.dir / "waakhond.toml"

    @property
    def watchlists_path(self) -> Path:
        return self.dir / "watchlists.toml"

    def watchlists(self, text: str) -> Config:
        """Change the watchlists in use; the config as the CLI will now load it."""
        self.watchlists_path.write_text(text, encoding="utf-8")
        return load_config(self.config_path)


@pytest.fixture
def setup(tmp_path: Path, database_url: str) -> Setup:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "waakhond.toml").write_text(MAIN_CONFIG, encoding="utf-8")
    (conf / "watchlists.toml").write_text(WATCHLISTS_V1, encoding="utf-8")
    env = {
        "WAAKHOND_CONFIG": str(conf / "waakhond.toml"),
        "WAAKHOND_DATA_DIR": str(tmp_path / "data"),
        "WAAKHOND_DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": "",
    }
    return Setup(conf, env)


@pytest.fixture
def source_id(engine: Engine) -> int:
    return repo.ensure_source(engine, SOURCE, "feed", FEED)


def store(
    engine: Engine, config: Config, source_id: int, slug: str, title: str, text: str, fetched_at: datetime = NOW
) -> repo.StoreResult:
    """Store an article as the crawl would with ``config``: classified, and alerted to the chats that want it."""
    classification = Classifier(config.watchlists, config.entities).classify(title, text)
    url = f"https://dagblad.example/{slug}"
    return repo.store_document(
        engine,
        source_id,
        repo.NewDocument(
            source_name=SOURCE, kind="news", url=url, fetched_url=url, title=title, text=text, text_origin="article",
            fetched_at=fetched_at, content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
            raw=text.encode(), published_at=fetched_at,
        ),
        classification,
        recipients(config.subscriptions, classification.reached, classification.label),
    )


@dataclass(frozen=True)
class Stored:
    label: str
    relevance: float
    watchlists: str
    tags: str
    matches: tuple[tuple[str, str, int], ...]  # (watchlist, rule, count)


def stored(engine: Engine, slug: str) -> Stored:
    url = slug if slug.startswith("https://") else f"https://dagblad.example/{slug}"
    with Session(engine) as s:
        row = s.execute(select(Document).where(Document.url == url)).scalar_one()
        matches = s.execute(
            select(Match.watchlist, Match.term, Match.count).where(Match.document_id == row.id)
            .order_by(Match.watchlist, Match.term)
        ).all()
        return Stored(row.label, row.relevance, row.watchlists, row.tags, tuple(tuple(m) for m in matches))  # type: ignore[misc]


def outbox(engine: Engine) -> list[tuple[Any, ...]]:
    """Every outbox row: (document url, chat, event, status, sent_at, telegram message id), in a stable order."""
    with Session(engine) as s:
        rows = s.execute(
            select(Document.url, OutboxEntry.chat_id, OutboxEntry.event, OutboxEntry.status, OutboxEntry.sent_at,
                   OutboxEntry.telegram_message_id)
            .join(Document, Document.id == OutboxEntry.document_id)
        ).all()
    return sorted((tuple(r) for r in rows), key=lambda r: (r[0], r[1], r[2]))


def outbox_ids(engine: Engine, slug: str) -> list[int]:
    with Session(engine) as s:
        return list(
            s.execute(
                select(OutboxEntry.id).join(Document, Document.id == OutboxEntry.document_id)
                .where(Document.url == f"https://dagblad.example/{slug}").order_by(OutboxEntry.id)
            ).scalars()
        )


def summary_line(result: click.testing.Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[0]


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


URL_A = "https://dagblad.example/a"
URL_B = "https://dagblad.example/b"
TITLE_A, TEXT_A = "Politie test gezichtsherkenning", "De politie test gezichtsherkenning op het station."
TITLE_B, TEXT_B = "Stadion test irisscan bij de ingang", "Bezoekers van het stadion moeten een irisscan laten maken."
TITLE_C, TEXT_C = "Het weer", "Morgen wordt het zonnig en warm."


# -- rules check: validating -------------------------------------------------------------------------


RULES = """
[[watchlists]]
name = "fr"
role = "core"
threshold = 2
terms = [{ term = "gezichtsherkenning", weight = 2 }]
queries = ["@clearview-ai"]

[[watchlists]]
name = "priv"
role = "adjacent"
threshold = 1
terms = ["privacy"]

[[watchlists]]
name = "politie"
role = "tag"
threshold = 1
terms = ["politie"]
"""


@pytest.fixture
def rules_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    config = tmp_path / "w.toml"
    config.write_text(
        f'watchlist_files = ["rules.toml"]\n\n[[sources]]\nname = "{SOURCE}"\nkind = "feed"\nurl = "{FEED}"\n',
        encoding="utf-8",
    )
    # rules check needs no database: point at one that does not exist to prove it.
    return {"WAAKHOND_CONFIG": str(config), "WAAKHOND_DATA_DIR": str(tmp_path / "data"), "TELEGRAM_BOT_TOKEN": "",
            "WAAKHOND_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"}


def test_rules_check_summarises_a_valid_config(rules_env: dict[str, str]) -> None:
    result = invoke(["rules", "check"], rules_env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (f"ok: 3 watchlists (1 adjacent, 1 core, 1 tag), 4 rules, {len(builtin_entities())} entities")
    assert [line.split() for line in lines[1:]] == [
        ["fr", "core", "threshold", "2,", "2", "rules"],
        ["priv", "adjacent", "threshold", "1,", "1", "rules"],
        ["politie", "tag", "threshold", "1,", "1", "rules"],
    ]
    assert result.stderr == ""


def test_rules_check_names_file_line_and_problem_of_a_bad_query(tmp_path: Path) -> None:
    config = tmp_path / "w.toml"
    config.write_text(
        '[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning"]\nqueries = [\n  "Clearview",\n  "(a OR b",\n]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "rules", "check"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.stdout == ""
    (message,) = result.stderr.strip().splitlines()
    assert message.startswith(f"Error: {config}:{line_of(config, '(a OR b')}: watchlists[0].queries[1]: '(a OR b': ")
    assert "never closed" in message


def test_rules_check_names_the_watchlist_file_and_its_line(rules_env: dict[str, str]) -> None:
    rules = Path(rules_env["WAAKHOND_CONFIG"]).parent / "rules.toml"
    rules.write_text(RULES.replace('queries = ["@clearview-ai"]', 'queries = [\n  "@clearview-ai",\n  "(a OR b",\n]'),
                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check"], env=rules_env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: {rules}:{line_of(rules, '(a OR b')}: watchlists[0].queries[1]: '(a OR b': " in result.stderr
    assert "never closed" in result.stderr


def test_rules_check_watchlists_option_checks_that_file_instead(rules_env: dict[str, str], tmp_path: Path) -> None:
    other = tmp_path / "try.toml"
    other.write_text('[[watchlists]]\nname = "iris"\nrole = "core"\nthreshold = 2\nterms = ["irisscan", "irisherkenning"]\n',
                     encoding="utf-8")
    result = invoke(["rules", "check", "--watchlists", str(other)], rules_env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok: 1 watchlists (1 core), 2 rules, ")
    assert [line.split()[:2] for line in lines[1:]] == [["iris", "core"]]
    # ... and classifies with it: the config's watchlists are not used.
    text = json.loads(invoke(["rules", "check", "--watchlists", str(other), "--json", "--title",
                              "Gezichtsherkenning en een irisscan", "--text", "Een irisscan."], rules_env).stdout)
    assert [w["name"] for w in text["watchlists"]] == ["iris"]
    assert text["label"] == "core" and [m["rule"] for m in text["matches"]] == ["irisscan"]


def test_rules_check_watchlists_option_reports_a_bad_query_with_its_line(rules_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning"]\nqueries = ["(a OR b"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", "--watchlists", str(bad)], env=rules_env)
    assert result.exit_code == 1 and "Traceback" not in result.output and result.stdout == ""
    assert result.stderr.startswith(f"Error: {bad}:4: watchlists[0].queries[0]: '(a OR b': ")
    assert "never closed" in result.stderr


def test_rules_check_watchlists_option_reports_an_unknown_entity(rules_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning"]\nqueries = ["@nobody AND politie"]\n',
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", "--watchlists", str(bad)], env=rules_env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: {bad}")
    assert f"{bad}:4: watchlists[0]: '@nobody AND politie': no entity @nobody in the gazetteer" in result.stderr
    # A known entity is fine.
    bad.write_text('[[watchlists]]\nname = "fr"\nqueries = ["@clearview-ai"]\n', encoding="utf-8")
    assert invoke(["rules", "check", "--watchlists", str(bad)], rules_env).exit_code == 0


def test_rules_check_watchlists_option_on_a_missing_file(rules_env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["rules", "check", "--watchlists", str(tmp_path / "nope.toml")], env=rules_env)
    assert result.exit_code == 1 and f"{tmp_path / 'nope.toml'}: file not found" in result.stderr


def test_an_unknown_entity_in_a_watchlist_file_is_reported_against_that_file(rules_env: dict[str, str]) -> None:
    """The config names rules.toml; the bad @reference is in rules.toml, so that is the file to name."""
    rules = Path(rules_env["WAAKHOND_CONFIG"]).parent / "rules.toml"
    rules.write_text(RULES.replace('"@clearview-ai"', '"@nobody"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check"], env=rules_env)
    assert result.exit_code == 1
    assert "'@nobody': no entity @nobody in the gazetteer" in result.stderr
    assert result.stderr.startswith(f"Error: {rules}"), result.stderr


def test_rules_check_watchlists_option_rejects_what_the_config_would_reject(rules_env: dict[str, str], tmp_path: Path) -> None:
    """`--watchlists FILE` is for trying a change first: a file it accepts must be accepted in watchlist_files."""
    typo = tmp_path / "typo.toml"
    typo.write_text('[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning"]\n\n[[watchlist]]\nname = "x"\nterms = ["y"]\n',
                    encoding="utf-8")
    as_config = tmp_path / "uses-typo.toml"
    as_config.write_text(f'watchlist_files = ["{typo.name}"]\n', encoding="utf-8")
    in_config = CliRunner().invoke(cli, ["--config", str(as_config), "rules", "check"], env=rules_env)
    assert in_config.exit_code == 1 and f"{typo}: watchlist: unknown key" in in_config.stderr
    tried = CliRunner().invoke(cli, ["rules", "check", "--watchlists", str(typo)], env=rules_env)
    assert tried.exit_code == 1, tried.stdout
    assert f"{typo}: watchlist: unknown key" in tried.stderr


# -- rules check: classifying a text -----------------------------------------------------------------


TITLE = "Clearview AI onder vuur"
TEXT = "De politie gebruikt gezichtsherkenning. Dat raakt de privacy van iedereen."


def test_rules_check_shows_how_a_text_is_classified(rules_env: dict[str, str]) -> None:
    result = invoke(["rules", "check", "--title", TITLE, "--text", TEXT], rules_env)
    assert result.exit_code == 0, result.output
    out = result.stdout
    config = load_config(rules_env["WAAKHOND_CONFIG"])
    expected = Classifier(config.watchlists, config.entities).classify(TITLE, TEXT)
    assert out.splitlines()[0] == f"label: core  relevance: {expected.relevance:g}  tags: politie"
    assert expected.relevance == 2.0  # fr: 2 (gezichtsherkenning) + 2 (@clearview-ai, in the title) over threshold 2
    scores = [line.split() for line in out.splitlines() if " score " in line]
    assert scores == [
        ["fr", "core", "score", "4", "/", "2", "reached"],
        ["priv", "adjacent", "score", "1", "/", "1", "reached"],
        ["politie", "tag", "score", "1", "/", "1", "reached"],
    ]
    assert "match  fr: 'gezichtsherkenning' x1 weight 2 -> +2" in out
    assert "De politie gebruikt [[gezichtsherkenning]]. Dat raakt de privacy van iedereen." in out
    assert "match  fr: '@clearview-ai' x1 weight 1 -> +2" in out and "[[Clearview AI]] onder vuur" in out
    assert "match  priv: 'privacy' x1 weight 1 -> +1" in out and "Dat raakt de [[privacy]] van iedereen." in out
    assert "entity organisation: Clearview AI (clearview-ai) x1" in out


def check_json(data: dict[str, Any], title: str, text: str) -> None:
    """Every match and entity has spans; the first one is what its snippet marks."""
    fields = {"title": title, "text": text}
    for item in data["matches"] + data["entities"]:
        assert item["spans"], item
        field, start, end = item["spans"][0]
        assert f"[[{fields[field][start:end]}]]" in item["snippet"], item


def test_rules_check_json(rules_env: dict[str, str]) -> None:
    result = invoke(["rules", "check", "--json", "--title", TITLE, "--text", TEXT], rules_env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"label", "relevance", "tags", "watchlists", "matches", "entities"}
    assert (data["label"], data["relevance"], data["tags"]) == ("core", 2.0, ["politie"])
    assert data["watchlists"] == [
        {"name": "fr", "role": "core", "score": 4.0, "threshold": 2.0, "reached": True},
        {"name": "priv", "role": "adjacent", "score": 1.0, "threshold": 1.0, "reached": True},
        {"name": "politie", "role": "tag", "score": 1.0, "threshold": 1.0, "reached": True},
    ]
    fields = {"title": TITLE, "text": TEXT}
    matched = {(m["watchlist"], m["rule"]): [fields[f][s:e] for f, s, e in m["spans"]] for m in data["matches"]}
    assert matched == {
        ("fr", "gezichtsherkenning"): ["gezichtsherkenning"],
        ("fr", "@clearview-ai"): ["Clearview AI"],
        ("priv", "privacy"): ["privacy"],
        ("politie", "politie"): ["politie"],
    }
    fr = next(m for m in data["matches"] if m["rule"] == "gezichtsherkenning")
    assert (fr["weight"], fr["count"], fr["score"]) == (2.0, 1, 2.0)
    assert fr["snippet"] == "De politie gebruikt [[gezichtsherkenning]]. Dat raakt de privacy van iedereen."
    check_json(data, TITLE, TEXT)
    entities = {e["entity"]: e for e in data["entities"]}
    clearview = entities["clearview-ai"]
    assert (clearview["type"], clearview["name"], clearview["count"]) == ("organisation", "Clearview AI", 1)
    assert [fields[f][s:e] for f, s, e in clearview["spans"]] == ["Clearview AI"]
    assert clearview["snippet"] == "[[Clearview AI]] onder vuur"


def test_rules_check_reads_the_text_from_stdin_and_from_a_file(rules_env: dict[str, str], tmp_path: Path) -> None:
    text = "Een irisscan? Nee: de gemeente zet gezichtsherkenning in.\nOok de politie doet mee.\n"
    from_stdin = invoke(["rules", "check", "--json", "--title", "Bericht", "--file", "-"], rules_env, input=text)
    assert from_stdin.exit_code == 0, from_stdin.output
    data = json.loads(from_stdin.stdout)
    assert data["label"] == "core"
    (fr,) = [m for m in data["matches"] if m["watchlist"] == "fr"]
    ((field, start, end),) = fr["spans"]
    assert field == "text" and text[start:end] == "gezichtsherkenning"
    path = tmp_path / "bericht.txt"
    path.write_text(text, encoding="utf-8")
    from_file = invoke(["rules", "check", "--json", "--title", "Bericht", "--file", str(path)], rules_env)
    assert json.loads(from_file.stdout) == data
    as_option = invoke(["rules", "check", "--json", "--title", "Bericht", "--text", text], rules_env)
    assert json.loads(as_option.stdout) == data


def test_rules_check_spans_point_into_accented_and_decomposed_text(rules_env: dict[str, str]) -> None:
    title = "Café-eigenaar over GEZICHTSHERKENNING"
    text = "Ook de cafe\u0301 van Zoë gebruikt gezichtsherkenning; privacy\u0301 telt."
    data = json.loads(invoke(["rules", "check", "--json", "--title", title, "--text", text], rules_env).stdout)
    fields = {"title": title, "text": text}
    spans = {(m["watchlist"], m["rule"]): [fields[f][s:e] for f, s, e in m["spans"]] for m in data["matches"]}
    assert spans[("fr", "gezichtsherkenning")] == ["GEZICHTSHERKENNING", "gezichtsherkenning"]
    assert [fold(s) for s in spans[("priv", "privacy")]] == ["privacy"]


def test_rules_check_title_only_and_unrelated_text(rules_env: dict[str, str]) -> None:
    title_only = invoke(["rules", "check", "--title", "Gezichtsherkenning op Schiphol"], rules_env)
    assert title_only.exit_code == 0 and title_only.stdout.startswith("label: core  relevance: 2  tags: -")
    unrelated = invoke(["rules", "check", "--title", "Het weer", "--text", "Morgen zonnig."], rules_env)
    assert unrelated.stdout.splitlines()[0] == "label: unrelated  relevance: 0  tags: -"
    assert "match " not in unrelated.stdout
    data = json.loads(invoke(["rules", "check", "--json", "--text", "Morgen zonnig."], rules_env).stdout)
    assert (data["label"], data["relevance"], data["tags"], data["matches"]) == ("unrelated", 0.0, [], [])


# -- reclassify ---------------------------------------------------------------------------------------


def test_reclassify_applies_new_rules_without_alerts_then_alerts_once(setup: Setup, engine: Engine, source_id: int) -> None:
    v1 = load_config(setup.config_path)
    store(engine, v1, source_id, "a", TITLE_A, TEXT_A)
    store(engine, v1, source_id, "b", TITLE_B, TEXT_B)
    store(engine, v1, source_id, "c", TITLE_C, TEXT_C)
    a = stored(engine, "a")
    assert (a.label, a.watchlists, a.matches) == ("core", "fr", (("fr", "gezichtsherkenning", 2),))
    assert stored(engine, "b") == Stored("unrelated", 0.0, "", "", ())
    # A was alerted when it was crawled; one of its alerts has gone out already.
    a_first, a_second = outbox_ids(engine, "a")
    repo.mark_sent(engine, a_first, NOW, 4242)
    before = outbox(engine)
    assert [(r[0], r[1], r[3]) for r in before] == [(URL_A, "-1002", "pending"), (URL_A, "1001", "sent")]

    v2 = setup.watchlists(WATCHLISTS_V2)
    result = invoke(["reclassify"], setup.env)
    assert summary_line(result) == "3 documents classified, 1 changed label, 0 alerts queued"
    assert result.stdout.splitlines()[1:] == ["  unrelated -> core: 1"]
    expected = Classifier(v2.watchlists, v2.entities).classify(TITLE_B, TEXT_B)
    assert expected.label == "core" and expected.relevance > 1
    assert stored(engine, "b") == Stored("core", expected.relevance, "fr", "", (("fr", "irisscan", 2),))
    assert stored(engine, "a").label == "core" and stored(engine, "c").label == "unrelated"
    with Session(engine) as s:
        spans = json.loads(s.execute(select(Match.spans).join(Document, Document.id == Match.document_id)
                                     .where(Document.url == URL_B)).scalar_one())
    assert [{"title": TITLE_B, "text": TEXT_B}[f][start:end] for f, start, end in spans] == ["irisscan", "irisscan"]
    assert outbox(engine) == before  # no alerts for older documents without --alert

    alerted = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(alerted) == "3 documents classified, 0 changed label, 2 alerts queued"
    after = outbox(engine)
    assert [r for r in after if r[0] == URL_A] == [r for r in before if r[0] == URL_A]  # A is not alerted twice
    assert [(r[0], r[1], r[2], r[3]) for r in after if r[0] == URL_B] == [
        (URL_B, "-1002", "new", "pending"), (URL_B, "1001", "new", "pending"),
    ]
    again = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(again) == "3 documents classified, 0 changed label, 0 alerts queued"
    assert outbox(engine) == after


def test_reclassify_with_unchanged_rules_changes_nothing(setup: Setup, engine: Engine, source_id: int) -> None:
    v1 = load_config(setup.config_path)
    for slug, title, text in (("a", TITLE_A, TEXT_A), ("b", TITLE_B, TEXT_B), ("p", "Privacy", "Over privacy.")):
        store(engine, v1, source_id, slug, title, text)
    before = {slug: stored(engine, slug) for slug in ("a", "b", "p")}
    assert before["p"].label == "adjacent"
    queued = outbox(engine)
    result = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(result) == "3 documents classified, 0 changed label, 0 alerts queued"
    assert result.stdout.splitlines()[1:] == []
    assert {slug: stored(engine, slug) for slug in ("a", "b", "p")} == before
    assert outbox(engine) == queued


def test_reclassify_updates_entities_too(setup: Setup, engine: Engine, source_id: int) -> None:
    v1 = load_config(setup.config_path)
    store(engine, v1, source_id, "a", "Clearview AI beboet", "De AP beboet Clearview AI voor gezichtsherkenning.")
    with Session(engine) as s:
        s.execute(EntityMention.__table__.delete())  # as if stored before the gazetteer knew these
        s.commit()
    invoke(["reclassify"], setup.env)
    with Session(engine) as s:
        entities = set(s.execute(select(EntityMention.entity)).scalars())
    assert "clearview-ai" in entities


def test_reclassify_since_only_touches_documents_first_stored_from_that_day(
    setup: Setup, engine: Engine, source_id: int
) -> None:
    v1 = load_config(setup.config_path)
    midnight = datetime(2026, 1, 2, tzinfo=AMSTERDAM)  # 2026-01-01 23:00 UTC
    fetched = {
        "before": midnight - timedelta(minutes=1),
        "midnight": midnight,
        "later": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        "old-edited": datetime(2025, 12, 1, 9, 0, tzinfo=UTC),
    }
    for slug, at in fetched.items():
        store(engine, v1, source_id, slug, f"{TITLE_B} ({slug})", TEXT_B, at)
    # A document first stored before the day, edited after it: still "first stored" before.
    store(engine, v1, source_id, "old-edited", f"{TITLE_B} (old-edited)", TEXT_B + " Bijgewerkt.", datetime(2026, 2, 1, tzinfo=UTC))
    assert all(stored(engine, slug).label == "unrelated" for slug in fetched)

    setup.watchlists(WATCHLISTS_V2)
    result = invoke(["reclassify", "--since", "2026-01-02"], setup.env)
    assert summary_line(result) == "2 documents classified, 2 changed label, 0 alerts queued"
    assert {slug: stored(engine, slug).label for slug in fetched} == {
        "before": "unrelated", "midnight": "core", "later": "core", "old-edited": "unrelated",
    }
    assert outbox(engine) == []

    alerted = invoke(["reclassify", "--since", "2026-01-02", "--alert"], setup.env)
    assert summary_line(alerted) == "2 documents classified, 0 changed label, 4 alerts queued"
    assert sorted({r[0].rsplit("/", 1)[1] for r in outbox(engine)}) == ["later", "midnight"]
    everything = invoke(["reclassify"], setup.env)
    assert summary_line(everything) == "4 documents classified, 2 changed label, 0 alerts queued"
    assert CliRunner().invoke(cli, ["reclassify", "--since", "2.1.2026"], env=setup.env).exit_code == 2


def test_reclassify_lowers_a_label_and_leaves_sent_alerts_alone(setup: Setup, engine: Engine, source_id: int) -> None:
    v1 = load_config(setup.config_path)
    store(engine, v1, source_id, "a", TITLE_A, TEXT_A)
    for n, outbox_id in enumerate(outbox_ids(engine, "a")):
        repo.mark_sent(engine, outbox_id, NOW + timedelta(minutes=n), 100 + n)
    sent = outbox(engine)
    assert [(r[1], r[3], r[5]) for r in sent] == [("-1002", "sent", 101), ("1001", "sent", 100)]

    setup.watchlists(WATCHLISTS_V3)  # "gezichtsherkenning" is no longer watched
    result = invoke(["reclassify"], setup.env)
    assert summary_line(result) == "1 documents classified, 1 changed label, 0 alerts queued"
    assert result.stdout.splitlines()[1:] == ["  core -> unrelated: 1"]
    assert stored(engine, "a") == Stored("unrelated", 0.0, "", "", ())
    assert outbox(engine) == sent
    assert summary_line(invoke(["reclassify", "--alert"], setup.env)).endswith("0 alerts queued")
    assert outbox(engine) == sent
    assert repo.outbox_counts(engine) == {"sent": 2}


def test_reclassify_core_to_adjacent_alerts_only_the_watchlist_subscriber(setup: Setup, engine: Engine, source_id: int) -> None:
    """A chat following every core document does not want an adjacent one; a chat following "priv" would."""
    (setup.dir / "waakhond.toml").write_text(MAIN_CONFIG + '\n[[subscriptions]]\nchat_id = 1003\nwatchlists = ["priv"]\n',
                                             encoding="utf-8")
    v1 = load_config(setup.config_path)
    store(engine, v1, source_id, "p", "Irisscan en privacy", "De irisscan raakt de privacy.")
    assert stored(engine, "p").label == "adjacent"
    assert [(r[1], r[3]) for r in outbox(engine)] == [("1003", "pending")]
    setup.watchlists(WATCHLISTS_V2)
    result = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(result) == "1 documents classified, 1 changed label, 2 alerts queued"
    assert stored(engine, "p").watchlists == "fr priv"
    assert [r[1] for r in outbox(engine)] == ["-1002", "1001", "1003"]


def test_reclassify_refuses_a_broken_config(setup: Setup) -> None:
    setup.watchlists_path.write_text('[[watchlists]]\nname = "fr"\nqueries = ["(a OR b"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["reclassify"], env=setup.env)
    assert result.exit_code == 1 and str(setup.watchlists_path) in result.stderr and "Traceback" not in result.output


def test_a_document_changed_meanwhile_is_skipped(setup: Setup, engine: Engine, source_id: int) -> None:
    v1 = load_config(setup.config_path)
    store(engine, v1, source_id, "b", TITLE_B, TEXT_B)
    v2 = setup.watchlists(WATCHLISTS_V2)
    (read,) = documents_to_classify(engine, None, 0, 10)
    # A crawl stores a new version (classified with the rules it had) between reading and saving.
    store(engine, v1, source_id, "b", TITLE_B, TEXT_B + " Bijgewerkt.", NOW + timedelta(hours=1))
    classification = Classifier(v2.watchlists, v2.entities).classify(read.title, read.text)
    (outcome,) = save_classifications(engine, [(read, classification)])
    assert outcome.skipped and stored(engine, "b").label == "unrelated"


def test_reclassify_walks_more_than_one_batch(setup: Setup, engine: Engine, source_id: int) -> None:
    from waakhond.reclassify import BATCH

    v1 = load_config(setup.config_path)
    classification = Classifier(v1.watchlists, v1.entities).classify(TITLE_B, TEXT_B)
    for n in range(BATCH + 3):
        url = f"https://dagblad.example/n{n}"
        repo.store_document(
            engine, source_id,
            repo.NewDocument(source_name=SOURCE, kind="news", url=url, fetched_url=url, title=TITLE_B, text=TEXT_B,
                             text_origin="article", fetched_at=NOW, content_hash=f"{n:064d}", raw=b"x"),
            classification, [],
        )
    setup.watchlists(WATCHLISTS_V2)
    result = invoke(["reclassify", "--alert"], setup.env)
    n = BATCH + 3
    assert summary_line(result) == f"{n} documents classified, {n} changed label, {2 * n} alerts queued"
    with Session(engine) as s:
        assert set(s.execute(select(Document.label)).scalars()) == {"core"}


# -- reclassify: Kamervragen --------------------------------------------------------------------------


KV_SOURCE = "tweede-kamer"
SUBMITTED = NOW - timedelta(days=1)
ROLE_KINDS = {"question": "kamervraag", "postponement": "kamervraag-uitstel", "answer": "kamervraag-antwoord"}
ROLE_SOORTEN = {
    "question": "Schriftelijke vragen",
    "postponement": "Mededeling (uitstel antwoord)",
    "answer": "Antwoord schriftelijke vragen",
}


def kamervraag(
    config: Config, tk_id: str, subject: str, role: str = "question", text: str | None = None,
    zaak: str = "zaak-1", number: str = "2026Z01001",
) -> kv.KamervraagRecord:
    """A record classified as the crawl classifies it: title, text and the case's subject."""
    case = kv.CaseRecord(zaak_id=zaak, number=number, subject=subject, vergaderjaar="2026-2027", submitted_at=SUBMITTED,
                         actors=(kv.Actor("Indiener", "Jansen", "D66", "Tweede Kamerlid"),))
    title = f"{ROLE_SOORTEN[role]}: {subject}"
    text = text if text is not None else f"{ROLE_SOORTEN[role]}\n{subject}"
    url = f"https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id={number}&did=D-{tk_id}"
    document = repo.NewDocument(
        source_name=KV_SOURCE, kind=ROLE_KINDS[role], url=url, fetched_url=url, title=title, text=text,
        text_origin="metadata", fetched_at=NOW, content_hash=hashlib.sha256(text.encode()).hexdigest(),
        raw=b"{}", published_at=SUBMITTED, language="nl", content_type="application/json",
    )
    return kv.KamervraagRecord(
        tk_id=tk_id, api_modified="2026-11-20T12:00:00Z", role=role, soort=ROLE_SOORTEN[role], number=f"D-{tk_id}",
        dated_at=SUBMITTED, case=case, document=document,
        classification=Classifier(config.watchlists, config.entities).classify(title, text, {"case": subject}),
    )


def store_kv(engine: Engine, config: Config, rec: kv.KamervraagRecord) -> kv.KamervraagResult:
    source = repo.ensure_source(engine, KV_SOURCE, "kamervragen", "https://gegevensmagazijn.tweedekamer.nl/OData/v5/")

    def route(reached: Collection[str], label: str) -> list[str]:
        return recipients(config.subscriptions, reached, label)

    return kv.store_kamervraag(engine, source, KV_SOURCE, rec, route, cursor=None, alert_after=NOW - kv.ALERT_HORIZON,
                               now=NOW)


def case_relevant(engine: Engine, zaak: str = "zaak-1") -> bool:
    with Session(engine) as s:
        return s.execute(select(KamervraagCase.relevant).where(KamervraagCase.zaak_id == zaak)).scalar_one()


def kv_url(engine: Engine, tk_id: str) -> str:
    with Session(engine) as s:
        return s.execute(
            select(Document.url).join(KamervraagDocument, KamervraagDocument.document_id == Document.id)
            .where(KamervraagDocument.tk_id == tk_id)
        ).scalar_one()


def test_reclassify_recomputes_a_kamervraag_case_relevance(setup: Setup, engine: Engine) -> None:
    v1 = load_config(setup.config_path)
    subject = "het gebruik van een irisscan door gemeenten"
    assert store_kv(engine, v1, kamervraag(v1, "q1", subject)).relevant is False
    store_kv(engine, v1, kamervraag(v1, "p1", subject, role="postponement"))
    store_kv(engine, v1, kv.KamervraagRecord(tk_id="p1", api_modified="2026-11-21T12:00:00Z", deleted=True))  # withdrawn
    other = kamervraag(v1, "q9", "de begroting van Defensie", zaak="zaak-9", number="2026Z09999")
    store_kv(engine, v1, other)
    assert not case_relevant(engine) and not case_relevant(engine, "zaak-9")
    listed = invoke(["kamervragen"], setup.env)
    assert "2026Z01001" not in listed.stdout

    setup.watchlists(WATCHLISTS_V2)
    result = invoke(["reclassify"], setup.env)
    assert summary_line(result) == "3 documents classified, 2 changed label, 0 alerts queued"
    assert case_relevant(engine) and not case_relevant(engine, "zaak-9")
    assert stored(engine, kv_url(engine, "q1")).label == "core"
    assert stored(engine, kv_url(engine, "q1")).matches == (("fr", "irisscan", 3),)  # title, text and case subject
    assert outbox(engine) == []
    listed = invoke(["kamervragen"], setup.env)
    assert "2026Z01001" in listed.stdout and "2026Z09999" not in listed.stdout

    alerted = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(alerted) == "3 documents classified, 0 changed label, 2 alerts queued"
    q1 = kv_url(engine, "q1")
    assert [(r[0], r[1]) for r in outbox(engine)] == [(q1, "-1002"), (q1, "1001")]  # the withdrawn one never

    setup.watchlists(WATCHLISTS_V1)
    lowered = invoke(["reclassify"], setup.env)
    assert summary_line(lowered) == "3 documents classified, 2 changed label, 0 alerts queued, 2 unsent alerts cancelled"
    assert not case_relevant(engine)
    assert [r[3] for r in outbox(engine)] == ["cancelled", "cancelled"]  # no chat wants them under the new rules


def test_reclassify_alert_on_a_case_is_done_in_one_run(setup: Setup, engine: Engine) -> None:
    """The question does not match, its answer now does: the case is core. Whatever one --alert run queues for
    the case, a second run over the same archive and rules must queue nothing more."""
    v1 = load_config(setup.config_path)
    subject = "het gebruik van camera's door gemeenten"
    store_kv(engine, v1, kamervraag(v1, "q1", subject))
    store_kv(engine, v1, kamervraag(v1, "a1", subject, role="answer",
                                    text="Antwoord schriftelijke vragen\nDe gemeente gebruikt geen irisscan."))
    assert not case_relevant(engine)

    setup.watchlists(WATCHLISTS_V2)
    first = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(first).startswith("2 documents classified, 1 changed label, ")
    assert case_relevant(engine)
    after_first = outbox(engine)
    assert {r[0] for r in after_first} >= {kv_url(engine, "a1")}
    second = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(second) == "2 documents classified, 0 changed label, 0 alerts queued"
    assert outbox(engine) == after_first


def test_reclassify_alert_queues_nothing_for_a_case_the_new_rules_make_unrelated(setup: Setup, engine: Engine) -> None:
    """Only its answer matched; with that word dropped no document of the case matches, so no chat wants any."""
    v1 = load_config(setup.config_path)
    subject = "het gebruik van camera's door gemeenten"
    store_kv(engine, v1, kamervraag(v1, "q1", subject))
    store_kv(engine, v1, kamervraag(v1, "a1", subject, role="answer",
                                    text="Antwoord schriftelijke vragen\nDe gemeente gebruikt geen gezichtsherkenning."))
    assert case_relevant(engine)
    a1 = kv_url(engine, "a1")
    before = outbox(engine)
    assert [(r[0], r[1]) for r in before] == [(a1, "-1002"), (a1, "1001")]  # the answer made the case core

    setup.watchlists(WATCHLISTS_V3)
    result = invoke(["reclassify", "--alert"], setup.env)
    assert summary_line(result) == "2 documents classified, 1 changed label, 0 alerts queued, 2 unsent alerts cancelled"
    assert not case_relevant(engine)
    assert [(r[0], r[1], r[3]) for r in outbox(engine)] == [(a1, "-1002", "cancelled"), (a1, "1001", "cancelled")]


def test_rules_check_uses_the_configs_gazetteer_files(rules_env: dict[str, str], tmp_path: Path) -> None:
    config = Path(rules_env["WAAKHOND_CONFIG"])
    (tmp_path / "extra.toml").write_text(
        '[[entity]]\nid = "irisbank"\ntype = "system"\nname = "IrisBank"\naliases = ["IrisBank", "Iris Bank"]\n',
        encoding="utf-8",
    )
    config.write_text('gazetteer_files = ["extra.toml"]\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    summary = invoke(["rules", "check"], rules_env)
    assert summary.exit_code == 0, summary.output
    assert f"{len(builtin_entities()) + 1} entities" in summary.stdout.splitlines()[0]
    data = json.loads(invoke(["rules", "check", "--json", "--text", "De gemeente koopt Iris Bank."], rules_env).stdout)
    (entity,) = [e for e in data["entities"] if e["entity"] == "irisbank"]
    ((field, start, end),) = entity["spans"]
    assert (entity["type"], entity["name"], "De gemeente koopt Iris Bank."[start:end]) == ("system", "IrisBank", "Iris Bank")
    # A watchlist tried with --watchlists may name the config's own entities.
    trial = tmp_path / "trial.toml"
    trial.write_text('[[watchlists]]\nname = "iris"\nqueries = ["@irisbank"]\n', encoding="utf-8")
    tried = json.loads(invoke(["rules", "check", "--watchlists", str(trial), "--json", "--text", "Iris Bank"], rules_env).stdout)
    assert tried["label"] == "core" and tried["matches"][0]["rule"] == "@irisbank"
    # A broken gazetteer file is named with its line.
    (tmp_path / "extra.toml").write_text('[[entity]]\nid = "irisbank"\ntype = "gadget"\nname = "IrisBank"\n', encoding="utf-8")
    broken = CliRunner().invoke(cli, ["rules", "check"], env=rules_env)
    assert broken.exit_code == 1 and f"{tmp_path / 'extra.toml'}:" in broken.stderr and "'gadget'" in broken.stderr
