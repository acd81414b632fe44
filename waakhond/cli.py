"""The `waakhond` command line: thin commands over the config, crawler, archive and alert sender."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy import Engine

from alerts.errors import AlertError
from alerts.sender import SendReport, send_due
from storage import repository
from storage.engine import open_database
from storage.errors import StorageError
from pipeline.case_clock import STATUSES
from waakhond.config import AMSTERDAM, Config, Settings, format_duration, load_config
from waakhond.errors import WaakhondError
from waakhond.logsetup import configure_logging

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class App:
    """What every command needs, built lazily so `--help` works without a config or database."""

    config_path: str | None
    verbose: int
    log_file: str | None = None
    _settings: Settings | None = None
    _config: Config | None = None
    _engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env(config_path=self.config_path)
            configure_logging(self.verbose, [self._settings.telegram_bot_token or ""], self.log_file)
        return self._settings

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.settings.config_path)
        return self._config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_database(self.settings.database_url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def user_errors(func: F) -> F:
    """Turns the errors a user can cause or fix into a one-line message and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (WaakhondError, StorageError, AlertError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    envvar="WAAKHOND_CONFIG",
    help="TOML config file (default: $WAAKHOND_CONFIG, else the config shipped with Waakhond).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-v info, -vv debug).")
@click.option(
    "--log-file",
    metavar="FILE",
    envvar="WAAKHOND_LOG_FILE",
    help="Also append the log to FILE (default: $WAAKHOND_LOG_FILE; safe with logrotate).",
)
@click.version_option(package_name="waakhond")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, log_file: str | None) -> None:
    """Waakhond watches Dutch sources for news on facial recognition and biometric surveillance."""
    ctx.obj = App(config_path=config_path, verbose=verbose, log_file=log_file)
    ctx.call_on_close(ctx.obj.close)


@cli.group()
def config() -> None:
    """Inspect and validate the configuration."""


@config.command("check")
@click.argument("file", required=False, metavar="[FILE]")
@click.pass_obj
def config_check(app: App, file: str | None) -> None:
    """Validate a config file (default: the one in use) and report every problem.

    Example: waakhond config check /etc/waakhond/waakhond.toml
    """
    try:
        settings = app.settings
        cfg = load_config(file or settings.config_path)
    except WaakhondError as exc:
        problems = getattr(exc, "problems", None) or [exc]
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found") from exc
    for warning in cfg.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{cfg.path}: OK ({len(cfg.sources)} sources, {len(cfg.watchlists)} watchlists, "
        f"{len(cfg.subscriptions)} subscriptions)"
    )


@cli.command()
@click.argument("source", required=False)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every configured source.")
@click.pass_obj
@user_errors
def crawl(app: App, source: str | None, all_sources: bool) -> None:
    """Crawl one configured SOURCE (or --all) once, store what is new, queue its alerts, and exit.

    Exits 1 when a crawl failed (for example an unusable feed); pages that failed inside an
    otherwise working crawl are reported but do not fail it.

    Example: waakhond crawl nos-algemeen
    """
    from waakhond.crawl_runner import run_crawls  # Scrapy is heavy; only crawls need it

    if bool(source) == all_sources:
        raise click.UsageError("give either a SOURCE or --all")
    names = [s.name for s in app.config.sources] if all_sources else [app.config.source(source or "").name]
    if not names:
        raise click.ClickException("no sources configured")
    if len(names) > 1 and sys.stderr.isatty():
        with click.progressbar(length=len(names), label="crawling", file=sys.stderr, show_pos=True) as bar:
            runs = run_crawls(app.settings, app.config, app.engine, names, app.verbose, lambda _: bar.update(1))
    else:
        runs = run_crawls(app.settings, app.config, app.engine, names, app.verbose)
    for run in runs:
        line = (
            f"{run.source_name}: {run.outcome}: {run.entries_seen} {_entries(app.config, run.source_name)}, "
            f"{run.items_stored} stored, "
            f"{run.items_updated} updated, {run.items_relevant} relevant, {run.alerts_queued} alerts queued, "
            f"{run.not_modified} unchanged (304), {run.bodies} downloaded"
        )
        click.echo(line + (f" ({run.message})" if run.message else ""))
    missing = set(names) - {r.source_name for r in runs}
    if missing:
        raise click.ClickException(f"crawl did not start for: {', '.join(sorted(missing))}")
    if any(r.outcome == "failed" for r in runs):
        raise click.ClickException("crawl failed for: " + ", ".join(r.source_name for r in runs if r.outcome == "failed"))


@cli.command("send-alerts")
@click.pass_obj
@user_errors
def send_alerts(app: App) -> None:
    """Deliver every due alert once: to Telegram, or to the console when TELEGRAM_BOT_TOKEN is unset."""
    from waakhond.daemon import make_notifier

    async def go() -> SendReport:
        async with make_notifier(app.settings) as notifier:
            return await send_due(
                app.engine, notifier, operator_chat_id=app.config.operator_chat_id, configured=app.config.subscriptions
            )

    report = asyncio.run(go())
    click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed", err=True)


@cli.command()
@click.pass_obj
@user_errors
def run(app: App) -> None:
    """Run the monitoring daemon: crawl every source on its interval and send alerts, until stopped.

    Stop it with Ctrl-C or SIGTERM; running crawls are stopped cleanly and it exits 0.
    """
    from waakhond.daemon import Daemon

    settings, config, engine = app.settings, app.config, app.engine
    if app.verbose == 0:
        configure_logging(1, [settings.telegram_bot_token or ""], app.log_file)
    click.echo(
        f"waakhond: watching {len(config.sources)} sources from {config.path}; archive "
        f"{engine.url.render_as_string(hide_password=True)}; alerts to "
        f"{'Telegram' if settings.telegram_bot_token else 'this console (no TELEGRAM_BOT_TOKEN set)'}",
        err=True,
    )
    sys.exit(asyncio.run(Daemon(settings, config, engine, app.verbose, app.log_file).run()))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source and line.")
@click.pass_obj
@user_errors
def sources(app: App, as_json: bool) -> None:
    """List the configured sources with their document count and last crawl."""
    for source, status in zip(
        app.config.sources, repository.source_statuses(app.engine, [s.name for s in app.config.sources]), strict=True
    ):
        run_ = status.last_run
        record = {
            "name": source.name,
            "kind": source.kind,
            "url": source.url,
            "interval_seconds": int(source.interval.total_seconds()),
            "documents": status.documents,
            "last_crawl": None
            if run_ is None
            else {
                "started": _iso(run_.started_at),
                "finished": _iso(run_.finished_at),
                "outcome": run_.outcome,
                "items_stored": run_.items_stored,
                "errors": run_.errors,
                "message": run_.message,
            },
        }
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            last = "never crawled" if run_ is None else f"last crawl {_iso(run_.started_at)} {run_.outcome}"
            schedule = f"cron {source.cron}" if source.cron else f"every {format_duration(source.interval)}"
            click.echo(f"{source.name:28} {source.kind:11} {schedule:16} {status.documents:6} docs  {last}  {source.url}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object with everything shown.")
@click.pass_obj
@user_errors
def status(app: App, as_json: bool) -> None:
    """Show whether the daemon runs, each source's health, last crawl and next run, the alert backlog,
    the archive's size and, with the scrapyd executor, each node's running jobs and free capacity."""
    from waakhond.status import collect, render

    report = collect(app.engine, app.config)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else render(report))


def search_filters(func: F) -> F:
    """The filters `search` and `export` share."""
    from storage.search import KINDS, LABELS, SORTS

    options = [
        click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
                     help="Only this source kind (news, ap, kamervragen) or document kind; repeat for several."),
        click.option("--source", "sources", multiple=True, metavar="NAME",
                     help="Only documents of this source; repeat for several."),
        click.option("--entity", "entities", multiple=True, metavar="ID",
                     help="Only documents naming this entity (gazetteer id, or e.g. case:2024Z16676); repeat: all of them."),
        click.option("--watchlist", "watchlists", multiple=True, metavar="NAME",
                     help="Only documents that reached this watchlist; repeat for several."),
        click.option("--label", "labels", multiple=True, type=click.Choice(LABELS),
                     help="Only documents with this label; repeat for several."),
        click.option("--min-relevance", type=click.FloatRange(min=0), metavar="X",
                     help="Only documents with relevance X or more (1.0 and up is core)."),
        click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
                     help="Only documents dated on or after DATE (YYYY-MM-DD, Europe/Amsterdam)."),
        click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
                     help="Only documents dated on or before DATE (YYYY-MM-DD)."),
        click.option("--sort", type=click.Choice(SORTS),
                     help="relevance (the default with a query), newest (the default without) or oldest."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(kinds: tuple[str, ...], sources: tuple[str, ...], entities: tuple[str, ...], watchlists: tuple[str, ...],
             labels: tuple[str, ...], min_relevance: float | None, since: datetime | None,
             until: datetime | None) -> Any:
    from storage.search import Filters

    return Filters(kinds=kinds, sources=sources, entities=entities, watchlists=watchlists, labels=labels,
                   min_relevance=min_relevance, since=since.date() if since else None,
                   until=until.date() if until else None)


@cli.command()
@click.argument("query", required=False, default="")
@search_filters
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result and line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="At most this many results.")
@click.pass_obj
@user_errors
def search(app: App, query: str, as_json: bool, as_csv: bool, limit: int, sort: str | None, **filters: Any) -> None:
    """Search the archive: words (and their inflections and compounds), "phrases", OR, -exclusion, prefix*,
    narrowed by filters; best match first (or --sort newest). Without QUERY, every document the filters let through.

    Example: waakhond search '"Clearview AI" boete OR dwangsom' --kind news --since 2026-01-01
    """
    from storage import stories
    from storage.search import search as run_search
    from waakhond import feeds

    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    results = run_search(app.engine, query, _filters(**filters), sort=sort, limit=limit)
    # The story of each hit: "also in" the other outlets that carry it.
    views = stories.stories_of(app.engine, [hit.id for hit in results.hits])
    also = {hit.id: views[hit.id].also_in(hit.id) for hit in results.hits if hit.id in views}
    records = (
        feeds.hit_record(hit) | {"story": views[hit.id].id if hit.id in views else None,
                                 "also_in": list(also.get(hit.id, ()))}
        for hit in results.hits
    )
    if as_json:
        for line in feeds.json_lines(records):
            click.echo(line, nl=False)
        return
    if as_csv:
        fields = ("id", "url", "title", "kind", "source", "published", "fetched", "label", "relevance", "tags",
                  "matches", "version", "updated", "raw_sha256", "snippet", "story", "also_in")
        for line in feeds.csv_rows(records, fields):
            click.echo(line, nl=False)
        return
    for hit in results.hits:
        when = hit.dated.astimezone(AMSTERDAM).strftime("%Y-%m-%d")
        edited = f" (bijgewerkt, versie {hit.version})" if hit.version > 1 else ""
        why = f"{hit.label} {hit.relevance:.1f}" + (f": {', '.join(hit.matches)}" if hit.matches else "")
        also_line = f"\n            also in: {', '.join(also[hit.id])}" if also.get(hit.id) else ""
        click.echo(f"{when}  {hit.source:16} {hit.title}{edited}\n            {hit.url}\n            {why}{also_line}")
        if hit.snippet:
            click.echo(f"            {hit.snippet_text()}")
    if not results.hits:
        click.echo("no documents found", err=True)
    elif results.has_more:
        click.echo(f"more than {limit} found; narrow the search or raise --limit", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "atom"]), default="json", show_default=True,
              help="csv (a header line, one row per document), json (one object per line) or atom (an Atom feed).")
@click.option("--query", default="", metavar="QUERY", help="Only documents matching QUERY (search syntax).")
@search_filters
@click.option("--output", "-o", type=click.File("w", encoding="utf-8", lazy=True), default="-", metavar="FILE",
              help="Write to FILE instead of standard output.")
@click.pass_obj
@user_errors
def export(app: App, fmt: str, query: str, sort: str | None, output: Any, **filters: Any) -> None:
    """Export the archive, or the selection the query and filters make, with full text, metadata, matches,
    entities and hashes. Streams: an archive of millions of documents is never held in memory.

    Example: waakhond export --format csv --kind kamervragen --since 2026-01-01 -o kamervragen.csv
    """
    from storage.search import iter_documents
    from waakhond import feeds

    documents = iter_documents(app.engine, query, _filters(**filters), sort=sort or "newest")
    records = (feeds.export_record(doc) for doc in documents)
    if fmt == "json":
        chunks = feeds.json_lines(records)
    elif fmt == "csv":
        chunks = feeds.csv_rows(records)
    else:
        chunks = feeds.atom("Waakhond export" + (f": {query}" if query else ""), "urn:waakhond:export", None, None,
                            (feeds.document_entry(r, full_text=True) for r in records))
    for chunk in chunks:
        output.write(chunk)
    output.flush()


@cli.command()
@click.pass_obj
@user_errors
def reindex(app: App) -> None:
    """Rebuild the full-text index from the stored titles and texts (after an upgrade that changes stemming or
    pipeline/compounds.txt, or when the index is suspected damaged). Document ids and permalinks stay."""
    from storage import fulltext

    if sys.stderr.isatty():
        with click.progressbar(length=max(repository.document_count(app.engine), 1), label="reindex",
                               file=sys.stderr, show_pos=True) as bar:
            done = fulltext.rebuild(app.engine, progress=bar.update)
    else:
        done = fulltext.rebuild(app.engine)
    fulltext.integrity_check(app.engine)
    click.echo(f"{done} documents indexed")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but localhost exposes the archive to the network.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free one).")
@click.pass_obj
@user_errors
def web(app: App, host: str, port: int) -> None:
    """Serve the searchable timeline (read-only, no JavaScript) in the browser until Ctrl-C.

    Example: waakhond web --port 8080, then open http://127.0.0.1:8080/
    """
    from waakhond.web import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who can reach it can read the archive", err=True)
    serve(app.engine, host, port, announce=lambda url: click.echo(f"waakhond web: {url}", err=True))


@cli.command("kamervragen")
@click.option(
    "--status",
    "status_filter",
    type=click.Choice(STATUSES),
    help="Only cases with this status (open, postponed, answered, overdue).",
)
@click.option("--all", "include_irrelevant", is_flag=True, help="Also cases that are not relevant (no core document).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per case and line.")
@click.pass_obj
@user_errors
def kamervragen_command(app: App, status_filter: str | None, include_irrelevant: bool, as_json: bool) -> None:
    """List the written questions (Kamervragen) that match a watchlist, with their status and answer clock.

    Example: waakhond kamervragen --status overdue
    """
    from storage.kamervragen import list_cases

    now = datetime.now(UTC)
    cases = list_cases(app.engine, status=status_filter, relevant_only=not include_irrelevant)
    for case in cases:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "number": case.number,
                        "subject": case.subject,
                        "status": case.status,
                        "status_since": _iso(case.status_since),
                        "submitted": _iso(case.submitted_at),
                        "due": _iso(case.due_at),
                        "days_left": _days_left(case.due_at, now),
                        "submitters": list(case.submitters),
                        "addressee": case.addressee,
                        "relevant": case.relevant,
                        "documents": [
                            {"role": d.role, "kind": d.soort, "number": d.number, "date": _iso(d.dated_at),
                             "url": d.url, "deleted": d.deleted}
                            for d in case.documents
                        ],
                        "history": [{"status": s, "since": _iso(at)} for s, at in case.history],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            clock = _clock_text(case.status, case.status_since, case.due_at, now)
            people = ", ".join(case.submitters) or "?"
            click.echo(f"{case.number}  {case.status:9} {clock}\n    {case.subject}\n    {people}"
                       + (f" -> {case.addressee}" if case.addressee else ""))
    if not cases and not as_json:
        click.echo("no cases found", err=True)


def _entries(config: Config, source_name: str) -> str:
    """What a source's crawl counts: entries of a feed, records of an API."""
    return "records" if config.source(source_name).kind == "kamervragen" else "feed entries"


def _days_left(due: datetime | None, now: datetime) -> int | None:
    return None if due is None else (due - now).days


def _clock_text(status: str, since: datetime | None, due: datetime | None, now: datetime) -> str:
    day = lambda moment: moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d") if moment else "?"  # noqa: E731
    if status == "answered":
        return f"answered {day(since)}"
    if status == "overdue":
        return f"overdue since {day(due)} ({(now - due).days if due else '?'} days)"
    left = _days_left(due, now)
    return f"answer due {day(due)} ({left} days left)" + (f", postponed {day(since)}" if status == "postponed" else "")


@cli.group()
def backfill() -> None:
    """Load history that regular crawls do not reach."""


@backfill.command("kamervragen")
@click.option(
    "--since", required=True, metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Load every written-question document dated from DATE (YYYY-MM-DD) on.",
)
@click.option("--source", "source_name", metavar="NAME",
              help="The kamervragen source to backfill (default: the only one configured).")
@click.pass_obj
@user_errors
def backfill_kamervragen(app: App, since: datetime, source_name: str | None) -> None:
    """Load Kamervragen history from DATE on into the archive, without alerts, with a progress bar.

    The regular sync is not disturbed: it keeps its own position.

    Example: waakhond backfill kamervragen --since 2024-01-01
    """
    from waakhond.crawl_runner import run_crawls

    candidates = [s for s in app.config.sources if s.kind == "kamervragen"]
    if source_name:
        source = app.config.source(source_name)
        if source.kind != "kamervragen":
            raise click.UsageError(f"{source_name} is a {source.kind} source, not a kamervragen source")
    elif len(candidates) == 1:
        source = candidates[0]
    else:
        names = ", ".join(s.name for s in candidates) or "none"
        raise click.UsageError(f"give --source NAME (kamervragen sources configured: {names})")
    args = {"since": since.date().isoformat()}
    if sys.stderr.isatty():
        with click.progressbar(length=1, label=f"backfill {source.name}", file=sys.stderr, show_pos=True) as bar:

            def progress(done: int, total: int | None) -> None:
                bar.length = max(total or 0, done, 1)
                bar.update(done - bar.pos)

            runs = run_crawls(app.settings, app.config, app.engine, [source.name], app.verbose, spider_args=args,
                              on_record=progress)
    else:
        runs = run_crawls(app.settings, app.config, app.engine, [source.name], app.verbose, spider_args=args)
    for run_ in runs:
        click.echo(f"{run_.source_name}: {run_.outcome}: {run_.entries_seen} records, {run_.items_stored} stored, "
                   f"{run_.items_updated} updated, {run_.items_relevant} relevant"
                   + (f" ({run_.message})" if run_.message else ""))
    if not runs or any(r.outcome == "failed" for r in runs):
        raise click.ClickException(f"backfill of {source.name} failed")


@cli.group()
def rules() -> None:
    """Validate the watchlists and gazetteer, and see how a text is classified."""


@rules.command("check")
@click.option("--watchlists", "watchlists_file", metavar="FILE",
              help="Check and use the watchlists of FILE instead of the config's (to try a change first).")
@click.option("--title", default="", help="The title of the text to classify.")
@click.option("--text", "body", metavar="TEXT", help="A text to classify.")
@click.option("--file", "text_file", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="Classify the text in FILE ('-': standard input).")
@click.option("--json", "as_json", is_flag=True, help="The classification as one JSON object.")
@click.pass_obj
@user_errors
def rules_check(
    app: App, watchlists_file: str | None, title: str, body: str | None, text_file: Any, as_json: bool
) -> None:
    """Validate the watchlists and gazetteer (errors name file, line and problem); with a text, show how it is
    classified: label, relevance, tags, every watchlist's score, each match with the text around it, entities.

    Example: waakhond rules check --title "Politie test gezichtsherkenning" --text "De politie ..."
    """
    from dataclasses import replace

    from pipeline.classify import Classifier
    from waakhond.config import watchlists_from_file

    config = app.config
    if watchlists_file:
        watchlists = watchlists_from_file(watchlists_file, {e.id for e in config.entities})
        config = replace(config, watchlists=watchlists)
    text = text_file.read() if text_file is not None else body
    if text is None and not title:
        roles = Counter(w.role for w in config.watchlists)
        rules_count = sum(len(w.rules) for w in config.watchlists)
        click.echo(f"ok: {len(config.watchlists)} watchlists ({', '.join(f'{n} {r}' for r, n in sorted(roles.items()))}), "
                   f"{rules_count} rules, {len(config.entities)} entities")
        for w in config.watchlists:
            click.echo(f"  {w.name:24} {w.role:9} threshold {w.threshold:g}, {len(w.rules)} rules")
        return
    result = Classifier(config.watchlists, config.entities).classify(title, text or "")
    if as_json:
        click.echo(json.dumps(_classification_json(result), ensure_ascii=False, indent=2))
        return
    click.echo(f"label: {result.label}  relevance: {result.relevance:g}  tags: {', '.join(result.tags) or '-'}")
    for w in result.watchlists:
        mark = "reached" if w.reached else "not reached"
        click.echo(f"  {w.name:24} {w.role:9} score {w.score:g} / {w.threshold:g}  {mark}")
    for m in result.matches:
        click.echo(f"  match  {m.watchlist}: {m.rule!r} x{m.count} weight {m.weight:g} -> {m.score:+g}")
        if m.snippet:
            click.echo(f"         {m.snippet}")
    for e in result.entities:
        click.echo(f"  entity {e.type}: {e.name} ({e.entity}) x{e.count}")


def _classification_json(result: Any) -> dict[str, Any]:
    return {
        "label": result.label,
        "relevance": result.relevance,
        "tags": list(result.tags),
        "watchlists": [
            {"name": w.name, "role": w.role, "score": w.score, "threshold": w.threshold, "reached": w.reached}
            for w in result.watchlists
        ],
        "matches": [
            {"watchlist": m.watchlist, "rule": m.rule, "weight": m.weight, "count": m.count, "score": m.score,
             "spans": [[s.field, s.start, s.end] for s in m.spans], "snippet": m.snippet}
            for m in result.matches
        ],
        "entities": [
            {"entity": e.entity, "type": e.type, "name": e.name, "count": e.count,
             "spans": [[s.field, s.start, s.end] for s in e.spans], "snippet": e.snippet}
            for e in result.entities
        ],
    }


@cli.command()
@click.option("--since", metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only documents first stored on or after DATE (YYYY-MM-DD; default: all).")
@click.option("--alert", is_flag=True,
              help="Also queue alerts for documents that a chat now wants and was never alerted about.")
@click.pass_obj
@user_errors
def reclassify(app: App, since: datetime | None, alert: bool) -> None:
    """Classify stored documents again with the current watchlists and gazetteer, so a rule change applies to
    the archive. Unsent alerts that no chat wants any more are cancelled; no new alerts are sent for these
    documents unless --alert is given.

    Example: waakhond reclassify --since 2026-01-01
    """
    from waakhond.reclassify import reclassify as run_reclassify

    start = since.replace(tzinfo=AMSTERDAM) if since else None
    if sys.stderr.isatty():
        with click.progressbar(length=max(repository.document_count(app.engine), 1), label="reclassify",
                               file=sys.stderr, show_pos=True) as bar:
            report = run_reclassify(app.engine, app.config, start, alert, progress=bar.update)
    else:
        report = run_reclassify(app.engine, app.config, start, alert)
    click.echo(f"{report.examined} documents classified, {report.relabelled} changed label, "
               f"{report.alerts_queued} alerts queued"
               + (f", {report.alerts_cancelled} unsent alerts cancelled" if report.alerts_cancelled else "")
               + (f", {report.skipped} skipped (changed meanwhile)" if report.skipped else ""))
    for (old, new), n in sorted(report.changed.items()):
        if old != new:
            click.echo(f"  {old} -> {new}: {n}")


@cli.group()
def gazetteer() -> None:
    """Keep the entity gazetteer's MPs and parties up to date."""


@gazetteer.command("refresh")
@click.option("--source", "source_name", metavar="NAME",
              help="The kamervragen source whose OData API is asked (default: the only one configured).")
@click.option("--output", metavar="FILE",
              help="Write the gazetteer file here (default: tweede-kamer-gazetteer.toml in the data directory).")
@click.pass_obj
@user_errors
def gazetteer_refresh(app: App, source_name: str | None, output: str | None) -> None:
    """Fetch the current Tweede Kamer parties and MPs from the kamervragen source's OData API and write them as a
    gazetteer file, to name in the config's gazetteer_files. Parties take the built-in ids, so they replace the
    built-in entries; MPs get ids "tk-<name>", or the built-in id of an MP the gazetteer already knows by name.
    Nothing is written when the API fails.

    Example: waakhond gazetteer refresh
    """
    from pathlib import Path

    from waakhond import members

    source = members.choose_source(members.configured_sources(lambda: app.config, app.settings.config_path),
                                   source_name)
    target = (Path(output).expanduser() if output else app.settings.data_dir / members.DEFAULT_FILE_NAME).absolute()
    report = members.refresh(source.url, target)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"wrote {report.parties} parties and {report.members} MPs from {source.name} to {report.path}")
    click.echo(f"to use it, the config needs: gazetteer_files = [{json.dumps(str(report.path), ensure_ascii=False)}]")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# Stories, links and entity timelines live in their own module, which builds on App and user_errors above.
from waakhond import cli_stories  # noqa: E402

for _command in (cli_stories.story, cli_stories.links, cli_stories.entity, cli_stories.relate):
    cli.add_command(_command)

# Dead letters, subscriptions and the bot.
from waakhond import cli_alerts  # noqa: E402

for _command in (cli_alerts.alerts, cli_alerts.subscriptions, cli_alerts.bot):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="waakhond")
