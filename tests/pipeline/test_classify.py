"""First classification step: case- and accent-insensitive whole-word and phrase matching."""

from __future__ import annotations

from pipeline.classify import Classifier, TermMatch
from pipeline.folding import fold

WATCH = [("gezichtsherkenning", ["gezichtsherkenning", "Clearview AI", "biometrie", "AP"]), ("ai", ["AI-verordening"])]


def test_fold_strips_case_accents_and_spacing() -> None:
    assert fold("  Ïnformatie\n CAFÉ  geïnteresseerd ") == "informatie cafe geinteresseerd"


def test_case_and_accent_insensitive() -> None:
    matches = Classifier(WATCH).classify("GEZICHTSHERKENNING bij de politie", "Biometrië en biometrie")
    assert TermMatch("gezichtsherkenning", "gezichtsherkenning", 1) in matches
    assert TermMatch("gezichtsherkenning", "biometrie", 2) in matches


def test_phrases_match_across_line_breaks_and_count_occurrences() -> None:
    matches = Classifier(WATCH).classify("Het bedrijf Clearview\nAI kreeg een boete. Clearview AI gaat in beroep.")
    assert matches == [TermMatch("gezichtsherkenning", "Clearview AI", 2)]


def test_no_hits_inside_other_words() -> None:
    assert Classifier(WATCH).classify("De graanprijzen stijgen; APK-keuring; biometriek; Clearview Airlines") == []


def test_hyphenated_terms_and_several_watchlists() -> None:
    matches = Classifier(WATCH).classify("De AI-verordening en de AP", None)
    assert {m.watchlist for m in matches} == {"ai", "gezichtsherkenning"}


def test_empty_terms_are_ignored() -> None:
    assert Classifier([("x", ["   ", ""])]).classify("alles") == []
