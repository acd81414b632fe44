"""The `waakhond` command line: thin commands over the config, crawler, archive and alert sender."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy import Engine

from alerts.errors import AlertError
from alerts.sender import SendReport, send_due
from storage import repository
from storage.engine import open_database
from storage.errors import StorageError
from waakhond.config import Config, Settings, format_duration, load_config
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
            f"{run.source_name}: {run.outcome}: {run.entries_seen} feed entries, {run.items_stored} stored, "
            f"{run.items_updated} updated, {run.items_relevant} relevant, {run.alerts_queued} alerts queued"
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
            return await send_due(app.engine, notifier)

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
            click.echo(f"{source.name:24} {source.kind:6} every {format_duration(source.interval)}  "
                       f"{status.documents:6} docs  {last}  {source.url}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object with everything shown.")
@click.pass_obj
@user_errors
def status(app: App, as_json: bool) -> None:
    """Show whether the daemon runs, each source's health, last crawl and next run, the alert backlog and
    the archive's size."""
    from waakhond.status import collect, render

    report = collect(app.engine, app.config)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else render(report))


@cli.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result and line.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="At most this many results.")
@click.pass_obj
@user_errors
def search(app: App, query: str, as_json: bool, limit: int) -> None:
    """Search stored documents for every word and "quoted phrase" of QUERY (case and accents ignored).

    Example: waakhond search '"Clearview AI" boete'
    """
    hits = repository.search(app.engine, query, limit=limit)
    for hit in hits:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "url": hit.url,
                        "title": hit.title,
                        "kind": hit.kind,
                        "source": hit.source,
                        "published": _iso(hit.published),
                        "fetched": _iso(hit.fetched),
                        "matches": list(hit.matches),
                        "version": hit.version,
                        "updated": _iso(hit.updated),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            when = (hit.published or hit.fetched).strftime("%Y-%m-%d")
            edited = f" (bijgewerkt, versie {hit.version})" if hit.version > 1 else ""
            click.echo(f"{when}  {hit.source:16} {hit.title}{edited}\n            {hit.url}")
    if not hits and not as_json:
        click.echo("no documents found", err=True)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def main() -> None:
    cli(prog_name="waakhond")
