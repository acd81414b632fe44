"""Re-runs the current watchlists and gazetteer over the archive, so a rule change applies to what is stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from alerts.routing import recipients
from pipeline.classify import Classifier
from storage.reclassify import documents_to_classify, save_classifications
from waakhond.config import Config

BATCH = 200


@dataclass
class ReclassifyReport:
    examined: int = 0
    changed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (old label, new label) -> documents
    skipped: int = 0
    alerts_queued: int = 0

    @property
    def relabelled(self) -> int:
        return sum(n for (old, new), n in self.changed.items() if old != new)


def reclassify(
    engine: Engine,
    config: Config,
    since: datetime | None = None,
    alert: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ReclassifyReport:
    """Classify every stored document (first stored at or after ``since``) again with ``config``'s rules.

    No alerts are queued unless ``alert``: then chats that want a document now, and were never alerted
    about it, are.
    """
    classifier = Classifier(config.watchlists, config.entities)
    subscriptions = config.subscriptions
    route = (lambda reached, label: recipients(subscriptions, reached, label)) if alert else None
    report = ReclassifyReport()
    after = 0
    while batch := documents_to_classify(engine, since, after, BATCH):
        verdicts = [(d, classifier.classify(d.title, d.text, {"case": d.case_subject})) for d in batch]
        for outcome in save_classifications(engine, verdicts, route):
            if outcome.skipped:
                report.skipped += 1
                continue
            report.changed[(outcome.old_label, outcome.new_label)] += 1
            report.alerts_queued += outcome.alerts_queued
        report.examined += len(batch)
        after = batch[-1].id
        if progress is not None:
            progress(len(batch))
    return report
