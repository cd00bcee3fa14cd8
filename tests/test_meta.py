"""Request.meta entries a reader defers (the NDJSON body's place in its line) are computed once, when asked for."""

from __future__ import annotations

import pickle

from vipps_lint.models import Meta


def test_deferred_entries_are_computed_once_on_first_use():
    calls = []
    meta = Meta({"format": "ndjson"})
    meta.defer(("body_span", "body_text"), lambda: calls.append(1) or {"body_span": (3, 9)})
    assert meta.get("unrelated") is None and calls == []
    assert "body_text" not in meta and calls == [1]  # computed, but it did not give that entry
    assert meta["body_span"] == (3, 9) and meta.get("body_span") == (3, 9) and calls == [1]


def test_a_pickled_copy_is_plain_and_complete():
    meta = Meta({"format": "ndjson"})
    meta.defer(("body_span",), lambda: {"body_span": (1, 2)})
    copy = pickle.loads(pickle.dumps(meta))
    assert dict(copy) == {"format": "ndjson", "body_span": (1, 2)}
