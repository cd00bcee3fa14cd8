"""RequestMeta: the body's place a reader defers (the NDJSON body in its line) is computed once, when asked for."""

from __future__ import annotations

import pickle

from vipps_lint.models import BodyText, RequestMeta


def test_a_deferred_body_place_is_computed_once_on_first_use():
    calls = []
    meta = RequestMeta(line=3)
    meta.defer_body(lambda: calls.append(1) or BodyText(span=(3, 9)))
    assert meta.line == 3 and calls == []
    assert meta.body_text is None and calls == [1]  # computed, but it did not give the text
    assert meta.body_span == (3, 9) and meta.body_embedding == "raw" and calls == [1]


def test_a_deferred_body_place_that_finds_nothing_is_empty():
    meta = RequestMeta()
    meta.defer_body(lambda: None)
    assert meta.body_span is None and meta.body_text is None


def test_a_pickled_copy_is_complete_and_holds_no_function():
    meta = RequestMeta(line=1)
    meta.defer_body(lambda: BodyText(span=(1, 2)))
    copy = pickle.loads(pickle.dumps(meta))
    assert copy.body_span == (1, 2) and copy.line == 1 and not callable(copy._body)
