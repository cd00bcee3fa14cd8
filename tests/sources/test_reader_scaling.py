"""Readers of whole-collection dumps do work in proportion to the file, not to the file
times its number of requests: a Postman collection is walked once for every item's
position, a HAR file is read through a window. Positions stay exactly those of a lookup
from the start of the file."""

from __future__ import annotations

import json

import pytest

import vipps_lint.positions as positions
import vipps_lint.sources.har as har_reader
import vipps_lint.sources.postman as postman_reader
from vipps_lint.models import NO_BODY, InputError, Request, SourceFile
from vipps_lint.positions import line_column, pointer_from_parts, pointer_offset, value_span
from vipps_lint.sources import ReadOptions, read_source

BODY = {
    "merchantInfo": {
        "merchantSerialNumber": "123456",
        "callbackPrefix": "http://shop.example.com/cb",
        "fallBack": "https://shop.example.com/done",
    },
    "customerInfo": {"mobileNumber": "4791234567"},
    "transaction": {"orderId": "acme-shop-123-order1", "amount": 1000, "transactionText": "Sokker til Kåre Ødegård 🧦"},
}
BODY_POINTERS = [
    "/merchantInfo/callbackPrefix",
    "/transaction/amount",
    "/transaction/transactionText",
    "/customerInfo/missing",
]


def read(source: SourceFile, **options) -> list:
    return list(read_source(source, ReadOptions(**options)))


def read_bytes(data: bytes, **options) -> list:
    return read(SourceFile("dump", None, data), **options)


def observed(item) -> tuple:
    """What a reader gives for one request or error, positions of its findings included."""
    if isinstance(item, InputError):
        return "error", item.message, item.line, item.column
    located = [item.locate("body", pointer) for pointer in BODY_POINTERS]
    located += [item.locate("header", "content-type"), item.locate("url", None), item.locate("response", "/orderId")]
    body = "no body" if item.body is NO_BODY else item.body
    return (
        item.index,
        item.name,
        item.method,
        item.url,
        item.headers,
        body,
        item.position,
        _meta_fields(item.meta),
        located,
    )


# ---- Postman -------------------------------------------------------------------------------


def postman_request(number: int, body_text: str) -> dict:
    return {
        "method": "POST",
        "url": "https://apitest.vipps.no/ecomm/v2/payments",
        "header": [{"key": "Content-Type", "value": "application/json"}],
        "body": {"mode": "raw", "raw": body_text, "options": {"raw": {"language": "json"}}},
    }


def postman_collection(requests: int, folders: int = 3, **dump_options) -> str:
    """Requests spread over nested folders, some with {{variables}} in their bodies."""
    items, folder = [], None
    for number in range(requests):
        body = dict(BODY, transaction=dict(BODY["transaction"], orderId=f"acme-{number:06d}"))
        body_text = json.dumps(body, indent=2, ensure_ascii=False)
        if number % 3 == 0:
            body_text = body_text.replace('"amount": 1000', '"amount": {{amount}}')
        item = {"name": f"request {number}", "request": postman_request(number, body_text)}
        if number % (requests // folders or 1) == 0:
            folder = {"name": f"folder {number}", "item": [{"name": "inner", "item": []}]}
            items.append(folder)
        folder["item"][-1]["item"].append(item)
    return json.dumps(
        {
            "info": {"name": "bench", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": items,
            "variable": [{"key": "amount", "value": "2500"}],
        },
        ensure_ascii=False,
        **dump_options,
    )


def item_pointers(items: list, parts: list) -> list[str]:
    """The JSON Pointer of each request's item, in the order the reader yields them."""
    found = []
    for number, item in enumerate(items):
        if isinstance(item, dict):
            if "request" in item:
                found.append(pointer_from_parts(parts + ["item", number]))
            if isinstance(item.get("item"), list):
                found += item_pointers(item["item"], parts + ["item", number])
    return found


# Equal keys (the last wins, as in json.loads), an escaped "item", a non-object item, a
# request given as a URL string, and a collection written on one line.
TRICKY_COLLECTION = """{"info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
 "item": [{"name": "overwritten", "request": "https://apitest.vipps.no/x"}],
 "item": [
  "not an item",
  {"name": "folder", "item": {"not": "a list"}, "\\u0069tem": [
    {"name": "a", "request": {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments",
     "body": {"mode": "raw", "raw": "{\\"transaction\\": {\\"amount\\": \\"1\\"}}"},
     "body": {"mode": "raw", "raw": "{\\"transaction\\": {\\"amount\\": 1000}}"}}},
    {"name": "b", "request": "https://apitest.vipps.no/ecomm/v2/payments/x/details"}]},
  {"name": "c", "request": {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments",
                            "body": {"mode": "raw", "raw": "{}"}},
   "request": {"method": "POST", "url": "https://apitest.vipps.no/ecomm/v2/payments",
               "body": {"raw": "{\\"transaction\\": {\\"amount\\": 5}}", "mode": "raw"}}}]}"""


@pytest.mark.parametrize(
    "text",
    [
        postman_collection(30, indent=2),
        postman_collection(30, indent="\t"),
        postman_collection(30, separators=(",", ":")),
        TRICKY_COLLECTION,
    ],
    ids=["indented", "tabs", "one-line", "tricky"],
)
def test_postman_positions_are_those_of_a_lookup_from_the_start_of_the_file(text):
    requests = read_bytes(text.encode())
    pointers = item_pointers(json.loads(text)["item"], [])
    assert len(requests) == len(pointers) > 0
    for request, pointer in zip(requests, pointers):
        offset = pointer_offset(text, pointer)
        assert request.position == line_column(text, offset)
        if request.meta.body_span is not None:
            assert request.meta.body_span == value_span(text, "/request/body/raw", offset)
    # Findings' positions: the same from the walk as from each item looked up on its own.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postman_reader, "item_places", lambda text: None)
        looked_up = read_bytes(text.encode())
    assert [observed(request) for request in requests] == [observed(request) for request in looked_up]


def test_postman_body_positions_point_at_the_value_in_a_collection_on_one_line():
    text = postman_collection(5, separators=(",", ":"))
    request = read_bytes(text.encode())[1]
    position = request.locate("body", "/transaction/amount")
    assert position.line == 1 and text[position.column - 1 :].startswith("1000")


class ScanCounter:
    """Counts the characters the Postman reader scans: values skipped, lines counted."""

    def __init__(self, patch: pytest.MonkeyPatch):
        self.characters = 0
        skip_value = self.counting(positions.skip_value, lambda args, end: end - args[1])
        for module in (positions, postman_reader):
            patch.setattr(module, "skip_value", skip_value, raising=False)
        patch.setattr(
            postman_reader, "line_column", self.counting(positions.line_column, lambda args, _: args[1]), raising=False
        )
        patch.setattr(
            postman_reader,
            "position_after",
            self.counting(positions.position_after, lambda args, _: args[1] - args[2]),
            raising=False,
        )

    def counting(self, function, scanned):
        def counted(*args):
            result = function(*args)
            self.characters += scanned(args, result)
            return result

        return counted


@pytest.mark.parametrize("requests", [40, 400])
def test_reading_a_collection_scans_it_a_fixed_number_of_times_whatever_its_size(monkeypatch, requests):
    """Looking each item up from the start of the file scanned it once per request (a
    2000-request collection took a minute to read)."""
    text = postman_collection(requests, indent="\t")
    counter = ScanCounter(monkeypatch)
    assert len(read_bytes(text.encode())) == requests
    assert counter.characters <= 3 * len(text)


# ---- HAR -----------------------------------------------------------------------------------


def har_entry(number: int, body_text) -> dict:
    request = {
        "method": "POST",
        "url": f"https://apitest.vipps.no/ecomm/v2/payments?n={number}",
        "headers": [
            {"name": ":authority", "value": "apitest.vipps.no"},
            {"name": "Content-Type", "value": "application/json"},
        ],
    }
    if body_text is not None:
        request["postData"] = {"mimeType": "application/json", "text": body_text}
    return {
        "pageref": "p1",
        "request": request,
        "response": {
            "status": 200,
            "headers": [],
            "content": {"mimeType": "application/json", "text": '{"orderId": "x"}'},
        },
    }


def har_text(entries: int, **dump_options) -> str:
    bodies = [
        json.dumps(dict(BODY, transaction=dict(BODY["transaction"], amount=number)), indent=2, ensure_ascii=False)
        for number in range(entries)
    ]
    return json.dumps(
        {
            "log": {
                "version": "1.2",
                "creator": {"name": "test"},
                "pages": [{"id": "p1", "title": "Kasse"}],
                "entries": [har_entry(number, body) for number, body in enumerate(bodies)],
            }
        },
        ensure_ascii=False,
        **dump_options,
    )


def nth(text: str, wanted: str, number: int) -> int:
    at = -1
    for _ in range(number + 1):
        at = text.index(wanted, at + 1)
    return at


def cut_in_entry(text: str, entry_number: int) -> str:
    return text[: nth(text, '"pageref"', entry_number) + 40]


def break_entry(text: str, entry_number: int) -> str:
    at = nth(text, '"pageref": "p1"', entry_number)
    return text[:at] + '"pageref": p1' + text[at + len('"pageref": "p1"') :]


HAR_CASES = {
    "indented": har_text(12, indent=2),
    "one line": har_text(12),
    "byte order mark": "\ufeff" + har_text(3, indent=1),
    "truncated": cut_in_entry(har_text(6, indent=2), 4),
    "ends after an entry": har_text(3, indent=2).rsplit("]", 1)[0],
    "ends in the header": har_text(3, indent=2)[:60],
    "invalid entry": break_entry(har_text(5, indent=2), 3),
    "bad body": har_text(3, indent=2).replace('\\"amount\\": 1,', '\\"amount\\": ,'),
    "no request": json.dumps({"log": {"entries": [{"response": {}}, har_entry(1, "{}")]}}, indent=2),
    "garbage between entries": json.dumps({"log": {"entries": [har_entry(0, "{}"), har_entry(1, "{}")]}}).replace(
        "}}}, {", "}}} x {", 1
    ),
    "numbers for entries": '{"log": {"entries": [123456789, 42, ' + json.dumps(har_entry(2, "{}")) + "]}}",
    "entries not a list": '{"log": {"entries": 5}}',
    "no entries": '{"log": {"version": "1.2"}, "other": [1, 2, 3]}',
    "empty": '{"log": {"entries": []}}',
}


@pytest.mark.parametrize("read_size", [1, 7, 300])
@pytest.mark.parametrize("case", HAR_CASES)
def test_a_har_read_a_piece_at_a_time_gives_what_reading_it_whole_gives(tmp_path, monkeypatch, case, read_size):
    data = HAR_CASES[case].encode()
    whole = read_bytes(data, input_format="har")
    monkeypatch.setattr(har_reader, "READ_SIZE", read_size)
    path = tmp_path / "dump.har"
    path.write_bytes(data)
    streamed = read(SourceFile("dump", str(path)), input_format="har")
    assert [observed(item) for item in streamed] == [observed(item) for item in whole]
    text = data.decode().removeprefix("\ufeff")
    for request in streamed:
        if isinstance(request, Request) and request.meta.body_span is not None:
            start, end = request.meta.body_span
            assert json.loads(text[start:end]) == request.meta.body_text


def test_the_whole_har_cases_fail_where_they_should():
    """The cases above compare two ways of reading; here, that each case is the failure it is named for."""
    messages = {
        case: [item.message for item in read_bytes(text.encode(), input_format="har") if isinstance(item, InputError)]
        for case, text in HAR_CASES.items()
    }
    assert messages["truncated"] == ["entry 5 is cut off: the file ends inside it (truncated HAR?)"]
    assert messages["ends after an entry"] == ["invalid HAR: the text ends inside an array (truncated?)"]
    assert messages["ends in the header"][0].startswith("not a HAR file: ")
    assert messages["invalid entry"][0].startswith("entry 4: invalid JSON: ")
    assert messages["bad body"][0].startswith(
        "entry 2 (POST https://apitest.vipps.no/ecomm/v2/payments): the request body is not valid JSON"
    )
    assert messages["no request"] == ['entry 1 has no "request" object, so it cannot be linted']
    assert messages["garbage between entries"] == ["invalid HAR: expected ',' or ']'"]
    assert messages["entries not a list"] == ["invalid HAR: expected a JSON array"]
    assert messages["no entries"] == ['not a HAR file: no "log.entries" array']
    assert messages["indented"] == messages["one line"] == messages["empty"] == []


def test_a_big_har_is_read_through_a_window_and_requests_keep_only_their_entry(tmp_path, monkeypatch):
    monkeypatch.setattr(har_reader, "READ_SIZE", 4096)
    monkeypatch.setattr(har_reader, "read_all_text", lambda source: pytest.fail("the whole file was read"))
    windows = []
    extend = har_reader._Window.extend

    def recording_extend(window, keep_from):
        extended = extend(window, keep_from)
        windows.append(len(window.text))
        return extended

    monkeypatch.setattr(har_reader._Window, "extend", recording_extend)
    text = har_text(600, indent=2)
    path = tmp_path / "big.har"
    path.write_text(text)
    requests = read(SourceFile("big.har", str(path)))
    assert len(requests) == 600 and len(windows) > 50
    largest_entry = max(len(request.locator.text) for request in requests)
    assert max(windows) <= 2 * (4096 + largest_entry) < len(text) / 50
    lines = text.splitlines()
    assert all(lines[request.position.line - 1][request.position.column - 1 :] == "{" for request in requests)


@pytest.mark.parametrize(
    "data, message",
    [
        (
            har_text(3, indent=2).encode().replace("Kåre".encode(), b"K\xe5re", 2),
            "invalid UTF-8: byte 0xe5 cannot be decoded",
        ),
        (b'{"log": {"entries": [\x00]}}', "binary file (contains NUL bytes), not a JSON request or dump"),
    ],
)
def test_a_har_that_is_not_utf8_text_is_one_error_before_any_entry(tmp_path, monkeypatch, data, message):
    monkeypatch.setattr(har_reader, "READ_SIZE", 64)
    path = tmp_path / "bad.har"
    path.write_bytes(data)
    [error] = read(SourceFile("bad.har", str(path)), input_format="har")
    [whole] = read_bytes(data, input_format="har")
    assert error.message == whole.message == message and (error.line, error.column) == (whole.line, whole.column)


def _meta_fields(meta) -> list:
    """Every field of a RequestMeta, the body's place included (computed if deferred)."""
    import dataclasses

    values = {field.name: getattr(meta, field.name) for field in dataclasses.fields(meta) if field.name != "_body"}
    values.update(body_text=meta.body_text, body_span=meta.body_span, body_embedding=meta.body_embedding)
    return sorted(values.items())
