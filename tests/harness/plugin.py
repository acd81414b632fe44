"""Pytest plugin exposing the fixture outlet server and the fake Telegram Bot API as fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.fake_parliament import FakeParliament
from tests.harness.fake_telegram import FakeBotAPI
from tests.harness.fixture_site import FixtureSite

SITES_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "sites"


@pytest.fixture
def fixture_site() -> Iterator[FixtureSite]:
    """The outlets under tests/fixtures/sites/, served on a free port of 127.0.0.1."""
    site = FixtureSite(SITES_ROOT)
    site.start()
    try:
        yield site
    finally:
        site.stop()
    # A crash inside the handler shows up to the client only as a 500; surface it as the bug it is.
    site.check()


@pytest.fixture
def fake_telegram() -> Iterator[FakeBotAPI]:
    """A fake Bot API accepting token ``123456:TEST-TOKEN``; use ``base_url=f"{api.base_url}/bot"``."""
    api = FakeBotAPI()
    api.start()
    try:
        yield api
    finally:
        api.stop()
    api.check()


@pytest.fixture
def fake_parliament() -> Iterator[FakeParliament]:
    """Fake Tweede Kamer OData API + KOOP SRU/FRBR repository, empty; point the spider at its ``base_url``."""
    fake = FakeParliament()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    fake.check()
