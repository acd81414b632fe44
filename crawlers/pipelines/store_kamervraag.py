"""Item pipeline: stores a Tweede Kamer document record into its case, with alerts and the sync cursor (storage.kamervragen)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from crawlers.exceptions import AlreadyStored
from crawlers.items import KamervraagItem
from crawlers.pipelines.store import SourceStorePipeline
from crawlers.tweede_kamer_api import ADDRESSEE, CO_SUBMITTER, SUBMITTER, TkDocument, permalink
from pipeline.case_clock import ANSWER, POSTPONEMENT, QUESTION
from storage import kamervragen, repository

# The kind of archived document for each role a document plays in its case.
DOCUMENT_KINDS = {QUESTION: "kamervraag", POSTPONEMENT: "kamervraag-uitstel", ANSWER: "kamervraag-antwoord"}


class StoreKamervraagPipeline(SourceStorePipeline):
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, KamervraagItem):
            return item
        assert self.source_id is not None
        now = datetime.now(UTC)
        result = kamervragen.store_kamervraag(
            self.engine,
            self.source_id,
            self.source.name,
            kamervraag_record(item),
            self.route,
            cursor=item.record.modified if item.advance_cursor else None,
            alert_after=None if item.backfill else now - kamervragen.ALERT_HORIZON,
            now=now,
        )
        self.stats.inc_value("waakhond/alerts_queued", result.alerts_queued)
        if result.action == "stored":
            self.stats.inc_value("waakhond/stored")
            if result.relevant:
                self.stats.inc_value("waakhond/relevant")
        elif result.action == "updated":
            self.stats.inc_value("waakhond/updated")
        elif result.action == "deleted":
            self.stats.inc_value("waakhond/deleted")
        else:
            raise AlreadyStored(f"Tweede Kamer document {item.record.number or item.record.id} is stored already, unchanged")
        return item

    def close_spider(self) -> None:
        if self.source.kind != "kamervragen":
            return
        # Deadlines pass without any new record arriving: every crawl of the source checks the clocks.
        now = datetime.now(UTC)
        overdue = kamervragen.check_overdue(self.engine, self.route, now, alert_after=now - kamervragen.ALERT_HORIZON)
        self.stats.inc_value("waakhond/overdue", len(overdue))


def kamervraag_record(item: KamervraagItem) -> kamervragen.KamervraagRecord:
    """The storage record for a crawled Tweede Kamer document: its case, people, archived text and pairs."""
    record = item.record
    if record.deleted or record.case is None or record.role is None:
        return kamervragen.KamervraagRecord(tk_id=record.id, api_modified=record.modified, deleted=True)
    case = record.case
    actors = tuple(
        kamervragen.Actor(a.relation or "", a.name, a.party, a.function)
        for a in case.actors
        if a.relation in (SUBMITTER, CO_SUBMITTER, ADDRESSEE)
    )
    publication = item.publication
    submitters = ", ".join(a.label for a in actors if a.relation in (SUBMITTER, CO_SUBMITTER)) or None
    answerer = None
    if record.role == ANSWER:
        answerer = (publication.answerer if publication else None) or _signer(record)
    text, title = item.text(), item.title()
    if publication is not None:
        origin, raw, fetched_url = "publication", item.publication_body or b"", item.publication_url or item.api_url
        content_type = "application/xml" if fetched_url.endswith(".xml") else "text/html"
    else:
        origin, raw, fetched_url, content_type = "metadata", record.raw, item.api_url, "application/json"
    document = repository.NewDocument(
        source_name=item.source,
        kind=DOCUMENT_KINDS[record.role],
        url=permalink(case.number, record.number),
        fetched_url=fetched_url,
        title=title,
        text=text,
        text_origin=origin,
        fetched_at=item.fetched_at,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        raw=raw,
        published_at=record.date,
        author=answerer if record.role == ANSWER else submitters,
        language="nl",
        http_status=200,
        content_type=content_type,
    )
    return kamervragen.KamervraagRecord(
        tk_id=record.id,
        api_modified=record.modified,
        role=record.role,
        soort=record.kind,
        number=record.number,
        dated_at=record.date,
        publication_id=publication.identifier if publication else record.external_id,
        text_source=origin,
        answerer=answerer,
        case=kamervragen.CaseRecord(
            zaak_id=case.id,
            number=case.number,
            subject=case.subject,
            vergaderjaar=case.vergaderjaar,
            submitted_at=case.started or (record.date if record.role == QUESTION else None),
            deleted=case.deleted,
            actors=actors,
        ),
        document=document,
        pairs=tuple((p.number, p.question, p.answer) for p in publication.pairs) if publication else (),
        classification=item.classification,
    )


def _signer(record: TkDocument) -> str | None:
    """Who signed the document, as the API lists its first signer: "minister van … J. de Vries"."""
    actor = next(iter(record.signers), None)
    if actor is None:
        return None
    return f"{actor.function} {actor.name}" if actor.function else actor.name
