"""`urlsplit` that never raises: a URL in a dump may be broken (`http://[::1/`, a bad port).

`urllib.parse.urlsplit` raises ValueError for an unbalanced `[` or `]` in the host; the
linter must still read, route and report such a request, so `split_url` then splits the
URL with the brackets percent-encoded: same scheme, path and query, a host that matches
nothing (the checks that care about the URL see it is not a valid one).
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split_url(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit(url.replace("[", "%5B").replace("]", "%5D"))
