"""Groups and links an archive stored before stories existed (or signed with an older method), without alerts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from pipeline.dedupe import signature
from storage import links, stories

BATCH = 200
# The kinds crawled from outlets and the AP; Kamervragen documents belong to their case, not to a story.
STORY_KINDS = ("news", "ap-release", "ap-decision")


@dataclass
class RelateReport:
    documents: int = 0
    joined: int = 0  # documents that joined another document's story
    cases: int = 0


def relate(engine: Engine, since: datetime | None = None, progress: Callable[[int], None] | None = None) -> RelateReport:
    """Sign and place every document that needs it, oldest first (so heads are first publications), then link cases."""
    report = RelateReport()
    after = None
    while batch := stories.documents_to_relate(engine, since, after, BATCH, STORY_KINDS):
        report.joined += stories.relate_batch(engine, [(d, signature(d.text)) for d in batch])
        report.documents += len(batch)
        after = batch[-1].order
        if progress is not None:
            progress(len(batch))
    report.cases = links.link_all_cases(engine, since)
    return report
