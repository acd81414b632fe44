"""An article edited after publication becomes a new version of the same document, not a new story."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import repository as repo
from storage.engine import open_database
from storage.models import Document, OutboxEntry
from tests.harness.commands import run_waakhond
from tests.harness.fixture_site import FixtureSite

SLUG = "/dagblad/artikel/politie-gebruikt-gezichtsherkenning-vaker-bij-opsporing.html"
STORM = "/dagblad/artikel/zware-storm-trekt-over-het-noorden.html"
OLD = "precies 4213 zoekopdrachten"
NEW = "precies 5120 zoekopdrachten"


def config(tmp_path: Path, site: FixtureSite) -> list[str]:
    path = tmp_path / "w.toml"
    path.write_text(
        f'[[sources]]\nname = "dagblad"\nkind = "feed"\nurl = "{site.url("/dagblad/rss.xml")}"\n'
        '[[watchlists]]\nname = "fr"\nterms = ["gezichtsherkenning", "Clearview", "biometrie", "drones"]\n'
        "[[subscriptions]]\nchat_id = 1001\n",
        encoding="utf-8",
    )
    return ["--config", str(path)]


def counts(database_url: str) -> tuple[int, int]:
    engine = open_database(database_url)
    with Session(engine) as s:
        result = (
            s.execute(select(func.count()).select_from(Document)).scalar_one(),
            s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one(),
        )
    engine.dispose()
    return result


def test_an_edited_article_is_a_second_version_of_one_document(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    args = config(tmp_path, fixture_site)
    assert run_waakhond([*args, "crawl", "dagblad"], waakhond_env).returncode == 0
    assert counts(database_url) == (5, 3)

    page = (fixture_site.root / SLUG.lstrip("/")).read_text(encoding="utf-8")
    assert OLD in page
    fixture_site.set(SLUG, page.replace(OLD, NEW))
    result = run_waakhond([*args, "crawl", "dagblad"], waakhond_env)
    assert "5 feed entries, 0 stored, 1 updated, 0 relevant, 0 alerts queued" in result.stdout, result.stderr
    assert counts(database_url) == (5, 3)  # the same document, and no second alert

    engine = open_database(database_url)
    url = fixture_site.url(SLUG)
    with Session(engine) as s:
        doc = s.execute(select(Document).where(Document.url == url)).scalar_one()
    assert doc.version == 2 and doc.updated_at is not None and NEW in doc.text and OLD not in doc.text
    (old,) = repo.document_versions(engine, url)
    assert old.version == 1 and OLD in old.text and old.content_hash != doc.content_hash
    engine.dispose()

    hit = json.loads(run_waakhond([*args, "search", "--json", "5120"], waakhond_env).stdout)
    assert (hit["url"], hit["version"]) == (url, 2) and hit["updated"]
    # Nothing changed since: the next crawl stores nothing.
    again = run_waakhond([*args, "crawl", "dagblad"], waakhond_env)
    assert "0 stored, 0 updated" in again.stdout


def test_an_edit_that_makes_an_article_relevant_alerts_once(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    args = config(tmp_path, fixture_site)
    assert run_waakhond([*args, "crawl", "dagblad"], waakhond_env).returncode == 0
    page = (fixture_site.root / STORM.lstrip("/")).read_text(encoding="utf-8")
    marker = "<p>Bij Lauwersoog"
    assert marker in page
    edited = page.replace(marker, "<p>Update: de politie zette drones met gezichtsherkenning in om "
                          "vermiste wandelaars te zoeken, meldt de veiligheidsregio.</p>" + marker, 1)
    fixture_site.set(STORM, edited)
    result = run_waakhond([*args, "crawl", "dagblad"], waakhond_env)
    assert "0 stored, 1 updated, 0 relevant, 1 alerts queued" in result.stdout, result.stderr
    assert counts(database_url) == (5, 4)
