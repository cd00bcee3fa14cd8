"""The dump readers (HAR, Postman, .http, curl): units, the real CLI, bad input, and the
official Vipps MobilePay Postman collections."""

from __future__ import annotations

import base64
import json
import re

import pytest

from vipps_lint.models import NO_BODY, InputError, Request, SourceFile
from vipps_lint.sources import ReadOptions, choose_reader, read_source, walk
from vipps_lint.sources.variables import PLACEHOLDER_UUID, Variables

from conftest import FIXTURES, run_cli, run_json

# Valid for the eCom schema; its one mistake is the http:// callback.
GOOD_ECOM = {
    "merchantInfo": {
        "merchantSerialNumber": "123456",
        "callbackPrefix": "http://shop.example.com/cb",
        "fallBack": "https://shop.example.com/done",
    },
    "customerInfo": {},
    "transaction": {"orderId": "acme-shop-123-order1", "amount": 1000, "transactionText": "Socks"},
}


def read_text(name: str, text: str, **options) -> list:
    source = SourceFile(name, None, text.encode())
    return list(read_source(source, ReadOptions(**options)))


def har_entry(body, url="https://apitest.vipps.no/ecomm/v2/payments", mime="application/json", **post_data):
    request = {
        "method": "POST",
        "url": url,
        "headers": [{"name": ":authority", "value": "apitest.vipps.no"}, {"name": "Content-Type", "value": mime}],
    }
    if body is not None:
        request["postData"] = {"mimeType": mime, "text": body, **post_data}
    return {
        "request": request,
        "response": {
            "status": 200,
            "headers": [],
            "content": {"mimeType": "application/json", "text": '{"orderId": "x"}'},
        },
    }


def har(*entries) -> str:
    return json.dumps(
        {
            "log": {
                "version": "1.2",
                "creator": {"name": "test"},
                "pages": [{"id": "p1", "title": "Checkout"}],
                "entries": [dict(entry, pageref="p1") for entry in entries],
            }
        },
        indent=2,
    )


# ---- sniffing and walking ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("har/checkout-session.har", "har"),
        ("har/recorded-chromium.har", "har"),
        ("postman/acme-shop.postman_collection.json", "postman"),
        ("postman/acme-test.postman_environment.json", "postman"),
        ("http/vipps-payments.http", "http"),
        ("http/recurring-undefined-variable.rest", "http"),
        ("curl/ecom-and-klarna.curl", "curl"),
        ("curl/create-payment.sh", "curl"),
        ("ecom/initiate-good.json", "json"),
    ],
)
def test_format_is_detected_from_content(tmp_path, name, expected):
    copy = tmp_path / "input"  # no telling extension: content alone decides
    copy.write_bytes((FIXTURES / name).read_bytes())
    assert expected == choose_reader(SourceFile(str(copy), str(copy)), ReadOptions()).NAME


def test_walk_takes_shell_scripts_only_when_they_hold_curl(tmp_path):
    (tmp_path / "deploy.sh").write_text("#!/bin/sh\nmake all\n")
    (tmp_path / "pay.sh").write_text("#!/bin/sh\ncurl https://apitest.vipps.no/epayment/v1/payments\n")
    (tmp_path / "notes.txt").write_text("POST https://apitest.vipps.no/ecomm/v2/payments\n")
    assert [p.rsplit("/", 1)[-1] for p in walk(str(tmp_path))] == ["pay.sh"]


def test_a_shell_script_named_explicitly_without_curl_is_quietly_empty(tmp_path):
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\nset -e\nmake all\n")
    status, report = run_json(str(script))
    assert (status, report["summary"]["files"], report["summary"]["requests"], report["errors"]) == (0, 1, 0, [])


def test_input_format_forces_a_reader(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text(
        "POST https://apitest.vipps.no/ecomm/v2/payments\nContent-Type: application/json\n\n" + json.dumps(GOOD_ECOM)
    )
    status, report = run_json("--input-format", "http", "--ignore", "header", str(dump))
    assert status == 1 and [f["rule"] for f in report["findings"]] == ["ecom-callback-https"]


# ---- HAR ---------------------------------------------------------------------------------


def test_har_reads_requests_responses_names_and_maps_body_positions_into_the_escaped_text():
    text = har(har_entry(json.dumps(GOOD_ECOM, indent=2)))
    [request] = read_text("s.har", text)
    assert request.method == "POST" and request.name == "Checkout"
    assert request.headers == [("Content-Type", "application/json")]  # HTTP/2 pseudo-headers left out
    assert request.body == GOOD_ECOM and request.response.status == 200 and request.response.body == {"orderId": "x"}
    position = request.locate("body", "/merchantInfo/callbackPrefix")
    line = text.splitlines()[position.line - 1]
    assert line[position.column - 1 :].startswith('\\"http://shop.example.com/cb\\"')
    start, end = request.meta.body_span
    assert request.meta.body_embedding == "json-string" and json.loads(text[start:end]) == request.meta.body_text
    assert request.locate("header", "content-type").line == next(
        n for n, line in enumerate(text.splitlines(), 1) if '"value": "application/json"' in line
    )


def test_har_base64_and_form_bodies():
    encoded = base64.b64encode(json.dumps(GOOD_ECOM).encode()).decode()
    form = har_entry(None, url="https://shop.example.com/login", mime="application/x-www-form-urlencoded")
    form["request"]["postData"] = {
        "mimeType": "application/x-www-form-urlencoded",
        "params": [{"name": "user", "value": "kari"}],
    }
    first, second = read_text("s.har", har(har_entry(encoded, encoding="base64"), form))
    assert first.body == GOOD_ECOM and first.meta.body_span is None
    assert second.body == {"user": "kari"}


def test_har_entries_are_parsed_one_at_a_time(monkeypatch):
    """A big HAR is never parsed as one tree: json.loads only ever sees one entry."""
    import vipps_lint.sources.har as har_module

    sizes = []
    real_loads = har_module.strict_json.loads  # readers parse with strict_json (NaN, 1e400 are errors)

    def loads(text, *args, **kwargs):
        sizes.append(len(text))
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(har_module.strict_json, "loads", loads)
    text = har(*[har_entry(json.dumps(GOOD_ECOM)) for _ in range(2000)])
    requests = read_text("big.har", text)
    assert len(requests) == 2000 and requests[-1].index == 1999
    assert max(sizes) < 2000  # entries and bodies, never the file (~1.7 MB)
    lines = text.splitlines()
    entry_lines = [
        number + 1
        for number, line in enumerate(lines[:-1])
        if line == "      {" and lines[number + 1] == '        "request": {'
    ]
    assert [request.position.line for request in requests] == entry_lines


@pytest.mark.parametrize(
    "case, make, expected",
    [
        (
            "truncated",
            lambda: har(har_entry(json.dumps(GOOD_ECOM)), har_entry(json.dumps(GOOD_ECOM)))[:-400],
            "entry 2 is cut off: the file ends inside it (truncated HAR?)",
        ),
        (
            "no-request",
            lambda: har({"response": {"status": 200}}, har_entry(json.dumps(GOOD_ECOM))),
            'entry 1 has no "request" object',
        ),
        (
            "no-url",
            lambda: har(har_entry(json.dumps(GOOD_ECOM), url=""), har_entry(json.dumps(GOOD_ECOM))),
            'entry 1 has no "request.url"',
        ),
        (
            "binary",
            lambda: har(
                har_entry(base64.b64encode(b"\x89PNG\x00\x01\xff").decode(), encoding="base64"),
                har_entry(json.dumps(GOOD_ECOM)),
            ),
            "entry 1 (POST https://apitest.vipps.no/ecomm/v2/payments): the body is binary data, not JSON text",
        ),
        (
            "gzip",
            lambda: har(har_entry("\x1f\ufffd\x08\x00\x00\x00\x00\x00"), har_entry(json.dumps(GOOD_ECOM))),
            "entry 1 (POST https://apitest.vipps.no/ecomm/v2/payments): the request body is gzip-compressed "
            "data, not JSON",
        ),
        (
            "bad-json",
            lambda: har(har_entry('{\n  "merchantInfo": {,\n}'), har_entry(json.dumps(GOOD_ECOM))),
            "entry 1 (POST https://apitest.vipps.no/ecomm/v2/payments): the request body is not valid JSON: "
            "Expecting property name",
        ),
    ],
)
def test_bad_har_is_one_clear_error_and_the_rest_is_linted(tmp_path, case, make, expected):
    path = tmp_path / f"{case}.har"
    path.write_text(make())
    result = run_cli(
        "check", "--format", "json", "--ignore", "header", str(path)
    )  # readers, not header rules, are tested here
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr
    [line] = stderr.strip().splitlines()
    assert line.startswith(f"{path}:") and expected in line, line
    report = json.loads(result.stdout)
    assert report["summary"]["requests"] == 1 and [f["rule"] for f in report["findings"]] == ["ecom-callback-https"]


def test_bad_json_body_in_har_points_into_the_escaped_body():
    text = har(har_entry('{\n  "merchantInfo": {,\n}'))
    [error] = read_text("b.har", text)
    line = text.splitlines()[error.line - 1]
    assert line[error.column - 1] == ","


def test_not_a_har_at_all():
    [error] = read_text("x.har", '{"log": {"entries": 5}}', input_format="har")
    assert isinstance(error, InputError) and "expected a JSON array" in error.message


# ---- Postman -----------------------------------------------------------------------------


def collection(items, variables=(), schema="v2.1.0", **extra) -> str:
    return json.dumps(
        {
            "info": {"name": "t", "schema": f"https://schema.getpostman.com/json/collection/{schema}/collection.json"},
            "item": items,
            "variable": [{"key": k, "value": v} for k, v in variables],
            **extra,
        },
        indent=2,
    )


def postman_item(name, raw_body, url="{{base_url}}/ecomm/v2/payments", **request):
    return {
        "name": name,
        "request": {
            "method": "POST",
            "url": url,
            "header": [{"key": "X-Off", "value": "1", "disabled": True}],
            "body": {"mode": "raw", "raw": raw_body},
            **request,
        },
    }


def test_postman_resolves_variables_then_parses_folders_and_auth():
    raw = (
        '{"merchantInfo": {"merchantSerialNumber": "{{msn}}", "callbackPrefix": "{{cb}}", "authToken": '
        '"{{$guid}}"},\n "transaction": {"orderId": "a-1", "amount": {{amount}}, "transactionText": "x"}}'
    )
    text = collection(
        [{"name": "eCom", "item": [postman_item("Initiate", raw)]}],
        variables=[
            ("base_url", "https://apitest.vipps.no"),
            ("msn", "123456"),
            ("cb", "http://shop.example.com/cb"),
            ("amount", "2500"),
        ],
        auth={"type": "bearer", "bearer": [{"key": "token", "value": "abc"}]},
    )
    [request] = read_text("c.json", text)
    assert request.name == "eCom / Initiate" and request.url == "https://apitest.vipps.no/ecomm/v2/payments"
    assert (
        request.body["transaction"]["amount"] == 2500 and request.body["merchantInfo"]["authToken"] == PLACEHOLDER_UUID
    )
    assert ("Authorization", "Bearer abc") in request.headers and all(name != "X-Off" for name, _ in request.headers)
    assert request.meta.body_span is None  # substituted: cannot be edited in place
    # A value that came from a variable points at the variable in the file.
    position = request.locate("body", "/transaction/amount")
    assert text.splitlines()[position.line - 1][position.column - 1 :].startswith("{{amount}}")


def test_postman_environment_wins_and_url_objects_are_built(tmp_path):
    env = tmp_path / "e.postman_environment.json"
    env.write_text(
        json.dumps(
            {
                "name": "e",
                "values": [
                    {"key": "host", "value": "apitest.vipps.no", "enabled": True},
                    {"key": "id", "value": "from-env", "enabled": True},
                    {"key": "off", "value": "x", "enabled": False},
                ],
            }
        )
    )
    item = {
        "name": "Details",
        "request": {
            "method": "GET",
            "url": {
                "protocol": "https",
                "host": ["{{host}}"],
                "path": ["ecomm", "v2", "payments", ":orderId", "details"],
                "variable": [{"key": "orderId", "value": "{{id}}"}],
            },
        },
    }
    [request] = read_text("c.json", collection([item], variables=[("id", "from-collection")]), postman_env=str(env))
    assert request.url == "https://apitest.vipps.no/ecomm/v2/payments/from-env/details"


def test_postman_unknown_schema_is_one_clear_error():
    [error] = read_text("old.postman_collection.json", collection([], schema="v3.0.0"))
    assert isinstance(error, InputError) and error.line == 4
    assert (
        "unknown Postman collection schema https://schema.getpostman.com/json/collection/v3.0.0/collection.json"
        in error.message
    )


def test_postman_unresolved_variables_are_findings_naming_request_and_variable(tmp_path):
    raw = '{"modificationAmount": {"currency": "NOK", "value": {{refund}}}}'
    path = tmp_path / "c.postman_collection.json"
    path.write_text(
        collection([postman_item("Refund", raw, url="{{base_url}}/epayment/v1/payments/ref-123456/refund")])
    )
    status, report = run_json(str(path))
    found = {(f["part"], f["pointer"], f["request"]["name"], f["message"].split(" in ")[0]) for f in report["findings"]}
    assert found == {
        ("url", None, "Refund", 'variable "base_url"'),
        ("body", "/modificationAmount/value", "Refund", 'variable "refund"'),
    }
    assert status == 0 and report["errors"] == []  # warnings only


def test_postman_variables_set_by_scripts_are_not_reported():
    item = postman_item(
        "Initiate", '{"transaction": {"orderId": "{{orderId}}"}}', url="https://apitest.vipps.no/ecomm/v2/payments"
    )
    item["event"] = [{"listen": "prerequest", "script": {"exec": ["pm.environment.set('orderId', Date.now());"]}}]
    [request] = read_text("c.json", collection([item]))
    assert request.meta.runtime_variables == ["orderId"]


def test_a_value_only_a_collection_run_knows_is_judged_by_no_check(tmp_path):
    body = dict(GOOD_ECOM, transaction=dict(GOOD_ECOM["transaction"], orderId="{{orderId}}", amount="{{amount}}"))
    item = postman_item("Initiate", json.dumps(body), url="https://apitest.vipps.no/ecomm/v2/payments")
    item["event"] = [
        {
            "listen": "prerequest",
            "script": {"exec": ["pm.environment.set('orderId', 'acme-1'); pm.environment.set('amount', 100);"]},
        }
    ]
    path = tmp_path / "c.postman_collection.json"
    path.write_text(collection([item]))
    _, report = run_json(str(path))
    # Neither the schema (pattern, type) nor a variable finding: only the http:// callback.
    assert [(f["rule"], f["pointer"]) for f in report["findings"]] == [
        ("ecom-callback-https", "/merchantInfo/callbackPrefix")
    ]


def test_postman_body_invalid_after_substitution_names_the_request():
    [error] = read_text(
        "c.json", collection([postman_item("Broken", '{"amount": {{word}}}')], variables=[("word", "abc")])
    )
    assert 'request "Broken": the body is not valid JSON after substituting {{variables}}' in error.message


@pytest.mark.parametrize("with_environment", [True, False])
def test_official_postman_collections_are_read_and_every_request_routed(shared_dir, with_environment):
    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.routing import route

    postman = shared_dir / "vipps-specs-2026" / "postman"
    linter = Linter(Settings())
    options = ReadOptions(postman_env=str(postman / "global.postman_environment.json") if with_environment else None)
    counts = {}
    for path in sorted(postman.glob("*.postman_collection.json")):
        items = list(read_source(SourceFile(str(path), str(path)), options))
        assert all(isinstance(item, Request) for item in items), [str(i) for i in items if isinstance(i, InputError)]
        routed = 0
        for request in items:
            outcome = route(request, linter.router)
            if re.fullmatch(r"\{\{[^{}]+\}\}", request.url):
                continue  # the Login collection's whole URL is a variable its requests set ({{token_endpoint}})
            if "/point-of-sale/" in request.url:
                continue  # Check-in: its repository is archived, its spec not built (docs/api-coverage.md)
            assert outcome.kind == "routed" and request.operation is not None, (
                path.name,
                request.name,
                request.method,
                request.url,
                outcome,
            )
            routed += 1
        counts[path.name] = routed
    # Every request of every official collection with a path goes to an operation of the newest specs.
    assert counts == {
        "check-in-v1.postman_collection.json": 1,
        "checkout-v3.postman_collection.json": 2,
        "ecom-v2.postman_collection.json": 11,
        "epayment-v1.postman_collection.json": 14,
        "login-v1.postman_collection.json": 3 if with_environment else 2,
        "management-v1.postman_collection.json": 3,
        "order-management-v2.postman_collection.json": 6,
        "partner-v2.postman_collection.json": 4,
        "psp-v3.postman_collection.json": 8,
        "qr-v1.postman_collection.json": 8,
        "recurring-v2.postman_collection.json": 17,
        "recurring-v3.postman_collection.json": 31,
        "report-v2.postman_collection.json": 3,
        "userinfo.postman_collection.json": 15,
        "webhooks-v1.postman_collection.json": 5,
    }


def test_official_ecom_collection_through_the_cli(shared_dir):
    postman = shared_dir / "vipps-specs-2026" / "postman"
    status, report = run_json(
        "--postman-env",
        str(postman / "ecom-v2.postman_environment.json"),
        str(postman / "ecom-v2.postman_collection.json"),
    )
    assert report["errors"] == [] and report["summary"]["requests"] == 11
    found = sorted((f["rule"], f["request"]["name"], f["message"].split(":")[0]) for f in report["findings"])
    placeholder = "holds the placeholder '<{}…>' in the environment ecom-v2.postman_environment.json, not a value"
    portal = placeholder.format("Go To Vipps Portal->Select the Developer tab->Select Test")
    # The environment's instructions (`<Go To Vipps Portal->…>`, `<Input the mobile number…>`)
    # are said once per variable, where it is first used, and judged by no other rule; the
    # ones the collection's scripts overwrite (access_token, orderId) not at all. What is left
    # is in the collection itself: {{sub}} is defined nowhere. (Get Userinfo sends no
    # subscription key, and must not: Userinfo rejects it.) Postman sends Content-Type:
    # application/json for the QR request's JSON body by itself.
    assert found == sorted(
        [
            ("unresolved-variable", "QR / Generate QR Code PNG", f'variable "Ocp-Apim-Subscription-Key" {portal}'),
            ("unresolved-variable", "QR / Generate QR Code PNG", f'variable "merchantSerialNumber" {portal}'),
            ("unresolved-variable", "Get Access Token", f'variable "client_id" {portal}'),
            ("unresolved-variable", "Get Access Token", f'variable "client_secret" {portal}'),
            (
                "unresolved-variable",
                "Initiate Payment",
                'variable "mobileNumber" '
                + placeholder.format("Input the mobile number for the test app profile you have"),
            ),
            (
                "unresolved-variable",
                "Get Userinfo",
                'variable "sub" in the URL is not defined, so the request would be sent with its placeholder '
                "as literal text",
            ),
        ]
    ), found
    assert status == 0  # unresolved-variable is a warning: no error left


# ---- .http -------------------------------------------------------------------------------


def test_http_file_requests_variables_names_and_positions():
    text = (
        "@host = https://apitest.vipps.no\n@amount = 2500\n\n### Initiate\nPOST {{host}}/ecomm/v2/payments HTTP/1.1\n"
        "Content-Type: application/json\n// a comment\n\n"
        + '{"merchantInfo": {"callbackPrefix": "http://x.example/cb"},\n "transaction": {"amount": {{amount}}, '
        '"id": "{{$guid}}"}}\n'
        "\n###\n# @name details\nGET {{host}}/ecomm/v2/payments/abc/details\n\n"
        "### raw body\nPOST https://apitest.vipps.no/ecomm/v2/payments\n\n"
        + json.dumps(GOOD_ECOM)
        + "\n\n> {% client.global.set('t', response.body.token); %}\n"
    )
    first, second, third = read_text("a.http", text)
    assert (first.name, first.method, first.url) == ("Initiate", "POST", "https://apitest.vipps.no/ecomm/v2/payments")
    assert first.body["transaction"] == {"amount": 2500, "id": PLACEHOLDER_UUID} and first.headers == [
        ("Content-Type", "application/json")
    ]
    assert first.position.line == 5 and first.locate("body", "/merchantInfo/callbackPrefix").line == 9
    assert (second.name, second.method, second.body) == ("details", "GET", NO_BODY)
    assert third.body == GOOD_ECOM and third.meta.body_embedding == "raw"
    start, end = third.meta.body_span
    assert json.loads(text[start:end]) == GOOD_ECOM


def test_http_file_bad_body_names_file_line_and_request(tmp_path):
    path = tmp_path / "bad.http"
    path.write_text(
        'POST https://apitest.vipps.no/ecomm/v2/payments\n\n{"a": }\n\n###\nPOST https://apitest.vipps.no/ecomm/v2/payments\n\n'
        + json.dumps(GOOD_ECOM)
        + "\n"
    )
    result = run_cli("check", str(path))
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr
    assert (
        f"{path}:3:7: request 1 (POST https://apitest.vipps.no/ecomm/v2/payments): the body is not valid JSON" in stderr
    )
    assert "ecom-callback-https" in result.stdout.decode()


# ---- curl --------------------------------------------------------------------------------


def test_curl_options_quoting_and_continuations():
    text = (
        "# Pay\ncurl -sS -XPOST 'https://apitest.vipps.no/ecomm/v2/payments' \\\n  -H 'Content-Type: "
        "application/json' \\\n"
        "  -u 'client:secret' \\\n  -d '" + json.dumps(GOOD_ECOM, indent=2) + "'\n\n"
        'curl --json \'{"reference": "r"}\' https://apitest.vipps.no/epayment/v1/payments | jq .\n'
        "curl.exe -X GET https://apitest.vipps.no/ecomm/v2/payments/abc/details ^\n  -H "
        '"Ocp-Apim-Subscription-Key: k"\n'
    )
    first, second, third = read_text("a.curl", text)
    assert (first.name, first.method, first.url, first.body) == (
        "Pay",
        "POST",
        "https://apitest.vipps.no/ecomm/v2/payments",
        GOOD_ECOM,
    )
    assert ("Authorization", "Basic " + base64.b64encode(b"client:secret").decode()) in first.headers
    assert first.position.line == 2
    position = first.locate("body", "/merchantInfo/callbackPrefix")
    assert text.splitlines()[position.line - 1][position.column - 1 :].startswith('"http://shop.example.com/cb"')
    assert (
        second.method == "POST"
        and ("Content-Type", "application/json") in second.headers
        and second.body == {"reference": "r"}
    )
    assert (third.method, third.headers) == ("GET", [("Ocp-Apim-Subscription-Key", "k")])


def test_curl_prompts_powershell_continuations_and_get_data():
    text = (
        "$ curl -G https://apitest.vipps.no/recurring/v3/agreements -d status=ACTIVE -H 'Accept: application/json'\n"
        "curl.exe --request POST `\n  --url https://apitest.vipps.no/epayment/v1/payments `\n  --data-binary "
        '\'{"reference": "r-1"}\'\n'
    )
    first, second = read_text("a.curl", text)
    assert (first.method, first.url, first.body) == (
        "GET",
        "https://apitest.vipps.no/recurring/v3/agreements?status=ACTIVE",
        NO_BODY,
    )
    assert (second.method, second.url, second.body, second.position.line) == (
        "POST",
        "https://apitest.vipps.no/epayment/v1/payments",
        {"reference": "r-1"},
        2,
    )


def test_curl_unbalanced_quote_is_one_error_and_the_rest_is_read(tmp_path):
    path = tmp_path / "calls.curl"
    path.write_text(
        'curl -X POST https://apitest.vipps.no/ecomm/v2/payments -d \'{"broken": 1}\n'
        "curl -X POST https://apitest.vipps.no/ecomm/v2/payments -H 'Content-Type: application/json' -d '"
        + json.dumps(GOOD_ECOM)
        + "'\n"
    )
    result = run_cli(
        "check", "--format", "json", "--ignore", "header", str(path)
    )  # readers, not header rules, are tested here
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr
    assert (
        stderr.strip() == f"{path}:1:1: curl command 1 cannot be parsed: a quote is never closed (unbalanced ' or \")"
    )
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["ecom-callback-https"]


def test_curl_body_from_a_missing_file_is_an_error():
    [error] = read_text("a.curl", "curl https://apitest.vipps.no/ecomm/v2/payments -d @nope.json\n")
    assert isinstance(error, InputError) and error.line == 1 and "cannot read the body file nope.json" in error.message


# ---- substitution ------------------------------------------------------------------------


def test_substitution_keeps_unresolved_variables_visible_and_maps_offsets_back():
    variables = Variables({"amount": "100", "nested": "{{amount}}0"})
    result = variables.substitute_json(
        '{"a": {{amount}}, "b": {{missing}}, "c": "{{nested}}", "d": {{$randomInt 1 9}}}'
    )
    assert json.loads(result.text) == {"a": 100, "b": "{{missing}}", "c": "1000", "d": 500}
    assert result.unresolved == ["missing"]
    assert result.original_offset(result.text.index('"{{missing}}"')) == result.edits[1][0]


# ---- the whole fixtures tree through the CLI, per format -----------------------------------


@pytest.mark.parametrize(
    "folder, requests, skipped", [("har", 4, 3), ("postman", 6, 1), ("http", 4, 1), ("curl", 3, 1)]
)
def test_each_format_folder_through_the_cli(folder, requests, skipped):
    result = run_cli("check", f"fixtures/{folder}")
    output = result.stdout.decode()
    assert result.returncode == 1 and "Traceback" not in result.stderr.decode()
    assert f"({requests} requests in" in output and f"{skipped} for other APIs skipped" in output, output.splitlines()[
        -1
    ]


@pytest.mark.parametrize(
    "mode, content_type",
    [("urlencoded", "application/x-www-form-urlencoded"), ("formdata", "multipart/form-data")],
)
def test_postman_form_fields_are_no_json_body_for_the_content_type_check(tmp_path, mode, content_type):
    # The OAuth token call of the official collections sends its fields as a form: telling it to
    # send `Content-Type: application/json` would break it.
    fields = [{"key": "grant_type", "value": "authorization_code"}, {"key": "code", "value": "abc"}]
    collection = {
        "info": {"name": "t", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [
            {
                "name": "Get token",
                "request": {
                    "method": "POST",
                    "header": [{"key": "Content-Type", "value": content_type}],
                    "body": {"mode": mode, mode: fields},
                    "url": {"raw": "https://apitest.vipps.no/access-management-1.0/access/oauth2/token"},
                },
            }
        ],
    }
    path = tmp_path / "token.postman_collection.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    (request,) = read_source(SourceFile(str(path), str(path)), ReadOptions())
    assert request.body == {"grant_type": "authorization_code", "code": "abc"} and request.meta.form_body
    _status, report = run_json(str(path))
    assert "header-content-type-json" not in {finding["rule"] for finding in report["findings"]}
