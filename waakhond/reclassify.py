"""Re-runs the current watchlists and gazetteer over the archive, so a rule change applies to what is stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from alerts.routing import Router
from pipeline.classify import Classifier
from storage.reclassify import documents_to_classify, save_classifications, settle_alerts
from waakhond.config import Config

BATCH = 200


@dataclass
class ReclassifyReport:
    examined: int = 0
    changed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (old label, new label) -> documents
    skipped: int = 0
    alerts_queued: int = 0
    alerts_cancelled: int = 0  # unsent alerts to chats that no longer want the document

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

    Unsent alerts to chats that no longer want a document are cancelled. No alerts are queued unless
    ``alert``: then chats that want a document now, and were never alerted about it, are. Alerts are
    settled after every document is classified, so a Kamervraag is judged with all of its case's new labels.
    """
    classifier = Classifier(config.watchlists, config.entities)
    subscriptions = config.subscriptions
    report = ReclassifyReport()
    touched: list[int] = []
    after = 0
    while batch := documents_to_classify(engine, since, after, BATCH):
        verdicts = [(d, classifier.classify(d.title, d.text, {"case": d.case_subject})) for d in batch]
        for (stored, _), outcome in zip(verdicts, save_classifications(engine, verdicts), strict=True):
            if outcome.skipped:
                report.skipped += 1
                continue
            report.changed[(outcome.old_label, outcome.new_label)] += 1
            touched.append(stored.id)
        report.examined += len(batch)
        after = batch[-1].id
        if progress is not None:
            progress(len(batch))
    report.alerts_queued, report.alerts_cancelled = settle_alerts(
        engine, touched, Router(engine, subscriptions), queue=alert
    )
    return report
