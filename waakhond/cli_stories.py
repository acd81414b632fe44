"""The `waakhond story`, `links`, `entity` and `relate` commands: stories, cross-source links and entity timelines."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from typing import Any

import click
from sqlalchemy import Engine

from pipeline.canonical import canonical_url
from pipeline.folding import fold
from storage import links as link_store
from storage import stories, timeline
from storage.links import LinkView
from waakhond.cli import App, _iso, user_errors
from waakhond.config import AMSTERDAM

CASE_NUMBER = re.compile(r"^(?:19|20)\d{2}Z\d{5}$")
_PATTERN_ENTITY = re.compile(r"^(?:case|document|money|date):\S+$")


def _when(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")


def resolve_document(engine: Engine, ref: str) -> int:
    """A document given by its id or URL (any tracking, AMP or mobile variant of it)."""
    if ref.isdigit():
        if stories.document_kinds(engine, [int(ref)]):
            return int(ref)
        raise click.ClickException(f"no document with id {ref}")
    urls = [ref.strip(), canonical_url(ref)] if ref.startswith(("http://", "https://")) else []
    found_by_url = stories.document_ids_by_url(engine, urls)
    for url in urls:
        if url in found_by_url:
            return found_by_url[url]
    raise click.ClickException(f"no archived document {ref!r}: give its id (see `waakhond search --json`) or its URL")


@click.command("story")
@click.argument("document", metavar="DOCUMENT")
@click.option("--json", "as_json", is_flag=True, help="The story and the document's links as one JSON object.")
@click.pass_obj
@user_errors
def story(app: App, document: str, as_json: bool) -> None:
    """Show the story of DOCUMENT (an id or URL): its first publication and every copy, with the links the document has.

    Example: waakhond story https://www.nu.nl/tech/123/artikel.html
    """
    document_id = resolve_document(app.engine, document)
    view = stories.story_of(app.engine, document_id)
    found = link_store.links_of_document(app.engine, document_id)
    if as_json:
        click.echo(json.dumps({
            "document": document_id,
            "story": view.id if view else None,
            "head": view.head_document_id if view else None,
            "documents": [
                {"id": d.document_id, "source": d.source, "kind": d.kind, "title": d.title, "url": d.url,
                 "at": _iso(d.at), "head": d.head, "reason": d.reason, "similarity": d.similarity,
                 "matched": d.matched_document_id}
                for d in (view.documents if view else ())
            ],
            "links": [_link_json(v) for v in found],
        }, ensure_ascii=False))
        return
    if view is None:
        kind = stories.document_kinds(app.engine, [document_id]).get(document_id)
        click.echo(f"document {document_id} is a Kamervragen document: it belongs to its case (see `waakhond links`)"
                   if kind in link_store.KAMERVRAAG_KINDS else f"document {document_id} is in no story yet (run `waakhond relate`)")
    else:
        head = view.documents[0]
        click.echo(f"story {view.id}: {len(view.documents)} document(s), first published {_when(head.at)} by {head.source}")
        for d in view.documents:
            how = "first publication" if d.head else (
                f"copy of #{d.matched_document_id}, similarity {d.similarity:.2f}" if d.reason == stories.NEAR_DUPLICATE
                else f"{d.reason} to #{d.matched_document_id}" if d.matched_document_id else d.reason
            )
            marker = "*" if d.document_id == document_id else " "
            click.echo(f"{marker} #{d.document_id:<6} {_when(d.at)}  {d.source:16} {d.title}\n            {d.url}\n            {how}")
    if found:
        click.echo("links:")
        for v in found:
            click.echo(_link_line(v))


@click.command("links")
@click.argument("target", metavar="DOCUMENT|CASE")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per link and line.")
@click.pass_obj
@user_errors
def links(app: App, target: str, as_json: bool) -> None:
    """Show the links of a Kamervragen case (its number, e.g. 2024Z16676) or of a document (an id or URL): why each
    was made (number cited, MP and subject, decision of a release, coverage of a sanction) and how sure it is.

    Example: waakhond links 2024Z16676
    """
    if CASE_NUMBER.match(target.strip().upper()):
        found = link_store.links_of_case(app.engine, target.strip().upper())
    else:
        found = link_store.links_of_document(app.engine, resolve_document(app.engine, target))
    for v in found:
        click.echo(json.dumps(_link_json(v), ensure_ascii=False) if as_json else _link_line(v))
    if not found and not as_json:
        click.echo("no links found", err=True)


def _link_json(v: LinkView) -> dict[str, Any]:
    return {
        "reason": v.reason, "confidence": v.confidence, "evidence": v.evidence,
        "document": {"id": v.document_id, "title": v.document_title, "url": v.document_url, "source": v.document_source,
                     "kind": v.document_kind, "at": _iso(v.document_at)},
        "case": {"number": v.case_number, "subject": v.case_subject} if v.case_number else None,
        "target": {"id": v.target_id, "title": v.target_title, "url": v.target_url} if v.target_id else None,
    }


def _link_line(v: LinkView) -> str:
    to = f"case {v.case_number}: {v.case_subject}" if v.case_number else f"#{v.target_id} {v.target_title}"
    return (f"  {v.confidence:.2f} {v.reason:18} #{v.document_id} {_when(v.document_at)} {v.document_source}: {v.document_title}\n"
            f"       -> {to}\n       ({v.evidence})")


@click.command("entity")
@click.argument("entity", metavar="ENTITY")
@click.option("--since", metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only items from DATE (YYYY-MM-DD) on.")
@click.option("--until", metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only items before DATE (YYYY-MM-DD).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000), help="At most this many items (the latest).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per item and line.")
@click.pass_obj
@user_errors
def entity(app: App, entity: str, since: datetime | None, until: datetime | None, limit: int, as_json: bool) -> None:
    """The timeline of ENTITY across news, Kamervragen and AP publications, oldest first: a gazetteer id
    ("clearview-ai"), a name or alias ("Clearview AI"), or a pattern ("case:2024Z16676", "money:30500000").
    Copies of one story are one item, with the other outlets listed.

    Example: waakhond entity "Autoriteit Persoonsgegevens" --since 2026-01-01
    """
    entity_id = _resolve_entity(app, entity)
    items = timeline.entity_timeline(
        app.engine, entity_id, since.replace(tzinfo=AMSTERDAM) if since else None,
        until.replace(tzinfo=AMSTERDAM) if until else None, limit,
    )
    for item in items:
        if as_json:
            click.echo(json.dumps({
                "entity": entity_id, "id": item.document_id, "at": _iso(item.at), "kind": item.kind, "source": item.source,
                "title": item.title, "url": item.url, "mentions": item.mentions, "snippet": item.snippet,
                "story": item.story_id, "also_in": list(item.also_in), "case": item.case_number,
            }, ensure_ascii=False))
        else:
            case = f" [{item.case_number}]" if item.case_number else ""
            also = f"\n            also in: {', '.join(item.also_in)}" if item.also_in else ""
            click.echo(f"{_when(item.at)}  {item.kind:19} {item.source:16} {item.title}{case}\n            {item.url}{also}")
    if not items and not as_json:
        click.echo(f"nothing archived mentions {entity_id}", err=True)


def _resolve_entity(app: App, given: str) -> str:
    """An entity id from an id, a pattern or a name/alias of a gazetteer entity."""
    text = given.strip()
    if _PATTERN_ENTITY.match(text):
        kind, _, value = text.partition(":")
        return f"{kind}:{value.upper()}" if kind in ("case", "document") else text
    entities = app.config.entities
    by_id = {e.id: e for e in entities}
    if text in by_id:
        return text
    folded = fold(text)
    for e in entities:
        if folded in {fold(e.name), *(fold(a) for a in e.aliases)}:
            return e.id
    if timeline.known_entities(app.engine, text, 1) == [text]:
        return text  # an entity of an older gazetteer, still in the archive
    close = sorted(e.id for e in entities if folded in fold(e.name) or folded in e.id)[:5]
    hint = f" (did you mean: {', '.join(close)}?)" if close else ""
    raise click.ClickException(f"no entity {given!r} in the gazetteer{hint}")


@click.command("relate")
@click.option("--since", metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only documents published (or, undated, first fetched) on or after DATE (YYYY-MM-DD; default: all).")
@click.pass_obj
@user_errors
def relate(app: App, since: datetime | None) -> None:
    """Group archived documents that are in no story yet into stories and link them to Kamervragen cases and AP
    decisions, oldest first, without sending alerts. Run it once after upgrading an archive stored before stories
    existed; crawls do this for every new document themselves.

    Example: waakhond relate --since 2026-01-01
    """
    from waakhond.relate import relate as run_relate

    start = since.replace(tzinfo=AMSTERDAM) if since else None
    if sys.stderr.isatty():
        with click.progressbar(length=None, label="relate", file=sys.stderr, show_pos=True) as bar:
            report = run_relate(app.engine, start, progress=bar.update)
    else:
        report = run_relate(app.engine, start)
    count, members = stories.story_counts(app.engine)
    click.echo(f"{report.documents} documents placed, {report.joined} joined another's story, "
               f"{report.cases} cases linked; the archive has {count} stories of {members} documents")
