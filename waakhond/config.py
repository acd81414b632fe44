"""Loads and validates the TOML config file and the environment into typed, frozen settings."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from waakhond.errors import ConfigError, ConfigProblem

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEFAULT_INTERVAL = timedelta(minutes=30)
MIN_INTERVAL = timedelta(seconds=1)
# Shorter than this is accepted but warned about: outlets rarely update feeds more often.
POLITE_INTERVAL = timedelta(minutes=5)
DEFAULT_TIMEOUT = timedelta(minutes=20)
SOURCE_KINDS = ("feed", "kamervragen")
# Where the published text of Kamervragen is looked up: KOOP's SRU service for officielebekendmakingen.
DEFAULT_PUBLICATIONS_URL = "https://repository.overheid.nl/sru"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

# Built in so that a config without [[watchlists]] still watches the right topic.
DEFAULT_WATCHLISTS_TOML = """
[[watchlists]]
name = "gezichtsherkenning"
terms = [
    "gezichtsherkenning", "gezichtsherkenningssoftware", "gezichtsherkenningstechnologie",
    "gezichtsherkenningscamera", "gezichtsherkenningscamera's", "automatische gezichtsherkenning",
    "facial recognition", "face recognition", "Clearview", "Clearview AI", "PimEyes",
    "biometrie", "biometrische", "biometrische gegevens", "biometrische identificatie",
    "biometrische surveillance", "AI-verordening", "AI Act",
]
"""


@dataclass(frozen=True)
class Source:
    """One watched source: a name, what kind of source it is, where it lives, how often to look."""

    name: str
    kind: str
    url: str
    interval: timedelta = DEFAULT_INTERVAL
    cron: str | None = None  # a crontab expression (Europe/Amsterdam); replaces interval when set
    timeout: timedelta = DEFAULT_TIMEOUT  # a crawl running longer is killed and recorded as failed
    # kamervragen sources: the SRU endpoint where the questions' and answers' published texts are found
    publications_url: str | None = None


@dataclass(frozen=True)
class Health:
    """When a source counts as failing or silent (see the README's "Source health")."""

    failures: int = 3  # failed crawls in a row
    silence_factor: float = 4.0  # silent after this many times its usual gap between new documents
    min_silence: timedelta = timedelta(days=1)


@dataclass(frozen=True)
class Watchlist:
    name: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Subscription:
    """A Telegram chat and the watchlists it follows (None: every relevant item)."""

    chat_id: str
    watchlists: tuple[str, ...] | None = None

    def wants(self, matched_watchlists: set[str]) -> bool:
        if not matched_watchlists:
            return False
        return self.watchlists is None or bool(matched_watchlists.intersection(self.watchlists))


@dataclass(frozen=True)
class Config:
    path: str
    sources: tuple[Source, ...] = ()
    watchlists: tuple[Watchlist, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()
    operator_chat_id: str | None = None  # where source-health messages go; None: the log only
    health: Health = Health()
    warnings: tuple[ConfigProblem, ...] = ()
    text: str = field(default="", repr=False)  # the validated TOML, for the daemon's snapshot

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError([ConfigProblem(self.path, "sources", f"no source named {name!r} (configured: {known})")])


@dataclass(frozen=True)
class Settings:
    """Deployment settings and secrets, from the environment (never from the config file)."""

    data_dir: Path
    database_url: str
    config_path: str | None = None
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    # Seconds between requests to one site; AutoThrottle may raise it, never lower it.
    download_delay: float = 1.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, config_path: str | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("WAAKHOND_DATA_DIR") or default_data_dir(env)).expanduser()
        database_url = env.get("WAAKHOND_DATABASE_URL") or f"sqlite:///{data_dir / 'waakhond.db'}"
        api_url = (env.get("TELEGRAM_API_URL") or DEFAULT_TELEGRAM_API_URL).rstrip("/")
        problems = []
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(ConfigProblem("environment", "TELEGRAM_API_URL", f"{api_url!r} is not an http(s) URL"))
        if not database_url.startswith(("sqlite:", "postgresql")):
            problems.append(
                ConfigProblem(
                    "environment",
                    "WAAKHOND_DATABASE_URL",
                    "only sqlite:///PATH and postgresql+psycopg://... URLs are supported",
                )
            )
        delay = 1.0
        try:
            delay = float(env.get("WAAKHOND_DOWNLOAD_DELAY") or 1.0)
            if not 0 <= delay <= 600:
                raise ValueError
        except ValueError:
            problems.append(
                ConfigProblem("environment", "WAAKHOND_DOWNLOAD_DELAY", "must be a number of seconds from 0 to 600")
            )
        if problems:
            raise ConfigError(problems)
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            config_path=config_path or env.get("WAAKHOND_CONFIG") or None,
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=api_url,
            download_delay=delay,
        )

    def load_config(self) -> Config:
        return load_config(self.config_path)

    @property
    def lock_dir(self) -> Path:
        return self.data_dir / "locks"


def default_data_dir(env: os._Environ[str] | dict[str, str]) -> str:
    base = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "waakhond")


def format_duration(duration: timedelta) -> str:
    """The config's own notation: 900 seconds -> "15m"."""
    seconds = int(duration.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def default_config_text() -> str:
    return resources.files("waakhond").joinpath("default_config.toml").read_text(encoding="utf-8")


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file; ``None`` means the config shipped with Waakhond.

    Raises:
        ConfigError: listing every problem found, each with file, key and reason.
    """
    if path is None:
        return parse_config(default_config_text(), "<built-in default config>")
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(shown, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(shown, "", f"cannot read: {exc}")]) from exc
    return parse_config(text, shown)


def parse_config(text: str, path: str) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(path, "", f"not valid TOML: {exc}")]) from exc
    checker = _Checker(path)
    config = checker.config(data)
    if checker.problems:
        raise ConfigError(checker.problems)
    return replace(config, text=text)


class _Checker:
    """Walks the parsed TOML, collecting every problem instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []

    def problem(self, key: str, reason: str) -> None:
        self.problems.append(ConfigProblem(self.path, key, reason))

    def config(self, data: dict[str, Any]) -> Config:
        self.unknown_keys(data, "", {"sources", "watchlists", "subscriptions", "operator", "health"})
        source_tables = self.tables(data, "sources")
        self.unique(source_tables, "sources", "name")
        sources = tuple(s for i, t in enumerate(source_tables) if (s := self.source(i, t)))
        if "watchlists" in data:
            watchlist_tables = self.tables(data, "watchlists")
            self.unique(watchlist_tables, "watchlists", "name")
            watchlists = tuple(w for i, t in enumerate(watchlist_tables) if (w := self.watchlist(i, t)))
        else:
            watchlists = parse_config(DEFAULT_WATCHLISTS_TOML, "<built-in watchlists>").watchlists
        names = {w.name for w in watchlists}
        subscription_tables = self.tables(data, "subscriptions")
        self.unique(subscription_tables, "subscriptions", "chat_id")
        subscriptions = tuple(s for i, t in enumerate(subscription_tables) if (s := self.subscription(i, t, names)))
        return Config(
            self.path, sources, watchlists, subscriptions, self.operator(data), self.health(data), tuple(self.warnings)
        )

    def section(self, data: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problem(key, f"must be a table ([{key}]), not {_kind(value)}")
            return {}
        self.unknown_keys(value, f"{key}.", allowed)
        return value

    def operator(self, data: dict[str, Any]) -> str | None:
        table = self.section(data, "operator", {"chat_id"})
        if "chat_id" not in table:
            return None
        return self.chat_id(table["chat_id"], "operator.chat_id")

    def health(self, data: dict[str, Any]) -> Health:
        table = self.section(data, "health", {"failures", "silence_factor", "min_silence"})
        health = Health()
        failures = table.get("failures", health.failures)
        if isinstance(failures, bool) or not isinstance(failures, int) or not 1 <= failures <= 100:
            self.problem("health.failures", f"must be a whole number from 1 to 100, not {failures!r}")
            failures = health.failures
        factor = table.get("silence_factor", health.silence_factor)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 1 <= factor <= 1000:
            self.problem("health.silence_factor", f"must be a number from 1 to 1000, not {factor!r}")
            factor = health.silence_factor
        min_silence = health.min_silence
        if "min_silence" in table:
            min_silence = self.duration(table["min_silence"], "health.min_silence") or min_silence
        return Health(failures=failures, silence_factor=float(factor), min_silence=min_silence)

    def tables(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.problem(key, f"must be an array of tables ([[{key}]]), not {_kind(value)}")
            return []
        tables = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                tables.append(item)
            else:
                self.problem(f"{key}[{i}]", f"must be a table, not {_kind(item)}")
        return tables

    def unknown_keys(self, table: dict[str, Any], prefix: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                self.problem(f"{prefix}{key}", f"unknown key (expected one of: {', '.join(sorted(allowed))})")

    def unique(self, tables: list[dict[str, Any]], section: str, key: str) -> None:
        seen: set[str] = set()
        for i, table in enumerate(tables):
            value = table.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                if str(value) in seen:
                    self.problem(f"{section}[{i}].{key}", f"duplicate {key} {value!r}")
                seen.add(str(value))

    def string(self, table: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
        if key not in table:
            if required:
                self.problem(f"{where}.{key}", "is required")
            return None
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{where}.{key}", f"must be a non-empty string, not {_kind(value)}")
            return None
        return value.strip()

    def source(self, i: int, table: dict[str, Any]) -> Source | None:
        where = f"sources[{i}]"
        self.unknown_keys(table, f"{where}.", {"name", "kind", "url", "interval", "cron", "timeout", "publications_url"})
        before = len(self.problems)
        name = self.string(table, "name", where)
        if name is not None and not _NAME_RE.match(name):
            self.problem(f"{where}.name", f"{name!r} must be lowercase letters, digits, '-' or '_' (at most 64)")
        kind = self.string(table, "kind", where)
        if kind is not None and kind not in SOURCE_KINDS:
            self.problem(f"{where}.kind", f"{kind!r} is not a known kind (known: {', '.join(SOURCE_KINDS)})")
        url = self.string(table, "url", where)
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                self.problem(f"{where}.url", f"{url!r} is not an http(s) URL")
        interval = DEFAULT_INTERVAL
        if "interval" in table:
            parsed = self.duration(table["interval"], f"{where}.interval")
            interval = parsed or interval
            if parsed and parsed < POLITE_INTERVAL:
                self.warnings.append(
                    ConfigProblem(self.path, f"{where}.interval", f"{table['interval']!r} polls more often than every "
                                  f"{int(POLITE_INTERVAL.total_seconds() // 60)} minutes; outlets rarely update that often")
                )
        cron = None
        if "cron" in table:
            if "interval" in table:
                self.problem(f"{where}.cron", "give either interval or cron, not both")
            cron = self.crontab(table["cron"], f"{where}.cron")
        timeout = DEFAULT_TIMEOUT
        if "timeout" in table:
            timeout = self.duration(table["timeout"], f"{where}.timeout") or timeout
        publications_url = None
        if kind == "kamervragen":
            publications_url = self.string(table, "publications_url", where, required=False) or DEFAULT_PUBLICATIONS_URL
            parts = urlsplit(publications_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                self.problem(f"{where}.publications_url", f"{publications_url!r} is not an http(s) URL")
        elif "publications_url" in table:
            self.problem(f"{where}.publications_url", "only kamervragen sources have a publications_url")
        if len(self.problems) > before:
            return None
        assert name and kind and url
        return Source(
            name=name, kind=kind, url=url, interval=interval, cron=cron, timeout=timeout,
            publications_url=publications_url,
        )

    def crontab(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str):
            self.problem(key, f"must be a crontab expression like \"*/15 7-23 * * *\", not {_kind(value)}")
            return None
        try:
            CronTrigger.from_crontab(value, timezone=AMSTERDAM)
        except ValueError as exc:
            self.problem(key, f"{value!r} is not a valid crontab expression: {exc}")
            return None
        return value

    def duration(self, value: Any, key: str) -> timedelta | None:
        match = _DURATION_RE.match(value) if isinstance(value, str) else None
        if not match:
            self.problem(key, f"{value!r} is not a duration like \"30s\", \"15m\", \"2h\" or \"1d\"")
            return None
        duration = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        if duration < MIN_INTERVAL:
            self.problem(key, f"{value!r} is shorter than the minimum of {int(MIN_INTERVAL.total_seconds())}s")
            return None
        return duration

    def watchlist(self, i: int, table: dict[str, Any]) -> Watchlist | None:
        where = f"watchlists[{i}]"
        self.unknown_keys(table, f"{where}.", {"name", "terms"})
        before = len(self.problems)
        name = self.string(table, "name", where)
        terms = table.get("terms")
        if not isinstance(terms, list) or not terms:
            self.problem(f"{where}.terms", "must be a non-empty array of strings")
            terms = []
        clean = []
        for j, term in enumerate(terms):
            if not isinstance(term, str) or not term.strip():
                self.problem(f"{where}.terms[{j}]", f"must be a non-empty string, not {_kind(term)}")
            else:
                clean.append(" ".join(term.split()))
        if len(self.problems) > before:
            return None
        assert name
        return Watchlist(name=name, terms=tuple(dict.fromkeys(clean)))

    def subscription(self, i: int, table: dict[str, Any], watchlists: set[str]) -> Subscription | None:
        where = f"subscriptions[{i}]"
        self.unknown_keys(table, f"{where}.", {"chat_id", "watchlists"})
        before = len(self.problems)
        chat_id = None
        if "chat_id" not in table:
            self.problem(f"{where}.chat_id", "is required")
        else:
            chat_id = self.chat_id(table["chat_id"], f"{where}.chat_id")
        names: tuple[str, ...] | None = None
        if "watchlists" in table:
            value = table["watchlists"]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.problem(f"{where}.watchlists", "must be an array of watchlist names")
            else:
                for j, name in enumerate(value):
                    if name not in watchlists:
                        known = ", ".join(sorted(watchlists)) or "none"
                        self.problem(f"{where}.watchlists[{j}]", f"no watchlist named {name!r} (known: {known})")
                names = tuple(value)
        if len(self.problems) > before:
            return None
        assert chat_id is not None
        return Subscription(chat_id=chat_id, watchlists=names)

    def chat_id(self, value: Any, key: str) -> str | None:
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"@[A-Za-z0-9_]{4,}", value))
        ):
            self.problem(key, f"must be a numeric chat id or an @channelname, not {value!r}")
            return None
        return str(value)


def _kind(value: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean", list: "an array", dict: "a table"}.get(
        type(value), type(value).__name__
    )
