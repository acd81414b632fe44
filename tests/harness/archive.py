"""A small archive written through the real store path and classifier: news, AP, a Kamervraag case with its
answer, an edited article and a hostile one; for the search, CLI, web and browser tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from pipeline.classify import Classifier
from storage import kamervragen as kv
from storage import repository as repo
from waakhond.config import load_config

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CASE = "2026Z21001"
# The hostile document's title and text: markup that would run if any page or feed did not escape it.
HOSTILE_TITLE = "<script>window.__pwned = 'title'</script>Camera's in <b>winkels</b> & meer"
HOSTILE_TEXT = (
    "<img src=x onerror=\"window.__pwned = 'text'\"> Supermarkten hangen camera's op bij de kassa. "
    "</textarea><svg onload=\"window.__pwned = 'svg'\"> ]]> Klanten weten niet wat er met de beelden gebeurt."
)
ORIGINAL = "Het kabinet wil realtime gezichtsherkenning op straat verbieden, maar maakt een uitzondering."
EDITED = ("Het kabinet wil realtime gezichtsherkenning op straat verbieden, maar maakt een uitzondering "
          "voor terrorismebestrijding, meldt het ministerie.")


@dataclass(frozen=True)
class Item:
    key: str
    source: str
    kind: str
    title: str
    text: str
    published: datetime | None
    raw: bytes | None = None


ITEMS = (
    Item("opsporing", "dagblad", "news", "Politie zet gezichtsherkenning vaker in bij opsporing",
         "De Nationale Politie gebruikt gezichtsherkenningssoftware om verdachten te zoeken in een fotodatabank "
         "met miljoenen foto's. Het systeem CATCH vergeleek vorig jaar 4213 beelden.", NOW - timedelta(days=6)),
    Item("stations", "krant", "news", "Live-gezichtsherkenning op stations getest",
         "Op twee stations testte de spoorwegpolitie politiegezichtsherkenning op camerabeelden van reizigers. "
         "Bits of Freedom noemt de proef onrechtmatig.", NOW - timedelta(days=8)),
    Item("clearview", "dagblad", "news", "Autoriteit Persoonsgegevens legt Clearview AI boete op",
         "De Autoriteit Persoonsgegevens (AP) legt Clearview AI een boete op van 30,5 miljoen euro voor het "
         "verzamelen van biometrische gegevens van Nederlanders. Ook volgt een last onder dwangsom.",
         NOW - timedelta(days=11)),
    Item("storm", "dagblad", "news", "Storm trekt over het noorden",
         "Windstoten tot 120 kilometer per uur. In het café van het dorp spraken politieke partijen over de "
         "schade aan de dijken.", NOW - timedelta(days=56)),
    Item("werkvloer", "autoriteit-persoonsgegevens", "ap-release",
         "AP: biometrie op de werkvloer vaak onrechtmatig",
         "Werkgevers vragen steeds vaker een vingerafdruk voor de tijdregistratie. Biometrische systemen zijn "
         "alleen toegestaan als het echt nodig is, zegt de toezichthouder.", NOW - timedelta(days=16)),
    Item("besluit", "autoriteit-persoonsgegevens", "ap-decision", "Besluit tot oplegging van een boete aan Clearview AI",
         "Besluit. De Autoriteit Persoonsgegevens legt Clearview AI Inc. boetes en een dwangsom op wegens het "
         "onrechtmatig verwerken van gezichtsfoto's.", NOW - timedelta(days=17), raw=b"%PDF-1.4 besluit"),
    Item("hostile", "krant", "news", HOSTILE_TITLE, HOSTILE_TEXT, NOW - timedelta(days=3)),
    Item("verbod", "krant", "news", "Kabinet wil realtime gezichtsherkenning verbieden", ORIGINAL, NOW - timedelta(days=2)),
)
QUESTION_TEXT = (
    "Vraag 1 Bent u bekend met het bericht dat de politie gezichtsherkenning vaker inzet bij de opsporing? "
    "Vraag 2 Hoeveel beelden zijn vorig jaar vergeleken met de fotodatabank?"
)
ANSWER_TEXT = (
    "Antwoord 1 Ja. Antwoord 2 In 2025 zijn 4213 beelden vergeleken; de politie bewaart geen beelden van "
    "voorbijgangers."
)
SOURCES = {"dagblad": "feed", "krant": "feed", "autoriteit-persoonsgegevens": "ap", "tweede-kamer": "kamervragen"}


def item_url(item: Item) -> str:
    return f"https://{item.source}.example/artikel/{item.key}"


def fill_archive(engine: Engine) -> dict[str, int]:
    """Store the items (and the case's question and answer) with their real classification; key -> document id."""
    config = load_config()
    classifier = Classifier(config.watchlists, config.entities)
    ids: dict[str, int] = {}
    source_ids = {name: repo.ensure_source(engine, name, kind, f"https://{name}.example/") for name, kind in SOURCES.items()}
    for item in ITEMS:
        result = repo.store_document(engine, source_ids[item.source], _doc(item), classifier.classify(item.title, item.text), [])
        assert result.document_id is not None
        ids[item.key] = result.document_id
    # The outlet edited one article a day later: version 2 of the same document.
    edited = Item("verbod", "krant", "news", "Kabinet wil realtime gezichtsherkenning verbieden", EDITED,
                  NOW - timedelta(days=2))
    repo.store_document(engine, source_ids["krant"], _doc(edited, NOW - timedelta(days=1)),
                        classifier.classify(edited.title, edited.text), [])
    for key, record in kamervraag_records(classifier, start=len(ids)):
        kv.store_kamervraag(engine, source_ids["tweede-kamer"], "tweede-kamer", record, lambda _w, _l: [],
                            cursor=None, alert_after=None, now=NOW)
        assert record.document is not None
        ids[key] = _document_id(engine, record.document.url)
    return ids


def kamervraag_records(
    classifier: Classifier, start: int = 10, subject: str = "het vaker inzetten van gezichtsherkenning door de politie",
    modified: str = "",
) -> list[tuple[str, kv.KamervraagRecord]]:
    """The case's question and answer as the Tweede Kamer sync would store them; ``modified`` marks a correction."""
    case = kv.CaseRecord(
        zaak_id="c0ffee00-0000-4000-8000-000000000001", number=CASE, subject=subject, vergaderjaar="2026-2027",
        submitted_at=NOW - timedelta(days=5),
        actors=(kv.Actor("Indiener", "Jansen", "GroenLinks-PvdA", "Tweede Kamerlid"),
                kv.Actor("Gericht aan", "Van Weel", None, "minister van Justitie en Veiligheid")),
    )
    records = []
    for n, (key, role, soort, kind, text, dated, answerer) in enumerate((
        ("vraag", "question", "Schriftelijke vragen", "kamervraag", QUESTION_TEXT, NOW - timedelta(days=5), None),
        ("antwoord", "answer", "Antwoord schriftelijke vragen", "kamervraag-antwoord", ANSWER_TEXT,
         NOW - timedelta(days=1), "minister van Justitie en Veiligheid"),
    )):
        number = f"2026D{4100 + start + n}"
        url = f"https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id={CASE}&did={number}"
        title = f"{soort}: {case.subject}"
        document = repo.NewDocument(
            source_name="tweede-kamer", kind=kind, url=url, fetched_url=url, title=title, text=text,
            text_origin="publication", fetched_at=dated, content_hash=hashlib.sha256(text.encode()).hexdigest(),
            raw=f"<vraagdocument>{text}</vraagdocument>".encode(), published_at=dated, language="nl",
            content_type="text/xml",
        )
        pairs = ((1, "Bent u bekend met het bericht?", "Ja." if role == "answer" else None),
                 (2, "Hoeveel beelden zijn vergeleken?", "4213." if role == "answer" else None))
        records.append((key, kv.KamervraagRecord(
            tk_id=f"tk-{key}", api_modified=dated.isoformat() + modified, role=role, soort=soort, number=number,
            dated_at=dated, publication_id=None, text_source="publication", answerer=answerer, case=case,
            document=document, pairs=pairs, classification=classifier.classify(f"{case.subject} {title}", text),
        )))
    return records


def _doc(item: Item, fetched: datetime | None = None) -> repo.NewDocument:
    raw = item.raw or f"<html><head><title>{item.title}</title></head><body><p>{item.text}</p></body></html>".encode()
    return repo.NewDocument(
        source_name=item.source, kind=item.kind, url=item_url(item), fetched_url=item_url(item) + "?utm_source=rss",
        title=item.title, text=item.text, text_origin="pdf" if item.kind == "ap-decision" else "article",
        fetched_at=fetched or (item.published or NOW) + timedelta(minutes=5),
        content_hash=hashlib.sha256(item.text.encode()).hexdigest(), raw=raw, published_at=item.published,
        author="Redactie" if item.kind == "news" else None, language="nl",
        content_type="application/pdf" if item.kind == "ap-decision" else "text/html; charset=utf-8",
    )


def _document_id(engine: Engine, url: str) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import Document

    with Session(engine) as session:
        return session.execute(select(Document.id).where(Document.url == url)).scalar_one()
