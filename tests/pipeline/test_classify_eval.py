"""The quality gate: the built-in watchlists on the labelled set may not drop below the floors in tests/eval/baseline.json."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.classify import Classifier
from pipeline.evaluation import Report, evaluate, load_cases
from waakhond.config import load_config

EVAL = Path(__file__).resolve().parent.parent / "eval"
BASELINE = json.loads((EVAL / "baseline.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report() -> Report:
    config = load_config(None)
    return evaluate(Classifier(config.watchlists, config.entities), load_cases(sorted(EVAL.glob("cases_*.json"))))


def test_the_labelled_set_is_large_and_covers_every_label_and_trap() -> None:
    cases = load_cases(sorted(EVAL.glob("cases_*.json")))
    assert len(cases) >= 300
    assert len({c.id for c in cases}) == len(cases)
    counts = Counter(c.label for c in cases)
    assert min(counts[label] for label in ("core", "adjacent", "unrelated")) >= 80
    traps = Counter(c.trap for c in cases if c.trap)
    assert sum(traps.values()) >= 100


@pytest.mark.parametrize("label", ["core", "adjacent", "unrelated"])
def test_precision_and_recall_per_label_stay_above_their_floors(report: Report, label: str) -> None:
    floor = BASELINE["labels"][label]
    score = report.labels[label]
    wrong = [f"{c.id} expected {c.label}, given {g}: {c.title}" for c, g in report.wrong if label in (c.label, g)]
    assert score.precision >= floor["precision"], wrong
    assert score.recall >= floor["recall"], wrong


def test_core_precision_and_recall_are_at_least_095(report: Report) -> None:
    assert report.labels["core"].precision >= 0.95 and report.labels["core"].recall >= 0.95
    assert BASELINE["labels"]["core"]["precision"] >= 0.95 and BASELINE["labels"]["core"]["recall"] >= 0.95


def test_tags_stay_above_their_floors(report: Report) -> None:
    for tag, floor in BASELINE["tags"].items():
        assert report.tags[tag].f1 >= floor["f1"], (tag, report.tags[tag])
