"""Bad input does not stop a run: each failure is logged with its URL and reason, counted, and the rest stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import CrawlRun, Document, OutboxEntry
from tests.harness.commands import run_waakhond
from tests.harness.fixture_site import FixtureSite


def write_config(tmp_path: Path, site: FixtureSite) -> Path:
    path = tmp_path / "waakhond.toml"
    path.write_text(
        f"""
[[sources]]
name = "stadsbericht"
kind = "feed"
url = "{site.url('/storing/feed.atom')}"

[[sources]]
name = "onderhoud"
kind = "feed"
url = "{site.url('/storing/niet-xml.xml')}"

[[subscriptions]]
chat_id = 7
""",
        encoding="utf-8",
    )
    return path


def test_broken_pages_are_logged_counted_and_skipped(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    config = write_config(tmp_path, fixture_site)
    fixture_site.set_status("/storing/artikel/serverfout.html", 500)
    result = run_waakhond(["--config", str(config), "crawl", "stadsbericht"], waakhond_env)
    assert result.returncode == 0, result.stderr  # a partly failing crawl is still a crawl
    assert "stadsbericht: partial: 5 feed entries, 2 stored, 0 updated, 2 relevant, 2 alerts queued" in result.stdout

    # Each failure is logged with its URL and reason.
    log = result.stderr
    assert f"article {fixture_site.url('/storing/artikel/bestaat-niet.html')} skipped: HTTP 404" in log
    assert f"article {fixture_site.url('/storing/artikel/serverfout.html')} skipped: HTTP 500" in log
    assert fixture_site.url("/storing/artikel/leeg.html") in log and "no main text found" in log

    engine = open_database(database_url)
    with Session(engine) as session:
        docs = {d.fetched_url: d for d in session.execute(select(Document)).scalars()}
        (run,) = session.execute(select(CrawlRun)).scalars().all()
        outbox = session.execute(select(OutboxEntry)).scalars().all()
    assert set(docs) == {fixture_site.url("/storing/artikel/latin1.html"), fixture_site.url("/storing/artikel/goed.html")}
    latin1 = docs[fixture_site.url("/storing/artikel/latin1.html")].text
    assert "café “De Kroon” is geen enkele horecaondernemer geïnteresseerd in camera’s" in latin1
    assert "de boete van € 30.500.000 die Clearview AI" in latin1
    assert "zoekmachines voor gezichten in Nederland volledig worden verboden" in docs[
        fixture_site.url("/storing/artikel/goed.html")
    ].text
    # ... and counted in the crawl run.
    assert (run.outcome, run.entries_seen, run.items_stored, run.errors) == ("partial", 5, 2, 3)
    assert run.http_errors >= 2 and run.bytes_received > 0 and run.finished_at is not None
    assert "HTTP 404: 1" in run.message and "HTTP 500: 1" in run.message
    assert "1 page(s) without extractable text" in run.message
    assert len(outbox) == 2

    # A feed that is not XML fails its own crawl, loudly, and loses nothing already stored.
    broken = run_waakhond(["--config", str(config), "crawl", "onderhoud"], waakhond_env)
    assert broken.returncode == 1
    assert "onderhoud: failed: 0 feed entries" in broken.stdout
    assert f"feed {fixture_site.url('/storing/niet-xml.xml')}: not a usable RSS/Atom feed" in broken.stderr
    assert "Traceback" not in broken.stderr
    with Session(engine) as session:
        assert session.execute(select(Document)).scalars().all().__len__() == 2
        failed = session.execute(select(CrawlRun).where(CrawlRun.source_name == "onderhoud")).scalar_one()
    assert (failed.outcome, failed.message) == ("failed", "feed unusable")
    engine.dispose()


def test_one_broken_source_does_not_stop_the_others(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str]
) -> None:
    config = write_config(tmp_path, fixture_site)
    fixture_site.set_status("/storing/niet-xml.xml", 503)
    result = run_waakhond(["--config", str(config), "crawl", "--all"], waakhond_env)
    assert result.returncode == 1
    assert "onderhoud: failed" in result.stdout
    assert "stadsbericht: partial: 5 feed entries, 2 stored" in result.stdout
    assert "crawl failed for: onderhoud" in result.stderr
    assert f"feed {fixture_site.url('/storing/niet-xml.xml')} could not be fetched: HTTP 503" in result.stderr


def test_a_summary_stands_in_when_the_page_has_no_text(
    tmp_path: Path, fixture_site: FixtureSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    feed = (fixture_site.root / "storing" / "feed.atom").read_text(encoding="utf-8")
    entry_end = feed.index("</title>", feed.index("Liveblog: debat over gezichtsherkenning")) + len("</title>")
    summary = "<summary>Het debat over gezichtsherkenning in het uitgaansgebied duurde de hele avond.</summary>"
    fixture_site.set("/storing/feed.atom", feed[:entry_end] + summary + feed[entry_end:], "application/atom+xml")
    config = write_config(tmp_path, fixture_site)
    result = run_waakhond(["--config", str(config), "crawl", "stadsbericht"], waakhond_env)
    assert "3 stored" in result.stdout, result.stderr
    assert "storing the feed summary instead" in result.stderr
    engine = open_database(database_url)
    with Session(engine) as session:
        doc = session.execute(
            select(Document).where(Document.fetched_url == fixture_site.url("/storing/artikel/leeg.html"))
        ).scalar_one()
    assert doc.text_origin == "feed_summary" and "duurde de hele avond" in doc.text
    engine.dispose()
