from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from vipps_lint.models import Position
from vipps_lint.positions import JsonTextLocator, offset_position, pointer_from_parts, pointer_offset, pointer_tokens

TEXT = """{
  "a": {"b": [1, {"c": "x\\"}"}],
    "d": null},
  "e~/f": true,
  "a2": "{\\"not\\": \\"a key\\"}"
}"""


def test_pointer_offsets_land_on_values():
    assert TEXT[pointer_offset(TEXT, "/a/b/1/c") :].startswith('"x\\"}"')
    assert TEXT[pointer_offset(TEXT, "/a/d") :].startswith("null")
    assert TEXT[pointer_offset(TEXT, "/e~0~1f") :].startswith("true")
    assert pointer_offset(TEXT, "") == 0
    assert pointer_offset(TEXT, "/missing") is None
    assert pointer_offset(TEXT, "/a/b/9") is None
    assert pointer_offset(TEXT, "/a/b/x") is None


def test_duplicate_keys_resolve_like_json_loads():
    text = '{"k": 1, "k": 2}'
    assert text[pointer_offset(text, "/k") :].startswith("2")


def test_positions_are_one_based_and_respect_an_offset_in_the_file():
    assert offset_position(TEXT, 0) == Position(1, 1)
    assert offset_position("ab\ncd", 4) == Position(2, 2)
    assert offset_position("abc", 1, first_line=10, first_column=5) == Position(10, 6)


def test_locator_falls_back_to_the_nearest_existing_parent():
    locator = JsonTextLocator(TEXT)
    assert locator.locate("body", "/a/zzz") == locator.locate("body", "/a")
    assert locator.locate("header", "Authorization") is None


def test_pointer_round_trip():
    assert pointer_tokens(pointer_from_parts(["a/b", "c~d", 0])) == ["a/b", "c~d", "0"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


def _all_pointers(value, parts=()):
    yield parts, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _all_pointers(child, parts + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _all_pointers(child, parts + (index,))


@settings(max_examples=200, deadline=None)
@given(json_values, st.sampled_from([None, 2]))
def test_every_pointer_finds_its_own_value(document, indent):
    text = json.dumps(document, indent=indent)
    for parts, value in _all_pointers(document):
        offset = pointer_offset(text, pointer_from_parts(parts))
        assert offset is not None
        decoder = json.JSONDecoder()
        found, _ = decoder.raw_decode(text, offset)
        assert found == value or (found != found and value != value)
