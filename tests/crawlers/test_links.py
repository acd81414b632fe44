"""Cross-source links in real crawls: news citing a Kamervraag, naming its MP and subject, or only the MP.

A fixture outlet (tests/fixtures/sites/haagsepost/) and the fake Tweede Kamer API, crawled in either order:
the links are made whichever side is stored first.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.harness.commands import feed_source, run_waakhond
from tests.harness.fake_parliament import FakeParliament, question_record
from tests.harness.fixture_site import FixtureSite

CASE = "2024Z16676"
SUBJECT = "Het gebruik van gezichtsherkenning door de politie bij het opsporen van verdachten"
SUBMITTERS = (("E.J. van der Molen", "GroenLinks-PvdA"),)
CITES = "kamervragen-gezichtsherkenning-politie"  # cites 2024Z16676
DISCUSSES = "opsporing-met-camerabeelden"  # names the MP and the subject, not the number
UNRELATED = "van-der-molen-huurtoeslag"  # names the MP, about housing


def write_config(tmp_path: Path, site: FixtureSite, api: FakeParliament) -> Path:
    path = tmp_path / "waakhond.toml"
    path.write_text(
        feed_source("haagsepost", site.url("/haagsepost/rss.xml"))
        + f'\n[[sources]]\nname = "tweede-kamer"\nkind = "kamervragen"\nurl = "{api.url("/OData/v5/")}"\n'
        f'publications_url = "{api.sru_url}"\n\n'
        '[[watchlists]]\nname = "gezichtsherkenning"\nterms = ["gezichtsherkenning"]\n\n[[subscriptions]]\nchat_id = 1001\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("news_first", [True, False], ids=["news-first", "case-first"])
def test_citing_the_number_links_naming_mp_and_subject_links_less_surely_naming_the_mp_alone_does_not(
    tmp_path: Path, fixture_site: FixtureSite, fake_parliament: FakeParliament, waakhond_env: dict[str, str],
    news_first: bool,
) -> None:
    fake_parliament.add_document(question_record(CASE, SUBJECT, date(2024, 9, 24), SUBMITTERS))
    env = {**waakhond_env, "WAAKHOND_CONFIG": str(write_config(tmp_path, fixture_site, fake_parliament))}
    steps = [["crawl", "haagsepost"], ["backfill", "kamervragen", "--since", "2024-09-01"]]
    for args in steps if news_first else steps[::-1]:
        result = run_waakhond(args, env)
        assert result.returncode == 0, result.stdout + result.stderr

    shown = run_waakhond(["links", "--json", CASE], env)
    assert shown.returncode == 0, shown.stderr
    found = {Path(link["document"]["url"]).stem: link for link in map(json.loads, shown.stdout.splitlines())}
    assert set(found) == {CITES, DISCUSSES}
    cited, discussed = found[CITES], found[DISCUSSES]
    assert (cited["reason"], cited["confidence"], cited["evidence"]) == ("case-number", 0.95, f"cites {CASE}")
    assert discussed["reason"] == "member-and-subject" and 0.45 <= discussed["confidence"] < cited["confidence"]
    assert "Van der Molen" in discussed["evidence"] and "gezichtsherkenning" in discussed["evidence"]
    assert all(link["case"] == {"number": CASE, "subject": SUBJECT} for link in found.values())

    # From the document's side: the same link, and none for the article that only names the MP.
    unrelated = fixture_site.url(f"/haagsepost/artikel/{UNRELATED}.html")
    assert run_waakhond(["links", "--json", unrelated], env).stdout == ""
    text = run_waakhond(["links", fixture_site.url(f"/haagsepost/artikel/{CITES}.html")], env).stdout
    assert f"case {CASE}: {SUBJECT}" in text and "0.95 case-number" in text

    # The case number's timeline lists the article that cites it.
    timeline = [json.loads(line) for line in run_waakhond(["entity", "--json", CASE.lower().join(("case:", ""))], env).stdout.splitlines()]
    assert [Path(item["url"]).stem for item in timeline] == [CITES]


def test_a_kamervragen_document_shows_the_links_of_its_case(
    tmp_path: Path, fixture_site: FixtureSite, fake_parliament: FakeParliament, waakhond_env: dict[str, str],
) -> None:
    fake_parliament.add_document(question_record(CASE, SUBJECT, date(2024, 9, 24), SUBMITTERS))
    env = {**waakhond_env, "WAAKHOND_CONFIG": str(write_config(tmp_path, fixture_site, fake_parliament))}
    for args in (["crawl", "haagsepost"], ["backfill", "kamervragen", "--since", "2024-09-01"]):
        assert run_waakhond(args, env).returncode == 0
    (case,) = json.loads(run_waakhond(["kamervragen", "--json", "--all"], env).stdout.splitlines()[0])["documents"]
    story = run_waakhond(["story", case["url"]], env)
    assert story.returncode == 0 and "belongs to its case" in story.stdout
    by_document = [json.loads(line) for line in run_waakhond(["links", "--json", case["url"]], env).stdout.splitlines()]
    assert sorted(Path(link["document"]["url"]).stem for link in by_document) == sorted([CITES, DISCUSSES])
