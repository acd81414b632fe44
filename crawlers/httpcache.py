"""HTTP cache policy for monitoring: revalidate every time, and never take a server error for "unchanged"."""

from __future__ import annotations

from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response


class RevalidatePolicy(RFC2616Policy):
    """RFC 2616 caching where every request is a conditional GET.

    Scrapy's policy serves a heuristically "fresh" copy without asking, which would hide an
    article edited within that window, and it answers a 5xx with the cached copy, which would
    make a failing source look healthy. Here only a 304 means unchanged.
    """

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        if b"Last-Modified" in cachedresponse.headers:
            request.headers[b"If-Modified-Since"] = cachedresponse.headers[b"Last-Modified"]
        if b"ETag" in cachedresponse.headers:
            request.headers[b"If-None-Match"] = cachedresponse.headers[b"ETag"]
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        return response.status == 304
