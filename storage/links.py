"""The one place for link queries: making a document's links to Kamervragen cases and other documents, reading them.

Links are made when either side is stored, so the order of arrival does not matter: storing a news
item or AP document (``link_document``) looks for the cases and documents it refers to; storing a
Kamervragen case document (``link_case``) looks for the documents that refer to the case. Both run in
the storing transaction. Re-linking a document replaces the links it makes; an upsert keeps one row per
pair, with the strongest reason found, so two processes linking the same pair at once do not collide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline import links as rules
from pipeline.links import Verdict
from storage.fulltext import keys
from storage.models import (
    CaseLink,
    Document,
    DocumentLink,
    EntityMention,
    KamervraagActor,
    KamervraagCase,
    KamervraagDocument,
    Sanction,
    Source,
    utcnow,
)
from storage.stories import document_time

# Documents that are themselves part of a case: they belong to it, they do not link to it.
KAMERVRAAG_KINDS = ("kamervraag", "kamervraag-uitstel", "kamervraag-antwoord")
AP_KINDS = ("ap-release", "ap-decision")
SUBMITTER_RELATIONS = ("Indiener", "Medeindiener")


@dataclass(frozen=True)
class LinkView:
    """One link as shown: from a document to a case or to another document."""

    reason: str
    confidence: float
    evidence: str
    document_id: int  # the document that refers
    document_title: str
    document_url: str
    document_source: str
    document_kind: str
    document_at: datetime
    case_number: str | None = None  # the case referred to
    case_subject: str | None = None
    target_id: int | None = None  # or the document referred to
    target_title: str | None = None
    target_url: str | None = None


def link_document(session: Session, document_id: int, new: bool = False) -> int:
    """(Re)make the links of a stored news item or AP document; the number of links it now has.

    ``new``: the document was added in this transaction, so it has no links to replace yet.
    """
    doc = session.get(Document, document_id)
    if doc is None or doc.kind in KAMERVRAAG_KINDS:
        return 0
    if not new:
        session.execute(delete(CaseLink).where(CaseLink.document_id == document_id))
        session.execute(
            delete(DocumentLink).where(
                or_(DocumentLink.document_id == document_id,
                    (DocumentLink.target_id == document_id) & (DocumentLink.reason == rules.COVERS_SANCTION))
            )
        )
    mentions = _mentions(session, [document_id]).get(document_id, [])
    at = document_time(doc.published_at, doc.fetched_at)
    made = 0
    for case_id, verdict in _cases_cited(session, [e for e, _, _ in mentions]):
        made += _upsert_case_link(session, document_id, case_id, verdict)
    text = f"{doc.title}\n{doc.text}"
    persons = [name for _, kind, name in mentions if kind == "person"]
    for case in _cases_near(session, at):
        assert case.id is not None
        verdict = rules.member_and_subject(
            text, case.subject, _submitters(session, case.id), persons, _days(at, case.submitted_at or case.created_at)
        )
        if verdict is not None:
            made += _upsert_case_link(session, document_id, case.id, verdict)
    made += _link_pages(session, doc)
    made += _link_sanctions(session, doc, mentions, at)
    return made


def link_case(session: Session, case_id: int) -> int:
    """Link the stored documents that refer to this case (by number, or by a submitter and the subject)."""
    case = session.get(KamervraagCase, case_id)
    if case is None:
        return 0
    numbers = {f"case:{case.number}"} | {
        f"document:{n}" for n in session.execute(
            select(KamervraagDocument.number).where(KamervraagDocument.case_id == case_id, KamervraagDocument.number.is_not(None))
        ).scalars()
    }
    made = 0
    citing = session.execute(
        select(EntityMention.document_id, EntityMention.entity)
        .join(Document, Document.id == EntityMention.document_id)
        .where(EntityMention.entity.in_(numbers), Document.kind.not_in(KAMERVRAAG_KINDS))
    ).all()
    for document_id, entity in citing:
        reason = rules.CASE_NUMBER if entity.startswith("case:") else rules.DOCUMENT_NUMBER
        made += _upsert_case_link(session, document_id, case_id, Verdict(reason, rules.CONFIDENCE[reason], f"cites {entity.partition(':')[2]}"))
    submitters = _submitters(session, case_id)
    moment = case.submitted_at or case.created_at
    for document_id in _documents_naming(session, [rules.surname(name) for name, _ in submitters], moment):
        doc = session.get(Document, document_id)
        assert doc is not None
        persons = [name for _, kind, name in _mentions(session, [document_id]).get(document_id, []) if kind == "person"]
        verdict = rules.member_and_subject(
            f"{doc.title}\n{doc.text}", case.subject, submitters, persons,
            _days(document_time(doc.published_at, doc.fetched_at), moment),
        )
        if verdict is not None:
            made += _upsert_case_link(session, document_id, case_id, verdict)
    return made


def _cases_cited(session: Session, entities: Iterable[str]) -> list[tuple[int, Verdict]]:
    case_numbers, document_numbers = rules.cited_numbers(entities)
    found: dict[int, Verdict] = {}
    if document_numbers:
        for case_id, number in session.execute(
            select(KamervraagDocument.case_id, KamervraagDocument.number).where(KamervraagDocument.number.in_(document_numbers))
        ).all():
            found[case_id] = Verdict(rules.DOCUMENT_NUMBER, rules.CONFIDENCE[rules.DOCUMENT_NUMBER], f"cites {number}")
    if case_numbers:
        for case_id, number in session.execute(
            select(KamervraagCase.id, KamervraagCase.number).where(KamervraagCase.number.in_(case_numbers))
        ).all():
            found[case_id] = Verdict(rules.CASE_NUMBER, rules.CONFIDENCE[rules.CASE_NUMBER], f"cites {number}")
    return list(found.items())


def _cases_near(session: Session, at: datetime) -> list[KamervraagCase]:
    """Cases (not withdrawn) submitted within the member window of ``at``."""
    window = rules.MEMBER_WINDOW
    return list(
        session.execute(
            select(KamervraagCase).where(
                KamervraagCase.submitted_at >= at - window, KamervraagCase.submitted_at <= at + window,
                KamervraagCase.deleted_at.is_(None),
            )
        ).scalars()
    )


def _documents_naming(session: Session, surnames: Iterable[str | None], moment: datetime) -> list[int]:
    """News and AP documents within the member window whose words include one of these surnames."""
    # The stemmed search columns hold each word's family key in order, so a surname is found as its keys
    # between spaces, inflected or not.
    patterns = [f"% {' '.join(found)} %" for s in surnames if s and (found := keys(s))]
    if not patterns:
        return []
    words = literal(" ") + Document.search_title + " " + Document.search_body + " "
    return list(
        session.execute(
            select(Document.id).where(
                Document.kind.not_in(KAMERVRAAG_KINDS),
                _near(moment, rules.MEMBER_WINDOW),
                or_(*(words.like(p) for p in patterns)),
            )
        ).scalars()
    )


def _near(moment: datetime, window: timedelta):  # type: ignore[no-untyped-def]
    """Documents dated (published, else first fetched) within ``window`` of ``moment``; both columns are indexed."""
    published, fetched = Document.published_at, Document.fetched_at
    return or_(
        (published >= moment - window) & (published <= moment + window),
        published.is_(None) & (fetched >= moment - window) & (fetched <= moment + window),
    )


def _submitters(session: Session, case_id: int) -> list[tuple[str, str | None]]:
    return [
        (name, party) for name, party in session.execute(
            select(KamervraagActor.name, KamervraagActor.party)
            .where(KamervraagActor.case_id == case_id, KamervraagActor.relation.in_(SUBMITTER_RELATIONS))
            .order_by(KamervraagActor.position)
        ).all()
    ]


def _link_pages(session: Session, doc: Document) -> int:
    """An AP decision and its press release (``linked_from``), whichever of them was stored first."""
    assert doc.id is not None
    made = 0
    if doc.linked_from:
        target = session.execute(select(Document.id).where(Document.url == doc.linked_from)).scalar_one_or_none()
        if target is not None and target != doc.id:
            made += _upsert_document_link(session, doc.id, target, Verdict(rules.LINKED_FROM, 1.0, "linked from its press release"))
    for linking in session.execute(select(Document.id).where(Document.linked_from == doc.url, Document.id != doc.id)).scalars():
        made += _upsert_document_link(session, linking, doc.id, Verdict(rules.LINKED_FROM, 1.0, "linked from its press release"))
    return made


def _link_sanctions(session: Session, doc: Document, mentions: list[tuple[str, str, str]], at: datetime) -> int:
    """Coverage of an AP sanction: from a news item to the AP documents it reports on, or the reverse."""
    assert doc.id is not None
    window = rules.SANCTION_WINDOW
    made = 0
    if doc.kind in AP_KINDS:
        sanction = session.execute(select(Sanction).where(Sanction.document_id == doc.id)).scalar_one_or_none()
        amounts = [a for a in (sanction.fine_eur, sanction.penalty_max_eur) if a is not None] if sanction else []
        if not amounts or sanction is None:
            return 0
        coverage = session.execute(
            select(EntityMention.document_id)
            .join(Document, Document.id == EntityMention.document_id)
            .where(
                EntityMention.entity.in_([f"money:{a}" for a in amounts]),
                Document.kind.not_in(KAMERVRAAG_KINDS + AP_KINDS),
                _near(at, window),
            )
            .distinct()
        ).scalars().all()
        for news_id in coverage:
            news = session.get(Document, news_id)
            assert news is not None
            found = _mentions(session, [news_id]).get(news_id, [])
            verdict = _coverage(news, found, sanction, at)
            if verdict is not None:
                made += _upsert_document_link(session, news_id, doc.id, verdict)
        return made
    amounts = {int(e.partition(":")[2]) for e, kind, _ in mentions if kind == "money"}
    if not amounts:
        return 0
    rows = session.execute(
        select(Sanction, Document)
        .join(Document, Document.id == Sanction.document_id)
        .where(
            or_(Sanction.fine_eur.in_(amounts), Sanction.penalty_max_eur.in_(amounts)),
            _near(at, window),
        )
    ).all()
    for sanction, ap_doc in rows:
        assert ap_doc.id is not None
        verdict = _coverage(doc, mentions, sanction, document_time(ap_doc.published_at, ap_doc.fetched_at))
        if verdict is not None:
            made += _upsert_document_link(session, doc.id, ap_doc.id, verdict)
    return made


def _coverage(news: Document, mentions: list[tuple[str, str, str]], sanction: Sanction, ap_at: datetime) -> Verdict | None:
    amounts = {int(e.partition(":")[2]) for e, kind, _ in mentions if kind == "money"}
    return rules.covers_sanction(
        amounts, {e for e, _, _ in mentions}, f"{news.title}\n{news.text}", sanction.fine_eur, sanction.penalty_max_eur,
        sanction.organisation, _days(document_time(news.published_at, news.fetched_at), ap_at),
    )


def _mentions(session: Session, document_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """(entity, type, name) of each document's entity mentions."""
    result: dict[int, list[tuple[str, str, str]]] = {}
    for document_id, entity, kind, name in session.execute(
        select(EntityMention.document_id, EntityMention.entity, EntityMention.entity_type, EntityMention.name)
        .where(EntityMention.document_id.in_(document_ids))
    ).all():
        result.setdefault(document_id, []).append((entity, kind, name))
    return result


def _days(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 86400


def _upsert(session: Session, table: type[CaseLink] | type[DocumentLink], keys: dict[str, int], verdict: Verdict) -> int:
    """Insert a link, or strengthen the stored one for the same pair; concurrent writers of one pair do not collide."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table.__table__).values(  # type: ignore[attr-defined]
        **keys, reason=verdict.reason, confidence=verdict.confidence, evidence=verdict.evidence, created_at=utcnow()
    )
    columns = table.__table__.c  # type: ignore[attr-defined]
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={"reason": statement.excluded.reason, "confidence": statement.excluded.confidence,
                  "evidence": statement.excluded.evidence},
            where=columns.confidence < statement.excluded.confidence,
        )
    )
    return 1


def _upsert_case_link(session: Session, document_id: int, case_id: int, verdict: Verdict) -> int:
    return _upsert(session, CaseLink, {"document_id": document_id, "case_id": case_id}, verdict)


def _upsert_document_link(session: Session, document_id: int, target_id: int, verdict: Verdict) -> int:
    return _upsert(session, DocumentLink, {"document_id": document_id, "target_id": target_id}, verdict)


# --- Reading links -------------------------------------------------------------------------------


def links_of_document(engine: Engine, document_id: int) -> list[LinkView]:
    """Every link from or to a document: the cases it refers to, the documents it refers to and those referring to it.

    For a Kamervragen document: the links of its case.
    """
    with Session(engine) as session:
        case_id = session.execute(
            select(KamervraagDocument.case_id).where(KamervraagDocument.document_id == document_id)
        ).scalar_one_or_none()
        mine = CaseLink.case_id == case_id if case_id is not None else CaseLink.document_id == document_id
        case_rows = session.execute(_case_links_query().where(mine)).all()
        doc_rows = session.execute(
            _document_links_query().where(or_(DocumentLink.document_id == document_id, DocumentLink.target_id == document_id))
        ).all()
        return _views(session, case_rows, doc_rows)


def links_of_case(engine: Engine, number: str) -> list[LinkView]:
    """The documents that refer to a Kamervragen case (by its number, e.g. 2024Z16676), most confident first."""
    with Session(engine) as session:
        rows = session.execute(_case_links_query().where(KamervraagCase.number == number)).all()
        return _views(session, rows, [])


def _case_links_query():  # type: ignore[no-untyped-def]
    return (
        select(CaseLink, KamervraagCase.number, KamervraagCase.subject, Document, Source.name)
        .join(KamervraagCase, KamervraagCase.id == CaseLink.case_id)
        .join(Document, Document.id == CaseLink.document_id)
        .join(Source, Source.id == Document.source_id)
    )


def _document_links_query():  # type: ignore[no-untyped-def]
    return (
        select(DocumentLink, Document, Source.name)
        .join(Document, Document.id == DocumentLink.document_id)
        .join(Source, Source.id == Document.source_id)
    )


def _views(session: Session, case_rows: list, doc_rows: list) -> list[LinkView]:  # type: ignore[type-arg]
    views = []
    for link, number, subject, doc, source in case_rows:
        views.append(LinkView(
            link.reason, link.confidence, link.evidence, doc.id, doc.title, doc.url, source, doc.kind,
            document_time(doc.published_at, doc.fetched_at), case_number=number, case_subject=subject,
        ))
    for link, doc, source in doc_rows:
        target = session.get(Document, link.target_id)
        assert target is not None
        views.append(LinkView(
            link.reason, link.confidence, link.evidence, doc.id, doc.title, doc.url, source, doc.kind,
            document_time(doc.published_at, doc.fetched_at), target_id=target.id, target_title=target.title,
            target_url=target.url,
        ))
    return sorted(views, key=lambda v: (-v.confidence, v.document_at, v.document_id))


def link_all_cases(engine: Engine, since: datetime | None = None) -> int:
    """Link every case (submitted on or after ``since``) to the documents referring to it; the cases examined."""
    query = select(KamervraagCase.id).order_by(KamervraagCase.id)
    if since is not None:
        query = query.where(KamervraagCase.submitted_at >= since)
    with Session(engine) as session:
        ids = session.execute(query).scalars().all()
    for start in range(0, len(ids), 200):
        with Session(engine) as session, session.begin():
            for case_id in ids[start : start + 200]:
                link_case(session, case_id)
    return len(ids)
