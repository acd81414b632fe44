"""Links on both backends: AP sanctions and their coverage, document numbers, re-linking, and `relate` for an old archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from pipeline.classify import Classifier
from pipeline.sanctions import SanctionFacts
from storage import kamervragen, links, stories
from storage import repository as repo
from storage.models import CaseLink, DocumentSignature, OutboxEntry, SignatureBand, Story, StoryMember
from tests.storage.test_stories import WIRE, doc
from waakhond.config import builtin_entities, load_config
from waakhond.relate import relate

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
CLASSIFIER = Classifier(load_config(None).watchlists, builtin_entities())
COVERAGE = (
    "De Autoriteit Persoonsgegevens heeft zorgketen Mediwaard een boete van 725.000 euro opgelegd. De keten "
    "gebruikte gezichtsherkenning bij de personeelsingang van vier ziekenhuizen. Daarnaast moet Mediwaard een "
    "dwangsom betalen van 10.000 euro per week, tot maximaal 50.000 euro, als de gegevens niet worden gewist."
)
RELEASE = (
    "De Autoriteit Persoonsgegevens (AP) legt Zorgketen Mediwaard B.V. een boete op van € 725.000. Mediwaard liet "
    "medewerkers met gezichtsherkenning binnen. De AP legt ook een last onder dwangsom op van € 10.000 per week, "
    "tot een bedrag van maximaal € 50.000."
)
FACTS = SanctionFacts("Zorgketen Mediwaard B.V.", 725_000, 50_000, None, ("boete", "last onder dwangsom"))


def store(engine: Engine, source: str, document: repo.NewDocument) -> int:
    sid = repo.ensure_source(engine, source, "feed", f"https://{source}.example/rss")
    result = repo.store_document(engine, sid, document, CLASSIFIER.classify(document.title, document.text), ["1"])
    assert result.document_id is not None
    return result.document_id


@pytest.mark.parametrize("ap_first", [True, False])
def test_news_reporting_an_ap_fine_is_linked_to_the_release(engine: Engine, ap_first: bool) -> None:
    release = doc("https://ap.example/actueel/mediwaard", RELEASE, NOW, kind="ap-release", sanction=FACTS)
    news = doc("https://krant.example/mediwaard", COVERAGE, NOW + timedelta(hours=3))
    unrelated = doc("https://krant.example/anders", COVERAGE.replace("725.000", "125.000").replace("50.000", "20.000"),
                    NOW + timedelta(hours=4))
    order = [("ap", release), ("krant", news), ("krant", unrelated)]
    ids = [store(engine, s, d) for s, d in (order if ap_first else order[1:] + order[:1])]
    release_id = ids[0] if ap_first else ids[2]
    news_id = ids[1] if ap_first else ids[0]
    (link,) = links.links_of_document(engine, release_id)
    assert (link.reason, link.document_id, link.target_id) == ("covers-sanction", news_id, release_id)
    assert link.confidence == 0.9 and "725.000" in link.evidence and "Zorgketen Mediwaard B.V." in link.evidence


def test_citing_a_document_number_links_to_its_case_and_relinking_follows_new_text(engine: Engine) -> None:
    sid = repo.ensure_source(engine, "tweede-kamer", "kamervragen", "https://tk.example/")
    record = kamervragen.KamervraagRecord(
        tk_id="t1", api_modified="2026-03-10T10:00:00Z", role="question", soort="Schriftelijke vragen",
        number="2026D10001", dated_at=NOW - timedelta(days=2), case=kamervragen.CaseRecord(
            zaak_id="z1", number="2026Z01001", subject="Gezichtsherkenning bij de politie", submitted_at=NOW - timedelta(days=2),
            actors=(kamervragen.Actor("Indiener", "Bakker", "SP"),),
        ),
        document=repo.NewDocument("tweede-kamer", "kamervraag", "https://tk.example/2026Z01001", "https://tk.example/x",
                                  "Gezichtsherkenning bij de politie", "Vragen van het lid Bakker (SP).", "metadata", NOW,
                                  "h", b"{}"),
    )
    kamervragen.store_kamervraag(engine, sid, "tweede-kamer", record, lambda r, l: [], cursor=None, alert_after=None)
    text = "In het antwoord op de vragen (kenmerk 2026D10001) schrijft de minister niets nieuws. " * 8
    news_id = store(engine, "krant", doc("https://krant.example/a", text, NOW))
    (link,) = links.links_of_case(engine, "2026Z01001")
    assert (link.document_id, link.reason, link.confidence, link.evidence) == (news_id, "document-number", 0.9, "cites 2026D10001")
    # A new version that no longer cites the document loses the link.
    edited = doc("https://krant.example/a", "Een heel ander verhaal over het weer in het noorden van het land. " * 8, NOW)
    store(engine, "krant", edited)
    assert links.links_of_case(engine, "2026Z01001") == []


def test_relate_groups_and_links_an_archive_stored_before_stories(engine: Engine) -> None:
    ids = [store(engine, c.outlet, doc(f"https://{c.outlet}.example/a", c.text, NOW + timedelta(minutes=i)))
           for i, c in enumerate(WIRE)]
    with Session(engine) as s, s.begin():  # as an archive from before this version has it: nothing
        for table in (StoryMember, Story, SignatureBand, DocumentSignature):
            s.execute(delete(table))
        s.execute(delete(OutboxEntry))
    report = relate(engine)
    assert (report.documents, report.joined) == (5, 4)
    view = stories.story_of(engine, ids[3])
    assert view is not None and view.head_document_id == ids[0] and len(view.documents) == 5
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one() == 0  # no alerts
        assert s.execute(select(func.count()).select_from(CaseLink)).scalar_one() == 0
    assert relate(engine).documents == 0  # nothing left to do


def test_migration_puts_archived_urls_in_canonical_form(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from storage.engine import alembic_config, make_engine, migrate

    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0005")
    rows = [(1, "https://m.krant.example/a/"), (2, "https://www.krant.example/b/amp"), (3, "https://www.krant.example/c"),
            (4, "https://www.krant.example/c/"), (5, "https://ap.example/uploads/besluit.pdf/")]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, kind, url, created_at) VALUES (1, 'k', 'feed', 'u', :t)"),
                     {"t": "2026-01-01 00:00:00"})
        for i, url in rows:
            conn.execute(
                text("INSERT INTO documents (id, source_id, kind, url, fetched_url, title, fetched_at, text, text_origin, "
                     "content_hash, search_text, raw_size, linked_from) VALUES (:i, 1, :k, :u, :f, 't', :t, 't', 'article', "
                     "'h', ' t ', 0, :l)"),
                {"i": i, "u": url, "f": url, "t": "2026-01-01 00:00:00", "k": "ap-decision" if i == 5 else "news",
                 "l": "https://m.krant.example/a/" if i == 5 else None},
            )
    migrate(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, url FROM documents")).all())
        linked = conn.execute(text("SELECT linked_from FROM documents WHERE id = 5")).scalar_one()
    engine.dispose()
    assert found == {1: "https://www.krant.example/a", 2: "https://www.krant.example/b", 3: "https://www.krant.example/c",
                     4: "https://www.krant.example/c/",  # its canonical form is taken: both kept
                     5: "https://ap.example/uploads/besluit.pdf"}
    assert linked == "https://www.krant.example/a"


def test_labelled_set_path_exists() -> None:
    assert (Path(__file__).parents[1] / "fixtures" / "dedupe" / "labelled.json").is_file()
