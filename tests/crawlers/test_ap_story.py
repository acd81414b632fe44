"""An AP fine is one story: the decision PDF joins its press release, so each chat gets one alert for it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.engine import open_database
from storage.models import Document, OutboxEntry
from tests.crawlers.test_ap import (  # noqa: F401  (ap_site is a fixture)
    DECISION_HREF,
    DECISION_PATH,
    FINED,
    ApSite,
    ap_site,
    crawl,
    decision_pdf,
    release_url,
    write_config,
)
from tests.harness.commands import run_waakhond


def test_the_decision_joins_its_release_and_the_fine_is_alerted_once(
    tmp_path: Path, ap_site: ApSite, waakhond_env: dict[str, str], database_url: str
) -> None:
    ap_site.set(DECISION_PATH, decision_pdf(), content_type="application/pdf")
    config = write_config(tmp_path, ap_site)
    first = crawl(config, waakhond_env)
    # Releases 1, 2 and 4 are relevant, and so is the decision; the decision's alert is its release's.
    assert "5 stored, 0 updated, 4 relevant, 3 alerts queued" in first.stdout, first.stdout

    release, decision = release_url(ap_site, FINED), ap_site.url(DECISION_HREF)
    engine = open_database(database_url)
    try:
        with Session(engine) as session:
            ids = dict(session.execute(select(Document.url, Document.id)).all())
            alerted = [ids_url for ids_url, in session.execute(
                select(Document.url).join(OutboxEntry, OutboxEntry.document_id == Document.id))]
    finally:
        engine.dispose()
    assert release in alerted and decision not in alerted and len(alerted) == 3

    env = {**waakhond_env, "WAAKHOND_CONFIG": str(config)}
    story = json.loads(run_waakhond(["story", "--json", decision], env).stdout)
    assert [(d["url"], d["head"], d["reason"]) for d in story["documents"]] == [
        (release, True, "first"), (decision, False, "linked")
    ]
    (link,) = story["links"]
    assert (link["reason"], link["confidence"], link["document"]["id"], link["target"]["id"]) == (
        "linked-from", 1.0, ids[decision], ids[release]
    )
