"""The requests and httpx hooks: a request with errors is stopped before it leaves
(mode="raise") or logged and sent (mode="warn"); failed responses are explained; nothing
secret reaches an exception or a log line. The mocks merchants use (responses, respx,
pytest-httpx) stand where the network would be, so "never sent" is what they saw."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest
import requests
import responses
import respx

import vipps_lint
from vipps_lint.preflight import (
    AsyncPreflightTransport,
    Preflight,
    PreflightAdapter,
    PreflightTransport,
    preflight_session,
)

from conftest import bench_module

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
URL = "https://apitest.vipps.no/epayment/v1/payments"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcmVmbGlnaHQtY2xpZW50In0.c2lnbmF0dXJlLWNsaWVudHM"
# The clients set Content-Type themselves (json=…).
HEADERS = {name: value for name, value in bench_module("corpus").shop_headers(TOKEN).items() if name != "Content-Type"}
GOOD = json.loads((FIXTURES / "epayment/create-good.json").read_text())
BAD = json.loads((FIXTURES / "epayment/create-bad-phone-and-return.json").read_text())
PROBLEM_4070 = {
    "type": "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors",
    "title": "Bad Request",
    "detail": "Invalid phone number",
    "status": 400,
    "traceId": "f3b0c442-98fc-1c14",
    "extraDetails": [{"name": "ErrorCode", "reason": "4070"}],
}


def assert_stopped(error: vipps_lint.PreflightError) -> None:
    assert {"epayment-phone-msisdn", "epayment-return-url"} <= {finding.rule for finding in error.findings}
    assert "request:" in error.report and "hint:" in error.report
    assert "not sent" in str(error) and TOKEN not in str(error)


# --- requests ------------------------------------------------------------------------------


@responses.activate
def test_requests_raise_mode_stops_a_bad_request_before_it_is_sent():
    responses.add(responses.POST, URL, json={"state": "CREATED"}, status=201)
    session = preflight_session(mode="raise")
    with pytest.raises(vipps_lint.PreflightError) as raised:
        session.post(URL, json=BAD, headers=HEADERS)
    assert_stopped(raised.value)
    assert len(responses.calls) == 0  # never left the client
    assert session.post(URL, json=GOOD, headers=HEADERS).status_code == 201
    assert len(responses.calls) == 1


@responses.activate
def test_requests_warn_mode_logs_masked_findings_and_sends(caplog):
    responses.add(responses.POST, URL, json={"state": "CREATED"}, status=201)
    session = preflight_session(mode="warn")
    with caplog.at_level(logging.INFO, logger="vipps_lint.preflight"):
        assert session.post(URL, json=BAD, headers=HEADERS).status_code == 201
    assert len(responses.calls) == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "epayment-phone-msisdn" in logged and "4791234567" in logged
    assert caplog.records[0].levelno == logging.WARNING
    assert TOKEN not in logged


@responses.activate
def test_requests_fail_on_warning_stops_a_request_with_only_warnings():
    responses.add(responses.POST, URL, json={}, status=201)
    without_system_headers = {k: v for k, v in HEADERS.items() if not k.startswith("Vipps-System")}
    assert preflight_session(fail_on="warning").post(URL, json=GOOD, headers=HEADERS).status_code == 201
    # header-vipps-system is info: fails only from fail_on="info" on.
    assert preflight_session(fail_on="warning").post(URL, json=GOOD, headers=without_system_headers).status_code == 201
    with pytest.raises(vipps_lint.PreflightError) as raised:
        preflight_session(fail_on="info").post(URL, json=GOOD, headers=without_system_headers)
    assert {f.rule for f in raised.value.findings} == {"header-vipps-system"}


@responses.activate
def test_requests_failed_response_is_explained_with_its_vipps_error_code(caplog):
    responses.add(responses.POST, URL, json=PROBLEM_4070, status=400, content_type="application/problem+json")
    session = preflight_session(mode="warn")
    with caplog.at_level(logging.WARNING, logger="vipps_lint.preflight"):
        response = session.post(URL, json=GOOD, headers=HEADERS)
    assert response.status_code == 400 and response.json() == PROBLEM_4070  # the body is still there for the caller
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "[error 4070: invalid phone number]" in logged and "MSISDN" in logged and "f3b0c442-98fc-1c14" in logged


@responses.activate
def test_requests_other_hosts_are_not_linted_unless_configured():
    responses.add(responses.POST, "https://shop.example.com/epayment/v1/payments", json={}, status=200)
    session = preflight_session()
    assert session.post("https://shop.example.com/epayment/v1/payments", json=BAD).status_code == 200
    with pytest.raises(vipps_lint.PreflightError):
        preflight_session(hosts=["*.example.com"]).post(
            "https://shop.example.com/epayment/v1/payments", json=BAD, headers=HEADERS
        )


@responses.activate
def test_requests_adapter_wraps_the_configured_adapter():
    responses.add(responses.POST, URL, json={}, status=201)
    inner = requests.adapters.HTTPAdapter(max_retries=3)
    adapter = PreflightAdapter(inner, mode="raise")
    assert adapter.max_retries.total == 3  # the wrapped adapter's settings
    session = requests.Session()
    session.mount("https://", adapter)
    with pytest.raises(vipps_lint.PreflightError):
        session.post(URL, data=json.dumps(BAD), headers={**HEADERS, "Content-Type": "application/json"})
    assert session.post(URL, json=GOOD, headers=HEADERS).status_code == 201


@responses.activate
def test_requests_a_body_that_is_not_json_is_not_sent_in_raise_mode():
    responses.add(responses.POST, URL, json={}, status=201)
    with pytest.raises(vipps_lint.PreflightError) as raised:
        preflight_session().post(URL, data='{"amount": 100,}', headers={**HEADERS, "Content-Type": "application/json"})
    assert "not valid JSON" in str(raised.value) and len(responses.calls) == 0


# --- httpx ---------------------------------------------------------------------------------


def test_httpx_client_raise_mode_with_respx():
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(URL).respond(201, json={"state": "CREATED"})
        with httpx.Client(transport=PreflightTransport(mode="raise")) as client:
            with pytest.raises(vipps_lint.PreflightError) as raised:
                client.post(URL, json=BAD, headers=HEADERS)
            assert_stopped(raised.value)
            assert route.call_count == 0
            assert client.post(URL, json=GOOD, headers=HEADERS).status_code == 201
            assert route.call_count == 1


def test_httpx_async_client_raise_and_warn_modes_with_respx(caplog):
    async def scenario():
        with respx.mock(assert_all_called=False) as mock:
            route = mock.post(URL).respond(201, json={"state": "CREATED"})
            async with httpx.AsyncClient(transport=AsyncPreflightTransport(mode="raise")) as client:
                with pytest.raises(vipps_lint.PreflightError):
                    await client.post(URL, json=BAD, headers=HEADERS)
                assert route.call_count == 0
            async with httpx.AsyncClient(transport=AsyncPreflightTransport(mode="warn")) as client:
                response = await client.post(URL, json=BAD, headers=HEADERS)
            assert response.status_code == 201 and route.call_count == 1

    with caplog.at_level(logging.WARNING, logger="vipps_lint.preflight"):
        asyncio.run(scenario())
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "epayment-return-url" in logged and TOKEN not in logged


def test_httpx_transport_with_pytest_httpx(httpx_mock):
    httpx_mock.add_response(method="POST", url=URL, status_code=400, json=PROBLEM_4070)
    seen = []
    preflight = Preflight("raise", on_result=lambda kind, findings: seen.append((kind, findings)))
    with httpx.Client(transport=PreflightTransport(preflight=preflight)) as client:
        with pytest.raises(vipps_lint.PreflightError):
            client.post(URL, json=BAD, headers=HEADERS)
        response = client.post(URL, json=GOOD, headers=HEADERS)
    assert response.status_code == 400 and response.json() == PROBLEM_4070
    assert len(httpx_mock.get_requests()) == 1
    kinds = [kind for kind, _ in seen]
    assert kinds == ["request", "request", "response"]
    assert "4070" in seen[-1][1][0].message


def test_httpx_streamed_request_body_is_linted():
    def chunks():
        yield json.dumps(BAD).encode()

    with respx.mock(assert_all_called=False) as mock:
        mock.post(URL).respond(201)
        with httpx.Client(transport=PreflightTransport()) as client, pytest.raises(vipps_lint.PreflightError):
            client.post(URL, content=chunks(), headers={**HEADERS, "Content-Type": "application/json"})


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="mode"):
        Preflight("block")
    with pytest.raises(ValueError, match="fail_on"):
        Preflight(fail_on="fatal")
