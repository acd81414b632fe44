"""Canonical URLs: one page is one document, whatever variant of its URL a feed or a share links to."""

from __future__ import annotations

import pytest

from pipeline.canonical import canonical_url, crawlable

ARTICLE = "https://www.nu.nl/tech/123/artikel.html"


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.nu.nl/tech/123/artikel.html",
        "https://www.nu.nl/tech/123/artikel.html#reacties",
        "https://www.nu.nl/tech/123/artikel.html?utm_source=rss&utm_medium=feed",
        "HTTPS://WWW.NU.NL/tech/123/artikel.html?fbclid=abc",
        "https://www.nu.nl:443/tech/123/artikel.html?gclid=1&mc_cid=2&xtor=RSS-3",
        " https://www.nu.nl/tech/123/artikel.html/ ",
        "https://www.nu.nl/tech/123/artikel.html/?utm_campaign=x",
        # AMP renderings
        "https://www.nu.nl/amp/tech/123/artikel.html",
        "https://www.nu.nl/tech/123/artikel.html/amp",
        "https://www.nu.nl/tech/123/artikel.html/amp/",
        "https://www.nu.nl/tech/123/artikel.amp.html",
        "https://www.nu.nl/tech/123/artikel.html?outputType=amp",
        "https://www.nu.nl/tech/123/artikel.html?amp=1",
        "https://www.nu.nl/tech/123/artikel.html?amp",
        "https://amp.nu.nl/tech/123/artikel.html",
        # mobile hosts
        "https://m.nu.nl/tech/123/artikel.html",
        "https://mobile.nu.nl/tech/123/artikel.html?utm_source=app",
        "https://M.NU.NL/tech/123/artikel.html",
    ],
)
def test_variants_of_one_article_are_one_url(variant: str) -> None:
    assert canonical_url(variant) == ARTICLE


def test_meaningful_query_kept_and_sorted() -> None:
    assert canonical_url("https://a.nl/p?b=2&utm_campaign=x&a=1") == "https://a.nl/p?a=1&b=2"


def test_path_case_is_kept() -> None:
    assert canonical_url("https://a.nl/Nieuws/X") == "https://a.nl/Nieuws/X"


@pytest.mark.parametrize(
    "url",
    [
        # words that merely contain "amp" or "m" are not AMP or mobile markers
        "https://www.example.nl/nieuws/campagne-amplitude",
        "https://www.example.nl/ampere/artikel",
        "https://media.example.nl/artikel",
        "https://m.nl/artikel",  # a two-label host named m: nothing to strip
        "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?did=2024D48672&id=2024Z16676",
    ],
)
def test_lookalikes_are_left_alone(url: str) -> None:
    assert canonical_url(url) == url


def test_root_keeps_its_slash_and_percent_encoding_is_settled() -> None:
    assert canonical_url("https://A.nl") == "https://a.nl/"
    assert canonical_url("https://a.nl/") == "https://a.nl/"
    assert canonical_url("https://a.nl/p%7e?q=a%20b") == canonical_url("https://a.nl/p~?q=a+b")


def test_an_amp_switch_with_another_value_is_kept() -> None:
    assert canonical_url("https://a.nl/p?outputType=print") == "https://a.nl/p?outputType=print"


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://www.nu.nl/a", True), ("http://a.nl:8080/x", True), ("https://a.nl:abc/x", False),
     ("https://a.nl:99999/x", False), ("http://[::1", False), ("ftp://a.nl/x", False), ("javascript:alert(1)", False),
     ("https:///pad", False), ("", False)],
)
def test_crawlable_urls(url: str, ok: bool) -> None:
    """A feed, sitemap or page link the crawler can fetch and archive; anything else is skipped, never a crash."""
    assert crawlable(url) is ok
