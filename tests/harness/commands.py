"""Runs the real `waakhond` command in a subprocess, as a user or the daemon would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]


def run_waakhond(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """One CLI run in its own process: Scrapy's reactor cannot be restarted within one."""
    return subprocess.run(
        [sys.executable, "-m", "waakhond", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_commands(group: click.Group, prefix: str = "waakhond") -> list[tuple[str, click.Command]]:
    """Every command and subcommand of a click group, with its full name ("waakhond config check")."""
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found.extend(cli_commands(command, f"{prefix} {name}"))
    return found


def feed_source(name: str, url: str, extra: str = "") -> str:
    """A `[[sources]]` table of a feed source for a test config; ``extra`` adds TOML lines (interval, timeout)."""
    return f'[[sources]]\nname = "{name}"\nkind = "feed"\nurl = "{url}"\n{extra}\n'
