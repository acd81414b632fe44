"""Canonical form of a URL, so that one page is stored as one document.

courlan (trafilatura's URL library) removes tracking parameters (its list follows ClearURLs and
Firefox's query stripping: utm_*, fbclid, gclid, mc_cid, xtor, ref, ...), sorts the query,
lower-cases scheme and host, drops default ports and the fragment; w3lib then settles the
percent-encoding. On top of that, the AMP and mobile renderings of an article are mapped onto the
article itself: ``/amp/`` path segments and ``.amp`` suffixes, AMP query switches
(``outputType=amp``, ``amp=1``, ``_amp``), and ``m.``/``mobile.``/``amp.`` hosts (which become
``www.``). A trailing slash on a path is dropped. The path's case is kept: most servers treat
``/Nieuws`` and ``/nieuws`` as different pages.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url
from w3lib.url import canonicalize_url

# Query parameters that switch a page to its AMP rendering (key, or key=value when only that value does).
_AMP_KEYS = {"amp", "_amp", "amp_js_v", "usqp"}
_AMP_VALUES = {("outputtype", "amp"), ("output", "amp"), ("view", "amp"), ("format", "amp")}
# Host labels of mobile and AMP renderings: m.nu.nl, mobile.example.nl, amp.example.nl.
_MOBILE_HOST = re.compile(r"^(?:m|mobile|mobiel|amp)\.(?=[^.]+\.[^.]+)", re.IGNORECASE)
# "/artikel.amp.html" -> "/artikel.html", "/artikel.amp" -> "/artikel".
_AMP_SUFFIX = re.compile(r"\.amp(?=\.html?$|$)", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """The one URL a page is archived under, whatever tracking, AMP or mobile variant linked to it."""
    parts = urlsplit(url.strip())
    netloc = _MOBILE_HOST.sub("www.", parts.netloc)
    segments = [s for s in parts.path.split("/") if s.lower() != "amp"]
    path = _AMP_SUFFIX.sub("", "/".join(segments)) or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _AMP_KEYS and (k.lower(), v.lower()) not in _AMP_VALUES
    ]
    cleaned = normalize_url(urlunsplit((parts.scheme, netloc, path, urlencode(query), "")), trailing_slash=False)
    scheme, host, path, query_string, _ = urlsplit(cleaned)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return canonicalize_url(urlunsplit((scheme, host, path or "/", query_string, "")))


def crawlable(url: str) -> bool:
    """Whether ``url`` is an http(s) URL with a host and a valid port, so that it can be fetched and archived."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        canonical_url(url)
    except ValueError:
        return False
    return True
