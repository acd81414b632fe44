"""The kamervragen spider against a local Tweede Kamer API and KOOP repository: cases from question to answer."""

from __future__ import annotations

import html
import json
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerts.routing import recipients
from storage import kamervragen
from storage.engine import open_database
from storage.models import Document, KamervraagDocument, KamervraagPair, OutboxEntry
from tests.harness.commands import ROOT, run_waakhond
from tests.harness.fake_parliament import (
    FakeParliament,
    answer_record,
    api_stamp,
    postponement_record,
    question_record,
)
from tests.harness.fake_telegram import FakeBotAPI
from waakhond.config import AMSTERDAM, load_config

PUBLICATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "kamervragen" / "publications"
CASE = "2026Z01001"
SUBJECT = "het gebruik van gezichtsherkenning door de politie bij demonstraties"
SUBMITTERS = (("Jansen", "GroenLinks-PvdA"), ("De Vries", "D66"))
FIRST_ANSWER = "De politie zet bij demonstraties geen live gezichtsherkenning in."
TODAY = datetime.now(UTC).date()


def write_config(tmp_path: Path, api: FakeParliament, url: str | None = None) -> Path:
    path = tmp_path / "waakhond.toml"
    path.write_text(
        f"""
[[sources]]
name = "tweede-kamer"
kind = "kamervragen"
url = "{url or api.url("/OData/v5/")}"
publications_url = "{api.sru_url}"

[[watchlists]]
name = "gezichtsherkenning"
terms = ["gezichtsherkenning", "Clearview", "biometrische"]

[[subscriptions]]
chat_id = 1001
""",
        encoding="utf-8",
    )
    return path


def publish(api: FakeParliament, identifier: str, fixture: str | None = None) -> None:
    api.add_publication(identifier, (PUBLICATIONS / (fixture or f"{identifier}.xml")).read_bytes())


def crawl(config: Path, env: dict[str, str], expect_ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = run_waakhond(["--config", str(config), "crawl", "tweede-kamer"], env)
    if expect_ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def send(config: Path, env: dict[str, str]) -> None:
    result = run_waakhond(["--config", str(config), "send-alerts"], env)
    assert result.returncode == 0, result.stderr


def telegram_env(env: dict[str, str], telegram: FakeBotAPI) -> dict[str, str]:
    return {**env, "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_URL": telegram.base_url}


def list_cases(config: Path, env: dict[str, str], *args: str) -> list[dict[str, object]]:
    result = run_waakhond(["--config", str(config), "kamervragen", "--json", *args], env)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def visible(message: dict[str, str]) -> str:
    """A sent message's text as the reader sees it (HTML tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", message["text"]))


def local_day(iso: object) -> date:
    """The day in Amsterdam of a timestamp from the JSON output (the API dates documents at local midnight)."""
    return datetime.fromisoformat(str(iso)).astimezone(AMSTERDAM).date()


def test_question_postponement_answer_make_three_alerts_in_order(
    tmp_path: Path, fake_parliament: FakeParliament, fake_telegram: FakeBotAPI, waakhond_env: dict[str, str],
    database_url: str,
) -> None:
    config = write_config(tmp_path, fake_parliament)
    env = telegram_env(waakhond_env, fake_telegram)
    submitted = TODAY - timedelta(days=10)
    publish(fake_parliament, f"kv-tk-{CASE}")
    publish(fake_parliament, "kv-tk-2026Z01002")
    fake_parliament.add_document(question_record(CASE, SUBJECT, submitted, SUBMITTERS))
    fake_parliament.add_document(
        question_record("2026Z01002", "het schrappen van streekbuslijnen in Zuidoost-Drenthe", submitted, (("Mulder", "BBB"),))
    )

    first = crawl(config, env)
    assert "tweede-kamer: ok: 2 records, 2 stored" in first.stdout
    assert "1 relevant, 1 alerts queued" in first.stdout
    send(config, env)
    [case] = list_cases(config, env)
    assert (case["number"], case["status"], case["subject"]) == (CASE, "open", SUBJECT)
    assert case["submitters"] == ["Jansen (GroenLinks-PvdA)", "De Vries (D66)"]
    assert local_day(case["due"]) == submitted + timedelta(weeks=3)
    # The unrelated case is archived but neither listed nor alerted.
    assert sorted(c["number"] for c in list_cases(config, env, "--all")) == [CASE, "2026Z01002"]

    postponed_on = TODAY - timedelta(days=2)
    fake_parliament.add_document(postponement_record(CASE, SUBJECT, postponed_on, SUBMITTERS, submitted=submitted))
    crawl(config, env)
    send(config, env)
    [case] = list_cases(config, env)
    assert case["status"] == "postponed"
    assert local_day(case["due"]) == postponed_on + timedelta(weeks=3)

    publish(fake_parliament, "ah-tk-20262027-101")
    fake_parliament.add_document(
        answer_record(CASE, SUBJECT, TODAY, SUBMITTERS, submitted=submitted, external_id="ah-tk-20262027-101")
    )
    crawl(config, env)
    send(config, env)

    messages = fake_telegram.wait_for_messages(3)
    assert [visible(m).split("\n")[0] for m in messages] == [
        f"Nieuwe Kamervragen: {SUBJECT}",
        f"Uitstel van antwoord op Kamervragen: {SUBJECT}",
        f"Antwoord op Kamervragen: {SUBJECT}",
    ]
    answer = visible(messages[2])
    assert "Beantwoord door Minister Van Dam (Justitie en Veiligheid)" in answer
    assert f"Antwoord 1: {FIRST_ANSWER}" in answer
    assert "2026Z01001 · gesteld door Jansen (GroenLinks-PvdA), De Vries (D66)" in answer
    [case] = list_cases(config, env)
    assert case["status"] == "answered"
    assert [h["status"] for h in case["history"]] == ["open", "postponed", "answered"]
    assert [d["role"] for d in case["documents"]] == ["question", "postponement", "answer"]

    engine = open_database(database_url)
    try:
        with Session(engine) as session:
            pairs = session.execute(
                select(KamervraagPair.number, KamervraagPair.answer)
                .join(KamervraagDocument, KamervraagDocument.id == KamervraagPair.kamervraag_document_id)
                .where(KamervraagDocument.role == "answer")
                .order_by(KamervraagPair.number)
            ).all()
            assert [n for n, _ in pairs] == [1, 2, 3]
            assert pairs[0][1].startswith(FIRST_ANSWER)
            answer_doc = session.execute(select(Document).where(Document.kind == "kamervraag-antwoord")).scalar_one()
            assert answer_doc.text_origin == "publication"
            assert answer_doc.url.startswith(f"https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id={CASE}&did=")
    finally:
        engine.dispose()

    # Nothing new at the source: nothing stored, nothing alerted again.
    again = crawl(config, env)
    assert "0 stored, 0 updated" in again.stdout
    send(config, env)
    assert len(fake_telegram.messages) == 3


def route_for(config: Path) -> kamervragen.Route:
    subscriptions = load_config(config).subscriptions
    return lambda reached, label: recipients(subscriptions, reached, label)


def test_unanswered_question_becomes_overdue_once(
    tmp_path: Path, fake_parliament: FakeParliament, fake_telegram: FakeBotAPI, waakhond_env: dict[str, str],
    engine: Engine,
) -> None:
    config = write_config(tmp_path, fake_parliament)
    env = telegram_env(waakhond_env, fake_telegram)
    submitted = TODAY - timedelta(days=20)
    publish(fake_parliament, "kv-tk-2026Z01003")
    fake_parliament.add_document(
        question_record("2026Z01003", "Clearview AI en de Nederlandse politie", submitted, (("Bakker", "SP"),))
    )
    crawl(config, env)
    send(config, env)
    [case] = list_cases(config, env)
    assert case["status"] == "open"

    due = datetime.fromisoformat(str(case["due"]))
    route = route_for(config)
    # The clock: just before the deadline nothing happens, after it the case is overdue exactly once.
    assert kamervragen.check_overdue(engine, route, due - timedelta(minutes=1), due - timedelta(days=30)) == []
    after = due + timedelta(hours=1)
    assert kamervragen.check_overdue(engine, route, after, after - timedelta(days=30)) == ["2026Z01003"]
    assert kamervragen.check_overdue(engine, route, after + timedelta(days=1), after - timedelta(days=30)) == []
    send(config, env)
    messages = fake_telegram.wait_for_messages(2)
    assert visible(messages[1]).startswith("Kamervragen niet beantwoord binnen de termijn: Clearview AI en de Nederlandse politie")
    [case] = list_cases(config, env, "--status", "overdue")
    assert [h["status"] for h in case["history"]] == ["open", "overdue"]
    assert case["history"][1]["since"] == due.isoformat()
    send(config, env)
    assert len(fake_telegram.messages) == 2


def count(engine: Engine, column: object) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count(column))).scalar_one())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sync_resumes_after_a_kill_halfway_through_a_paged_response(
    tmp_path: Path, fake_parliament: FakeParliament, waakhond_env: dict[str, str], engine: Engine
) -> None:
    config = write_config(tmp_path, fake_parliament)
    fake_parliament.page_size = 2
    for serial in range(11, 16):
        fake_parliament.add_document(
            question_record(f"2026Z010{serial}", f"biometrische toegangscontrole nummer {serial}", TODAY - timedelta(days=3))
        )
    release = threading.Event()
    fake_parliament.hang_page(2, release)
    proc = subprocess.Popen(
        [sys.executable, "-m", "waakhond", "--config", str(config), "crawl", "tweede-kamer"],
        env=waakhond_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        fake_parliament.wait_for_page_requests(2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    first_page = [d["ApiGewijzigdOp"] for d in fake_parliament.documents[:2]]
    assert count(engine, KamervraagDocument.id) == 2
    assert kamervragen.sync_cursor(engine, "tweede-kamer") == first_page[1]

    crawl(config, waakhond_env)
    # The resumed sync's first request is the last one without $skip (pages after it carry one).
    resumed = [r.params["$filter"] for r in fake_parliament.page_requests() if "$skip" not in r.params][-1]
    assert f"ApiGewijzigdOp ge {first_page[1]}" in resumed
    assert count(engine, KamervraagDocument.id) == 5
    assert count(engine, Document.id) == 5
    with Session(engine) as session:
        assert session.execute(select(func.count(OutboxEntry.id))).scalar_one() == 5  # one chat, five cases, once each
    assert kamervragen.sync_cursor(engine, "tweede-kamer") == fake_parliament.documents[-1]["ApiGewijzigdOp"]


def test_deletion_withdraws_and_a_resent_correction_updates_without_alert(
    tmp_path: Path, fake_parliament: FakeParliament, fake_telegram: FakeBotAPI, waakhond_env: dict[str, str],
    engine: Engine,
) -> None:
    config = write_config(tmp_path, fake_parliament)
    env = telegram_env(waakhond_env, fake_telegram)
    submitted = TODAY - timedelta(days=10)
    publish(fake_parliament, f"kv-tk-{CASE}")
    publish(fake_parliament, "ah-tk-20262027-101")
    question = fake_parliament.add_document(question_record(CASE, SUBJECT, submitted, SUBMITTERS))
    answer = fake_parliament.add_document(
        answer_record(CASE, SUBJECT, TODAY, SUBMITTERS, submitted=submitted, external_id="ah-tk-20262027-101")
    )
    crawl(config, env)
    send(config, env)
    assert len(fake_telegram.wait_for_messages(2)) == 2
    assert list_cases(config, env)[0]["status"] == "answered"

    corrected = f"{SUBJECT} en bij voetbalwedstrijden"
    fake_parliament.update_document(question["Id"], Onderwerp=f"Vragen over {corrected}")
    fake_parliament.delete_document(answer["Id"], empty=True)  # a bare marker: Id, Verwijderd, ApiGewijzigdOp
    motie = question_record("2026Z01040", "een motie", submitted)
    motie["Soort"] = "Motie"
    fake_parliament.add_document(motie)
    fake_parliament.delete_document(motie["Id"], empty=True)  # a deletion of something never stored: ignored
    result = crawl(config, env)
    assert "0 stored, 1 updated" in result.stdout
    send(config, env)
    assert len(fake_telegram.messages) == 2  # the correction and the deletion alert no one

    [case] = list_cases(config, env)
    assert case["status"] == "open"  # the withdrawn answer no longer counts
    assert [h["status"] for h in case["history"]] == ["open", "answered", "open"]
    assert [d["deleted"] for d in case["documents"]] == [False, True]
    with Session(engine) as session:
        title = session.execute(select(Document.title).where(Document.kind == "kamervraag")).scalar_one()
        assert title == f"Vragen over {corrected}"
        # Withdrawn is not erased: the archived answer and its pairs stay.
        assert session.execute(select(func.count(KamervraagPair.id))).scalar_one() >= 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_malformed_records_and_missing_publications_are_skipped_the_rest_stored(
    tmp_path: Path, fake_parliament: FakeParliament, waakhond_env: dict[str, str], engine: Engine
) -> None:
    config = write_config(tmp_path, fake_parliament)
    day = TODAY - timedelta(days=2)
    fake_parliament.add_raw_record("not a record")
    fake_parliament.add_raw_record({"Soort": "Schriftelijke vragen"})  # no Id
    motie = question_record("2026Z01020", "een motie over camera's", day)
    motie["Soort"], motie["ApiGewijzigdOp"] = "Motie", api_stamp(datetime.now(UTC))
    fake_parliament.add_raw_record(motie)  # served although the filter asks for other kinds
    orphan = question_record("2026Z01021", "gezichtsherkenning zonder zaak", day)
    orphan["Zaak"] = []
    fake_parliament.add_document(orphan)
    # Published text unreadable (truncated XML), and not published at all yet.
    fake_parliament.add_publication("kv-tk-2026Z01022", (PUBLICATIONS / "truncated.xml").read_bytes())
    fake_parliament.add_document(question_record("2026Z01022", "gezichtsherkenning op stations", day))
    fake_parliament.add_document(question_record("2026Z01023", "gezichtsherkenning in winkels", day))
    publish(fake_parliament, "kv-tk-2026Z01003")
    fake_parliament.add_document(question_record("2026Z01003", "Clearview AI en de Nederlandse politie", day))

    result = crawl(config, waakhond_env)
    assert "tweede-kamer: partial: 7 records, 3 stored" in result.stdout, result.stdout
    assert "4 record(s) skipped" in result.stdout
    assert "2 publication(s) not found yet" in result.stdout
    log = result.stderr
    assert "unknown document kind 'Motie'" in log and "record has no Id" in log
    with Session(engine) as session:
        origins = dict(
            session.execute(
                select(KamervraagDocument.publication_id, KamervraagDocument.text_source)
            ).all()
        )
    assert origins == {
        "kv-tk-2026Z01022": "metadata", "kv-tk-2026Z01023": "metadata", "kv-tk-2026Z01003": "publication"
    }

    # The text is published later: the next crawl finds it and the document gets its published text.
    publish(fake_parliament, "kv-tk-2026Z01023", "kv-tk-2026Z01001.xml")
    crawl(config, waakhond_env)
    with Session(engine) as session:
        doc = session.execute(
            select(Document)
            .join(KamervraagDocument, KamervraagDocument.document_id == Document.id)
            .where(KamervraagDocument.publication_id == "kv-tk-2026Z01023")
        ).scalar_one()
        assert (doc.text_origin, doc.version) == ("publication", 2)
        assert "Slimme camera's filmden betogers" in doc.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_truncated_page_fails_the_crawl_and_loses_nothing(
    tmp_path: Path, fake_parliament: FakeParliament, waakhond_env: dict[str, str], engine: Engine
) -> None:
    config = write_config(tmp_path, fake_parliament)
    fake_parliament.page_size = 2
    for serial in range(31, 34):
        fake_parliament.add_document(question_record(f"2026Z010{serial}", f"camera's nummer {serial}", TODAY))
    fake_parliament.truncate_page(2)
    broken = crawl(config, waakhond_env, expect_ok=False)
    assert broken.returncode == 1
    assert "tweede-kamer: failed" in broken.stdout and "API page unusable" in broken.stdout
    assert count(engine, KamervraagDocument.id) == 2
    crawl(config, waakhond_env)
    assert count(engine, KamervraagDocument.id) == 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_v4_endpoint_and_backfill_without_alerts(
    tmp_path: Path, fake_parliament: FakeParliament, waakhond_env: dict[str, str], engine: Engine
) -> None:
    config = write_config(tmp_path, fake_parliament, url=fake_parliament.url("/OData/v4/2.0/"))
    old = date(2025, 3, 4)
    publish(fake_parliament, f"kv-tk-{CASE}")
    fake_parliament.add_document(question_record(CASE, SUBJECT, old, SUBMITTERS))

    # A regular first sync only looks back two weeks (by change date, and this record changed today), but
    # alerts only on recent events: a 2025 question is history.
    backfill = run_waakhond(["--config", str(config), "backfill", "kamervragen", "--since", "2025-01-01"], waakhond_env)
    assert backfill.returncode == 0, backfill.stderr
    assert "tweede-kamer: ok: 1 records, 1 stored" in backfill.stdout
    assert all(r.api == "v4" for r in fake_parliament.page_requests())
    assert "Datum ge 2025-01-01T00:00:00Z" in fake_parliament.page_requests()[0].params["$filter"]
    assert count(engine, OutboxEntry.id) == 0
    assert kamervragen.sync_cursor(engine, "tweede-kamer") is None  # the regular sync keeps its own position
    [case] = list_cases(config, waakhond_env)
    assert case["status"] == "overdue"

    bad = run_waakhond(["--config", str(config), "backfill", "kamervragen", "--since", "gisteren"], waakhond_env)
    assert bad.returncode == 2 and "gisteren" in bad.stderr
