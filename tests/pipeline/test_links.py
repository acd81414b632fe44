"""Link rules: case and document numbers, MPs named with their subject, coverage of AP sanctions."""

from __future__ import annotations

import pytest

from pipeline import links

SUBJECT = "Het bericht dat de politie gezichtsherkenning gebruikt bij het opsporen van winkeldieven"


@pytest.mark.parametrize(
    ("actor", "expected"),
    [("Q.M. Rajkowski", "rajkowski"), ("Nobel, J.N.J.", "nobel"), ("D.M. van Weel", "van weel"), ("Bikker", "bikker"),
     ("De Vries", "de vries"), ("S.C. Kröger", "kroger"), ("J.", None)],
)
def test_surnames_as_the_tweede_kamer_writes_names(actor: str, expected: str | None) -> None:
    assert links.surname(actor) == expected


def test_cited_numbers() -> None:
    assert links.cited_numbers(["case:2024Z16676", "document:2024D48672", "money:5", "clearview-ai"]) == (
        {"2024Z16676"}, {"2024D48672"}
    )


@pytest.mark.parametrize(
    "text",
    ["Kamerlid Bakker wil opheldering.", "SP-Kamerlid Bakker wil opheldering.", "Volgens Bakker (SP) is dat onwettig.",
     "Lisa Bakker, Kamerlid voor de SP, wil opheldering."],
)
def test_an_mp_is_named_with_kamerlid_or_the_party_nearby(text: str) -> None:
    assert links.names_member(text, "bakker", "SP") is not None


@pytest.mark.parametrize(
    "text",
    ["De bakker op de hoek verkoopt ook taart.", "Bakker Jansen uit Zwolle won de prijs voor het beste brood.",
     "Kamerlid Jansen sprak met de bakker."],
)
def test_a_surname_that_is_also_a_word_or_stands_alone_is_not_an_mp(text: str) -> None:
    assert links.names_member(text, "bakker", "SP") is None


def test_a_gazetteer_person_with_the_surname_names_the_mp() -> None:
    assert links.names_member("Barbara Kathmann wil een verbod.", "kathmann", None, ["Barbara Kathmann"]) == "Barbara Kathmann"
    assert links.names_member("Minister Van Weel antwoordt.", "van weel", None, ["David van Weel"]) == "David van Weel"


def test_generic_subject_words_do_not_count() -> None:
    assert set(links.subject_words(SUBJECT).values()) == {"politie", "gezichtsherkenning", "opsporen", "winkeldieven"}


def test_mp_and_subject_close_in_time_link_with_a_confidence_below_a_cited_number() -> None:
    text = "Kamerlid Bakker (SP) stelde Kamervragen over gezichtsherkenning door de politie bij winkeldiefstal."
    verdict = links.member_and_subject(text, SUBJECT, [("M. Bakker", "SP")], [], days_apart=2)
    assert verdict is not None and verdict.reason == links.MEMBER_AND_SUBJECT
    assert 0.45 <= verdict.confidence < links.CONFIDENCE[links.CASE_NUMBER]
    assert "Kamerlid Bakker" in verdict.evidence and "gezichtsherkenning" in verdict.evidence
    assert links.member_and_subject(text, SUBJECT, [("M. Bakker", "SP")], [], days_apart=20) is None


def test_the_mp_alone_or_the_subject_alone_does_not_link() -> None:
    mp_only = "Kamerlid Bakker (SP) wil dat de huurtoeslag omhoog gaat."
    subject_only = "De politie gebruikt gezichtsherkenning bij het opsporen van winkeldieven, zegt de minister."
    members = [("M. Bakker", "SP")]
    assert links.member_and_subject(mp_only, SUBJECT, members, [], 1) is None
    assert links.member_and_subject(subject_only, SUBJECT, members, [], 1) is None


def test_coverage_of_a_sanction_needs_the_amount_and_the_ap_or_the_organisation() -> None:
    text = "De AP legt Mediwaard een boete op van 725.000 euro."
    both = links.covers_sanction({725_000}, {"autoriteit-persoonsgegevens"}, text, 725_000, 50_000,
                                 "Zorgketen Mediwaard B.V.", days_apart=1)
    assert both is not None and both.reason == links.COVERS_SANCTION and both.confidence == 0.75
    ap_only = links.covers_sanction({725_000}, {"autoriteit-persoonsgegevens"}, "Een boete van 725.000 euro.", 725_000,
                                    None, "Zorgketen Mediwaard B.V.", 1)
    assert ap_only is not None and ap_only.confidence == 0.6
    assert links.covers_sanction({725_000}, set(), "Een boete van 725.000 euro.", 725_000, None, "Mediwaard", 1) is None
    assert links.covers_sanction({1_000}, {"autoriteit-persoonsgegevens"}, text, 725_000, None, "Mediwaard", 1) is None
    assert links.covers_sanction({725_000}, {"autoriteit-persoonsgegevens"}, text, 725_000, None, "Mediwaard", 45) is None
