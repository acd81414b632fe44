"""Measures classification against a labelled set: precision, recall and F1 per label and per tag, and the misses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.classify import Classifier
from pipeline.rules import LABELS


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    text: str
    label: str
    tags: tuple[str, ...] = ()
    trap: str | None = None


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    support: int  # cases that carry it


@dataclass
class Report:
    cases: int = 0
    labels: dict[str, Score] = field(default_factory=dict)
    tags: dict[str, Score] = field(default_factory=dict)
    wrong: list[tuple[Case, str]] = field(default_factory=list)  # (case, label given)

    @property
    def accuracy(self) -> float:
        return 1 - len(self.wrong) / self.cases if self.cases else 0.0


def load_cases(paths: Iterable[Path]) -> list[Case]:
    """Cases from JSON files of objects with id, title, text, label and optionally tags and trap."""
    cases = []
    for path in paths:
        for raw in json.loads(path.read_text(encoding="utf-8")):
            if raw["label"] not in LABELS:
                raise ValueError(f"{path}: case {raw['id']}: label {raw['label']!r} is not one of {LABELS}")
            cases.append(Case(raw["id"], raw["title"], raw["text"], raw["label"], tuple(raw.get("tags", ())), raw.get("trap")))
    return cases


def _score(true_positive: int, predicted: int, actual: int) -> Score:
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(round(precision, 4), round(recall, 4), round(f1, 4), actual)


def evaluate(classifier: Classifier, cases: list[Case]) -> Report:
    report = Report(cases=len(cases))
    given: list[tuple[Case, str, tuple[str, ...]]] = []
    for case in cases:
        result = classifier.classify(case.title, case.text)
        given.append((case, result.label, result.tags))
        if result.label != case.label:
            report.wrong.append((case, result.label))
    for label in LABELS:
        tp = sum(1 for c, g, _ in given if c.label == label and g == label)
        report.labels[label] = _score(tp, sum(1 for _, g, _ in given if g == label), sum(1 for c, _, _ in given if c.label == label))
    tag_names = sorted({t for c in cases for t in c.tags} | {t for _, _, tags in given for t in tags})
    for tag in tag_names:
        tp = sum(1 for c, _, tags in given if tag in c.tags and tag in tags)
        predicted = sum(1 for _, _, tags in given if tag in tags)
        report.tags[tag] = _score(tp, predicted, sum(1 for c, _, _ in given if tag in c.tags))
    return report


def as_json(report: Report) -> dict[str, Any]:
    return {
        "cases": report.cases,
        "accuracy": round(report.accuracy, 4),
        "labels": {k: vars(v) for k, v in report.labels.items()},
        "tags": {k: vars(v) for k, v in report.tags.items()},
        "wrong": [{"id": c.id, "expected": c.label, "given": g, "title": c.title} for c, g in report.wrong],
    }
