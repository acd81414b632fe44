"""The web timeline: a read-only, server-rendered view of the archive (search, items, entities, Kamervragen cases,
Atom and JSON for every search), served by waitress on localhost by default."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date, datetime
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, abort, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage import archive, links
from storage.errors import QueryError
from storage.models import Source
from storage.search import AMSTERDAM, KINDS, LABELS, SORTS, Filters, SearchResults, search
from waakhond import feeds

PAGE_SIZE = 50
# No script may run on any page: nothing the app serves needs one, and scraped text is hostile.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
# A snapshot is the page as the outlet served it: shown as text, in a sandbox, never as a page of this origin.
SNAPSHOT_CSP = "sandbox; default-src 'none'"
_CHARSET = re.compile(r"charset=([A-Za-z0-9_.:-]{1,40})", re.I)


class BadRequest(Exception):
    """A request parameter that cannot be used: a 400 page with the reason."""


def create_app(engine: Engine) -> Flask:
    app = Flask(__name__)
    app.config.update(engine=engine)
    app.jinja_env.filters.update(day=_day, moment=_moment, segments=_segments, marked=_marked)
    app.jinja_env.globals.update(KINDS=KINDS, LABELS=LABELS, SORTS=SORTS, search_url=_search_url)

    @app.before_request
    def read_only() -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return Response("the timeline is read-only\n", status=405, mimetype="text/plain", headers={"Allow": "GET, HEAD"})
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.errorhandler(BadRequest)
    @app.errorhandler(QueryError)
    def bad_request(exc: Exception) -> tuple[Any, int]:
        if request.path.endswith(".json"):
            return {"error": str(exc)}, 400
        if request.path.endswith(".atom"):
            return Response(f"{exc}\n", mimetype="text/plain"), 400
        return render_template("error.html", title="Bad request", message=str(exc), form=_form_state()), 400

    @app.errorhandler(404)
    def not_found(_exc: Exception) -> tuple[str, int]:
        return render_template("error.html", title="Not found", message="There is nothing archived here.",
                               form=_form_state()), 404

    @app.get("/")
    @app.get("/search")
    def timeline() -> str:
        results = _run_search(engine)
        return render_template("timeline.html", title="Waakhond", results=results, days=_by_day(results),
                               form=_form_state(), sources=_sources(engine), heading=None)

    @app.get("/search.json")
    def timeline_json() -> Response:
        results = _run_search(engine)
        body = {
            "query": request.args.get("q", ""),
            "offset": results.offset,
            "has_more": results.has_more,
            "next": _page_url("timeline_json", results) if results.has_more else None,
            "hits": [feeds.hit_record(h, url_for("item_page", document_id=h.id, _external=True)) for h in results.hits],
        }
        return app.json.response(body)

    @app.get("/search.atom")
    def timeline_atom() -> Response:
        results = _run_search(engine)
        query = request.args.get("q", "")
        entries = (
            feeds.document_entry(feeds.hit_record(h), url_for("item_page", document_id=h.id, _external=True),
                                 summary=h.snippet_text(("", "")))
            for h in results.hits
        )
        html_url = url_for("timeline", _external=True) + _query_string()
        chunks = feeds.atom(f"Waakhond: {query}" if query else "Waakhond", request.url, request.url, html_url, entries)
        return Response("".join(chunks), mimetype="application/atom+xml")

    @app.get("/item")
    def item_by_url() -> Any:
        url = request.args.get("url", "")
        document_id = archive.document_id_by_url(engine, url) if url else None
        if document_id is None:
            abort(404)
        return redirect(url_for("item_page", document_id=document_id), code=301)

    @app.get("/item/<int:document_id>")
    def item_page(document_id: int) -> str:
        view = archive.item(engine, document_id)
        if view is None:
            abort(404)
        compare = _int_arg("compare", default=view.version, low=1)
        first = view.versions[0]
        other = next((v for v in view.versions if v.version == compare), view.versions[-1])
        left, right = _diff(first.text, other.text) if other is not first else (escape(first.text), None)
        return render_template(
            "item.html", title=view.title, item=view, first=first, other=other, left=left, right=right,
            same_story=archive.same_story(engine, document_id), links=links.links_of_document(engine, document_id),
            form=_form_state(),
        )

    @app.get("/item/<int:document_id>/raw")
    def snapshot(document_id: int) -> Response:
        version = _int_arg("version", default=None, low=1)
        found = archive.raw_page(engine, document_id, version)
        if found is None:
            abort(404)
        raw, content_type, digest = found
        name = f"waakhond-{document_id}" + (f"-v{version}" if version else "")
        headers = {"Content-Security-Policy": SNAPSHOT_CSP, "X-Waakhond-SHA256": digest or ""}
        if request.args.get("download"):
            headers["Content-Disposition"] = f'attachment; filename="{name}.raw"'
            return Response(raw, mimetype="application/octet-stream", headers=headers)
        charset = _CHARSET.search(content_type or "")
        headers["Content-Disposition"] = f'inline; filename="{name}.txt"'
        return Response(raw, content_type=f"text/plain; charset={charset.group(1) if charset else 'utf-8'}",
                        headers=headers)

    @app.get("/entity/<path:entity>")
    def entity_page(entity: str) -> str:
        known = archive.entity_name(engine, entity)
        if known is None:
            abort(404)
        results = _run_search(engine, entity=entity)
        return render_template("timeline.html", title=known[0], results=results, days=_by_day(results),
                               form=_form_state(entity=entity), sources=_sources(engine),
                               heading={"name": known[0], "type": known[1], "entity": entity})

    @app.get("/case/<number>")
    def case_page(number: str) -> str:
        view = archive.case(engine, number)
        if view is None:
            abort(404)
        return render_template("case.html", title=f"Kamervragen {view.number}", case=view,
                               links=links.links_of_case(engine, view.number), form=_form_state())

    return app


def _run_search(engine: Engine, entity: str | None = None) -> SearchResults:
    args = request.args
    entities = tuple(args.getlist("entity")) + ((entity,) if entity else ())
    filters = Filters(
        kinds=tuple(k for k in args.getlist("kind") if k), sources=tuple(s for s in args.getlist("source") if s),
        entities=tuple(e for e in entities if e), watchlists=tuple(w for w in args.getlist("watchlist") if w),
        labels=tuple(label for label in args.getlist("label") if label),
        min_relevance=_float_arg("min_relevance"), since=_date_arg("since"), until=_date_arg("until"),
    )
    page = _int_arg("page", default=1, low=1, high=200)
    return search(engine, args.get("q", ""), filters, sort=args.get("sort") or None, limit=PAGE_SIZE,
                  offset=(page - 1) * PAGE_SIZE)


def _form_state(entity: str | None = None) -> dict[str, Any]:
    args = request.args
    return {
        "q": args.get("q", ""), "kind": args.get("kind", ""), "source": args.get("source", ""),
        "label": args.get("label", ""), "watchlist": args.get("watchlist", ""), "since": args.get("since", ""),
        "until": args.get("until", ""), "min_relevance": args.get("min_relevance", ""), "sort": args.get("sort", ""),
        "entity": entity, "page": int(args["page"]) if args.get("page", "").isdigit() else 1,
    }


def _query_string(**changes: Any) -> str:
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in changes and v]
    pairs += [(k, v) for k, v in changes.items() if v]
    return ("?" + urlencode(pairs)) if pairs else ""


def _search_url(endpoint: str, **changes: Any) -> str:
    return url_for(endpoint, **({"entity": request.view_args["entity"]} if endpoint == "entity_page" and
                                request.view_args else {})) + _query_string(**changes)


def _page_url(endpoint: str, results: SearchResults) -> str:
    page = results.offset // results.limit + 2
    return url_for(endpoint, _external=True) + _query_string(page=page)


def _sources(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.execute(select(Source.name).order_by(Source.name)).scalars())


def _int_arg(name: str, default: Any, low: int, high: int | None = None) -> Any:
    value = request.args.get(name)
    if not value:
        return default
    if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
        raise BadRequest(f"{name} must be a whole number from {low}" + (f" to {high}" if high else " up"))
    return int(value)


def _float_arg(name: str) -> float | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(f"{name} must be a number, like 1 or 0.5") from None
    if not 0 <= number < 1e6:
        raise BadRequest(f"{name} must be 0 or more")
    return number


def _date_arg(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date like 2026-01-31") from None


def _by_day(results: SearchResults) -> list[tuple[date, list[Any]]]:
    if results.query is not None and (request.args.get("sort") or "relevance") == "relevance":
        return []  # ranked: not grouped by day
    return [(day, list(hits)) for day, hits in groupby(results.hits, key=lambda h: h.dated.astimezone(AMSTERDAM).date())]


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "?"
    day = value.astimezone(AMSTERDAM).date() if isinstance(value, datetime) else value
    return day.isoformat()


def _moment(value: datetime | None) -> str:
    return value.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M %Z") if value else "?"


def _segments(segments: Any) -> Markup:
    """Marked text: the found words in <mark>, everything escaped."""
    return Markup("").join(Markup("<mark>{}</mark>").format(piece) if hit else escape(piece) for piece, hit in segments)


def _marked(snippet: str) -> Markup:
    """A classifier snippet with its [[marked]] words in <mark>, everything escaped."""
    pieces = re.split(r"\[\[(.*?)\]\]", snippet)
    return _segments((piece, i % 2 == 1) for i, piece in enumerate(pieces) if piece)


def _diff(old: str, new: str) -> tuple[Markup, Markup]:
    """Two texts word by word, what the later one dropped in <del> on the left, what it added in <ins> on the right."""
    a, b = old.split(), new.split()
    left: list[Markup] = []
    right: list[Markup] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        before, after = escape(" ".join(a[i1:i2])), escape(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(before)
            right.append(after)
            continue
        if i2 > i1:
            left.append(Markup("<del>{}</del>").format(before))
        if j2 > j1:
            right.append(Markup("<ins>{}</ins>").format(after))
    return Markup(" ").join(left), Markup(" ").join(right)


def serve(engine: Engine, host: str, port: int, announce: Callable[[str], None] | None = None) -> None:
    """Serve the timeline until interrupted."""
    from waitress.server import create_server

    server = create_server(create_app(engine), host=host, port=port, threads=4, ident="waakhond")
    if announce is not None:
        bound_host, bound_port = server.effective_host, server.effective_port  # type: ignore[union-attr]
        announce(f"http://{'[' + str(bound_host) + ']' if ':' in str(bound_host) else bound_host}:{bound_port}/")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
