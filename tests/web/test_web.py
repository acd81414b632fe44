"""The web timeline through Flask's test client, on both backends: pages, feeds, permalinks, snapshots,
read-only, bad input as 400 pages, and scraped markup shown as text everywhere."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from pipeline.classify import Classifier
from storage import fulltext
from tests.harness.archive import CASE, EDITED, HOSTILE_TEXT, HOSTILE_TITLE, ORIGINAL, fill_archive
from waakhond.config import load_config
from waakhond.web import SNAPSHOT_CSP, create_app

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(engine: Engine) -> Iterator[tuple[FlaskClient, dict[str, int]]]:
    ids = fill_archive(engine)
    yield create_app(engine).test_client(), ids


def test_timeline_groups_by_day_and_filters(site: tuple[FlaskClient, dict[str, int]]) -> None:
    client, ids = site
    page = client.get("/")
    assert page.status_code == 200 and page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    days = re.findall(r'<h2><time datetime="([\d-]+)">', page.text)
    assert days == sorted(days, reverse=True) and "2026-11-25" in days and len(days) == len(set(days))
    assert page.text.count('class="hit ') == 10
    news = client.get("/search?kind=kamervragen")
    assert news.text.count('class="hit ') == 2 and f"/item/{ids['vraag']}" in news.text
    found = client.get("/search?q=politiegezichtsherkenning")
    assert found.text.count('class="hit ') == 1 and "<mark>politiegezichtsherkenning</mark>" in found.text
    narrowed = client.get("/search?q=boete&source=dagblad&since=2026-11-01&until=2026-11-30&label=core&min_relevance=1")
    assert narrowed.text.count('class="hit ') == 1 and f"/item/{ids['clearview']}" in narrowed.text


@pytest.mark.parametrize("url", ["/search?q=%22open", "/search?q=a+NEAR+b", "/search?since=gisteren",
                                 "/search?min_relevance=veel", "/search?kind=tv", "/search?page=0", "/search?page=x",
                                 "/search?sort=random", "/item/1?compare=nul", "/search?q=" + "x" * 600])
def test_bad_input_is_a_400_page_not_a_server_error(site: tuple[FlaskClient, dict[str, int]], url: str) -> None:
    client, _ = site
    page = client.get(url)
    assert page.status_code == 400 and '<p class="error">' in page.text
    if url.startswith("/search?"):
        for feed in ("/search.json?", "/search.atom?"):
            assert client.get(url.replace("/search?", feed)).status_code == 400


def test_json_and_atom_for_every_search(site: tuple[FlaskClient, dict[str, int]]) -> None:
    client, ids = site
    body = client.get("/search.json?q=camera&sort=newest").get_json()
    assert [h["id"] for h in body["hits"]] == [ids["hostile"], ids["stations"]] and body["has_more"] is False
    assert body["hits"][0]["title"] == HOSTILE_TITLE and body["hits"][0]["permalink"].endswith(f"/item/{ids['hostile']}")
    assert client.get("/search.json?q=%22open").get_json() == {"error": "a quote is never closed (column 1)"}
    feed = client.get("/search.atom?q=camera&kind=news&sort=newest")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.data)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles == [HOSTILE_TITLE, "Live-gezichtsherkenning op stations getest"]
    assert "&lt;script&gt;" in feed.text and "<script>" not in feed.text
    page = client.get("/search?q=camera")
    assert 'href="/search.atom?q=camera"' in page.text and 'href="/search.json?q=camera"' in page.text
    more = client.get("/search.json?sort=oldest").get_json()
    assert len(more["hits"]) == 10 and more["next"] is None


def test_item_page_versions_snapshot_and_permalinks(site: tuple[FlaskClient, dict[str, int]]) -> None:
    client, ids = site
    page = client.get(f"/item/{ids['verbod']}")
    assert page.status_code == 200
    assert "Versie 1" in page.text and "Versie 2" in page.text and "<ins>uitzondering voor terrorismebestrijding, meldt het ministerie.</ins>" in page.text
    assert "<del>uitzondering.</del>" in page.text and ORIGINAL.split()[0] in page.text and EDITED.split()[-1] in page.text
    hashes = re.findall(r"SHA-256 <code>([0-9a-f]{64})</code>", page.text)
    assert len(hashes) == 2 and hashes[0] != hashes[1]
    first = client.get(f"/item/{ids['verbod']}/raw?version=1")
    assert first.headers["Content-Type"] == "text/plain; charset=utf-8" and first.headers["Content-Security-Policy"] == SNAPSHOT_CSP
    assert ORIGINAL.encode() in first.data and first.headers["X-Waakhond-SHA256"] == hashes[0]
    assert client.get(f"/item/{ids['verbod']}/raw?version=7").status_code == 404
    pdf = client.get(f"/item/{ids['besluit']}/raw?download=1")
    assert pdf.data == b"%PDF-1.4 besluit" and pdf.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/item?url=https://krant.example/artikel/verbod").headers["Location"] == f"/item/{ids['verbod']}"
    assert client.get("/item?url=https://elders.example/").status_code == 404
    assert client.get("/item/999999").status_code == 404
    # Permalinks survive a rebuild of the index.
    fulltext.rebuild(client.application.config["engine"])
    assert client.get(f"/item/{ids['verbod']}").status_code == 200


def test_item_page_shows_why_entities_and_related(site: tuple[FlaskClient, dict[str, int]]) -> None:
    client, ids = site
    page = client.get(f"/item/{ids['clearview']}").text
    assert "Waarom het matchte" in page and 'href="/entity/clearview-ai"' in page
    assert "Hetzelfde verhaal elders" in page  # issue 9 fills it
    question = client.get(f"/item/{ids['vraag']}").text
    assert f'href="/case/{CASE}"' in question and f'href="/item/{ids["antwoord"]}"' in question and ">answer<" in question
    answer = client.get(f"/item/{ids['antwoord']}").text
    assert f'href="/item/{ids["vraag"]}"' in answer and ">question<" in answer


def test_entity_and_case_pages(site: tuple[FlaskClient, dict[str, int]]) -> None:
    client, ids = site
    entity = client.get("/entity/clearview-ai")
    assert entity.status_code == 200 and "<h1>Clearview AI</h1>" in entity.text
    assert entity.text.count('class="hit ') == 2 and 'href="/search.atom?entity=clearview-ai"' in entity.text
    narrowed = client.get("/entity/clearview-ai?kind=ap")
    assert narrowed.text.count('class="hit ') == 1 and f"/item/{ids['besluit']}" in narrowed.text
    assert client.get("/entity/nobody-at-all").status_code == 404
    case = client.get(f"/case/{CASE}")
    assert case.status_code == 200 and "answered" in case.text and "open" in case.text
    assert "Jansen (GroenLinks-PvdA)" in case.text and "minister van Justitie en Veiligheid" in case.text
    assert "Vraag 2" in case.text and "Antwoord 2" in case.text and "4213." in case.text
    assert client.get("/case/2099Z00000").status_code == 404


WIRE = ("De rechtbank in Hoogveen heeft de gemeente verboden om bij het stadion camera's met gezichtsherkenning "
        "te gebruiken. Volgens de rechter ontbreekt een wettelijke grondslag voor het verwerken van biometrische "
        "gegevens van bezoekers. De gemeente wilde met de camera's supporters met een stadionverbod herkennen. "
        "Privacyorganisaties spraken van een belangrijke uitspraak voor het hele land. De burgemeester laat weten "
        "de uitspraak te bestuderen en overweegt in hoger beroep te gaan tegen het vonnis van de rechtbank.")


def test_item_and_case_pages_show_the_story_elsewhere_and_links(engine: Engine) -> None:
    from pipeline.dedupe import signature
    from storage import repository as repo
    from tests.harness.archive import NOW, Item, _doc

    ids = fill_archive(engine)
    config = load_config()
    classifier = Classifier(config.watchlists, config.entities)
    for hours_ago, (key, source, title, text) in zip((3, 2, 1), (
        ("hoogveen", "dagblad", "Rechter verbiedt gezichtsherkenning bij stadion", WIRE),
        ("hoogveen-kopie", "krant", "Stadion Hoogveen mag geen gezichtsherkenning gebruiken",
         WIRE.replace("laat weten", "zegt")),
        ("kamervraag-nieuws", "krant", "Kamerleden willen opheldering over gezichtsherkenning",
         f"Over de inzet van gezichtsherkenning door de politie zijn Kamervragen gesteld ({CASE})."),
    ), strict=True):
        # The first is the first publication; the second a lightly edited copy at another outlet.
        item = Item(key, source, "news", title, text, NOW - timedelta(hours=hours_ago))
        doc = replace(_doc(item), signature=signature(text))
        sid = repo.ensure_source(engine, source, "feed", f"https://{source}.example/")
        result = repo.store_document(engine, sid, doc, classifier.classify(title, text), [])
        assert result.document_id is not None
        ids[key] = result.document_id
    client = create_app(engine).test_client()
    head = client.get(f"/item/{ids['hoogveen']}").text
    assert f'href="/item/{ids["hoogveen-kopie"]}"' in head and "Stadion Hoogveen mag geen" in head
    copy = client.get(f"/item/{ids['hoogveen-kopie']}").text
    assert f'href="/item/{ids["hoogveen"]}"' in copy and "first publication" in copy
    cited = client.get(f"/item/{ids['kamervraag-nieuws']}").text
    assert f'href="/case/{CASE}"' in cited and "case-number" in cited
    case = client.get(f"/case/{CASE}").text
    assert "In het nieuws" in case and f'href="/item/{ids["kamervraag-nieuws"]}"' in case
    unrelated = client.get(f"/item/{ids['storm']}").text
    assert "Nog geen andere bronnen gevonden." in unrelated and "Koppelingen" not in unrelated


def test_read_only(site: tuple[FlaskClient, dict[str, int]]) -> None:
    client, ids = site
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        response = client.open(f"/item/{ids['verbod']}", method=method)
        assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert client.head("/").status_code == 200


class _Elements(HTMLParser):
    """Every element and attribute name in an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_scraped_markup_is_text_in_every_page_and_feed(site: tuple[FlaskClient, dict[str, int]]) -> None:
    client, ids = site
    hostile = ids["hostile"]
    for url in ("/", "/search?q=camera", "/search?q=kassa&sort=newest", f"/item/{hostile}", "/entity/money:30500000",
                "/search?q=winkels", f"/item/{hostile}?compare=1"):
        page = client.get(url)
        assert page.status_code in (200, 404), url
        elements = _Elements()
        elements.feed(page.text)
        assert not elements.tags & {"script", "img", "svg", "b", "textarea", "iframe"}, url
        assert not {a for a in elements.attributes if a.startswith("on")}, url
    item = client.get(f"/item/{hostile}").text
    assert "&lt;script&gt;window.__pwned = &#39;title&#39;&lt;/script&gt;Camera&#39;s in &lt;b&gt;winkels&lt;/b&gt;" in item
    feed = ET.fromstring(client.get("/search.atom?q=kassa").data)
    assert {e.tag.split("}")[0] for e in feed.iter()} == {"{http://www.w3.org/2005/Atom"}  # no foreign element
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == HOSTILE_TITLE and entry.find(f"{ATOM}summary").get("type") == "text"
    body = json.loads(client.get("/search.json?q=kassa").data)
    assert body["hits"][0]["title"] == HOSTILE_TITLE and HOSTILE_TEXT.startswith("<img")
    raw = client.get(f"/item/{hostile}/raw")
    assert raw.headers["Content-Type"].startswith("text/plain") and raw.headers["Content-Security-Policy"] == SNAPSHOT_CSP
    assert raw.headers["X-Content-Type-Options"] == "nosniff"
