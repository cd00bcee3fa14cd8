"""Header, response and credential checks: units, agreement with the specs, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from vipps_lint.checks.credentials import looks_like_jwt
from vipps_lint.checks.headers import idempotency_header, uses_client_credentials
from vipps_lint.checks.responses import code_explanation, epayment_code, explain
from vipps_lint.models import NO_BODY, Request, Response, SourceFile
from vipps_lint.pipeline import Linter, Settings

from conftest import run_json

LINTER = Linter(Settings())
FULL = {
    "Authorization": "Bearer {{access_token}}",
    "Ocp-Apim-Subscription-Key": "{{key}}",
    "Merchant-Serial-Number": "123456",
    "Vipps-System-Name": "acme",
    "Vipps-System-Version": "1",
    "Vipps-System-Plugin-Name": "p",
    "Vipps-System-Plugin-Version": "2",
}


def _rules(method, url, headers, body=NO_BODY, response=None):
    request = Request(
        SourceFile("t", None), 0, method, url, headers=list(headers.items()), body=body, response=response
    )
    return sorted(
        (finding.rule, finding.header or finding.pointer or "") for finding in LINTER.lint_request(request) or []
    )


def test_a_complete_request_has_no_header_findings():
    assert _rules("GET", "https://apitest.vipps.no/epayment/v1/payments/abc", FULL) == []
    assert (
        _rules(
            "GET", "https://apitest.vipps.no/ecomm/v2/payments/abc/details", {**FULL, "Authorization": "bearer x.y.z"}
        )
        == []
    )


def test_bare_bodies_and_requests_without_headers_get_no_header_findings():
    assert (
        _rules(
            "POST",
            "/epayment/v1/payments/abc/capture",
            {},
            body={"modificationAmount": {"currency": "NOK", "value": 100}},
        )
        == []
    )


def test_access_token_call_uses_client_credentials_not_bearer():
    headers = {key: value for key, value in FULL.items() if key != "Authorization"}
    assert (
        _rules("POST", "https://apitest.vipps.no/accessToken/get", {**headers, "client_id": "a", "client_secret": "b"})
        == []
    )
    assert _rules("POST", "https://apitest.vipps.no/accesstoken/get", {**headers, "client_id": "a"}) == [
        ("header-client-credentials", "client_secret")
    ]


def test_partner_api_needs_no_msn_and_klarna_only_content_type():
    headers = {key: value for key, value in FULL.items() if key != "Merchant-Serial-Number"}
    # (The Partner API itself is deprecated: api-deprecated, tested in test_lifecycle.py.)
    assert [
        rule
        for rule in _rules("GET", "https://api.vipps.no/partner-api/v0/merchants/987654321", headers)
        if rule[0] != "api-deprecated"
    ] == []
    assert _rules(
        "POST",
        "https://api.klarna.com/checkout/v3/orders",
        {"Authorization": "Basic abc"},
        body={"purchase_country": "NO"},
    ) == [("header-content-type-json", "Content-Type")]


def test_each_header_rule_fires_with_the_header_name():
    url = "https://apitest.vipps.no/epayment/v1/payments/abc/capture"
    headers = {
        "Authorization": "Basic Y2xpZW50OnNlY3JldA==",
        "Merchant-Serial-Number": "MSN1",
        "Vipps-System-Name": "acme-commerce-platform-enterprise",
        "Idempotency-Key": "k" * 51,
        "Content-Type": "text/plain",
    }
    assert _rules("POST", url, headers, body={"modificationAmount": {"currency": "NOK", "value": 100}}) == [
        ("header-authorization-bearer", "Authorization"),
        ("header-content-type-json", "Content-Type"),
        ("header-idempotency-key", "Idempotency-Key"),
        ("header-merchant-serial-number", "Merchant-Serial-Number"),
        ("header-subscription-key", "Ocp-Apim-Subscription-Key"),
        ("header-vipps-system", "Vipps-System-Version"),
        ("header-vipps-system-length", "Vipps-System-Name"),
    ]


def _spec_header_facts(shared_dir):
    """operation id → (api, {header name (lower case): required}) read straight from the
    newest specs' parameters (PyYAML, not the build's loader)."""
    from vipps_lint.data import schemas_dir, specs_dir

    index = json.loads((schemas_dir() / "index.json").read_text(encoding="utf-8"))["operations"]
    files = {
        Path(entry["file"]).name: shared_dir / "vipps-specs-2026" / entry["file"]
        for entry in yaml.safe_load((specs_dir() / "sources.yaml").read_text(encoding="utf-8"))["specs"]
    }
    facts = {}
    specs = {}  # each spec parsed once: many operations share one
    for entry in index:
        if entry["spec"] is None:  # announced in specs/overlay.yaml, no spec yet
            continue
        if entry["spec"] not in specs:
            specs[entry["spec"]] = yaml.safe_load(files[entry["spec"]].read_text(encoding="utf-8"))
        spec = specs[entry["spec"]]
        components = (spec.get("components") or {}).get("parameters") or {}
        prefix = next((server["url"].split("://", 1)[-1].partition("/")[2] for server in spec.get("servers") or []), "")
        item = spec["paths"][entry["path"][len("/" + prefix) if prefix else 0 :] or "/"]
        operation = item[entry["method"].lower()]
        headers = {}
        for parameter in item.get("parameters", []) + operation.get("parameters", []):
            parameter = components.get(parameter["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in parameter else parameter
            if parameter.get("in") == "header":
                headers[parameter["name"].lower()] = bool(parameter.get("required"))
        facts[entry["id"]] = (entry["api"], headers)
    return facts


def test_header_facts_in_the_index_agree_with_the_newest_specs(shared_dir):
    from vipps_lint.routing import Router

    facts = _spec_header_facts(shared_dir)
    operations = {operation.id: operation for operation in Router.load().operations}
    assert len(facts) > 90
    for operation_id, (_api, headers) in facts.items():
        derived = {name.lower(): required for name, required in operations[operation_id].headers}
        assert derived == headers, operation_id
    # What the checks make of them, for the calls whose rules changed with the newest specs:
    assert idempotency_header(operations["epayment-v1:createPayment"]) == "Idempotency-Key"
    assert idempotency_header(operations["epayment-v1:cancelPayment"]) is None  # 1.8.1 no longer requires it
    assert idempotency_header(operations["recurring-v3:CreateChargeAsyncV3"]) == "Idempotency-Key"
    assert idempotency_header(operations["ecom-v2:capturePaymentUsingPOST"]) == "X-Request-Id"
    assert idempotency_header(operations["partner-v2:orderProduct"]) is None  # "Not required, but recommended"
    assert uses_client_credentials(operations["access-token:fetchAuthorizationTokenUsingPost"])
    assert uses_client_credentials(operations["checkout-v3:postSession"])
    assert not uses_client_credentials(operations["access-token:fetchToken"])  # Basic since 2.0.0
    assert operations["checkout-v3:postSession"].requires_header("Merchant-Serial-Number")
    assert not operations["webhooks-v1:postV1Webhooks"].requires_header("Ocp-Apim-Subscription-Key")


def test_miami_token_takes_basic_and_webhooks_no_subscription_key():
    basic = {
        "Authorization": "Basic Y2xpZW50OnNlY3JldA==",
        "Content-Type": "application/x-www-form-urlencoded",
        **{
            name: "x"
            for name in (
                "Vipps-System-Name",
                "Vipps-System-Version",
                "Vipps-System-Plugin-Name",
                "Vipps-System-Plugin-Version",
            )
        },
        "Merchant-Serial-Number": "123456",
    }
    assert _rules("POST", "https://api.vipps.no/miami/v1/token", basic) == []
    headers = {key: value for key, value in FULL.items() if key != "Ocp-Apim-Subscription-Key"}
    assert _rules("GET", "https://api.vipps.no/webhooks/v1/webhooks", headers) == []


def test_response_explanations():
    problem = {
        "title": "Bad Request",
        "detail": "Invalid phone number",
        "code": "4070",
        "traceId": "t-1",
        "extraDetails": [{"name": "customer.phoneNumber", "reason": "not MSISDN"}],
    }
    text, pointer, hint = explain(problem)
    assert (
        text == "Bad Request: Invalid phone number (customer.phoneNumber: not MSISDN) [error 4070: invalid phone "
        "number] — traceId t-1"
    )
    assert pointer == "/detail" and "4791234567" in hint
    assert epayment_code({"type": "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/problems#6010"}) == 6010
    # The shape the ePayment API uses (developer.vippsmobilepay.com/docs/APIs/epayment-api/errors):
    documented = {
        "type": "https://httpstatuses.io/400",
        "title": "Cannot capture before reservation",
        "status": 400,
        "detail": "See extraDetails for further details",
        "extraDetails": [{"name": "ErrorCode", "reason": "6080"}],
        "traceId": "t-2",
    }
    assert (
        explain(documented)[0]
        == "Cannot capture before reservation [error 6080: capture before reservation] — traceId t-2"
    )
    assert code_explanation(5050)[0] == "long-living payment not allowed" and code_explanation(9999) is None
    assert (
        explain([{"errorGroup": "Payment", "errorCode": "44", "errorMessage": "Refused by issuer", "contextId": "c1"}])[
            0
        ]
        == "[Payment 44] Refused by issuer (contextId c1)"
    )
    assert explain({"statusCode": 401, "message": "Access denied due to missing subscription key."})[:2] == (
        "Access denied due to missing subscription key.",
        "/message",
    )
    assert explain("<html>502</html>") == (None, None, None)


@pytest.mark.parametrize("status, rule", [(201, None), (404, "response-client-error"), (502, "response-server-error")])
def test_response_rule_by_status(status, rule):
    found = _rules(
        "GET", "https://apitest.vipps.no/epayment/v1/payments/abc", FULL, response=Response(status, body="oops")
    )
    assert found == ([(rule, "")] if rule else [])


def test_live_credentials():
    assert looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1")
    assert not looks_like_jwt("eyJub3QiOiJhbGcifQ.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1")  # no "alg"
    status, report = run_json("--select", "dump-live-credentials", "fixtures/ndjson")
    assert {(f["file"].rsplit("/", 1)[-1], f["header"]) for f in report["findings"]} == {
        ("production-live-token.ndjson", "Authorization"),
        ("production-live-token.ndjson", "Ocp-Apim-Subscription-Key"),
    }
    assert status == 1  # an error: the default run (the pre-commit hook) stops such a commit
    status, report = run_json("--ignore", "dump-live-credentials", "fixtures/ndjson/production-live-token.ndjson")
    assert status == 0 and report["findings"] == []  # how to silence it for a file you keep


def test_explain_shows_headers_and_response():
    from conftest import run_cli

    out = run_cli("explain", "header-idempotency-key").stdout.decode()
    assert "Idempotency-Key: charges/2024/06#1" in out and "error[header-idempotency-key]" in out
    out = run_cli("explain", "response-client-error").stdout.decode()
    assert "→ HTTP 400" in out and "[error 6080: capture before reservation]" in out and "the user has approved" in out
    assert json.loads(run_cli("rules", "--format", "json").stdout)


def test_placeholders_are_not_judged():
    headers = {
        **FULL,
        "Authorization": "{{authorization}}",
        "Merchant-Serial-Number": "{{merchantSerialNumber}}",
        "Vipps-System-Plugin-Version": "{{vipps_system_plugin_version}}",
    }  # 31 characters, as in the official collections
    assert _rules("GET", "https://apitest.vipps.no/epayment/v1/payments/abc", headers) == []


@pytest.mark.parametrize("path", ["/accesstoken/get", "/accessToken/get"])
def test_the_access_token_call_is_routed_in_either_spelling(path):
    from vipps_lint.routing import route

    request = Request(SourceFile("t", None), 0, "POST", "https://apitest.vipps.no" + path, headers=[("client_id", "a")])
    assert route(request, LINTER.router).kind == "routed"
    assert request.operation.id == "access-token:fetchAuthorizationTokenUsingPost"


# ---- requests with no headers at all: judged where the input is the whole request --------------

CAPTURE = {"modificationAmount": {"currency": "NOK", "value": 100}}
CAPTURE_URL = "https://apitest.vipps.no/epayment/v1/payments/acme-shop-123-order123abc/capture"
ALL_MISSING = [
    "header-authorization-bearer Authorization",
    "header-content-type-json Content-Type",
    "header-idempotency-key Idempotency-Key",
    "header-merchant-serial-number Merchant-Serial-Number",
    "header-subscription-key Ocp-Apim-Subscription-Key",
    "header-vipps-system Vipps-System-Name",
]


def _header_findings(path, *args):
    status, report = run_json("--select", "header", *args, str(path))
    return status, sorted(f"{f['rule']} {f['header']}" for f in report["findings"])


@pytest.mark.parametrize(
    "name, text",
    [
        ("capture.curl", f"curl -X POST {CAPTURE_URL} -d '{json.dumps(CAPTURE)}'\n"),
        ("capture.http", f"POST {CAPTURE_URL}\n\n{json.dumps(CAPTURE)}\n"),
    ],
)
def test_curl_and_http_requests_without_any_header_get_every_missing_header(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    assert _header_findings(path) == (1, ALL_MISSING)


def test_an_ndjson_line_without_a_headers_field_gets_no_header_findings_but_an_empty_one_does(tmp_path):
    path = tmp_path / "log.ndjson"
    lines = [
        {"method": "POST", "url": CAPTURE_URL, "body": CAPTURE},
        {"method": "POST", "url": CAPTURE_URL, "headers": {}, "body": CAPTURE},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    status, report = run_json("--select", "header", str(path))
    assert sorted(f"{f['line']} {f['rule']} {f['header']}" for f in report["findings"]) == [
        f"2 {finding}" for finding in ALL_MISSING
    ]


def test_a_bare_body_still_gets_no_header_findings(tmp_path):
    path = tmp_path / "capture.json"
    path.write_text(json.dumps(CAPTURE))
    assert _header_findings(path, "--endpoint", "POST /epayment/v1/payments/{reference}/capture") == (0, [])


# ---- Authorization messages say what is wrong ----------------------------------------------------


def _authorization(value):
    request = Request(
        SourceFile("t", None),
        0,
        "GET",
        "https://apitest.vipps.no/epayment/v1/payments/abc",
        headers=list({**FULL, "Authorization": value}.items()),
    )
    return [
        (finding.message, finding.hint)
        for finding in LINTER.lint_request(request)
        if finding.rule == "header-authorization-bearer"
    ]


@pytest.mark.parametrize(
    "value, says, hint",
    [
        (
            "Bearer <This value will be overwritten when you call the Get Access Token API>",
            "Authorization holds placeholder text after Bearer ('<This value will be overwritten when…'), not "
            "an access token (the API answers 401)",
            "Call POST /accesstoken/get first",
        ),
        (
            "Bearer abc def",
            "Authorization: the access token after Bearer contains a space (2 parts), but a token is one "
            "unbroken string (the API answers 401)",
            "Send the token as one word",
        ),
        (
            "Bearer",
            "Authorization is the word Bearer with no access token after it (the API answers 401)",
            "Write `Authorization: Bearer <access_token>`",
        ),
        (
            "Bearer Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln",
            "Authorization says Bearer twice",
            "Send the word Bearer once",
        ),
        (
            "Basic Y2xpZW50OnNlY3JldA==",
            "Authorization must be `Bearer <access token>`, got the Basic scheme (the API answers 401)",
            "Write `Authorization: Bearer <access_token>`",
        ),
        (
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2ln",
            "got eyJ0… without the word Bearer",
            "the word Bearer, one space",
        ),
    ],
)
def test_authorization_messages_say_what_is_wrong(value, says, hint):
    [(message, given)] = _authorization(value)
    assert says in message and "got the Bearer scheme" not in message
    assert given.startswith(hint) or hint in given, given


def test_remembered_header_names_find_what_looking_at_every_name_finds(monkeypatch):
    """The header check skips the look for misspelt names when every name a request sends was
    seen before to be no misspelling (a log repeats its names): its problems are the same as
    when nothing is remembered, whatever came before (misspellings, case, non-ASCII and long
    names, names that are only misspelt in another case)."""
    from vipps_lint.checks import headers as header_check

    checker = dict(LINTER.checks.code_checks)["headers"]
    names = [
        "Idempotency-Key",
        "idempotency_key",
        "IDEMPOTENCY-KEY",
        "Idempotency-Keys",
        "MerchantSerialNumber",
        "merchant-serial-number",
        "Ocp-Apim-Subscription-Keys",
        "X-Request-Id",
        "User-Agent",
        "\u0130dempotency-Key",  # İ: its lowercase is longer than it
        "\u212aey",  # the Kelvin sign: lowercase k
        "Content-Type",
        "x" * 101,
        "Vipps-System-Nam",
    ]
    urls = ["https://apitest.vipps.no/epayment/v1/payments", "https://apitest.vipps.no/ecomm/v2/payments/o-1/capture"]
    requests = []
    for index, name in enumerate(names):
        for url in urls:
            headers = [(name, "value-1"), *FULL.items()]
            if index % 2:
                headers.append((names[index - 1], "value-2"))
            requests.append(
                Request(SourceFile("t", None), 0, "POST", url, headers=headers, body={"amount": {"value": 1}})
            )
    for request in requests:
        LINTER.routing_problems(request)

    def problems(request, remember):
        if not remember:
            monkeypatch.setattr(header_check, "_NOT_MISSPELT", set())
        return [(problem.rule, problem.header, problem.message) for problem in checker.check(request)]

    fresh = [problems(request, remember=False) for request in requests]
    assert any(rule == "header-name-typo" for found in fresh for rule, _, _ in found)
    monkeypatch.setattr(header_check, "_NOT_MISSPELT", set())
    for _round in range(2):
        for request, expected in zip(requests + requests[::-1], fresh + fresh[::-1]):
            assert problems(request, remember=True) == expected
