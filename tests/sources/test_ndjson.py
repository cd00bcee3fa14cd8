"""NDJSON logs: shapes accepted, positions, bad lines, streaming, the fix interface."""

from __future__ import annotations

import json

from vipps_lint.models import NO_BODY, Request, SourceFile
from vipps_lint.sources import ReadOptions, choose_reader, read_source

from conftest import FIXTURES, run_cli, run_json

SHOP = FIXTURES / "ndjson" / "2024-06-14-shop.ndjson"
EPAYMENT = json.loads((FIXTURES / "epayment" / "create-bad-phone-and-return.json").read_text())
HEADERS = {
    "Authorization": "Bearer {{access_token}}",
    "Ocp-Apim-Subscription-Key": "{{key}}",
    "Merchant-Serial-Number": "123456",
    "Idempotency-Key": "3d2c1b0a-9f8e",
    "Content-Type": "application/json",
}


def _read(tmp_path, lines: list, name="log.ndjson"):
    path = tmp_path / name
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8"
    )
    return path, list(read_source(SourceFile(str(path), str(path)), ReadOptions()))


def test_sniffed_by_content_without_the_extension(tmp_path):
    path, _ = _read(
        tmp_path,
        [{"method": "GET", "url": "/epayment/v1/payments/x"}, {"method": "GET", "url": "/x"}],
        name="traffic.log",
    )
    assert choose_reader(SourceFile(str(path), str(path)), ReadOptions()).NAME == "ndjson"
    body = tmp_path / "body.json"
    body.write_text(json.dumps(EPAYMENT, indent=2))
    assert choose_reader(SourceFile(str(body), str(body)), ReadOptions()).NAME == "json"


def test_accepted_shapes_of_headers_body_and_response(tmp_path):
    lines = [
        {"method": "post", "url": "/epayment/v1/payments", "headers": HEADERS, "body": EPAYMENT},
        {
            "method": "POST",
            "url": "/epayment/v1/payments",
            "headers": [[k, v] for k, v in HEADERS.items()],
            "body": json.dumps(EPAYMENT),
        },
        {
            "request": {
                "verb": "POST",
                "uri": "/epayment/v1/payments",
                "headers": [{"name": k, "value": v} for k, v in HEADERS.items()],
                "payload": EPAYMENT,
            },
            "response": {
                "statusCode": 400,
                "headers": {"Content-Type": "application/problem+json"},
                "body": {"title": "Bad Request"},
            },
        },
        {
            "method": "GET",
            "url": "/epayment/v1/payments/x",
            "headers": {"Accept": ["application/json", "*/*"]},
            "body": None,
            "status": 404,
            "responseBody": '{"detail": "not found"}',
        },
        {
            "method": "GET",
            "url": "/epayment/v1/payments/x",
            "body": "",
            "response": {"detail": "gone"},
            "status_code": "410",
        },
    ]
    _, items = _read(tmp_path, lines)
    assert all(isinstance(item, Request) for item in items) and [item.index for item in items] == [0, 1, 2, 3, 4]
    first, second, third, fourth, fifth = items
    assert (
        first.method == "POST" and first.body == EPAYMENT and first.header("authorization") == "Bearer {{access_token}}"
    )
    assert second.body == EPAYMENT and second.headers == first.headers == third.headers
    assert (
        third.response.status == 400
        and third.response.headers == [("Content-Type", "application/problem+json")]
        and third.response.body == {"title": "Bad Request"}
    )
    assert fourth.body is NO_BODY and fourth.headers == [("Accept", "application/json"), ("Accept", "*/*")]
    assert fourth.response.status == 404 and fourth.response.body == {"detail": "not found"}
    assert fifth.response.status == 410 and fifth.response.body == {"detail": "gone"}
    assert [item.position.line for item in items] == [1, 2, 3, 4, 5]


def test_body_positions_in_object_and_string_bodies(tmp_path):
    path, items = _read(
        tmp_path,
        [
            {"method": "POST", "url": "/epayment/v1/payments", "body": EPAYMENT},
            {"method": "POST", "url": "/epayment/v1/payments", "body": json.dumps(EPAYMENT, indent=1)},
        ],
    )
    lines = path.read_text().splitlines()
    for request in items:
        position = request.locate("body", "/customer/phoneNumber")
        assert position.line == request.position.line
        at = lines[position.line - 1][position.column - 1 :]
        assert at.startswith('"+47 912 34 567"') or at.startswith('\\"+47 912 34 567\\"'), at[:40]


def test_body_span_is_an_offset_into_the_decoded_file_text(tmp_path):
    path = tmp_path / "log.ndjson"
    body = {"reference": "acme-shop-123-order128", "text": "Bløtkake ✓"}
    path.write_bytes(
        b"\xef\xbb\xbf"
        + "\n".join(
            json.dumps({"method": "POST", "url": "/epayment/v1/payments", "body": value}, ensure_ascii=False)
            for value in (body, json.dumps(body, ensure_ascii=False))
        ).encode()
        + b"\n"
    )
    text = path.read_bytes().decode("utf-8-sig")
    raw, embedded = list(read_source(SourceFile(str(path), str(path)), ReadOptions()))
    start, end = raw.meta.body_span
    assert raw.meta.body_embedding == "raw" and json.loads(text[start:end]) == body
    start, end = embedded.meta.body_span
    assert embedded.meta.body_embedding == "json-string" and json.loads(json.loads(text[start:end])) == body
    assert embedded.meta.body_text == json.dumps(body, ensure_ascii=False)


def test_a_bad_line_is_one_error_and_the_rest_is_still_linted(tmp_path):
    good = SHOP.read_text().splitlines()
    path = tmp_path / "broken.ndjson"
    path.write_text(
        "\n".join(
            [
                good[2],
                '{"method": "POST", "url": "/ecomm/v2/payments", "body": {"merchantInfo": ',
                "",
                "[1, 2]",
                '{"method": "POST", "url": "/ecomm/v2/payments", "body": "merchantInfo=x"}',
                good[4],
            ]
        )
        + "\n"
    )
    result = run_cli("check", "--format", "json", str(path))
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr
    assert stderr.splitlines() == [
        f"{path}:2:74: invalid JSON: Expecting value",
        f"{path}:4:1: expected a JSON object with method, url, headers and body on this line",
        f"{path}:5:57: body is a string but not JSON: Expecting value",
    ]
    report = json.loads(result.stdout)
    assert report["summary"]["requests"] == 2
    assert {f["line"] for f in report["findings"]} == {1, 6}


def test_streamed_reading_keeps_no_file_text(tmp_path):
    path, items = _read(tmp_path, [{"method": "GET", "url": "/epayment/v1/payments/x", "headers": HEADERS}] * 3)
    assert items[0].source.text is None
    assert items[2].source.line_text(3).startswith('{"method": "GET"')


def test_the_shop_log_through_the_cli(tmp_path):
    status, report = run_json(str(SHOP))
    assert status == 1 and report["errors"] == []
    assert report["summary"]["requests"] == 10  # 11 lines, one to api.posten.no skipped
    header = next(f for f in report["findings"] if f["rule"] == "header-authorization-bearer")
    assert header["part"] == "header" and header["header"] == "Authorization" and header["line"] == 4
    line = SHOP.read_text().splitlines()[3]
    assert line[header["column"] - 1 :].startswith('"eyJ0')
    missing = next(f for f in report["findings"] if f["rule"] == "header-idempotency-key" and f["line"] == 4)
    assert missing["header"] == "X-Request-Id" and line[missing["column"] - 1 :].startswith('{"Authorization"')
    text = run_cli("check", str(SHOP)).stdout.decode()
    assert "1 for other APIs skipped" in text
    # The newest ePayment spec names the path parameter {Reference}.
    assert "Responses by endpoint:" in text and "POST /epayment/v1/payments/{Reference}/refund" in text
    assert "1 failed (1× 503)" in text


def test_code_frames_of_a_large_file_come_from_a_line_index(tmp_path):
    path, _ = _read(tmp_path, [{"method": "GET", "url": f"/epayment/v1/payments/r{number}"} for number in range(50)])
    source = SourceFile(str(path), str(path))
    source.INDEXED_ABOVE = 100  # pretend the file is large
    assert source.line_text(37) == '{"method": "GET", "url": "/epayment/v1/payments/r36"}'
    assert source._lines is None and len(source._starts) == 51
    assert source.line_text(51) is None and source.line_text(0) is None


def test_memory_does_not_grow_with_the_log(tmp_path):
    import tracemalloc

    line = (FIXTURES / "ndjson" / "clean.ndjson").read_text().splitlines()[1]

    def peak(lines: int) -> int:
        path = tmp_path / f"{lines}.ndjson"
        path.write_text((line + "\n") * lines)
        tracemalloc.start()
        for request in read_source(SourceFile(str(path), str(path)), ReadOptions()):
            assert isinstance(request, Request)
        _, high = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return high

    small, large = peak(200), peak(2000)
    assert large < small * 1.5, (small, large)  # ten times the lines, not ten times the memory


def test_a_log_on_standard_input_has_code_frames():
    result = run_cli("check", "--select", "epayment-phone-msisdn", "-", input=SHOP.read_bytes())
    out = result.stdout.decode()
    assert result.returncode == 1 and out.startswith("-:5:759: error[epayment-phone-msisdn]")
    assert ' 5 | …0}, "customer": {"phoneNumber": "+47 912 34 567"}' in out


def test_a_problem_body_logged_as_response_is_the_body_not_the_envelope(tmp_path):
    problem = {
        "type": "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors",
        "title": "Bad Request",
        "status": 400,
        "detail": "Invalid phone number",
        "traceId": "abc",
    }
    url = "https://apitest.vipps.no/epayment/v1/payments"
    path, items = _read(
        tmp_path,
        [
            {"method": "POST", "url": url, "status": 400, "response": problem},  # the audit's line
            {"method": "POST", "url": url, "response": problem},  # no top-level status: the body's is the response's
            {
                "method": "POST",
                "url": url,
                "status": 400,
                "response": {"status": 400},
            },  # repeats the top-level status: a body
            {
                "method": "POST",
                "url": url,
                "response": {"status": 502, "statusText": "Bad Gateway"},
            },  # nothing but envelope keys
            {
                "method": "POST",
                "url": url,
                "response": {
                    "statusCode": 400,
                    "headers": {"Content-Type": "application/problem+json"},
                    "body": problem,
                },
            },
            {
                "method": "POST",
                "url": url,
                "response": {"status": 400, "content": {"mimeType": "application/json", "text": json.dumps(problem)}},
            },
        ],
    )
    bodies = [(item.response.status, item.response.body) for item in items]
    assert bodies == [
        (400, problem),
        (400, problem),
        (400, {"status": 400}),
        (502, NO_BODY),
        (400, problem),
        (400, problem),
    ]
    status, report = run_json("--select", "response", str(path))
    messages = [(f["line"], f["message"]) for f in report["findings"]]
    assert messages[:2] == [
        (1, "POST /epayment/v1/payments was rejected with HTTP 400: Bad Request: Invalid phone number — traceId abc"),
        (2, "POST /epayment/v1/payments was rejected with HTTP 400: Bad Request: Invalid phone number — traceId abc"),
    ]
    assert not any("no explanation" in message for line, message in messages if line in (1, 2, 5, 6))


def test_headers_of_plain_strings_are_read_as_those_of_any_other_values():
    """A headers object whose values are all strings is taken as it is (the usual log); it
    gives what reading it value by value gives (as finding a header's place does)."""
    from vipps_lint.sources.ndjson import _header_entries

    class Text(str):
        pass

    objects = [
        {},
        {"Authorization": "Bearer x", "Content-Type": "application/json"},
        {"A": "1", "B": None},
        {"A": "1", "B": 2, "C": True},
        {"A": ["1", None, 2], "B": "x"},
        {"A": Text("subclass"), "B": "x"},
        {"A": {"nested": 1}},
        {"": ""},
    ]
    for value in objects:
        assert _header_entries(value, None) == _header_entries(value, {}), value
    assert [type(item) for _name, item in _header_entries({"A": Text("s")}, None)] == [str]
