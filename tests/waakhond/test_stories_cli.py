"""The story, links, entity and relate commands through click's runner, on both backends."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import DocumentSignature, SignatureBand, Story, StoryMember
from tests.storage.test_links import CLASSIFIER, NOW
from tests.storage.test_stories import WIRE, doc
from tests.waakhond.test_cli import env  # noqa: F401  (a fixture)
from waakhond.cli import cli
from storage import repository as repo


def invoke(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def archive(database_url: str) -> list[int]:
    engine = open_database(database_url)
    try:
        ids = []
        for i, c in enumerate(WIRE[:3]):
            sid = repo.ensure_source(engine, c.outlet, "feed", f"https://{c.outlet}.example/rss")
            d = doc(f"https://www.{c.outlet}.example/a", c.text, NOW + timedelta(minutes=i))
            ids.append(repo.store_document(engine, sid, d, CLASSIFIER.classify(c.title, c.text), []).document_id)
        return ids
    finally:
        engine.dispose()


def test_story_by_id_or_any_url_variant(env: dict[str, str], database_url: str) -> None:  # noqa: F811
    ids = archive(database_url)
    by_id = invoke(["story", str(ids[1]), "--json"], env)
    assert by_id.exit_code == 0, by_id.output
    story = json.loads(by_id.output)
    assert [d["id"] for d in story["documents"]] == ids and story["head"] == ids[0] and story["document"] == ids[1]
    amp = invoke(["story", "https://m.stadsblad.example/a/amp?utm_source=x"], env)
    assert amp.exit_code == 0 and f"* #{ids[1]}" in amp.output and "first publication" in amp.output
    assert "copy of #" in amp.output and "3 document(s), first published" in amp.output


def test_unknown_documents_cases_and_entities_are_one_line_errors(env: dict[str, str]) -> None:  # noqa: F811
    for args, message in (
        (["story", "999"], "no document with id 999"),
        (["story", "https://nergens.example/x"], "no archived document"),
        (["links", "niet-een-url"], "no archived document"),
        (["entity", "clearvieuw"], "no entity 'clearvieuw' in the gazetteer"),
    ):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 1 and message in result.output, result.output
    empty = CliRunner().invoke(cli, ["links", "2024Z16676"], env=env)
    assert empty.exit_code == 0 and "no links found" in empty.output
    assert CliRunner().invoke(cli, ["entity", "x", "--limit", "0"], env=env).exit_code == 2


def test_entity_timeline_by_name_alias_or_id(env: dict[str, str], database_url: str) -> None:  # noqa: F811
    ids = archive(database_url)
    by_name = invoke(["entity", "--json", "Bits of Freedom"], env)
    items = [json.loads(line) for line in by_name.output.splitlines()]
    # Three copies of one story are one item, with the other outlets listed.
    assert [(i["id"], i["entity"], i["also_in"]) for i in items] == [(ids[0], "bits-of-freedom", ["stadsblad", "dagkoerier"])]
    assert invoke(["entity", "--json", "bits-of-freedom"], env).output == by_name.output
    assert invoke(["entity", "bits-of-freedom", "--since", "2030-01-01"], env).stdout == ""
    text = invoke(["entity", "Autoriteit Persoonsgegevens"], env).output
    assert "also in: stadsblad\n" in text  # the dagkoerier copy dropped the paragraph that names the AP


def test_relate_reports_what_it_did(env: dict[str, str], database_url: str) -> None:  # noqa: F811
    archive(database_url)
    engine = open_database(database_url)
    with Session(engine) as s, s.begin():
        for table in (StoryMember, Story, SignatureBand, DocumentSignature):
            s.execute(delete(table))
    engine.dispose()
    result = invoke(["relate"], env)
    assert result.exit_code == 0
    assert result.output.strip() == "3 documents placed, 2 joined another's story, 0 cases linked; the archive has 1 stories of 3 documents"
