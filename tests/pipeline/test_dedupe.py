"""Near-duplicate signatures and the quality of grouping on the labelled set (tests/fixtures/dedupe/)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest

from pipeline import dedupe
from pipeline.dedupe_evaluation import LabelledCopy, load_labelled, score_grouping

LABELLED = Path(__file__).parents[1] / "fixtures" / "dedupe" / "labelled.json"
COPIES = load_labelled(LABELLED)


def test_signatures_are_stable_across_processes_and_restarts() -> None:
    """Fixed seed, scheme and hash: the stored signatures of today compare with those of tomorrow's process."""
    text = COPIES[0].text
    a, b = dedupe.signature(text), dedupe.signature(text)
    assert a is not None and a == b and len(a.values) == 4 * dedupe.NUM_PERM
    assert len(set(a.band_keys())) == dedupe.BANDS and all(0 <= k < 2**63 for k in a.band_keys())
    # Pinned: a change here silently splits every stored story from its future copies.
    assert a.values[:8].hex() == "7fdda503f2db2302"


def test_case_accents_and_punctuation_do_not_matter() -> None:
    text = COPIES[0].text
    shouted = text.upper().replace(".", " !").replace("e", "é")
    assert dedupe.signature(text).similarity(dedupe.signature(shouted)) == 1.0  # type: ignore[union-attr]


def test_too_short_texts_are_not_signed() -> None:
    assert dedupe.signature("Korte tekst van een paar woorden.") is None
    assert dedupe.similarity(b"", b"") == 0.0


def test_every_copy_pair_is_above_the_threshold_and_every_other_pair_below() -> None:
    signatures = {c.key: dedupe.signature(c.text) for c in COPIES}
    same, different = [], []
    for a, b in combinations(COPIES, 2):
        score = signatures[a.key].similarity(signatures[b.key])  # type: ignore[union-attr]
        (same if a.story == b.story else different).append((score, a.key, b.key))
    assert min(same)[0] >= dedupe.THRESHOLD, min(same)
    assert max(different)[0] < dedupe.THRESHOLD - 0.1, max(different)


def test_grouping_quality_floor() -> None:
    """Greedy placement in publication order, as the store does, scores perfectly on the labelled set."""
    placed: dict[str, str] = {}
    signatures: dict[str, dedupe.Signature] = {}
    for copy in COPIES:
        sig = dedupe.signature(copy.text)
        assert sig is not None
        best = max(((sig.similarity(signatures[k]), k) for k in signatures), default=(0.0, ""))
        placed[copy.key] = placed[best[1]] if best[0] >= dedupe.THRESHOLD else copy.key
        signatures[copy.key] = sig
    score = score_grouping(COPIES, placed)
    assert (score.precision, score.recall, score.clusters) == (1.0, 1.0, score.stories)


def test_the_labelled_set_is_what_it_says(tmp_path: Path) -> None:
    stories = {c.story for c in COPIES}
    assert len(COPIES) == 42 and len(stories) == 21
    assert sum(1 for s in stories if sum(c.story == s for c in COPIES) > 1) == 10
    bad = json.loads(LABELLED.read_text(encoding="utf-8"))
    bad["stories"][0]["copies"][0]["replace"] = [["niet in de tekst", "x"]]
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="not in the text"):
        load_labelled(tmp_path / "bad.json")


def test_pairwise_scores() -> None:
    copies = [LabelledCopy(k, k[0], k, "", "", COPIES[0].published) for k in ("a1", "a2", "a3", "b1")]
    score = score_grouping(copies, {"a1": 1, "a2": 1, "a3": 2, "b1": 2})
    assert (score.true_pairs, score.predicted_pairs, score.correct_pairs) == (3, 2, 1)
    assert (score.precision, score.recall) == (0.5, 1 / 3)
