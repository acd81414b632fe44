"""The `waakhond alerts`, `subscriptions` and `bot` commands: dead letters, subscriptions, the Telegram bot."""

from __future__ import annotations

import asyncio

import click

from storage import repository
from storage import subscriptions as stored
from waakhond.cli import App, user_errors
from waakhond.config import AMSTERDAM


@click.command("alerts")
@click.option("--failed", is_flag=True, help="List dead letters: alerts Telegram refused for good, with the reason.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000), help="Show at most this many.")
@click.pass_obj
@user_errors
def alerts(app: App, failed: bool, limit: int) -> None:
    """Show the alert outbox: counts per state, or with --failed the dead letters."""
    if not failed:
        counts = repository.outbox_counts(app.engine)
        for status in ("pending", "sending", "sent", "failed", "cancelled"):
            click.echo(f"{status}: {counts.get(status, 0)}")
        return
    rows = repository.failed_alerts(app.engine, limit)
    if not rows:
        click.echo("no failed alerts")
        return
    for row in rows:
        when = row.created_at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
        click.echo(f"#{row.outbox_id} {when} chat {row.chat_id} ({row.event}, {row.attempts} attempts): {row.reason}")
        click.echo(f"    {row.title} <{row.url}>")


@click.command("subscriptions")
@click.option("--sync", is_flag=True, help="Make the config file's subscriptions the database's first.")
@click.option("--enable", "enable", metavar="TARGET", help="Enable a subscription again (CHAT or CHAT/TOPIC).")
@click.option("--disable", "disable", metavar="TARGET", help="Disable a subscription (its alerts are cancelled).")
@click.pass_obj
@user_errors
def subscriptions(app: App, sync: bool, enable: str | None, disable: str | None) -> None:
    """List the subscriptions (config and bot-made) with their filters and state."""
    if sync:
        report = stored.sync_config(app.engine, app.config.subscriptions)
        click.echo(f"synced from the config: {report.added} added, {report.updated} updated, {report.removed} removed")
    for target, on in ((enable, True), (disable, False)):
        if target is not None and not stored.set_enabled(app.engine, target, on):
            raise click.ClickException(f"no subscription {target!r} (see `waakhond subscriptions`)")
    rows = stored.merged(stored.all_subscriptions(app.engine), app.config.subscriptions)
    if not rows:
        click.echo("no subscriptions")
    for row in rows:
        click.echo(stored.describe(row))


@click.command("bot")
@click.pass_obj
@user_errors
def bot(app: App) -> None:
    """Answer bot commands (/latest, /search, /subscribe, ...) by long polling, until stopped.

    Needs TELEGRAM_BOT_TOKEN; only [bot] admins and allowed_chats get answers. `waakhond run` runs
    the bot too when [bot] names anyone.
    """
    from alerts.bot import run_bot

    if not app.settings.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set")
    asyncio.run(run_bot(app.settings, app.config, app.engine))
