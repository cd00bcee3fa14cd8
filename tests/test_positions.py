from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vipps_lint.models import Position
from vipps_lint.positions import (
    JsonStringLocator,
    JsonTextLocator,
    LinePositions,
    PointerIndex,
    nearest_pointer_offset,
    offset_position,
    pointer_from_parts,
    pointer_offset,
    pointer_tokens,
)

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


# PointerIndex answers from one scan per container what the walk answers per pointer: the
# two must agree on every text, JSON or not (issue 13).

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ODD_POINTERS = ["", "/", "//", "/-", "/01", "/0/01", "/\u00b2", "/0/\u0663", "/~", "/a~1b", "/a/b/c/d/e/f"]


def _index_agrees_with_the_walk(text: str, pointers) -> None:
    index = PointerIndex(text)
    for pointer in list(pointers) + ODD_POINTERS:
        for start in {0, _first_value(text)}:
            assert index.offset(pointer, start) == pointer_offset(text, pointer, start), (pointer, start, text[:200])
            assert index.nearest(pointer, start) == nearest_pointer_offset(text, pointer, start), (pointer, start)


def _first_value(text: str) -> int:
    """Where the first member's value starts, to look up pointers from inside the text too."""
    colon = text.find(":")
    return colon + 1 if colon >= 0 else 0


def _pointers_of(text: str) -> list[str]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return []
    pointers = [pointer_from_parts(parts) for parts, _ in _all_pointers(document)]
    return pointers + [pointer + "/missing" for pointer in pointers] + [pointer + "/9" for pointer in pointers]


def _fixture_texts():
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in {".json", ".har", ".ndjson"} and path.is_file():
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            yield from (text.splitlines() if path.suffix == ".ndjson" else [text])


def test_pointer_index_agrees_with_the_walk_on_every_fixture():
    texts = list(_fixture_texts())
    assert len(texts) > 50
    for text in texts:
        _index_agrees_with_the_walk(text, _pointers_of(text))


HOSTILE = [
    '{"k": 1, "k": {"a": 2}}',  # duplicate keys: the last wins, with what is under it
    '{"k": {"a": 2}, "k": 1}',
    '{"a\\u0062": 1, "\\"q\\"": [2], "~/": 3, "\\l": 4, "\\ud800": 5}',  # escaped, broken, lone surrogate
    '{"s": "a\\"}]\\\\", "t": "\\u00e9\\n", "u": "ø 🙂", "v": "raw\ttab"}',
    '{"a": NaN, "b": Infinity, "c": 1e400, "d": 01, "e": 1., "f": -, "g": tru}',
    *(
        f'{{"a": {scalar}, "b": [{scalar}, 2], "c": 3}}'
        for scalar in ["NaN", "-Infinity", "1e400", "01", "1.", "-", "tru", "1x", "'s'", "9" * 5000]
    ),
    '{"a": [1, 2, ',
    '{"a": [1, 2,]}',
    "[1, 2",
    '{"a": 1 "b": 2}',
    '{"a" 1}',
    '{"a": {"b": [}]}}',
    '{"a": {{name}}, "b": 2}',
    '{"a": ${x}, "b": "${y}"}',
    "{,}",
    "[,]",
    "",
    "   ",
    "{",
    "[",
    "{}",
    "[]",
    '  {  "a"  :  [  1  ,  {  "b"  :  null  }  ]  }  ',
    '{"a": 1}trailing',
    '{"a": 1}, {"a": 2}',
    '{"a": [[[[[[[[1]]]]]]]], "b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}, "i": 2}',
    "[" * 3000 + "]" * 3000,  # deeper than the json module reads (RecursionError in its scanner)
    '{"a": ' + "[" * 3000 + "]" * 3000 + ', "b": 1}',
    '{"a": ' + "[" * 40 + "]" * 39 + ', "b": 1}',
    '{"a": "' + "\\\\" * 500 + '", "b": 1}',
]


def test_pointer_index_agrees_with_the_walk_on_hostile_text():
    for text in HOSTILE:
        pointers = _pointers_of(text) + [
            "/k/a",
            "/a",
            "/a/0",
            "/a/0/0",
            "/b",
            "/i",
            "/a/0/0/0/0/0/0/0/0",
            "/b/c/d/e/f/g/h",
        ]
        _index_agrees_with_the_walk(text, pointers)


@settings(max_examples=300, deadline=None)
@given(
    json_values,
    st.sampled_from([None, 0, 2, "\t"]),
    st.booleans(),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["", '"', "{", "}", "[", "]", ",", ":", "\\", " ", "x", "1"]),
    st.sampled_from(["keep", "cut", "insert", "delete"]),
)
def test_pointer_index_agrees_with_the_walk_on_damaged_json(document, indent, ascii_only, where, char, damage):
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    where = min(where, len(text))
    if damage == "cut":
        text = text[:where]
    elif damage == "insert":
        text = text[:where] + char + text[where:]
    elif damage == "delete":
        text = text[:where] + text[where + 1 :]
    pointers = [pointer_from_parts(parts) for parts, _ in _all_pointers(document)]
    _index_agrees_with_the_walk(text, pointers + [pointer + "/x" for pointer in pointers])


def test_a_string_body_is_decoded_once_for_all_its_findings():
    line = '{"body": "{\\"a\\": {\\"b\\": 1}, \\"c\\": [true]}"}'
    locator = JsonStringLocator(line, line.index('"{'))
    first = locator.locate("body", "/a/b")
    assert locator.locate("body", "/c/0") != first
    assert locator.locate("body", "/a/b") == first == offset_position(line, line.index("1}"))
    assert locator.locate("body", "/a/zzz") == offset_position(line, line.index('{\\"b'))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a\n\r\u2028é", max_size=40))
def test_line_positions_are_offset_positions(text):
    lines = LinePositions(text)
    for offset in range(len(text) + 2):
        assert lines.position(offset) == offset_position(text, offset)
