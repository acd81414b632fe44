"""Parsing of KOOP Kamervragen publications (xml, html) and of SRU responses, against the fixtures."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.errors import PipelineError, PublicationError
from pipeline.publication import (
    KIND_ANSWER,
    KIND_QUESTIONS,
    Publication,
    QAPair,
    parse_publication_html,
    parse_publication_xml,
    parse_sru_response,
    publication_identifier,
    sru_query_url,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kamervragen" / "publications"
BASE = "http://127.0.0.1:8123"
FRBR_HTML = f"{BASE}/frbr/officielepublicaties/ah-tk/20262027/ah-tk-20262027-101/1/html/ah-tk-20262027-101.html"
ENDPOINT = "https://repository.overheid.nl/sru"
TK_PAGE = "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail"

FIRST_ANSWER = "De politie zet bij demonstraties geen live gezichtsherkenning in."


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{{base}}", BASE.encode())


def parse(name: str) -> Publication:
    return parse_publication_xml(fixture(name))


# --- xml: questions as submitted -----------------------------------------------------------------


def test_questions_as_submitted() -> None:
    pub = parse("kv-tk-2026Z01001.xml")
    assert pub.identifier == "kv-tk-2026Z01001"  # from the metadata record link: none was passed
    assert pub.kind == KIND_QUESTIONS
    assert pub.case_number == "2026Z01001"
    assert pub.title == (
        "Vragen van de leden Jansen (GroenLinks-PvdA) en De Vries (D66) aan de Minister van Justitie en"
        " Veiligheid over het gebruik van gezichtsherkenning door de politie bij demonstraties"
        " (ingezonden 1 oktober 2026)."
    )
    assert pub.submitters == ("Jansen (GroenLinks-PvdA)", "De Vries (D66)")
    assert pub.addressee == "Minister van Justitie en Veiligheid"
    assert pub.answerer is None
    assert pub.submitted == date(2026, 10, 1)
    assert pub.received is None
    assert pub.remarks == ()
    assert [p.number for p in pub.pairs] == [1, 2, 3]
    assert all(p.answer is None for p in pub.pairs)


def test_footnotes_stay_out_of_the_question_but_not_out_of_the_text() -> None:
    pub = parse("kv-tk-2026Z01001.xml")
    assert pub.pairs[0].question == "Kent u het bericht «Slimme camera's filmden betogers op het Malieveld»?"
    assert "Haagse Dagblad" not in pub.pairs[0].question
    assert pub.text.endswith(
        "Noten\nNoot 1: Het Haagse Dagblad, 29 september 2026, «Slimme camera's filmden betogers op het Malieveld»"
        " (https://haagsedagblad.example/2026/09/29/slimme-cameras-malieveld)."
    )


def test_paragraphs_are_lines_with_whitespace_collapsed() -> None:
    question = parse("kv-tk-2026Z01001.xml").pairs[1].question
    assert question == (
        "Klopt het dat de politie beelden van deelnemers aan de klimaatdemonstratie van 27 september 2026 heeft"
        " vergeleken met foto's uit de strafrechtelijke databank CATCH?\n"
        "Zo ja, op welke wettelijke grondslag gebeurde dat, en wie gaf daarvoor toestemming?"
    )


def test_text_of_questions_reads_as_the_publication() -> None:
    text = parse("kv-tk-2026Z01001.xml").text
    assert text.startswith("Vragen van de leden Jansen (GroenLinks-PvdA) en De Vries (D66)")
    assert "\n\nVraag 1\nKent u het bericht «Slimme camera's filmden betogers op het Malieveld»?\n\nVraag 2\n" in text
    assert "Antwoord" not in text


def test_unrelated_case_has_no_facial_recognition_words() -> None:
    pub = parse("kv-tk-2026Z01002.xml")
    assert pub.case_number == "2026Z01002"
    assert pub.submitters == ("Mulder (BBB)",)
    assert pub.addressee == "Staatssecretaris van Infrastructuur en Waterstaat"
    assert len(pub.pairs) == 2
    assert "streekbuslijnen in Zuidoost-Drenthe" in pub.text
    for word in ("gezicht", "clearview", "biometri", "camera", "politie"):
        assert word not in pub.text.lower()


def test_clearview_questions_of_one_member() -> None:
    pub = parse("kv-tk-2026Z01003.xml")
    assert pub.case_number == "2026Z01003"
    assert pub.submitters == ("Bakker (SP)",)
    assert pub.addressee == "Minister van Justitie en Veiligheid"
    assert pub.submitted == date(2026, 10, 5)
    assert [p.number for p in pub.pairs] == [1, 2]
    assert "proefaccounts van Clearview AI" in pub.pairs[0].question


# --- xml: answers ------------------------------------------------------------------------------


def test_answer_publication() -> None:
    pub = parse("ah-tk-20262027-101.xml")
    assert pub.identifier == "ah-tk-20262027-101"
    assert pub.kind == KIND_ANSWER
    assert pub.case_number == "2026Z01001"
    assert pub.submitters == ("Jansen (GroenLinks-PvdA)", "De Vries (D66)")
    assert pub.answerer == "Minister Van Dam (Justitie en Veiligheid)"
    assert (pub.submitted, pub.received) == (date(2026, 10, 1), date(2026, 11, 12))
    assert len(pub.remarks) == 1
    assert pub.remarks[0].startswith(
        "Mededeling van Minister Van Dam (Justitie en Veiligheid) (ontvangen 21 oktober 2026). De vragen van"
    )
    assert [p.number for p in pub.pairs] == [1, 2, 3]
    assert pub.pairs[0].answer is not None and pub.pairs[0].answer.startswith(FIRST_ANSWER)
    assert pub.pairs[1].answer == (
        "Na afloop van de demonstratie zijn in twee opsporingsonderzoeken naar geweld tegen agenten beelden van"
        " verdachten vergeleken met CATCH. Dat gebeurde op grond van het Wetboek van Strafvordering en na"
        " toestemming van de officier van justitie.\nBeelden van vreedzame deelnemers zijn niet vergeleken."
    )
    assert pub.pairs[2].answer is not None and pub.pairs[2].answer.startswith("Ja. Ik zal de Kamer jaarlijks")


def test_answer_text_keeps_document_order() -> None:
    text = parse("ah-tk-20262027-101.xml").text
    heads = ["Vragen van de leden", "Antwoord van Minister Van Dam", "Mededeling van Minister",
             "\nVraag 1\n", f"\nAntwoord 1\n{FIRST_ANSWER}", "\nVraag 2\n", "\nAntwoord 2\n",
             "\nVraag 3\n", "\nAntwoord 3\n", "\nNoten\n"]
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)


def test_joint_answer_is_given_to_each_question_it_covers() -> None:
    pub = parse("ah-tk-20262027-102.xml")
    assert pub.case_number == "2026Z01004"
    assert [p.number for p in pub.pairs] == [1, 2, 3]
    assert pub.pairs[0].answer == "Dat is niet bekend; er bestaat geen meldplicht voor zulke systemen."
    assert pub.pairs[1].answer == pub.pairs[2].answer
    assert pub.pairs[1].answer is not None
    assert pub.pairs[1].answer.startswith("Een supermarkt mag biometrische gegevens van klanten alleen verwerken")
    assert pub.pairs[1].answer.endswith("Het toezicht hierop is aan de Autoriteit Persoonsgegevens.")
    # the publication text shows the joint answer once, under its own label
    assert pub.text.count("Een supermarkt mag biometrische") == 1
    assert "\n\nAntwoord 2 en 3\nEen supermarkt" in pub.text


def test_several_submitters_and_addressees_and_a_co_signed_answer() -> None:
    pub = parse("ah-tk-20262027-102.xml")
    assert pub.submitters == ("El Amrani (CDA)", "Visser (VVD)", "Van den Berg (NSC)")
    assert pub.addressee == "Minister van Economische Zaken en de Minister van Justitie en Veiligheid"
    assert pub.answerer == "Minister Van Dam (Justitie en Veiligheid), mede namens de Minister van Economische Zaken"
    assert pub.received == date(2026, 11, 19)


@pytest.mark.parametrize(
    ("label", "answered"),
    [
        ("Antwoord 1 en 2", {1, 2}),
        ("Antwoord 2, 3", {2, 3}),
        ("Antwoord 1, 2 en 3", {1, 2, 3}),
        ("Vraag 1 t/m 3", {1, 2, 3}),
        ("Antwoord 3", {3}),
    ],
)
def test_answer_labels_name_the_questions_they_answer(label: str, answered: set[int]) -> None:
    questions = "".join(f"<vraag><nr>Vraag {n}</nr><al>Vraag nummer {n}?</al></vraag>" for n in (1, 2, 3))
    body = (f"<officiele-publicatie><kamervragen>{questions}"
            f"<antwoord><nr>{label}</nr><al>Het gezamenlijke antwoord.</al></antwoord>"
            "</kamervragen></officiele-publicatie>").encode()
    pub = parse_publication_xml(body, "ah-tk-20262027-130")
    assert {p.number for p in pub.pairs if p.answer == "Het gezamenlijke antwoord."} == answered
    assert {p.number for p in pub.pairs if p.answer is None} == {1, 2, 3} - answered


def test_older_shape_with_namespace_and_labels_in_paragraphs() -> None:
    body = """<?xml version="1.0" encoding="UTF-8"?>
<document xmlns="urn:example:oud"><vragen>
  <omschr>Vragen van het lid Pietersen aan de Minister van Binnenlandse Zaken over camera's in de binnenstad
    van Utrecht (ingezonden 3 maart 2009).</omschr>
  <vraagnummer>2060801234</vraagnummer>
  <vraag><nummer>1</nummer><al>Hoeveel camera's hangen er in de binnenstad?</al></vraag>
  <vraag><nummer>2</nummer><al>Wie bekijkt de beelden?</al></vraag>
</vragen>
<reactie>
  <omschr>Antwoord van minister Ter Horst (Binnenlandse Zaken) (ontvangen 2 april 2009)</omschr>
  <antwoord><al>Antwoord 1</al><al>Er hangen twaalf camera's.</al></antwoord>
  <antwoord><al>Antwoord 2</al><al>Medewerkers van de gemeente.</al></antwoord>
</reactie></document>""".encode()
    pub = parse_publication_xml(body, "ah-tk-20082009-2001")
    assert pub.kind == KIND_ANSWER
    assert pub.case_number == "2060801234"
    assert pub.submitters == ("Pietersen",)
    assert pub.addressee == "Minister van Binnenlandse Zaken"
    assert pub.answerer == "minister Ter Horst (Binnenlandse Zaken)"
    assert (pub.submitted, pub.received) == (date(2009, 3, 3), date(2009, 4, 2))
    assert pub.pairs == (
        QAPair(1, "Hoeveel camera's hangen er in de binnenstad?", "Er hangen twaalf camera's."),
        QAPair(2, "Wie bekijkt de beelden?", "Medewerkers van de gemeente."),
    )


def test_unnumbered_answers_follow_the_questions_in_order() -> None:
    body = ("<officiele-publicatie><kamervragen>"
            "<vraag><al>Eerste?</al></vraag><vraag><al>Tweede?</al></vraag>"
            "<antwoord><al>Een.</al></antwoord><antwoord><al>Twee.</al></antwoord>"
            "</kamervragen></officiele-publicatie>").encode()
    pub = parse_publication_xml(body, "ah-tk-20262027-131")
    assert pub.pairs == (QAPair(1, "Eerste?", "Een."), QAPair(2, "Tweede?", "Twee."))


def test_list_items_keep_their_marker_on_their_line() -> None:
    body = """<officiele-publicatie><kamervragen><vraag><nr>Vraag 1</nr><al>Welke systemen?</al></vraag>
<antwoord><nr>Antwoord 1</nr><al>Twee systemen:</al>
  <lijst type="expliciet"><li><li.nr>a.</li.nr><al>CATCH, voor foto's van verdachten;</al></li>
  <li><li.nr>b.</li.nr><al>een proef met camera's op Schiphol.</al></li></lijst></antwoord>
</kamervragen></officiele-publicatie>""".encode()
    (pair,) = parse_publication_xml(body, "ah-tk-20262027-132").pairs
    assert pair.answer == (
        "Twee systemen:\na. CATCH, voor foto's van verdachten;\nb. een proef met camera's op Schiphol."
    )


def test_identifier_argument_wins_over_the_metadata() -> None:
    assert parse_publication_xml(fixture("kv-tk-2026Z01003.xml"), "kv-tk-2026Z01333").identifier == "kv-tk-2026Z01333"


def test_publication_is_immutable() -> None:
    pub = parse("kv-tk-2026Z01003.xml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        pub.title = "anders"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pub.pairs[0].answer = "ja"  # type: ignore[misc]


# --- xml: refusals -----------------------------------------------------------------------------


def test_truncated_xml_is_refused() -> None:
    with pytest.raises(PublicationError, match="truncated"):
        parse_publication_xml(fixture("truncated.xml"))


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"niet eens xml", b"<officiele-publicatie><kamervragen>", b"<html><body><p>Fout</p></body>"],
)
def test_malformed_xml_is_refused(body: bytes) -> None:
    with pytest.raises(PublicationError):
        parse_publication_xml(body, "kv-tk-2026Z01001")


def test_xml_without_questions_is_refused() -> None:
    body = b"<officiele-publicatie><staatsblad><al>Besluit over munten.</al></staatsblad></officiele-publicatie>"
    with pytest.raises(PublicationError, match="no questions"):
        parse_publication_xml(body, "kv-tk-2026Z01001")


def test_publication_without_identifier_is_refused() -> None:
    body = (b"<officiele-publicatie><kamervragen><vraag><nr>Vraag 1</nr><al>Waarom?</al></vraag>"
            b"</kamervragen></officiele-publicatie>")
    with pytest.raises(PublicationError, match="identifier"):
        parse_publication_xml(body)


def test_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIM-4711", encoding="utf-8")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE officiele-publicatie [
  <!ENTITY geheim SYSTEM "{secret.as_uri()}">
  <!ENTITY a "lol">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
]>
<officiele-publicatie><kamervragen>
  <vraag><nr>Vraag 1</nr><al>Staat hier &geheim; of &b;?</al></vraag>
</kamervragen></officiele-publicatie>""".encode()
    pub = parse_publication_xml(body, "kv-tk-2026Z01009")
    assert "GEHEIM" not in pub.text
    assert "lol" not in pub.text
    assert pub.pairs[0].question.startswith("Staat hier")


def test_publication_error_is_a_pipeline_error() -> None:
    assert issubclass(PublicationError, PipelineError)


# --- html ----------------------------------------------------------------------------------------


def test_html_manifestation_gives_the_same_publication_as_the_xml() -> None:
    from_html = parse_publication_html(fixture("ah-tk-20262027-101.html"), FRBR_HTML)
    from_xml = parse("ah-tk-20262027-101.xml")
    assert from_html.pairs == from_xml.pairs
    assert from_html == from_xml


def test_html_identifier_comes_from_the_url_when_the_page_has_none() -> None:
    page = fixture("ah-tk-20262027-101.html").replace(b'name="DC.identifier"', b'name="DC.x"')
    assert parse_publication_html(page, FRBR_HTML).identifier == "ah-tk-20262027-101"
    with pytest.raises(PublicationError, match="identifier"):
        parse_publication_html(page, f"{BASE}/pagina.html")


def test_html_fallback_pairs_vraag_and_antwoord_lines() -> None:
    page = """<!doctype html><html lang="nl">
<head><meta charset="utf-8"><title>Kamervragen | Tweede Kamer</title></head>
<body><nav><a href="/">Home</a> <a href="/kamerstukken">Kamerstukken</a></nav>
<main><article>
<h1>Vragen van het lid Smit (PvdD) aan de Minister van Justitie en Veiligheid over camera's bij het station
van Zwolle (ingezonden 9 oktober 2026).</h1>
<p>Antwoord van Minister Van Dam (Justitie en Veiligheid) (ontvangen 30 oktober 2026).</p>
<p>Kenmerk 2026Z01005</p>
<h2>Vraag 1</h2>
<p>Hoeveel camera's met automatische herkenning hangen er bij het station van Zwolle?</p>
<h2>Vraag 2</h2>
<p>Wie beheert de beelden van de camera's bij het station?</p>
<h2>Antwoord 1 en 2</h2>
<p>Bij het station hangen vier camera's van de gemeente Zwolle, zonder automatische herkenning.</p>
<p>De gemeente beheert de beelden.</p>
</article></main><footer>Copyright Tweede Kamer</footer></body></html>""".encode()
    pub = parse_publication_html(page, TK_PAGE, "ah-tk-20262027-103")
    assert pub.kind == KIND_ANSWER
    assert pub.case_number == "2026Z01005"
    assert pub.submitters == ("Smit (PvdD)",)
    assert pub.answerer == "Minister Van Dam (Justitie en Veiligheid)"
    assert (pub.submitted, pub.received) == (date(2026, 10, 9), date(2026, 10, 30))
    answer = (
        "Bij het station hangen vier camera's van de gemeente Zwolle, zonder automatische herkenning.\n"
        "De gemeente beheert de beelden."
    )
    assert pub.pairs == (
        QAPair(1, "Hoeveel camera's met automatische herkenning hangen er bij het station van Zwolle?", answer),
        QAPair(2, "Wie beheert de beelden van de camera's bij het station?", answer),
    )
    assert "Copyright" not in pub.text


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"<html><body><nav><a href='/'>Home</a></nav><script>var x = 1;</script></body></html>",
    ],
)
def test_html_without_usable_text_is_refused(page: bytes) -> None:
    with pytest.raises(PublicationError):
        parse_publication_html(page, FRBR_HTML, "ah-tk-20262027-101")


# --- SRU -----------------------------------------------------------------------------------------


def test_sru_record() -> None:
    (record,) = parse_sru_response(fixture("sru-2026Z01001.xml"))
    assert record.identifier == "kv-tk-2026Z01001"
    assert record.publication_name == "Kamervragen zonder antwoord"
    assert set(record.item_urls) == {"html", "metadata", "metadataowms", "odt", "pdf", "xml"}
    frbr = f"{BASE}/frbr/officielepublicaties/kv-tk/2026/kv-tk-2026Z01001/1"
    assert record.item_urls["xml"] == f"{frbr}/xml/kv-tk-2026Z01001.xml"
    assert record.item_urls["html"] == f"{frbr}/html/kv-tk-2026Z01001.html"
    assert record.preferred_url == f"{BASE}/kv-tk-2026Z01001.html"


def test_sru_without_records() -> None:
    assert parse_sru_response(fixture("sru-empty.xml")) == []


def test_sru_diagnostic_is_an_error_with_its_message() -> None:
    with pytest.raises(PublicationError, match=r"Query syntax error.*info:srw/diagnostic/1/10"):
        parse_sru_response(fixture("sru-diagnostic.xml"))


def test_sru_1_2_with_string_packing() -> None:
    record = ('&lt;gzd xmlns="http://standaarden.overheid.nl/sru"&gt;&lt;originalData&gt;&lt;meta&gt;&lt;owmskern&gt;'
              "&lt;identifier&gt;ah-tk-20262027-101&lt;/identifier&gt;&lt;/owmskern&gt;&lt;tpmeta&gt;"
              "&lt;publicatienaam&gt;Kamervragen (Aanhangsel)&lt;/publicatienaam&gt;&lt;/tpmeta&gt;&lt;/meta&gt;"
              '&lt;/originalData&gt;&lt;enrichedData&gt;&lt;itemUrl manifestation="xml"&gt;https://repo.example/a.xml'
              "&lt;/itemUrl&gt;&lt;/enrichedData&gt;&lt;/gzd&gt;")
    body = f"""<searchRetrieveResponse xmlns="http://www.loc.gov/zing/srw/"><version>1.2</version>
<numberOfRecords>1</numberOfRecords><records><record>
<recordSchema>gzd</recordSchema><recordPacking>string</recordPacking><recordData>{record}</recordData>
<recordPosition>1</recordPosition></record></records></searchRetrieveResponse>""".encode()
    (parsed,) = parse_sru_response(body)
    assert parsed.identifier == "ah-tk-20262027-101"
    assert parsed.publication_name == "Kamervragen (Aanhangsel)"
    assert parsed.item_urls == {"xml": "https://repo.example/a.xml"}
    assert parsed.preferred_url is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<sru:searchRetrieveResponse xmlns:sru='http://docs.oasis-open.org/ns/search-ws/sruResponse'><sru:records>",
        b"<html><body>Service tijdelijk niet beschikbaar</body></html>",
        b"<searchRetrieveResponse><records/></searchRetrieveResponse>",
    ],
)
def test_sru_response_that_is_not_one_is_refused(body: bytes) -> None:
    with pytest.raises(PublicationError):
        parse_sru_response(body)


def test_sru_query_url() -> None:
    url = sru_query_url(ENDPOINT, "kv-tk-2026Z01001")
    assert url == (
        "https://repository.overheid.nl/sru?operation=searchRetrieve&version=2.0&maximumRecords=1"
        "&query=c.product-area%3D%3Dofficielepublicaties%20and%20dt.identifier%3D%3D%22kv-tk-2026Z01001%22"
    )
    params = parse_qs(urlsplit(url).query)
    assert params["query"] == ['c.product-area==officielepublicaties and dt.identifier=="kv-tk-2026Z01001"']


def test_sru_query_url_keeps_the_endpoints_own_parameters() -> None:
    params = parse_qs(urlsplit(sru_query_url(f"{ENDPOINT}?x-connection=oep&version=1.2", "ah-tk-20262027-101")).query)
    assert params["x-connection"] == ["oep"]
    assert params["version"] == ["2.0"]
    assert params["query"] == ['c.product-area==officielepublicaties and dt.identifier=="ah-tk-20262027-101"']


@pytest.mark.parametrize(
    "identifier", ["kv-tk-2026Z01001", "kv-tk-20062007-KVR27039", "kv-KVR12345", "ah-tk-20212022-1053-n1"]
)
def test_sru_query_url_accepts_kamervragen_identifiers(identifier: str) -> None:
    assert f"%22{identifier}%22" in sru_query_url(ENDPOINT, identifier)


@pytest.mark.parametrize(
    "identifier",
    [
        'kv-tk-2026Z01001" or dt.identifier=="stcrt-2026-1',
        "kv-tk-2026Z01001 or 1=1",
        "kv-tk-2026Z01001\n",
        "ah-tk-20262027/101",
        "ah-tk-20262027-101)",
        "kv-tk-2026Zé1001",
        "stcrt-2026-1",
        "ah-20262027-101",
        "KV-TK-2026Z01001",
        "kv-tk-",
        "kv-tk-2026Z01001-",
        "",
        "kv-" + "a" * 100,
    ],
)
def test_sru_query_url_refuses_anything_else(identifier: str) -> None:
    with pytest.raises(ValueError):
        sru_query_url(ENDPOINT, identifier)


@pytest.mark.parametrize("endpoint", ["repository.overheid.nl/sru", "ftp://repository.overheid.nl/sru", ""])
def test_sru_query_url_refuses_an_endpoint_that_is_no_http_url(endpoint: str) -> None:
    with pytest.raises(ValueError):
        sru_query_url(endpoint, "kv-tk-2026Z01001")


# --- computed identifiers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        (KIND_QUESTIONS, {"case_number": "2026Z01001"}, "kv-tk-2026Z01001"),
        (KIND_QUESTIONS, {"case_number": " 2026Z01001 "}, "kv-tk-2026Z01001"),
        (KIND_QUESTIONS, {}, None),
        (KIND_QUESTIONS, {"case_number": '2026Z01001" or "x'}, None),
        (KIND_ANSWER, {"vergaderjaar": "2024-2025", "aanhangselnummer": "242501244"}, "ah-tk-20242025-1244"),
        (KIND_ANSWER, {"vergaderjaar": "2026-2027", "aanhangselnummer": "262700101"}, "ah-tk-20262027-101"),
        (KIND_ANSWER, {"vergaderjaar": "2026–2027", "aanhangselnummer": "2627010001"}, "ah-tk-20262027-10001"),
        (KIND_ANSWER, {"vergaderjaar": "2024-2025", "aanhangselnummer": "252601244"}, None),  # another year's number
        (KIND_ANSWER, {"vergaderjaar": "2024-2025", "aanhangselnummer": "242500000"}, None),
        (KIND_ANSWER, {"vergaderjaar": "2024-2025", "aanhangselnummer": "1244"}, None),
        (KIND_ANSWER, {"vergaderjaar": "2024-2026", "aanhangselnummer": "242601244"}, None),
        (KIND_ANSWER, {"vergaderjaar": "2024-2025", "aanhangselnummer": "2425O1244"}, None),
        (KIND_ANSWER, {"vergaderjaar": "2024-2025"}, None),
        (KIND_ANSWER, {"aanhangselnummer": "242501244"}, None),
        (KIND_ANSWER, {"case_number": "2024Z01234"}, None),
    ],
)
def test_publication_identifier(kind: str, fields: dict[str, str], expected: str | None) -> None:
    assert publication_identifier(kind, **fields) == expected


def test_computed_identifiers_are_accepted_by_the_query() -> None:
    for identifier in (
        publication_identifier(KIND_QUESTIONS, case_number="2026Z01001"),
        publication_identifier(KIND_ANSWER, vergaderjaar="2026-2027", aanhangselnummer="262700101"),
    ):
        assert identifier is not None
        sru_query_url(ENDPOINT, identifier)


def test_publication_identifier_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError):
        publication_identifier("mededeling", case_number="2026Z01001")
