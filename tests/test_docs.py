"""The README stays true: every command, option and environment variable is documented there."""

from __future__ import annotations

import re
from pathlib import Path

import click

from tests.harness.commands import cli_commands
from waakhond.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SOURCES = [p for d in ("waakhond", "crawlers", "storage", "alerts", "pipeline")
           for p in (Path(__file__).resolve().parent.parent / d).rglob("*.py")]


def test_every_command_and_option_is_in_the_readme() -> None:
    for name, command in cli_commands(cli):
        if not isinstance(command, click.Group):
            assert f"`{name}" in README, f"{name} is not documented"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"{name} {opt} is not documented"
    for param in cli.params:
        assert all(opt in README for opt in param.opts if opt.startswith("--"))


def test_every_environment_variable_read_is_in_the_readme() -> None:
    names = set()
    for path in SOURCES:
        names.update(re.findall(r'(?:env|environ)\.get\("([A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert {"WAAKHOND_DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL"} <= names
    for name in names:
        assert re.search(rf"\b{name}\b", README), f"{name} is read but not documented"


def test_quick_start_has_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    assert [line for line in lines if line] == ["make run", "make test"]
