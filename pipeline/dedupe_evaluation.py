"""Scores near-duplicate grouping against a labelled set: pairwise precision and recall of same-story pairs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path


@dataclass(frozen=True)
class LabelledCopy:
    """One outlet's copy of a labelled story, its text made from the story's paragraphs and the outlet's edits."""

    key: str  # "<story>/<outlet>"
    story: str
    outlet: str
    title: str
    text: str
    published: datetime


@dataclass(frozen=True)
class GroupingScore:
    precision: float  # of the pairs put together, the share that are one story
    recall: float  # of the pairs that are one story, the share put together
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    clusters: int
    stories: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_labelled(path: Path) -> list[LabelledCopy]:
    """Every copy of every story in a labelled set (tests/fixtures/dedupe/labelled.json), oldest first.

    A copy's edits, applied in this order: ``drop`` (paragraph indexes), ``only`` (keep the first n),
    ``replace`` ([old, new] pairs; each must occur), ``intro`` (joined to the first paragraph) and
    ``outro`` (paragraphs appended).
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    copies = []
    for story in data["stories"]:
        for copy in story["copies"]:
            paragraphs = [p for i, p in enumerate(story["paragraphs"]) if i not in set(copy.get("drop", ()))]
            if "only" in copy:
                paragraphs = paragraphs[: copy["only"]]
            text = "\n".join(paragraphs)
            for old, new in copy.get("replace", ()):
                if old not in text:
                    raise ValueError(f"{story['id']}/{copy['outlet']}: {old!r} is not in the text")
                text = text.replace(old, new)
            if "intro" in copy:
                text = f"{copy['intro']} {text}"
            text = "\n".join([text, *copy.get("outro", ())])
            copies.append(
                LabelledCopy(
                    key=f"{story['id']}/{copy['outlet']}", story=story["id"], outlet=copy["outlet"], title=copy["title"],
                    text=text, published=datetime.fromisoformat(copy["published"]),
                )
            )
    return sorted(copies, key=lambda c: (c.published, c.key))


def _pairs(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for group in groups for pair in combinations(sorted(group), 2)}


def score_grouping(copies: Iterable[LabelledCopy], cluster_of: Mapping[str, object]) -> GroupingScore:
    """Pairwise precision and recall of ``cluster_of`` (copy key -> cluster id) against the stories' labels."""
    copies = list(copies)
    by_story: dict[str, list[str]] = {}
    by_cluster: dict[object, list[str]] = {}
    for copy in copies:
        by_story.setdefault(copy.story, []).append(copy.key)
        by_cluster.setdefault(cluster_of[copy.key], []).append(copy.key)
    true, predicted = _pairs(by_story.values()), _pairs(by_cluster.values())
    correct = true & predicted
    return GroupingScore(
        precision=len(correct) / len(predicted) if predicted else 1.0,
        recall=len(correct) / len(true) if true else 1.0,
        true_pairs=len(true), predicted_pairs=len(predicted), correct_pairs=len(correct),
        clusters=len(by_cluster), stories=len(by_story),
    )
