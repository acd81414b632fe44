"""Stories on both backends: copies join their original, one alert per chat per story, heads, windows, races."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from pipeline import dedupe
from pipeline.dedupe_evaluation import load_labelled
from storage import repository as repo
from storage import stories
from storage.engine import open_database
from storage.models import OutboxEntry, SignatureBand, Story, StoryMember
from tests.harness.verdicts import matched

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
LABELLED = {c.key: c for c in load_labelled(Path(__file__).parents[1] / "fixtures" / "dedupe" / "labelled.json")}
WIRE = [LABELLED[f"stadion-hoogveen/{o}"] for o in ("noorderbode", "stadsblad", "dagkoerier", "techwereld", "regiopost")]
OTHER = LABELLED["supermarkt-boete/dagkoerier"]
FOLLOW_UP = LABELLED["stadion-hoogveen-hoger-beroep/noorderbode"]
CORE = matched()


def doc(url: str, body: str, published: datetime | None = NOW, **extra: object) -> repo.NewDocument:
    return repo.NewDocument(
        source_name="x", kind=str(extra.pop("kind", "news")), url=url, fetched_url=url, title=url.rsplit("/", 1)[-1],
        text=body, text_origin="article", fetched_at=max(published or NOW, NOW), content_hash=str(hash(body)),
        raw=body.encode(), published_at=published, signature=dedupe.signature(body), **extra,  # type: ignore[arg-type]
    )


def store(engine: Engine, source: str, document: repo.NewDocument, chats: list[str], verdict=CORE) -> repo.StoreResult:  # type: ignore[no-untyped-def]
    sid = repo.ensure_source(engine, source, "feed", f"https://{source}.example/rss")
    return repo.store_document(engine, sid, document, verdict, chats)


def outbox(engine: Engine) -> list[tuple[int, str, str]]:
    with Session(engine) as s:
        return [tuple(r) for r in s.execute(select(OutboxEntry.document_id, OutboxEntry.chat_id, OutboxEntry.status))]  # type: ignore[misc]


def test_five_copies_of_a_wire_story_are_one_story_with_one_alert_per_chat(engine: Engine) -> None:
    results = [
        store(engine, c.outlet, doc(f"https://{c.outlet}.example/{i}", c.text, NOW + timedelta(minutes=10 * i)), ["1", "2"])
        for i, c in enumerate(WIRE)
    ]
    assert [r.alerts_queued for r in results] == [2, 0, 0, 0, 0]
    other = store(engine, "dagkoerier", doc("https://dagkoerier.example/s", OTHER.text), ["1", "2"])
    follow_up = store(engine, "noorderbode", doc("https://noorderbode.example/f", FOLLOW_UP.text, NOW + timedelta(days=2)), ["1"])
    assert other.alerts_queued == 2 and follow_up.alerts_queued == 1
    head = results[0].document_id
    assert head is not None
    view = stories.story_of(engine, head)
    assert view is not None and view.head_document_id == head
    assert [d.source for d in view.documents] == [c.outlet for c in WIRE]
    assert all(d.reason == "near-duplicate" and (d.similarity or 0) >= dedupe.THRESHOLD for d in view.documents[1:])
    assert stories.story_counts(engine) == (3, 7)
    assert stories.also_in(engine, [results[2].document_id or 0]) == {
        results[2].document_id: ("noorderbode", "stadsblad", "techwereld", "regiopost")
    }
    assert stories.story_of(engine, other.document_id or 0).documents[0].document_id == other.document_id  # type: ignore[union-attr]


def test_a_copy_published_before_the_head_becomes_the_head_without_a_second_alert(engine: Engine) -> None:
    late = store(engine, "stadsblad", doc("https://stadsblad.example/a", WIRE[1].text, NOW), ["1"])
    early = store(engine, "noorderbode", doc("https://noorderbode.example/a", WIRE[0].text, NOW - timedelta(hours=1)), ["1"])
    assert (late.alerts_queued, early.alerts_queued) == (1, 0)
    view = stories.story_of(engine, late.document_id or 0)
    assert view is not None and view.head_document_id == early.document_id
    assert [d.source for d in view.documents] == ["noorderbode", "stadsblad"]


def test_a_chat_the_head_was_not_for_gets_the_first_copy_it_wants(engine: Engine) -> None:
    """A copy more relevant than the head: the head stays, chats alerted about the story get nothing new,
    a chat that did not want the head but wants this copy gets this copy."""
    store(engine, "noorderbode", doc("https://noorderbode.example/a", WIRE[0].text), ["1"], matched(label="adjacent"))
    copy = store(engine, "stadsblad", doc("https://stadsblad.example/a", WIRE[1].text, NOW + timedelta(minutes=5)), ["1", "2"])
    assert copy.alerts_queued == 1
    assert sorted((d, c) for d, c, _ in outbox(engine)) == sorted([(1, "1"), (copy.document_id, "2")])


def test_an_unsent_alert_counts_and_a_cancelled_one_does_not(engine: Engine) -> None:
    head = store(engine, "noorderbode", doc("https://noorderbode.example/a", WIRE[0].text), ["1", "2"])
    with Session(engine) as s, s.begin():  # the head's alert to chat 2 was withdrawn before it went out
        s.execute(update(OutboxEntry).where(OutboxEntry.chat_id == "2").values(status="cancelled"))
    copy = store(engine, "stadsblad", doc("https://stadsblad.example/a", WIRE[1].text, NOW + timedelta(minutes=5)), ["1", "2"])
    assert copy.alerts_queued == 1
    assert sorted(outbox(engine)) == sorted([(head.document_id, "1", "pending"), (head.document_id, "2", "cancelled"),
                                             (copy.document_id, "2", "pending")])


def test_copies_far_apart_in_time_are_separate_stories(engine: Engine) -> None:
    store(engine, "noorderbode", doc("https://noorderbode.example/a", WIRE[0].text), ["1"])
    later = store(engine, "stadsblad", doc("https://stadsblad.example/a", WIRE[1].text, NOW + stories.WINDOW + timedelta(hours=1)), ["1"])
    assert later.alerts_queued == 1
    assert stories.story_counts(engine) == (2, 2)


def test_short_texts_are_not_signed_and_start_their_own_story(engine: Engine) -> None:
    teaser = WIRE[0].text.split(".")[0] + "."
    assert dedupe.signature(teaser) is None
    store(engine, "noorderbode", doc("https://noorderbode.example/a", WIRE[0].text), ["1"])
    short = store(engine, "stadsblad", doc("https://stadsblad.example/a", teaser), ["1"])
    assert short.alerts_queued == 1 and stories.story_counts(engine) == (2, 2)


@pytest.mark.parametrize("release_first", [True, False])
def test_an_ap_decision_joins_its_release_whichever_comes_first(engine: Engine, release_first: bool) -> None:
    release = doc("https://ap.example/actueel/boete", WIRE[0].text, kind="ap-release")
    decision = doc("https://ap.example/uploads/besluit.pdf", OTHER.text, kind="ap-decision",
                   linked_from="https://ap.example/actueel/boete")
    first, second = (release, decision) if release_first else (decision, release)
    a = store(engine, "ap", first, ["1"])
    b = store(engine, "ap", second, ["1"])
    assert (a.alerts_queued, b.alerts_queued) == (1, 0)
    view = stories.story_of(engine, a.document_id or 0)
    assert view is not None and {d.document_id for d in view.documents} == {a.document_id, b.document_id}
    assert view.documents[1].reason == "linked"


def test_a_new_version_is_indexed_again_and_stays_in_its_story(engine: Engine) -> None:
    head = store(engine, "noorderbode", doc("https://noorderbode.example/a", WIRE[0].text), ["1"])
    edited = WIRE[0].text.replace("dinsdag", "dinsdagmiddag") + "\nUpdate: de gemeente gaat in beroep."
    again = store(engine, "noorderbode", replace(doc("https://noorderbode.example/a", edited), content_hash="v2"), ["1"])
    assert again.updated and again.alerts_queued == 0
    with Session(engine) as s:
        keys = set(s.execute(select(SignatureBand.key).where(SignatureBand.document_id == head.document_id)).scalars())
        assert keys == set(dedupe.signature(edited).band_keys())  # type: ignore[union-attr]
        assert s.execute(select(func.count()).select_from(StoryMember)).scalar_one() == 1


def test_copies_stored_at_the_same_moment_by_different_processes_are_one_story(database_url: str) -> None:
    """Six writers, each with its own connection pool, store six copies at once: one story, one alert."""
    engines = [open_database(database_url) for _ in range(6)]
    copies = WIRE + [LABELLED["stadion-hoogveen/noorderbode"]]
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            source = f"outlet{i}"
            sid = repo.ensure_source(engines[i], source, "feed", f"https://{source}.example/rss")
            start.wait()
            repo.store_document(engines[i], sid, doc(f"https://{source}.example/a", copies[i].text), CORE, ["1"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors
        with Session(engines[0]) as s:
            assert s.execute(select(func.count()).select_from(Story)).scalar_one() == 1
            assert s.execute(select(func.count()).select_from(StoryMember)).scalar_one() == 6
        assert len(outbox(engines[0])) == 1
    finally:
        for e in engines:
            e.dispose()


def test_the_candidate_lookup_uses_the_band_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan is checked on SQLite; PostgreSQL plans depend on table statistics")
    store(engine, "noorderbode", doc("https://noorderbode.example/a", WIRE[0].text), ["1"])
    with engine.connect() as conn:
        plan = " ".join(
            str(row[-1]) for row in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT DISTINCT document_id FROM signature_bands WHERE key IN (1, 2, 3) "
                "AND at >= '2026-11-10' AND at <= '2026-11-24' AND document_id != 5"
            ))
        )
    assert "ix_signature_bands_key_at" in plan and "SCAN signature_bands" not in plan
