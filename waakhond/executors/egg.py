"""Builds the egg the scrapyd executor deploys: Waakhond's code plus the config snapshot the daemon validated.

Scrapyd runs a job with ``python -m scrapyd.runner crawl SPIDER``, which activates the job's egg and
reads its ``scrapy`` entry point for the settings module. This egg's entry point is
``waakhond_deployment.settings``: Waakhond's Scrapy settings, pointed at the config snapshot inside the
egg, so every node crawls the sources, watchlists and subscriptions the daemon validated, and a node
needs no config file of its own. Secrets never travel in it: each node reads WAAKHOND_DATABASE_URL
from its own environment.

The egg carries a fingerprint of the code it was built from. pkg_resources puts an activated egg at
the *end* of ``sys.path``, so on a node with Waakhond installed in its virtualenv the installed code
is what runs; the fingerprint check makes a node whose installed Waakhond differs from the daemon's
refuse the egg (at upload, when Scrapyd lists its spiders) instead of crawling with other code.

The egg is deterministic: the same code and snapshot give the same bytes and the same version
(``<waakhond version>+<digest>``), so a restarted daemon finds its egg already deployed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from waakhond.config import SNAPSHOT_SUFFIX, Settings
from waakhond.errors import DeploymentError

PACKAGES = ("crawlers", "pipeline", "storage", "alerts", "waakhond")
CODE_SUFFIXES = (".py", ".toml", ".mako")
DEPLOYMENT_PACKAGE = "waakhond_deployment"
SNAPSHOT_FILE = "config" + SNAPSHOT_SUFFIX
# A fixed timestamp for every zip entry: the egg's bytes depend on its contents only.
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)

_SETTINGS_MODULE = '''"""Scrapy settings of one Waakhond deployment: the project's settings, with the config snapshot this egg carries."""

from crawlers.settings import *  # noqa: F403 - the project's settings, unchanged

from waakhond.executors.egg import deployed_config

WAAKHOND_CONFIG = deployed_config(__package__, {fingerprint!r})
'''


@dataclass(frozen=True)
class Egg:
    version: str
    data: bytes
    fingerprint: str  # of the code alone


def _walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        path = f"{prefix}/{child.name}"
        if child.is_dir():
            yield from _walk(child, path)
        elif child.name.endswith(CODE_SUFFIXES):
            yield path, child


def code_files() -> Iterator[tuple[str, bytes]]:
    """(path inside the egg, content) of every code and data file of Waakhond's packages, as imported here."""
    for package in PACKAGES:
        for path, node in _walk(resources.files(package), package):
            yield path, node.read_bytes()


def code_fingerprint(files: list[tuple[str, bytes]] | None = None) -> str:
    digest = hashlib.sha256()
    for path, data in files if files is not None else code_files():
        digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def snapshot_json(resolved: dict[str, Any]) -> bytes:
    return json.dumps(resolved, ensure_ascii=False, sort_keys=True).encode("utf-8")


def build_egg(resolved: dict[str, Any]) -> Egg:
    """The egg for a validated config (``Config.resolved``) and the code this process runs."""
    files = list(code_files())
    fingerprint = code_fingerprint(files)
    snapshot = snapshot_json(resolved)
    digest = hashlib.sha256(fingerprint.encode() + snapshot).hexdigest()[:16]
    try:
        release = metadata.version("waakhond")
    except metadata.PackageNotFoundError:
        release = "0"
    version = f"{release}+{digest}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:

        def add(path: str, data: bytes) -> None:
            egg.writestr(zipfile.ZipInfo(path, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)

        for path, data in files:
            add(path, data)
        add(f"{DEPLOYMENT_PACKAGE}/__init__.py", b'"""A Waakhond deployment: settings and config snapshot."""\n')
        add(f"{DEPLOYMENT_PACKAGE}/settings.py", _SETTINGS_MODULE.format(fingerprint=fingerprint).encode())
        add(f"{DEPLOYMENT_PACKAGE}/{SNAPSHOT_FILE}", snapshot)
        add("EGG-INFO/PKG-INFO", f"Metadata-Version: 1.1\nName: waakhond\nVersion: {version}\n".encode())
        add("EGG-INFO/entry_points.txt", f"[scrapy]\nsettings = {DEPLOYMENT_PACKAGE}.settings\n".encode())
        add("EGG-INFO/top_level.txt", "\n".join((*PACKAGES, DEPLOYMENT_PACKAGE)).encode() + b"\n")
    return Egg(version, buffer.getvalue(), fingerprint)


def deployed_config(package: str, fingerprint: str, environ: dict[str, str] | None = None) -> str:
    """On a node: check that this node can run the egg, and return the path of its config snapshot.

    The snapshot is written once per content to ``$WAAKHOND_DATA_DIR/deployments/`` (load_config reads files).

    Raises:
        DeploymentError: the node runs other Waakhond code than the daemon, or has no PostgreSQL archive.
    """
    env = os.environ if environ is None else environ
    url = env.get("WAAKHOND_DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        raise DeploymentError(
            "WAAKHOND_DATABASE_URL is not a PostgreSQL URL in this Scrapyd node's environment: every node must "
            "write to the daemon's PostgreSQL archive (set it in the node's EnvironmentFile)"
        )
    here = code_fingerprint()
    if here != fingerprint:
        raise DeploymentError(
            f"this node runs other Waakhond code (fingerprint {here[:12]}) than the daemon that deployed this egg "
            f"({fingerprint[:12]}): install the daemon's Waakhond release in the node's virtualenv"
        )
    snapshot = resources.files(package).joinpath(SNAPSHOT_FILE).read_bytes()
    directory = Settings.from_env(dict(env)).data_dir / "deployments"
    path = directory / f"{hashlib.sha256(snapshot).hexdigest()[:16]}{SNAPSHOT_SUFFIX}"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = Path(f"{path}.{os.getpid()}.new")
        partial.write_bytes(snapshot)
        partial.replace(path)  # atomic: a crawl starting at the same time reads it whole
    return str(path)
