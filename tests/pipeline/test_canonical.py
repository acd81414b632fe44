"""Canonical URLs: one page is one document."""

from __future__ import annotations

import pytest

from pipeline.canonical import canonical_url


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.nu.nl/tech/123/artikel.html",
        "https://www.nu.nl/tech/123/artikel.html#reacties",
        "https://www.nu.nl/tech/123/artikel.html?utm_source=rss&utm_medium=feed",
        "HTTPS://WWW.NU.NL/tech/123/artikel.html?fbclid=abc",
    ],
)
def test_tracking_fragments_and_case_removed(variant: str) -> None:
    assert canonical_url(variant) == "https://www.nu.nl/tech/123/artikel.html"


def test_meaningful_query_kept_and_sorted() -> None:
    assert canonical_url("https://a.nl/p?b=2&utm_campaign=x&a=1") == "https://a.nl/p?a=1&b=2"


def test_path_case_is_kept() -> None:
    assert canonical_url("https://a.nl/Nieuws/X") == "https://a.nl/Nieuws/X"
