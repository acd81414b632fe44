"""Loads and validates the TOML config file and the environment into typed, frozen settings."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from pipeline.gazetteer import Entity, builtin_text, parse_gazetteer, parse_gazetteer_tables
from pipeline.rules import CORE, UNRELATED, RuleProblem, Watchlist, entity_refs, parse_watchlists, table_line
from waakhond.errors import ConfigError, ConfigProblem

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEFAULT_INTERVAL = timedelta(minutes=30)
MIN_INTERVAL = timedelta(seconds=1)
# Shorter than this is accepted but warned about: outlets rarely update feeds more often.
POLITE_INTERVAL = timedelta(minutes=5)
DEFAULT_TIMEOUT = timedelta(minutes=20)
SOURCE_KINDS = ("feed", "kamervragen", "ap", "sitemap")
# Listing sources (ap, sitemap): how many listing pages or sitemaps one crawl reads at most.
DEFAULT_MAX_PAGES = 3
# Where the published text of Kamervragen is looked up: KOOP's SRU service for officielebekendmakingen.
DEFAULT_PUBLICATIONS_URL = "https://repository.overheid.nl/sru"

EXECUTORS = ("local", "scrapyd")
# Crawl slots a Scrapyd node is assumed to have when its entry names none; match the node's max_proc.
DEFAULT_NODE_MAX_PROC = 4
DEFAULT_SCRAPYD_PROJECT = "waakhond"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: str) -> timedelta | None:
    """The config's notation for a duration ("30s", "15m", "2h", "1d"); None when ``value`` is not one.

    A number too large for a timedelta ("99999999999d") is not a duration either.
    """
    match = _DURATION_RE.match(value)
    if not match:
        return None
    try:
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:
        return None


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
    # ap and sitemap sources: listing pages (or sitemaps) read per crawl, and a regular expression the
    # article URLs must match (None: every link the listing or sitemap gives)
    max_pages: int = DEFAULT_MAX_PAGES
    follow: str | None = None


@dataclass(frozen=True)
class ScrapydNode:
    """A Scrapyd service crawls may be placed on, and how many crawls it runs at once (its max_proc)."""

    url: str
    max_proc: int = DEFAULT_NODE_MAX_PROC


@dataclass(frozen=True)
class Executor:
    """Where crawls run: subprocesses of the daemon (local) or jobs on Scrapyd nodes (scrapyd)."""

    kind: str = "local"
    nodes: tuple[ScrapydNode, ...] = ()
    project: str = DEFAULT_SCRAPYD_PROJECT  # the Scrapyd project the daemon deploys and schedules in


@dataclass(frozen=True)
class Health:
    """When a source counts as failing or silent (see the README's "Source health")."""

    failures: int = 3  # failed crawls in a row
    silence_factor: float = 4.0  # silent after this many times its usual gap between new documents
    min_silence: timedelta = timedelta(days=1)


# What a subscription's `kinds` filter names: news articles, Kamervragen documents, AP releases and decisions.
ALERT_KINDS = ("news", "kamervragen", "ap")
DELIVERY_MODES = ("instant", "hourly", "daily")
_CLOCK_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


@dataclass(frozen=True)
class Subscription:
    """A Telegram chat (or forum topic) and what it follows: watchlists (None: every core item) and filters."""

    chat_id: str
    watchlists: tuple[str, ...] | None = None
    thread_id: int | None = None  # a forum topic's message_thread_id
    kinds: tuple[str, ...] | None = None  # of ALERT_KINDS; None: all
    min_relevance: float | None = None
    entities: tuple[str, ...] | None = None  # gazetteer entity ids or names; None: no entity filter
    mode: str = "instant"  # instant | hourly | daily
    digest_at: str | None = None  # "HH:MM" Europe/Amsterdam, for daily digests
    quiet_hours: tuple[str, str] | None = None  # ("22:00", "07:00") Europe/Amsterdam

    @property
    def target(self) -> str:
        """What the outbox records as the alert's chat: the chat id, or "chat_id/thread_id" for a topic."""
        return subscription_target(self.chat_id, self.thread_id)

    def wants(self, reached: Collection[str], label: str) -> bool:
        """Whether a document with this label that reached these watchlists is alerted to this chat."""
        if self.watchlists is None:
            return label == CORE
        return label != UNRELATED and bool(set(reached).intersection(self.watchlists))

    def accepts(self, kind: str, relevance: float, entities: Collection[str]) -> bool:
        """Whether the finer filters let an alert of this kind (ALERT_KINDS), relevance and entities through."""
        if self.kinds is not None and kind not in self.kinds:
            return False
        if self.min_relevance is not None and relevance < self.min_relevance:
            return False
        if self.entities is not None:
            named = {e.casefold() for e in entities}
            return any(e.casefold() in named for e in self.entities)
        return True


def subscription_target(chat_id: str, thread_id: int | None) -> str:
    return chat_id if thread_id is None else f"{chat_id}/{thread_id}"


@dataclass(frozen=True)
class BotSettings:
    """[bot]: who may command the bot. Commands from anyone else get one polite refusal."""

    admins: tuple[int, ...] = ()  # user ids allowed everywhere, including /subscribe and /unsubscribe
    allowed_chats: tuple[str, ...] = ()  # chats whose members may read (/latest, /search, /status)


@dataclass(frozen=True)
class Config:
    path: str
    sources: tuple[Source, ...] = ()
    watchlists: tuple[Watchlist, ...] = ()
    entities: tuple[Entity, ...] = ()  # the gazetteer: built in, plus gazetteer_files
    subscriptions: tuple[Subscription, ...] = ()
    operator_chat_id: str | None = None  # where source-health messages go; None: the log only
    health: Health = Health()
    warnings: tuple[ConfigProblem, ...] = ()
    # [crawler] contact_url: where site owners reach the operator; in the user agent of every request.
    contact_url: str | None = None
    # [crawler] executor, scrapyd_nodes, scrapyd_project
    executor: Executor = Executor()
    # The validated settings with watchlist_files and gazetteer_files read in: the daemon's snapshot for crawls.
    resolved: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # [bot]: who may command the bot.
    bot: BotSettings = BotSettings()

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


def builtin_watchlists_text() -> str:
    return resources.files("pipeline").joinpath("watchlists.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _builtin_watchlists() -> tuple[Watchlist, ...]:
    watchlists, problems = parse_watchlists(tomllib.loads(builtin_watchlists_text()).get("watchlists", []))
    assert not problems, problems  # shipped data; a test checks it
    return watchlists


@lru_cache(maxsize=1)
def _builtin_tables() -> tuple[list[Any], list[Any]]:
    """The built-in watchlists' and gazetteer's tables as parsed: what a snapshot carries when the config adds none."""
    return tomllib.loads(builtin_watchlists_text())["watchlists"], tomllib.loads(builtin_text())["entity"]


@lru_cache(maxsize=1)
def builtin_entities() -> tuple[Entity, ...]:
    entities, problems = parse_gazetteer(builtin_text())
    assert not problems, problems  # shipped data; a test checks it
    return entities


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file; ``None`` means the config shipped with Waakhond.

    Raises:
        ConfigError: listing every problem found, each with file, key and reason.
    """
    if path is None:
        return parse_config(default_config_text(), "<built-in default config>")
    shown = str(path)
    text = _read(shown, Path(path))
    if shown.endswith(SNAPSHOT_SUFFIX):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError([ConfigProblem(shown, "", f"not a valid snapshot: {exc}")]) from exc
        return _check(data, shown, "", None)
    return parse_config(text, shown, Path(path).parent)


def watchlists_from_file(path: str, entity_ids: Collection[str]) -> tuple[Watchlist, ...]:
    """The watchlists of a watchlist file, checked as the config checks them (for `rules check --watchlists`).

    Raises:
        ConfigError: every problem, with file and line.
    """
    checker = _Checker(path)
    watchlists, _ = checker.watchlist_file(path, _read(path, Path(path)), set(entity_ids))
    if checker.problems:
        raise ConfigError(checker.problems)
    return watchlists


# The daemon's snapshot: settings with every named file read in, written as JSON (tomllib cannot write TOML).
SNAPSHOT_SUFFIX = ".snapshot.json"


def _read(shown: str, path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(shown, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(shown, "", f"cannot read: {exc}")]) from exc
    _refuse_writable_by_others(shown, path)
    return text


def _refuse_writable_by_others(shown: str, path: Path) -> None:
    """A config names the URLs crawled and the chats alerted: whoever can change it controls the daemon.

    Raises:
        ConfigError: the file is world-writable, or its folder is world-writable without the sticky bit
            (anyone could replace the file).
    """
    try:
        mode = path.stat().st_mode
        folder = path.resolve().parent
        folder_mode = folder.stat().st_mode
    except OSError:
        return
    if mode & stat.S_IWOTH:
        raise ConfigError([ConfigProblem(
            shown, "", f"refused: the file is world-writable (mode {stat.S_IMODE(mode):o}), so anyone on this machine "
            f"could change what Waakhond crawls and whom it alerts; run: chmod o-w {shown}",
        )])
    if folder_mode & stat.S_IWOTH and not folder_mode & stat.S_ISVTX:
        raise ConfigError([ConfigProblem(
            shown, "", f"refused: its folder {folder} is world-writable without the sticky bit (mode "
            f"{stat.S_IMODE(folder_mode):o}), so anyone on this machine could replace the file; run: chmod o-w {folder}",
        )])


def parse_config(text: str, path: str, base_dir: Path | None = None) -> Config:
    """Validate a config file's text; files it names are looked up relative to ``base_dir``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(path, "", f"not valid TOML: {exc}")]) from exc
    return _check(data, path, text, base_dir)


def _check(data: dict[str, Any], path: str, text: str, base_dir: Path | None) -> Config:
    checker = _Checker(path, text, base_dir)
    config = checker.config(data)
    if checker.problems:
        raise ConfigError(checker.problems)
    return config


class _Checker:
    """Walks the parsed TOML, collecting every problem instead of stopping at the first."""

    def __init__(self, path: str, text: str = "", base_dir: Path | None = None) -> None:
        self.path = path
        self.text = text
        self.base_dir = base_dir
        self.problems: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []

    def problem(self, key: str, reason: str) -> None:
        self.problems.append(ConfigProblem(self.path, key, reason))

    def rule_problems(self, file: str, problems: list[RuleProblem]) -> None:
        self.problems.extend(ConfigProblem(file, p.key, p.reason, p.line) for p in problems)

    def config(self, data: dict[str, Any]) -> Config:
        allowed = {
            "sources", "watchlists", "watchlist_files", "gazetteer_files", "subscriptions", "operator", "health", "crawler",
            "bot",
        }
        if self.path.endswith(SNAPSHOT_SUFFIX):
            allowed.add("gazetteer_entities")
        self.unknown_keys(data, "", allowed)
        resolved = {k: v for k, v in data.items() if k not in ("watchlist_files", "gazetteer_files")}
        source_tables = self.tables(data, "sources")
        self.unique(source_tables, "sources", "name")
        sources = tuple(s for i, t in enumerate(source_tables) if (s := self.source(i, t)))
        entities, entity_tables = self.entities(data)
        watchlists, watchlist_tables = self.watchlists(data, {e.id for e in entities})
        resolved["watchlists"], resolved["gazetteer_entities"] = watchlist_tables, entity_tables
        names = {w.name for w in watchlists}
        subscription_tables = self.tables(data, "subscriptions")
        subscriptions = tuple(s for i, t in enumerate(subscription_tables) if (s := self.subscription(i, t, names)))
        seen: set[str] = set()
        for i, sub in enumerate(subscriptions):
            if sub.target in seen:
                self.problem(f"subscriptions[{i}].chat_id", f"duplicate chat {sub.target!r} (add thread_id for a topic)")
            seen.add(sub.target)
        return Config(
            self.path, sources, watchlists, entities, subscriptions, self.operator(data), self.health(data),
            tuple(self.warnings), contact_url=self.contact_url(data), executor=self.executor(data), resolved=resolved,
            bot=self.bot(data),
        )

    def bot(self, data: dict[str, Any]) -> BotSettings:
        table = self.section(data, "bot", {"admins", "allowed_chats"})
        admins = table.get("admins", [])
        if not isinstance(admins, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in admins):
            self.problem("bot.admins", "must be an array of numeric Telegram user ids")
            admins = []
        chats = table.get("allowed_chats", [])
        allowed: list[str] = []
        if not isinstance(chats, list):
            self.problem("bot.allowed_chats", "must be an array of chat ids")
        else:
            allowed = [c for j, v in enumerate(chats) if (c := self.chat_id(v, f"bot.allowed_chats[{j}]"))]
        return BotSettings(admins=tuple(admins), allowed_chats=tuple(allowed))

    def executor(self, data: dict[str, Any]) -> Executor:
        table = data.get("crawler", {})
        if not isinstance(table, dict):
            return Executor()  # reported by contact_url's section check
        kind = table.get("executor", "local")
        if kind not in EXECUTORS:
            self.problem("crawler.executor", f"{kind!r} is not an executor (known: {', '.join(EXECUTORS)})")
            return Executor()
        project = DEFAULT_SCRAPYD_PROJECT
        if "scrapyd_project" in table:
            project = self.string(table, "scrapyd_project", "crawler") or project
            if not _NAME_RE.match(project):
                self.problem("crawler.scrapyd_project", f"{project!r} must be lowercase letters, digits, '-' or '_'")
        if kind == "local":
            for key in ("scrapyd_nodes", "scrapyd_project"):
                if key in table:
                    self.problem(f"crawler.{key}", 'only used with executor = "scrapyd"')
            return Executor()
        nodes = self.scrapyd_nodes(table.get("scrapyd_nodes"))
        return Executor(kind, nodes, project)

    def scrapyd_nodes(self, value: Any) -> tuple[ScrapydNode, ...]:
        key = "crawler.scrapyd_nodes"
        if not isinstance(value, list) or not value:
            self.problem(key, 'the scrapyd executor needs a list of Scrapyd URLs, e.g. ["http://10.0.0.5:6800"]')
            return ()
        nodes: list[ScrapydNode] = []
        for i, entry in enumerate(value):
            where = f"{key}[{i}]"
            table = entry if isinstance(entry, dict) else {"url": entry}
            self.unknown_keys(table, f"{where}.", {"url", "max_proc"})
            url = table.get("url")
            if not isinstance(url, str) or not url.strip():
                self.problem(where, f"must be a URL or a table {{ url = ..., max_proc = N }}, not {_kind(entry)}")
                continue
            url = url.strip().rstrip("/")
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
                self.problem(where, f"{url!r} is not an http(s) URL of a Scrapyd service")
                continue
            if parts.username or parts.password:
                self.problem(where, "put no credentials in the URL: set WAAKHOND_SCRAPYD_USERNAME and WAAKHOND_SCRAPYD_PASSWORD")
                continue
            max_proc = table.get("max_proc", DEFAULT_NODE_MAX_PROC)
            if isinstance(max_proc, bool) or not isinstance(max_proc, int) or not 1 <= max_proc <= 256:
                self.problem(f"{where}.max_proc", f"must be a whole number from 1 to 256, not {max_proc!r}")
                continue
            if any(n.url == url for n in nodes):
                self.problem(where, f"duplicate node {url!r}")
                continue
            nodes.append(ScrapydNode(url, max_proc))
        return tuple(nodes)

    def contact_url(self, data: dict[str, Any]) -> str | None:
        table = self.section(data, "crawler", {"contact_url", "executor", "scrapyd_nodes", "scrapyd_project"})
        if "contact_url" not in table:
            return None
        url = self.string(table, "contact_url", "crawler")
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https", "mailto") or not (parts.hostname or parts.path):
                self.problem("crawler.contact_url", f"{url!r} is not an http(s) or mailto: URL")
                return None
        return url

    def watchlists(self, data: dict[str, Any], entity_ids: set[str]) -> tuple[tuple[Watchlist, ...], list[Any]]:
        """The config's own [[watchlists]] and those of its watchlist_files; the built-in ones when it has none."""
        found: list[Watchlist] = []
        tables: list[Any] = []
        if "watchlists" in data:
            own = data["watchlists"]
            if not isinstance(own, list):
                self.problem("watchlists", f"must be an array of tables ([[watchlists]]), not {_kind(own)}")
            else:
                parsed = self.watchlist_tables(self.path, own, self.text, entity_ids)
                found += parsed
                tables += own
        for file, text in self.named_files(data, "watchlist_files"):
            parsed, own = self.watchlist_file(file, text, entity_ids)
            found += parsed
            tables += own
        if "watchlists" not in data and "watchlist_files" not in data:
            return _builtin_watchlists(), _builtin_tables()[0]
        seen: set[str] = set()
        for watchlist in found:
            if watchlist.name in seen:
                self.problem("watchlists", f"two watchlists are named {watchlist.name!r}")
            seen.add(watchlist.name)
        return tuple(found), tables

    def watchlist_file(self, file: str, text: str, entity_ids: set[str]) -> tuple[tuple[Watchlist, ...], list[Any]]:
        """The watchlists of one watchlist file (a TOML file of [[watchlists]] tables only) and its tables."""
        try:
            file_data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.problems.append(ConfigProblem(file, "", f"not valid TOML: {exc}"))
            return (), []
        for key in sorted(set(file_data) - {"watchlists"}):
            self.problems.append(ConfigProblem(file, key, "unknown key (a watchlist file holds [[watchlists]] tables)"))
        own = file_data.get("watchlists", [])
        if not isinstance(own, list):
            self.problems.append(ConfigProblem(file, "watchlists", "must be [[watchlists]] tables"))
            return (), []
        return self.watchlist_tables(file, own, text, entity_ids), own

    def watchlist_tables(self, file: str, tables: list[Any], text: str, entity_ids: set[str]) -> tuple[Watchlist, ...]:
        """Watchlists from tables of ``file``, every problem (bad rules, unknown @entities) with its line."""
        parsed, problems = parse_watchlists(tables, text)
        self.rule_problems(file, problems)
        names = [t.get("name") if isinstance(t, dict) else None for t in tables]
        for watchlist, rule, entity in entity_refs(parsed):
            if entity not in entity_ids:
                i = names.index(watchlist)
                self.problems.append(ConfigProblem(
                    file, f"watchlists[{i}]", f"{rule!r}: no entity @{entity} in the gazetteer",
                    table_line(text, "[[watchlists]]", i, rule),
                ))
        return parsed

    def entities(self, data: dict[str, Any]) -> tuple[tuple[Entity, ...], list[Any]]:
        """The built-in gazetteer, then gazetteer_files (an entity with a built-in id replaces it), or the snapshot's."""
        if "gazetteer_entities" in data and self.path.endswith(SNAPSHOT_SUFFIX):  # already merged and checked
            entities, problems = parse_gazetteer_tables(data["gazetteer_entities"])
            self.rule_problems(self.path, problems)
            return entities, data["gazetteer_entities"]
        merged = {e.id: e for e in builtin_entities()}
        tables = {t["id"]: t for t in _builtin_tables()[1]}
        for file, text in self.named_files(data, "gazetteer_files"):
            entities, problems = parse_gazetteer(text)
            self.rule_problems(file, problems)
            merged.update((e.id, e) for e in entities)
            if not problems:
                tables.update((t["id"], t) for t in tomllib.loads(text).get("entity", []))
        return tuple(merged.values()), list(tables.values())

    def named_files(self, data: dict[str, Any], key: str) -> list[tuple[str, str]]:
        """(path as shown, text) of each file a key lists; relative paths are relative to the config file."""
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(key, "must be an array of file paths")
            return []
        files = []
        for name in value:
            path = Path(name).expanduser()
            if not path.is_absolute() and self.base_dir is not None:
                path = self.base_dir / path
            try:
                files.append((str(path), _read(str(path), path)))
            except ConfigError as exc:
                self.problems.extend(ConfigProblem(p.file, "", f"named in {key}: {p.reason}") for p in exc.problems)
        return files

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
        self.unknown_keys(
            table, f"{where}.",
            {"name", "kind", "url", "interval", "cron", "timeout", "publications_url", "max_pages", "follow"},
        )
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
        max_pages, follow = DEFAULT_MAX_PAGES, None
        for key in ("max_pages", "follow"):
            if key in table and kind not in ("ap", "sitemap"):
                self.problem(f"{where}.{key}", "only ap and sitemap sources have it")
        if "max_pages" in table:
            value = table["max_pages"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
                self.problem(f"{where}.max_pages", f"must be a whole number from 1 to 100, not {value!r}")
            else:
                max_pages = value
        if "follow" in table:
            follow = self.string(table, "follow", where)
            if follow is not None:
                try:
                    re.compile(follow)
                except re.error as exc:
                    self.problem(f"{where}.follow", f"{follow!r} is not a regular expression: {exc}")
        if len(self.problems) > before:
            return None
        assert name and kind and url
        return Source(
            name=name, kind=kind, url=url, interval=interval, cron=cron, timeout=timeout,
            publications_url=publications_url, max_pages=max_pages, follow=follow,
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
        duration = parse_duration(value) if isinstance(value, str) else None
        if duration is None:
            self.problem(key, f"{value!r} is not a duration like \"30s\", \"15m\", \"2h\" or \"1d\"")
            return None
        if duration < MIN_INTERVAL:
            self.problem(key, f"{value!r} is shorter than the minimum of {int(MIN_INTERVAL.total_seconds())}s")
            return None
        return duration

    def subscription(self, i: int, table: dict[str, Any], watchlists: set[str]) -> Subscription | None:
        where = f"subscriptions[{i}]"
        self.unknown_keys(
            table, f"{where}.",
            {"chat_id", "thread_id", "watchlists", "kinds", "min_relevance", "entities", "mode", "digest_at", "quiet_hours"},
        )
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
        thread_id = table.get("thread_id")
        if thread_id is not None and (isinstance(thread_id, bool) or not isinstance(thread_id, int) or thread_id <= 0):
            self.problem(f"{where}.thread_id", f"must be a forum topic's positive message_thread_id, not {thread_id!r}")
        kinds = self.string_list(table, "kinds", where)
        for j, kind in enumerate(kinds or ()):
            if kind not in ALERT_KINDS:
                self.problem(f"{where}.kinds[{j}]", f"{kind!r} is not one of {', '.join(ALERT_KINDS)}")
        entities = self.string_list(table, "entities", where)
        min_relevance = table.get("min_relevance")
        if min_relevance is not None and (isinstance(min_relevance, bool) or not isinstance(min_relevance, (int, float))
                                          or min_relevance < 0):
            self.problem(f"{where}.min_relevance", f"must be a number of at least 0, not {min_relevance!r}")
        mode = table.get("mode", "instant")
        if mode not in DELIVERY_MODES:
            self.problem(f"{where}.mode", f"{mode!r} is not one of {', '.join(DELIVERY_MODES)}")
        digest_at = table.get("digest_at")
        if mode == "daily":
            digest_at = self.clock(digest_at if digest_at is not None else "08:00", f"{where}.digest_at")
        elif digest_at is not None:
            self.problem(f"{where}.digest_at", "only a daily digest has a time (mode = \"daily\")")
        quiet: tuple[str, str] | None = None
        if "quiet_hours" in table:
            value = table["quiet_hours"]
            parts = value.split("-") if isinstance(value, str) else []
            if len(parts) != 2 or not all(_CLOCK_RE.match(p.strip()) for p in parts) or parts[0].strip() == parts[1].strip():
                self.problem(f"{where}.quiet_hours", f"must be like \"22:00-07:00\" (Europe/Amsterdam), not {value!r}")
            else:
                quiet = (parts[0].strip(), parts[1].strip())
        if len(self.problems) > before:
            return None
        assert chat_id is not None
        return Subscription(
            chat_id=chat_id, watchlists=names, thread_id=thread_id, kinds=kinds,
            min_relevance=float(min_relevance) if min_relevance is not None else None, entities=entities, mode=mode,
            digest_at=digest_at, quiet_hours=quiet,
        )

    def string_list(self, table: dict[str, Any], key: str, where: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(f"{where}.{key}", "must be a non-empty array of strings")
            return None
        return tuple(v.strip() for v in value)

    def clock(self, value: Any, key: str) -> str | None:
        if not isinstance(value, str) or not _CLOCK_RE.match(value):
            self.problem(key, f"must be a time like \"08:00\" (Europe/Amsterdam), not {value!r}")
            return None
        return value

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
