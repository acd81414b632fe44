"""Full-text search on both backends: every operator and filter, Dutch stems and compounds, the same hits on
SQLite and PostgreSQL, malformed queries, and an index that follows every write."""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from storage import fulltext
from storage import repository as repo
from storage.engine import open_database
from storage.errors import QueryError
from storage.models import Document
from storage.search import Filters, compile_query, iter_documents, search
from pipeline.classify import Classifier
from storage import kamervragen as kv
from tests.harness.archive import CASE, EDITED, HOSTILE_TEXT, NOW, ORIGINAL, fill_archive, kamervraag_records
from waakhond.config import load_config


@pytest.fixture
def archive(engine: Engine) -> dict[str, int]:
    return fill_archive(engine)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, dict[str, int]]]:
    """One filled archive per backend for the tests that only read."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('search') / 'w.db'}", None
    else:
        admin = request.getfixturevalue("postgres_admin")
        name = f"waakhond_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
        drop = (admin, name)
    engine = open_database(url)
    try:
        yield engine, fill_archive(engine)
    finally:
        engine.dispose()
        if drop:
            with psycopg.connect(drop[0], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)')


def found(engine: Engine, ids: dict[str, int], query: str | None, filters: Filters | None = None,
          sort: str | None = None) -> list[str]:
    keys = {v: k for k, v in ids.items()}
    return [keys[h.id] for h in search(engine, query, filters, sort=sort, limit=100).hits]


# query -> the documents it must find (all of them, no others)
OPERATORS = {
    # words, inflections and compounds (Dutch family keys)
    "gezichtsherkenning": {"opsporing", "stations", "verbod", "vraag", "antwoord"},
    "gezichtsherkenningen": {"opsporing", "stations", "verbod", "vraag", "antwoord"},  # inflected query
    "gezichtsherkenningssoftware": {"opsporing"},
    "boetes": {"clearview", "besluit"},  # "boete" and "boetes"
    "camera": {"stations", "hostile"},  # "camerabeelden", "camera's"
    "politie": {"opsporing", "stations", "vraag", "antwoord"},  # also "spoorwegpolitie", never "politieke"
    "politiek": {"storm"},
    "beelden": {"opsporing", "stations", "vraag", "antwoord", "hostile"},  # also inside "camerabeelden"
    "biometrie": {"werkvloer", "clearview"},  # one family: "biometrie", "Biometrische", "biometrische gegevens"
    "biometrische": {"werkvloer", "clearview"},
    "cafe": {"storm"},  # accents folded: "café"
    "4213": {"opsporing", "antwoord"},
    # phrases: words in order, inflections but no compounds, never from the title into the text
    '"biometrische gegevens"': {"clearview"},
    '"last onder dwangsom"': {"clearview"},
    '"clearview boete"': set(),
    '"gezichtsherkenning"': {"opsporing", "verbod", "vraag", "antwoord", "stations"},  # "Live-gezichtsherkenning"
    '"onrechtmatig verwerken"': {"besluit"},
    '"ai boete"': {"clearview"},  # "Clearview AI boete" in the title
    '"opsporing de"': set(),  # title's last word, text's first word: no phrase across fields
    # OR, exclusion, NOT, AND, groups, prefixes
    "clearview OR vingerafdruk": {"clearview", "besluit", "werkvloer"},
    "gezichtsherkenning -politie": {"verbod"},
    "gezichtsherkenning NOT politie": {"verbod"},
    "boete AND dwangsom": {"clearview", "besluit"},
    "boete dwangsom -besluit": {"clearview"},
    "(storm OR kabinet) -dijken": {"verbod"},
    "biometr*": {"werkvloer", "clearview"},
    "gezichtsherk*": {"opsporing", "stations", "verbod", "vraag", "antwoord"},
    '"biometrische gege*"': {"clearview"},
    "AI-verordening": set(),
    "Clearview-AI": {"clearview", "besluit"},  # one word written as two: a phrase
}


@pytest.mark.parametrize("query", list(OPERATORS))
def test_every_operator_finds_exactly_its_documents(shared: tuple[Engine, dict[str, int]], query: str) -> None:
    engine, archive = shared
    assert set(found(engine, archive, query)) == OPERATORS[query]


FILTERS = {
    "kind news": (Filters(kinds=("news",)), {"opsporing", "stations", "clearview", "storm", "hostile", "verbod"}),
    "kind ap": (Filters(kinds=("ap",)), {"werkvloer", "besluit"}),
    "kind kamervragen": (Filters(kinds=("kamervragen",)), {"vraag", "antwoord"}),
    "document kind": (Filters(kinds=("kamervraag-antwoord", "ap-decision")), {"antwoord", "besluit"}),
    "source": (Filters(sources=("krant",)), {"stations", "hostile", "verbod"}),
    "entity": (Filters(entities=("clearview-ai",)), {"clearview", "besluit"}),
    "two entities": (Filters(entities=("clearview-ai", "autoriteit-persoonsgegevens")), {"clearview", "besluit"}),
    "case entity": (Filters(entities=(f"case:{CASE.lower()}",)), set()),
    "watchlist": (Filters(watchlists=("privacy-surveillance",)), None),
    "label": (Filters(labels=("unrelated",)), {"storm"}),
    "min relevance": (Filters(min_relevance=2.5), {"opsporing", "clearview"}),
    "since": (Filters(since=(NOW - timedelta(days=3)).date()), {"hostile", "verbod", "antwoord"}),
    "until": (Filters(until=(NOW - timedelta(days=16)).date()), {"storm", "werkvloer", "besluit"}),
    "range": (Filters(since=date(2026, 11, 18), until=date(2026, 11, 20)), {"opsporing", "stations"}),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_every_filter_narrows_to_its_documents(shared: tuple[Engine, dict[str, int]], name: str) -> None:
    engine, archive = shared
    filters, expected = FILTERS[name]
    hits = set(found(engine, archive, None, filters))
    if expected is None:  # watchlists: compare with what the classifier recorded
        with Session(engine) as s:
            expected = {k for k, i in archive.items() if "privacy-surveillance" in s.get(Document, i).watchlists.split()}
        assert expected
    assert hits == expected


def test_filters_combine_with_a_query(shared: tuple[Engine, dict[str, int]]) -> None:
    engine, archive = shared
    assert set(found(engine, archive, "gezichtsherkenning", Filters(kinds=("kamervragen",)))) == {"vraag", "antwoord"}
    assert set(found(engine, archive, "boete", Filters(sources=("dagblad",), labels=("core",)))) == {"clearview"}
    assert found(engine, archive, "boete", Filters(kinds=("kamervragen",))) == []


def test_sorting_by_date_and_by_relevance(shared: tuple[Engine, dict[str, int]]) -> None:
    engine, archive = shared
    newest = found(engine, archive, "gezichtsherkenning", sort="newest")
    assert newest == ["antwoord", "verbod", "vraag", "opsporing", "stations"]
    assert found(engine, archive, "gezichtsherkenning", sort="oldest") == newest[::-1]
    timeline = found(engine, archive, None)
    assert timeline[0] == "antwoord" and timeline[-1] == "storm" and len(timeline) == 10
    # A title word outweighs the same word once in a longer text.
    ranked = found(engine, archive, "opsporing")
    assert ranked[0] == "opsporing" and set(ranked) == {"opsporing", "vraag"}


def test_hits_carry_marked_snippets_and_why_they_matched(shared: tuple[Engine, dict[str, int]]) -> None:
    engine, archive = shared
    (hit,) = search(engine, "politiegezichtsherkenning").hits
    assert "[[politiegezichtsherkenning]]" in hit.snippet_text() and hit.source == "krant"
    (hit,) = search(engine, "gezichtsherkenningssoftware -storm").hits
    assert hit.snippet_text().startswith("De Nationale Politie gebruikt [[gezichtsherkenningssoftware]]")
    assert hit.title_segments == ((hit.title, False),)  # the compound is not in the title
    assert "gezichtsherkenning" in hit.matches  # the watchlist rule that made it relevant
    (hit,) = search(engine, "opsporing", Filters(kinds=("news",))).hits
    assert hit.title_segments == (("Politie zet gezichtsherkenning vaker in bij ", False), ("opsporing", True))
    (hostile,) = search(engine, "winkels").hits
    assert "".join(piece for piece, _ in hostile.title_segments) == hostile.title  # every character, "<" first
    assert ("winkels", True) in hostile.title_segments
    assert "".join(piece for piece, _ in hostile.snippet) == HOSTILE_TEXT  # a short text: all of it, markup too
    plain = search(engine, None, Filters(sources=("autoriteit-persoonsgegevens",))).hits[0]
    assert all(not marked for _, marked in plain.snippet) and plain.raw_sha256 and len(plain.raw_sha256) == 64


def test_pages_without_counting_every_hit(shared: tuple[Engine, dict[str, int]]) -> None:
    engine, archive = shared
    first = search(engine, None, limit=4)
    second = search(engine, None, limit=4, offset=4)
    last = search(engine, None, limit=4, offset=8)
    assert first.has_more and second.has_more and not last.has_more
    ids = [h.id for r in (first, second, last) for h in r.hits]
    assert len(ids) == len(set(ids)) == 10


@pytest.mark.parametrize(("query", "message"), [
    ('"open', "a quote is never closed (column 1)"),
    ("(camera OR beelden", "a ( is never closed (column 1)"),
    ("camera OR", "the query ends where a word, phrase or ( was expected (column 10)"),
    ("-camera", "the query only excludes words"),
    ("camera NEAR/3 beelden", "NEAR is for watchlist rules"),
    ("@clearview-ai", "@entity is for watchlist rules"),
    ("%", "has no letters or digits"),
    ("*", "has no letters or digits"),
    ("-- ;", "has no letters or digits"),
    ("_", "has no letters or digits"),
    ('""', "an empty phrase"),
    ("x" * 501, "longer than 500 characters"),
])
def test_malformed_queries_are_clear_errors(shared: tuple[Engine, dict[str, int]], query: str, message: str) -> None:
    engine = shared[0]
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        search(engine, query)
    assert caught.value.column is not None


@pytest.mark.parametrize("query", ['AND" NEAR(', "NOT", "OR OR", '":"', "a:b", "{x}", "^x", "x'; DROP TABLE documents; --"])
def test_hostile_queries_never_reach_the_sql(shared: tuple[Engine, dict[str, int]], query: str) -> None:
    engine, archive = shared
    try:
        search(engine, query)
    except QueryError:
        pass
    assert len(search(engine, None, limit=100).hits) == 10


def test_the_index_follows_new_versions_corrections_and_rebuilds(engine: Engine, archive: dict[str, int]) -> None:
    assert found(engine, archive, "terrorismebestrijding") == ["verbod"]  # version 2's text
    assert found(engine, archive, '"maakt een uitzondering"') == ["verbod"]
    assert ORIGINAL not in EDITED
    before = {q: found(engine, archive, q) for q in ("gezichtsherkenning", "boetes", "camera", None)}
    assert fulltext.rebuild(engine) == 10
    fulltext.integrity_check(engine)
    assert {q: found(engine, archive, q) for q in before} == before  # same ids: permalinks survive
    with Session(engine) as s, s.begin():
        s.get(Document, archive["storm"]).title = "Storm"  # a write that bypasses the helper ...
    with Session(engine) as s, s.begin():
        doc = s.get(Document, archive["storm"])
        doc.title = "Hagelbuien trekken over het noorden"
        fulltext.set_index_fields(doc)  # ... and one through it
    assert found(engine, archive, "hagelbuien") == ["storm"]
    fulltext.integrity_check(engine)


def test_kamervraag_corrections_are_reindexed(engine: Engine, archive: dict[str, int]) -> None:
    assert found(engine, archive, "marechaussee") == []
    classifier = Classifier(load_config().watchlists, load_config().entities)
    ((_, question), _) = kamervraag_records(classifier, subject="het inzetten van gezichtsherkenning door de marechaussee",
                                            modified=".1")
    result = kv.store_kamervraag(engine, repo.ensure_source(engine, "tweede-kamer", "kamervragen", "https://x/"),
                                 "tweede-kamer", question, lambda _w, _l: [], cursor=None, alert_after=None, now=NOW)
    assert result.action == "updated"
    assert found(engine, archive, "marechaussee") == ["vraag"]  # the corrected subject is the title now
    fulltext.integrity_check(engine)


def test_export_streams_every_matching_document(shared: tuple[Engine, dict[str, int]]) -> None:
    engine, archive = shared
    records = list(iter_documents(engine, None, batch=3))
    assert len(records) == 10 and len({r.id for r in records}) == 10
    assert [r.id for r in records] == [h.id for h in search(engine, None, limit=100).hits]
    (clearview,) = [r for r in records if r.id == archive["clearview"]]
    assert "clearview-ai" in clearview.entities and clearview.raw_sha256 == hashlib.sha256(
        f"<html><head><title>{clearview.title}</title></head><body><p>{clearview.text}</p></body></html>".encode()
    ).hexdigest()
    assert {r.id for r in iter_documents(engine, "boete", Filters(kinds=("news",)))} == {archive["clearview"]}


def test_the_triggers_come_back_after_a_table_rebuild(tmp_path: Path) -> None:
    # SQLite only: its batch migrations re-create tables (losing triggers); PostgreSQL alters them in place.
    engine = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    fill_archive(engine)
    with engine.begin() as conn:
        for trigger in fulltext.TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    from storage.engine import migrate

    migrate(engine)  # every start checks the index objects
    sid = repo.ensure_source(engine, "krant", "feed", "https://krant.example/")
    repo.store_document(engine, sid, repo.NewDocument(
        source_name="krant", kind="news", url="https://krant.example/nieuw", fetched_url="https://krant.example/nieuw",
        title="Nieuwe proef met irisscans", text="Op Schiphol.", text_origin="article", fetched_at=NOW,
        content_hash="1" * 64, raw=b"x", published_at=NOW), None, [])
    assert [h.title for h in search(engine, "irisscans").hits] == ["Nieuwe proef met irisscans"]
    engine.dispose()


def test_upgrading_indexes_and_hashes_the_archive(database_url: str) -> None:
    from alembic import command

    from storage.engine import alembic_config, make_engine, migrate

    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0005")
    raw = b"<html>Gezichtsherkenningscamera's in Utrecht</html>"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, kind, url, created_at) VALUES (1, 'a', 'feed', 'u', :t)"),
                     {"t": "2026-01-01 00:00:00"})
        conn.execute(
            text("INSERT INTO documents (id, source_id, kind, url, fetched_url, title, fetched_at, text, text_origin, "
                 "content_hash, search_text, raw, raw_size) VALUES (1, 1, 'news', 'https://a.nl/x', 'https://a.nl/x', "
                 "'Camera''s in Utrecht', :t, 'Gezichtsherkenningscamera''s op het station.', 'article', 'h', ' x ', "
                 ":raw, :n)"),
            {"t": "2026-01-01 00:00:00", "raw": zlib.compress(raw), "n": len(raw)},
        )
    migrate(engine)
    (hit,) = search(engine, "gezichtsherkenning").hits
    assert hit.id == 1 and hit.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert hit.dated.year == 2026
    assert [h.id for h in search(engine, "camera").hits] == [1]
    engine.dispose()


# --- The same hits on both backends ------------------------------------------------------------

CROSS = [*OPERATORS, "politie OR boete", "-storm gezichtsherkenning", "gezicht*", "beeld*", '"de politie"',
         "foto", "fotodatabank", "data*", "realtime", "Nederlanders", "miljoen", "de", "het", "verdachten",
         "onrechtmatig", "(boete OR dwangsom) (clearview OR ap)"]


@pytest.mark.postgres
def test_the_same_query_set_gives_the_same_hits_on_sqlite_and_postgresql(tmp_path: Path, postgres_url: str) -> None:
    engines = [open_database(f"sqlite:///{tmp_path / 'a.db'}"), open_database(postgres_url)]
    try:
        archives = [fill_archive(e) for e in engines]
        checked = 0
        for query in CROSS:
            for filters in (None, *[f for f, _ in FILTERS.values()]):
                for sort in ("relevance", "newest", "oldest"):
                    # The same hits in the same order: ranking is one computation over the same window.
                    sqlite_hits, pg_hits = (found(e, a, query, filters, sort) for e, a in zip(engines, archives))
                    assert sqlite_hits == pg_hits, (query, filters, sort)
                    checked += bool(sqlite_hits)
        assert checked > 300  # most combinations find something: the comparison is not vacuous
        for query in ("gezichtsherkenning", "boete", '"biometrische gegevens"'):
            snippets = [[h.snippet for h in search(e, query, sort="newest").hits] for e in engines]
            assert snippets[0] == snippets[1]
    finally:
        for e in engines:
            e.dispose()


def test_query_compilation_is_one_meaning_in_two_dialects() -> None:
    q = compile_query('"hoge waterstand" OR dijk* -storm')
    # AND binds tighter than OR: the phrase, or dijk* without storm.
    assert q.fts5 == ('({search_title search_body} : "hog waterstand" OR '
                      '(({search_title search_body} : "dijk"*) NOT "storm"))')
    assert q.tsquery == "((('hog':A <-> 'waterstand':A) | ('hog':B <-> 'waterstand':B)) | ('dijk':*AB & !'storm'))"
    assert q.highlight.marks("Dijken") and q.highlight.marks("waterstanden") and not q.highlight.marks("storm")


def test_broad_date_sorted_searches_walk_the_timeline_with_the_same_hits(
    shared: tuple[Engine, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.search

    engine, archive = shared
    queries = ["gezichtsherkenning", "boete OR camera", "politie -beelden", '"de politie"', "beeld*"]
    expected = {(q, sort): found(engine, archive, q, sort=sort) for q in queries for sort in ("newest", "oldest")}
    monkeypatch.setattr(storage.search, "_BROAD", 0)  # every query counts as broad now
    assert {(q, sort): found(engine, archive, q, sort=sort) for q in queries for sort in ("newest", "oldest")} == expected
    assert any(expected.values())
