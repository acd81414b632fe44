"""Classification: Dutch-aware matching, the traps newsroom users named, scores, labels, tags, positions and snippets."""

from __future__ import annotations

import pytest

from pipeline.classify import Classification, Classifier
from pipeline.folding import fold
from pipeline.gazetteer import Entity
from pipeline.rules import Watchlist, parse_watchlists
from waakhond.config import load_config


def watchlists(toml_tables: list[dict]) -> tuple[Watchlist, ...]:
    parsed, problems = parse_watchlists(toml_tables)
    assert problems == []
    return parsed


FR = watchlists([{"name": "fr", "terms": ["gezichtsherkenning", "biometrie", "ANPR", "Clearview AI"]}])


def labels(classifier: Classifier, title: str, text: str = "") -> str:
    return classifier.classify(title, text).label


@pytest.fixture(scope="module")
def builtin() -> Classifier:
    config = load_config(None)
    return Classifier(config.watchlists, config.entities)


def rules_hit(result: Classification) -> set[str]:
    return {m.rule for m in result.matches}


def test_fold_strips_case_accents_and_spacing() -> None:
    assert fold("  Ïnformatie\n CAFÉ  geïnteresseerd ") == "informatie cafe geinteresseerd"


def test_case_and_diacritics_are_folded() -> None:
    result = Classifier(FR).classify("GEZICHTSHERKENNING bij de politie", "Biometrië en bïometrie")
    assert rules_hit(result) == {"gezichtsherkenning", "biometrie"}
    assert next(m for m in result.matches if m.rule == "biometrie").count == 2


@pytest.mark.parametrize(
    "word", ["gezichtsherkenningssoftware", "gezichtsherkenningstechnologie", "politiegezichtsherkenning",
             "gezichtsherkenningscamera's", "live-gezichtsherkenning", "gezichtsherkenningen"],
)
def test_trap_compounds_and_inflections_of_a_watch_term_match(word: str) -> None:
    result = Classifier(FR).classify(None, f"De gemeente wil {word} inzetten.")
    assert rules_hit(result) == {"gezichtsherkenning"}
    span = result.matches[0].spans[0]
    assert f"De gemeente wil {word} inzetten."[span.start : span.end].lower() in word.lower()


@pytest.mark.parametrize("word", ["biometrische", "biometrisch", "biometrie", "gedragsbiometrie"])
def test_trap_inflections_biometrische_and_biometrie_are_one_word_family(word: str) -> None:
    assert rules_hit(Classifier(FR).classify(None, f"Over {word} gegevens")) == {"biometrie"}


@pytest.mark.parametrize("text", ["De graanprijzen stijgen", "Spaanse prijzen dalen", "biometriek", "Clearview Airlines"])
def test_trap_no_hits_inside_other_words(text: str) -> None:
    assert Classifier(FR).classify(None, text).matches == ()


def test_trap_anpr_matches_only_as_its_own_word() -> None:
    result = Classifier(FR).classify("ANPR-camera's langs de A2", "De graanprijzen stijgen")
    assert rules_hit(result) == {"ANPR"}
    assert result.matches[0].count == 1


def test_trap_face_covering_clothing_is_not_about_recognition(builtin: Classifier) -> None:
    text = (
        "Sinds 2019 geldt het verbod op gezichtsbedekkende kleding in het openbaar vervoer, onderwijs en zorg. "
        "Handhaving blijkt lastig: conducteurs mogen reizigers met een boerka of bivakmuts de toegang weigeren, "
        "maar de politie komt zelden. Gezichtsbedekking blijft volgens de evaluatie een randverschijnsel."
    )
    result = builtin.classify("Boerkaverbod wordt nauwelijks gehandhaafd", text)
    assert result.label == "unrelated"
    assert not any(m.watchlist == "gezichtsherkenning" and m.score > 0 for m in result.matches)


def test_trap_ap_as_news_agency_is_not_the_regulator(builtin: Classifier) -> None:
    text = "Bij een aardbeving in Japan zijn volgens persbureau AP zeker twaalf doden gevallen, meldt AP."
    result = builtin.classify("Aardbeving treft Japan", text)
    assert "autoriteit-persoonsgegevens" not in {e.entity for e in result.entities}
    assert result.label == "unrelated"


def test_ambiguous_alias_is_claimed_from_context(builtin: Classifier) -> None:
    text = "De AP onderzoekt of de supermarkt persoonsgegevens onrechtmatig verwerkte en overweegt een boete."
    result = builtin.classify("Privacytoezichthouder kijkt naar camera's in winkels", text)
    assert "autoriteit-persoonsgegevens" in {e.entity for e in result.entities}


def test_ap_is_claimed_when_the_full_name_occurs_elsewhere(builtin: Classifier) -> None:
    result = builtin.classify("AP tikt bedrijf op de vingers", "Dat meldt de Autoriteit Persoonsgegevens woensdag.")
    mention = next(e for e in result.entities if e.entity == "autoriteit-persoonsgegevens")
    assert mention.count == 2


def test_short_capital_aliases_are_case_sensitive(builtin: Classifier) -> None:
    result = builtin.classify(None, "Ik denk dat de catch van de dag een grote snoek was.")
    assert {e.entity for e in result.entities} & {"catch", "denk"} == set()
    result = builtin.classify(None, "De politie vergelijkt foto's in CATCH; de fractie van DENK stelt vragen.")
    assert {"catch", "denk"} <= {e.entity for e in result.entities}


def test_phrases_match_across_line_breaks_and_count_occurrences() -> None:
    result = Classifier(FR).classify("Het bedrijf Clearview\nAI kreeg een boete.", "Clearview AI gaat in beroep.")
    match = next(m for m in result.matches if m.rule == "Clearview AI")
    assert match.count == 2
    assert [s.field for s in match.spans] == ["title", "text"]


def test_positions_and_snippet_point_at_the_match() -> None:
    text = "Lange inleiding. " * 20 + "Hier gebruikt de politie gezichtsherkenning bij demonstraties. " + "Slot. " * 20
    result = Classifier(FR).classify("Titel", text)
    match = result.matches[0]
    span = match.spans[0]
    assert span.field == "text" and text[span.start : span.end] == "gezichtsherkenning"
    assert "politie [[gezichtsherkenning]] bij" in match.snippet
    assert match.snippet.startswith("…") and match.snippet.endswith("…")


def test_snippet_marks_stay_unique_when_the_text_has_brackets() -> None:
    result = Classifier(FR).classify(None, "[[x]] gezichtsherkenning ]]")
    assert result.matches[0].snippet.count("[[") == 1 and result.matches[0].snippet.count("]]") == 1


def test_scores_thresholds_labels_and_tags() -> None:
    lists = watchlists([
        {"name": "kern", "role": "core", "threshold": 3,
         "terms": [{"term": "gezichtsherkenning", "weight": 2}, {"term": "Face ID", "weight": -5}]},
        {"name": "privacy", "role": "adjacent", "threshold": 1, "terms": ["privacy"]},
        {"name": "police", "role": "tag", "threshold": 1, "terms": ["politie"]},
    ])
    c = Classifier(lists)
    once = c.classify(None, "De politie test gezichtsherkenning.")
    assert (once.label, once.tags) == ("unrelated", ())  # 2 < 3; a tag alone makes nothing relevant
    twice = c.classify(None, "De politie test gezichtsherkenning. Gezichtsherkenning is omstreden.")
    assert (twice.label, twice.relevance, twice.tags) == ("core", 1.0, ("police",))  # 2 + 1 for the second hit
    in_title = c.classify("Gezichtsherkenning bij de politie", "")
    assert in_title.label == "core" and in_title.relevance == pytest.approx(4 / 3, abs=0.001)  # title counts double
    negative = c.classify("Gezichtsherkenning en Face ID", "Gezichtsherkenning op de nieuwe iPhone.")
    assert negative.label == "unrelated"
    assert c.classify(None, "Over privacy en de politie").label == "adjacent"
    assert c.classify(None, "Over privacy en de politie").reached == frozenset({"privacy", "police"})


def test_queries_and_or_not_near_prefix() -> None:
    lists = watchlists([{"name": "q", "queries": [
        "camera* NEAR/3 herken*", "clearview AND boete", "pimeyes -review", '"biometrische camera" OR irisscan',
    ]}])
    c = Classifier(lists)
    assert rules_hit(c.classify(None, "Camerabeelden worden automatisch herkend")) == {"camera* NEAR/3 herken*"}
    assert rules_hit(c.classify(None, "Camera's op het plein. " + "Woord " * 10 + "herkenning")) == set()
    assert rules_hit(c.classify(None, "Clearview kreeg een boete")) == {"clearview AND boete"}
    assert rules_hit(c.classify(None, "Clearview zonder straf")) == set()
    assert rules_hit(c.classify(None, "PimEyes gebruikt")) == {"pimeyes -review"}
    assert rules_hit(c.classify(None, "Een review van PimEyes")) == set()
    assert rules_hit(c.classify(None, "Biometrische camera's")) == {'"biometrische camera" OR irisscan'}
    assert rules_hit(c.classify(None, "Biometrische cameratoezicht")) == set()  # quotes: no compounds


def test_near_does_not_reach_from_title_into_text() -> None:
    c = Classifier(watchlists([{"name": "q", "queries": ["politie NEAR/2 camera"]}]))
    assert c.classify("De politie", "camera").matches == ()
    assert rules_hit(c.classify(None, "politie en camera")) == {"politie NEAR/2 camera"}


def test_entity_queries_use_the_gazetteer() -> None:
    entities = (Entity("clearview-ai", "organisation", "Clearview AI", ("Clearview AI", "Clearview")),)
    c = Classifier(watchlists([{"name": "q", "queries": ["@clearview-ai"]}]), entities)
    assert c.classify(None, "Het bedrijf Clearview kreeg een boete.").label == "core"
    assert c.classify(None, "Clearwater kreeg een boete.").label == "unrelated"


def test_pattern_entities_money_case_numbers_dates(builtin: Classifier) -> None:
    text = ("De AP legde op 12 maart 2025 een boete op van € 30.500.000 en een dwangsom van maximaal 5,1 miljoen euro. "
            "Zie Kamervragen 2024Z16676 en document 2024D12345.")
    found = {e.entity for e in builtin.classify(None, text).entities}
    assert {"money:30500000", "money:5100000", "case:2024Z16676", "document:2024D12345", "date:2025-03-12"} <= found


def test_empty_and_missing_texts_are_unrelated(builtin: Classifier) -> None:
    assert builtin.classify(None, None).label == "unrelated"
    assert builtin.classify("", "").matches == ()
