"""Full-text search over the archive: one Python API, the same hits on SQLite FTS5 and PostgreSQL.

The query is parsed once (pipeline.query's grammar), its words turned into the index's family keys
(storage.fulltext), and only the final SQL differs per backend: an FTS5 MATCH expression on SQLite, a
``tsquery`` on PostgreSQL. Query syntax:

    word            the word and its inflections, and the compounds the index split it out of
                    (the words of pipeline/compounds.txt, see pipeline.decompound)
    "a phrase"      these words in this order (inflections, not compounds)
    prefix*         words beginning with the prefix (judged on stems)
    a OR b          either;  a b / a AND b: both;  -word / NOT word: without it;  ( ... ) groups
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, and_, column, exists, func, literal_column, or_, select, table, text
from sqlalchemy.orm import Session

from pipeline.decompound import parts as compound_parts
from pipeline.errors import QuerySyntaxError
from pipeline.folding import fold
from pipeline.query import And, EntityRef, Near, Node, Not, Or, Phrase, Word, parse_query
from pipeline.stemming import root
from pipeline.tokens import WORD
from storage.errors import QueryError
from storage.fulltext import COLUMNS, FTS_TABLE, MAX_TOKEN, PG_COLUMN, TOKEN
from storage.models import Document, EntityMention, Match, Source

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SORTS = ("relevance", "newest", "oldest")
# Document kinds by source kind; a filter takes a group name or a document kind.
KIND_GROUPS = {
    "news": ("news",),
    "ap": ("ap-release", "ap-decision"),
    "kamervragen": ("kamervraag", "kamervraag-uitstel", "kamervraag-antwoord"),
}
KINDS = tuple(KIND_GROUPS) + tuple(k for kinds in KIND_GROUPS.values() for k in kinds if k not in KIND_GROUPS)
LABELS = ("core", "adjacent", "unrelated")
MAX_QUERY = 500  # characters
MAX_OFFSET = 10_000
# Ranking looks at this many matching documents at most (the newest that pass the filters), so a query that
# matches half the archive costs as much as one that matches this many; "newest"/"oldest" are always exact.
RANK_WINDOW = 1_000
_SNIPPET_WORDS = 32
_SNIPPET_SCAN = 100_000  # characters: snippets come from the start of very long texts (PDF decisions)
_TITLE_W, _TEXT_W, _PARTS_W = 4.0, 1.0, 0.5  # what a title, text and compound-part occurrence weigh
_K1, _B = 1.2, 0.75  # BM25's saturation and length normalisation


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to; every field empty or None means no restriction."""

    kinds: tuple[str, ...] = ()  # KIND_GROUPS names or document kinds: any of them
    sources: tuple[str, ...] = ()  # source names: any of them
    entities: tuple[str, ...] = ()  # entity ids (gazetteer or pattern): all of them
    watchlists: tuple[str, ...] = ()  # watchlists reached: any of them
    labels: tuple[str, ...] = ()  # core | adjacent | unrelated: any of them
    min_relevance: float | None = None
    since: date | None = None  # first day included (Europe/Amsterdam)
    until: date | None = None  # last day included

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise QueryError(f"unknown kind {unknown[0]!r} (known: {', '.join(KINDS)})")
        unknown = [label for label in self.labels if label not in LABELS]
        if unknown:
            raise QueryError(f"unknown label {unknown[0]!r} (known: {', '.join(LABELS)})")
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"the date range ends ({self.until}) before it starts ({self.since})")


@dataclass(frozen=True)
class Highlight:
    """Which words of a text a query found, to mark them in snippets."""

    keys: frozenset[str] = frozenset()  # family keys matched whole
    prefixes: tuple[str, ...] = ()  # family keys matched as a prefix
    parts: frozenset[str] = frozenset()  # compound parts

    def marks(self, word: str) -> bool:
        folded = fold(word)
        if len(folded) > MAX_TOKEN:
            return False
        key = root(folded)
        return key in self.keys or key.startswith(self.prefixes) or bool(self.parts.intersection(compound_parts(folded)))

    def __bool__(self) -> bool:
        return bool(self.keys or self.prefixes or self.parts)


@dataclass(frozen=True)
class CompiledQuery:
    text: str
    fts5: str  # an FTS5 MATCH expression
    tsquery: str  # input for PostgreSQL's to_tsquery('simple', ...)
    highlight: Highlight
    terms: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Term:
    """A word or phrase a query wants, as ranking looks for it in the space-separated search columns."""

    needle: str  # " key " (a whole word), " key" (a prefix), " a b " (a phrase)
    compounds: bool  # also counts when found among the compound parts


Segment = tuple[str, bool]  # a piece of text, and whether it is a found word


@dataclass(frozen=True)
class SearchHit:
    id: int
    url: str
    title: str
    kind: str
    source: str
    published: datetime | None
    fetched: datetime
    label: str
    relevance: float
    tags: tuple[str, ...]
    version: int
    updated: datetime | None
    raw_sha256: str | None
    matches: tuple[str, ...] = ()  # the watchlist rules that matched (positive weights)
    title_segments: tuple[Segment, ...] = ()
    snippet: tuple[Segment, ...] = ()

    @property
    def dated(self) -> datetime:
        return self.published or self.fetched

    def snippet_text(self, mark: tuple[str, str] = ("[[", "]]")) -> str:
        return "".join(f"{mark[0]}{piece}{mark[1]}" if hit else piece for piece, hit in self.snippet)


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    has_more: bool  # another page follows (no count over all hits is made)
    query: CompiledQuery | None = None
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class ExportRecord(SearchHit):
    """One document as `waakhond export` writes it: a hit's fields (no snippet) and the rest of the record."""

    author: str | None = None
    language: str | None = None
    watchlists: tuple[str, ...] = ()
    content_hash: str = ""
    raw_size: int = 0
    text: str = ""
    entities: tuple[str, ...] = ()


# --- Query compilation -------------------------------------------------------------------------


def compile_query(query: str) -> CompiledQuery:
    """The backend expressions for a search query.

    Raises:
        QueryError: the query cannot be understood; the message says where (column, 1-based).
    """
    if len(query) > MAX_QUERY:
        raise QueryError(f"the query is longer than {MAX_QUERY} characters", column=MAX_QUERY + 1)
    _refuse_watchlist_syntax(query)
    try:
        node = parse_query(query)
    except QuerySyntaxError as exc:
        raise QueryError(f"{exc.reason} (column {exc.column})", column=exc.column) from exc
    compiler = _Compiler()
    fts5, tsquery = compiler.node(node)
    return CompiledQuery(query, fts5, tsquery, Highlight(frozenset(compiler.keys), tuple(sorted(compiler.prefixes)),
                                                         frozenset(compiler.parts)), tuple(compiler.terms))


_OUTSIDE_QUOTES = re.compile(r'"[^"]*"?|(?P<near>\bNEAR(?:/\d+)?\b)|(?P<entity>(?<![\w@])@[\w-])')


def _refuse_watchlist_syntax(query: str) -> None:
    for m in _OUTSIDE_QUOTES.finditer(query):
        if m.group("near"):
            raise QueryError(f"NEAR is for watchlist rules; search has words, \"phrases\", OR, -exclusion and "
                             f"prefix* (column {m.start() + 1})", column=m.start() + 1)
        if m.group("entity"):
            raise QueryError(f"@entity is for watchlist rules; filter by entity instead (column {m.start() + 1})",
                             column=m.start() + 1)


class _Compiler:
    """Renders a query tree as an FTS5 expression and a tsquery with the same meaning."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.prefixes: set[str] = set()
        self.parts: set[str] = set()
        self.terms: list[Term] = []  # what ranking counts: every word and phrase the query wants

    def node(self, node: Node) -> tuple[str, str]:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Or):
            rendered = [self.node(o) for o in node.operands]
            return "(" + " OR ".join(f for f, _ in rendered) + ")", "(" + " | ".join(t for _, t in rendered) + ")"
        if isinstance(node, And):
            wanted = [self.node(o) for o in node.operands if not isinstance(o, Not)]
            unwanted = [self.negated(o) for o in node.operands if isinstance(o, Not)]
            fts = "(" + " AND ".join(f for f, _ in wanted) + ")"
            for f, _ in unwanted:
                fts = f"({fts} NOT {f})"
            return fts, "(" + " & ".join([t for _, t in wanted] + [f"!{t}" for _, t in unwanted]) + ")"
        if isinstance(node, Not):
            # Only a double negation gets here: the parser refuses queries that only exclude.
            if isinstance(node.operand, Not):
                return self.node(node.operand.operand)
            raise QueryError("an exclusion needs a word it must find beside it", column=1)
        if isinstance(node, (Near, EntityRef)):  # pragma: no cover - refused before parsing
            raise QueryError("NEAR and @entity are for watchlist rules", column=1)
        raise AssertionError(node)  # pragma: no cover

    def negated(self, node: Not) -> tuple[str, str]:
        saved = (set(self.keys), set(self.prefixes), set(self.parts), list(self.terms))
        rendered = self.node(node.operand)
        self.keys, self.prefixes, self.parts, self.terms = saved  # an excluded word is never marked nor counted
        return rendered

    def word(self, word: Word) -> tuple[str, str]:
        pieces = [p for p in TOKEN.findall(word.text) if len(p) <= MAX_TOKEN]
        if not pieces:
            raise QueryError(f"{word.text!r} has no letters or digits to search for", column=1)
        if len(pieces) > 1:  # "foo_bar": the index holds two words
            return self.phrase(Phrase(tuple(Word(p, prefix=word.prefix and i == len(pieces) - 1, exact=True)
                                             for i, p in enumerate(pieces))))
        key = root(pieces[0])
        if word.prefix:
            self.prefixes.add(key)
            self.terms.append(Term(f" {key}", compounds=False))
            return f'{{search_title search_body}} : "{key}"*', f"'{key}':*AB"
        self.keys.add(key)
        if word.exact:
            self.terms.append(Term(f" {key} ", compounds=False))
            return f'{{search_title search_body}} : "{key}"', f"'{key}':AB"
        # The word, its inflections, and the compounds the index split it out of (storage.fulltext).
        self.parts.add(key)
        self.terms.append(Term(f" {key} ", compounds=True))
        return f'"{key}"', f"'{key}'"

    def phrase(self, phrase: Phrase) -> tuple[str, str]:
        keys: list[str] = []
        prefix_last = False
        for i, w in enumerate(phrase.words):
            pieces = [p for p in TOKEN.findall(w.text) if len(p) <= MAX_TOKEN]
            for j, piece in enumerate(pieces):
                keys.append(root(piece))
                prefix_last = w.prefix and i == len(phrase.words) - 1 and j == len(pieces) - 1
        if not keys:
            raise QueryError("a phrase without letters or digits", column=1)
        if len(keys) == 1:
            return self.word(Word(keys[0], prefix=prefix_last, exact=True))
        self.keys.update(keys[:-1] if prefix_last else keys)
        if prefix_last:
            self.prefixes.add(keys[-1])
        self.terms.append(Term(" " + " ".join(keys) + ("" if prefix_last else " "), compounds=False))
        star = "*" if prefix_last else ""
        fts = f'{{search_title search_body}} : "{" ".join(keys)}"{star}'
        tail = lambda weight: ":*" + weight if prefix_last else ":" + weight  # noqa: E731
        per_field = [
            " <-> ".join(f"'{k}'" + (tail(w) if n == len(keys) - 1 else f":{w}") for n, k in enumerate(keys))
            for w in ("A", "B")
        ]
        return fts, "((" + ") | (".join(per_field) + "))"


# --- Searching ---------------------------------------------------------------------------------


def search(
    engine: Engine,
    query: str | None = None,
    filters: Filters | None = None,
    *,
    sort: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Documents matching ``query`` (None or blank: all) and ``filters``, one page of them.

    ``sort``: "relevance" (default with a query: best first by BM25 over the newest RANK_WINDOW matches,
    title words counting most; see rank()), "newest"
    (default without one) or "oldest". Each hit carries a snippet with the found words marked.

    Raises:
        QueryError: a malformed query or filter, with a message fit for the user.
    """
    compiled = compile_query(query) if query and query.strip() else None
    sort = sort or ("relevance" if compiled else "newest")
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r} (known: {', '.join(SORTS)})")
    if not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"the offset must be 0 to {MAX_OFFSET}")
    limit = max(1, min(limit, 1000))
    with Session(engine) as session:
        broad = _broad(session, engine, compiled, sort)
        statement = _select(engine, compiled, filters or Filters(), sort, limit=limit + 1, offset=offset, broad=broad)
        if sort == "relevance" and compiled is not None:
            ranked = rank(session.execute(statement).all(), compiled.terms)[offset : offset + limit + 1]
            rows = _rows_by_id(session, ranked, _HIT_COLUMNS)
        else:
            rows = session.execute(statement).all()
        hits = rows[:limit]
        ids = [row.id for row in hits]
        rules = _positive_rules(session, ids)
    highlight = compiled.highlight if compiled else Highlight()
    return SearchResults(
        hits=[_hit(row, rules.get(row.id, ()), highlight) for row in hits],
        has_more=len(rows) > limit,
        query=compiled,
        offset=offset,
        limit=limit,
    )


_HIT_COLUMNS = (Document.id, Document.url, Document.title, Document.kind, Document.published_at, Document.fetched_at,
                Document.label, Document.relevance, Document.tags, Document.version, Document.updated_at,
                Document.raw_sha256, Document.text)
_EXPORT_COLUMNS = (*_HIT_COLUMNS, Document.author, Document.language, Document.watchlists, Document.content_hash,
                   Document.raw_size)


def _select(engine: Engine, compiled: CompiledQuery | None, filters: Filters, sort: str,
            columns: tuple[Any, ...] = _HIT_COLUMNS, limit: int | None = None, offset: int = 0,
            broad: bool = False) -> Select:
    """The statement for one page (or, without limit, every hit) of a search.

    Only the columns a page needs are read: the stemmed search columns and raw bytes stay in the database.
    ``broad``: the query matches many documents (SQLite, sorted by date): walk the timeline index and look
    each id up in the set of matches, instead of sorting every match by date. With sort "relevance" the
    statement gives the ranking window (ids and search columns) for rank().
    """
    statement = select(*columns, Source.name.label("source")).join(Source, Source.id == Document.source_id)
    by_date = {"newest": (Document.dated_at.desc(), Document.id.desc()),
               "oldest": (Document.dated_at.asc(), Document.id.asc())}
    conditions = _conditions(filters)
    page = (lambda st: st.limit(limit).offset(offset)) if limit is not None else (lambda st: st)  # noqa: E731
    if compiled is None:
        ids = select(Document.id).join(Source, Source.id == Document.source_id).where(*conditions)
        chosen = page(ids.order_by(*by_date.get(sort, by_date["newest"]))).subquery("chosen")
        return statement.join(chosen, chosen.c.id == Document.id).order_by(*by_date.get(sort, by_date["newest"]))
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        fts = table(FTS_TABLE, column("rowid"))
        matched = text(f"{FTS_TABLE} MATCH :fts5").bindparams(fts5=compiled.fts5)
    else:
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), compiled.tsquery)
        matched = literal_column(f"documents.{PG_COLUMN}").op("@@")(tsquery)
    # The ids first, from the narrow indexes (the full-text index, then the covering ones for the filters);
    # the wide rows are read for the chosen ids only.
    ids = select(Document.id).join(Source, Source.id == Document.source_id).where(*conditions)
    if sqlite and broad:
        # Walk the timeline and look each id up in the set of matches (built once); "+ 0" keeps SQLite from
        # driving the walk from that set instead.
        ids = ids.where((Document.id + 0).in_(select(fts.c.rowid).select_from(fts).where(matched)))
    elif sqlite:
        ids = ids.join(fts, fts.c.rowid == Document.id).where(matched)
    else:
        ids = ids.where(matched)
    if sort == "relevance":
        # A query matching half the archive costs no more than one matching RANK_WINDOW documents: the
        # newest RANK_WINDOW matches that pass the filters are ranked (see rank()).
        key = fts.c.rowid if sqlite else Document.id
        window = ids.order_by(key.desc()).limit(RANK_WINDOW).subquery("window")
        return select(Document.id, *(getattr(Document, c) for c in COLUMNS)).join(window, window.c.id == Document.id)
    chosen = page(ids.order_by(*by_date[sort])).subquery("chosen")
    return statement.join(chosen, chosen.c.id == Document.id).order_by(*by_date[sort])


def rank(rows: Sequence[Any], terms: Sequence[Term]) -> list[int]:
    """Ids of the window's rows, best first: BM25 over title, text and compound parts, with the document
    frequencies of the window itself (the same on both backends, so the order is too); ties newest first."""
    if not rows:
        return []
    fields = [(f" {r.search_title} ", f" {r.search_body} ", f" {r.search_parts} ") for r in rows]
    lengths = [(t.count(" ") - 1, b.count(" ") - 1) for t, b, _ in fields]
    average = [max(1.0, sum(n[i] for n in lengths) / len(rows)) for i in (0, 1)]
    scores = [0.0] * len(rows)
    for term in terms:
        counts = [(t.count(term.needle), b.count(term.needle), term.compounds and term.needle in p)
                  for t, b, p in fields]
        df = sum(1 for c in counts if c[0] or c[1] or c[2])
        if not df:
            continue
        idf = math.log(1 + (len(rows) - df + 0.5) / (df + 0.5))
        for i, (in_title, in_body, in_parts) in enumerate(counts):
            score = 0.0
            for tf, length, avg, weight in ((in_title, lengths[i][0], average[0], _TITLE_W),
                                            (in_body, lengths[i][1], average[1], _TEXT_W)):
                if tf:
                    score += weight * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / avg))
            scores[i] += idf * (score + (_PARTS_W if in_parts else 0.0))
    order = sorted(range(len(rows)), key=lambda i: (-scores[i], -rows[i].id))
    return [rows[i].id for i in order]


def _rows_by_id(session: Session, ids: list[int], columns: tuple[Any, ...]) -> list[Any]:
    """The rows of these ids with their source, in the order given."""
    if not ids:
        return []
    found = {r.id: r for r in session.execute(
        select(*columns, Source.name.label("source")).join(Source, Source.id == Document.source_id)
        .where(Document.id.in_(ids))
    )}
    return [found[i] for i in ids if i in found]


_BROAD = 1_000  # matches from which a date-sorted SQLite search walks the timeline instead


def _broad(session: Session, engine: Engine, compiled: CompiledQuery | None, sort: str) -> bool:
    if compiled is None or sort == "relevance" or engine.dialect.name != "sqlite":
        return False
    count = session.execute(
        text(f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q LIMIT :n)"),
        {"q": compiled.fts5, "n": _BROAD + 1},
    ).scalar_one()
    return count > _BROAD


def _conditions(filters: Filters) -> list:
    conditions = []
    if filters.kinds:
        kinds = {k for name in filters.kinds for k in KIND_GROUPS.get(name, (name,))}
        conditions.append(Document.kind.in_(sorted(kinds)))
    if filters.sources:
        conditions.append(Source.name.in_(filters.sources))
    for entity in filters.entities:
        conditions.append(
            exists().where(EntityMention.document_id == Document.id, EntityMention.entity == entity)
        )
    if filters.watchlists:
        padded = literal_column("' '") + Document.watchlists + literal_column("' '")
        conditions.append(or_(*[padded.like(f"% {_escape_like(w)} %", escape="\\") for w in filters.watchlists]))
    if filters.labels:
        conditions.append(Document.label.in_(filters.labels))
    if filters.min_relevance is not None:
        conditions.append(Document.relevance >= filters.min_relevance)
    if filters.since:
        conditions.append(Document.dated_at >= _day_start(filters.since))
    if filters.until:
        conditions.append(Document.dated_at < _day_start(filters.until + timedelta(days=1)))
    return [and_(*conditions)] if conditions else []


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), AMSTERDAM).astimezone(UTC)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _positive_rules(session: Session, ids: Sequence[int | None]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    if ids:
        rows = session.execute(
            select(Match.document_id, Match.term).where(Match.document_id.in_(ids), Match.weight > 0).order_by(Match.id)
        ).all()
        for document_id, term in rows:
            if term not in found.setdefault(document_id, []):
                found[document_id].append(term)
    return {k: tuple(v) for k, v in found.items()}


def _hit(doc: Any, rules: tuple[str, ...], highlight: Highlight) -> SearchHit:
    return SearchHit(
        id=doc.id, url=doc.url, title=doc.title, kind=doc.kind, source=doc.source, published=doc.published_at,
        fetched=doc.fetched_at, label=doc.label, relevance=doc.relevance, tags=tuple(doc.tags.split()),
        version=doc.version, updated=doc.updated_at, raw_sha256=doc.raw_sha256, matches=rules,
        title_segments=mark(doc.title, highlight), snippet=snippet(doc.text, highlight),
    )


def mark(value: str, highlight: Highlight) -> tuple[Segment, ...]:
    """A whole text cut into segments, the words the query found marked."""
    spans = [m.span() for m in WORD.finditer(value)]
    return _segments(value, spans, 0, len(spans), highlight)


def snippet(value: str, highlight: Highlight, words: int = _SNIPPET_WORDS) -> tuple[Segment, ...]:
    """The stretch of about ``words`` words of a text with the most found words, marked; "…" where cut."""
    scan = value[:_SNIPPET_SCAN]
    spans = [m.span() for m in WORD.finditer(scan)]
    if not spans:
        return ()
    hits = [i for i, (s, e) in enumerate(spans) if _marks(highlight, scan[s:e])] if highlight else []
    first = 0
    if hits:
        best, best_count, j = hits[0], 0, 0
        for i, h in enumerate(hits):
            while hits[j] < h - words + 1:
                j += 1
            if i - j + 1 > best_count:
                best, best_count = hits[j], i - j + 1
        first = max(0, min(best - 4, len(spans) - words))
    last = min(len(spans), first + words)
    segments = list(_segments(scan, spans, first, last, highlight, whole=last == len(spans) and len(scan) == len(value)))
    if first > 0:
        segments.insert(0, ("… ", False))
    if last < len(spans) or len(scan) < len(value):
        segments.append((" …", False))
    return tuple(segments)


def _segments(value: str, spans: list[tuple[int, int]], first: int, last: int, highlight: Highlight,
              whole: bool = True) -> tuple[Segment, ...]:
    """Words first..last of a text as plain and marked pieces (white space squashed); to the text's end if whole."""
    if first >= last:
        return ()
    # From the text's very start when the first word is (a title opening with "<" or a quote keeps it).
    start, end = 0 if first == 0 else spans[first][0], len(value) if whole else spans[last - 1][1]
    out: list[Segment] = []
    pos = start
    if highlight:
        for s, e in spans[first:last]:
            if _marks(highlight, value[s:e]):
                if s > pos:
                    out.append((_squash(value[pos:s]), False))
                out.append((value[s:e], True))
                pos = e
    if pos < end:
        out.append((_squash(value[pos:end]), False))
    return tuple(piece for piece in out if piece[0])


@lru_cache(maxsize=65536)
def _marks(highlight: Highlight, word: str) -> bool:
    return highlight.marks(word)


def _squash(value: str) -> str:
    return re.sub(r"\s+", " ", value)


# --- Export ------------------------------------------------------------------------------------


def iter_documents(
    engine: Engine, query: str | None = None, filters: Filters | None = None, *, sort: str = "newest",
    batch: int = 500,
) -> Iterator[ExportRecord]:
    """Every document matching, streamed in batches (an archive of millions is never held in memory).

    With a query and sort "relevance", ranking is over the RANK_WINDOW newest matches, as in search;
    export's default is "newest", which is complete.
    """
    compiled = compile_query(query) if query and query.strip() else None
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r} (known: {', '.join(SORTS)})")
    with Session(engine) as session:
        broad = _broad(session, engine, compiled, sort)
        statement = _select(engine, compiled, filters or Filters(), sort, _EXPORT_COLUMNS, broad=broad)
        if sort == "relevance" and compiled is not None:
            ranked = rank(session.execute(statement).all(), compiled.terms)
            partitions: Iterator[Sequence[Any]] = (
                _rows_by_id(session, ranked[i : i + batch], _EXPORT_COLUMNS) for i in range(0, len(ranked), batch)
            )
        else:
            partitions = session.execute(statement.execution_options(yield_per=batch)).partitions(batch)
        for rows in partitions:
            ids = [row.id for row in rows]
            rules = _positive_rules(session, ids)
            entities: dict[int, list[str]] = {}
            for document_id, entity in session.execute(
                select(EntityMention.document_id, EntityMention.entity)
                .where(EntityMention.document_id.in_(ids))
                .order_by(EntityMention.document_id, EntityMention.count.desc(), EntityMention.id)
            ):
                entities.setdefault(document_id, []).append(entity)
            for doc in rows:
                yield ExportRecord(
                    id=doc.id, url=doc.url, title=doc.title, kind=doc.kind, source=doc.source,
                    published=doc.published_at, fetched=doc.fetched_at, label=doc.label, relevance=doc.relevance,
                    tags=tuple(doc.tags.split()), version=doc.version, updated=doc.updated_at,
                    raw_sha256=doc.raw_sha256, matches=rules.get(doc.id, ()), author=doc.author,
                    language=doc.language, watchlists=tuple(doc.watchlists.split()), content_hash=doc.content_hash,
                    raw_size=doc.raw_size, text=doc.text, entities=tuple(entities.get(doc.id, ())),
                )
