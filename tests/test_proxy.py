"""`vipps-lint proxy`, all on loopback: a mock upstream on 127.0.0.1, the proxy (the real
command, in a subprocess) on a free port, real clients (requests, and curl as a client in
another language). Every server stops by itself: the fixtures shut them down, and the proxy
is started with a time limit besides."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import bench_module

requests = pytest.importorskip("requests")
pytest.importorskip("aiohttp")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcmVmbGlnaHQtcHJveHkifQ.c2lnbmF0dXJlLXByb3h5LXRlc3Q"
HEADERS = bench_module("corpus").shop_headers(TOKEN)
# Bodies as a shop would write them, odd spacing and non-ASCII included: they must arrive byte for byte.
GOOD = (FIXTURES / "epayment/create-good.json").read_bytes().replace(b'"NOK"', b'"NOK"   ').rstrip() + b"  \n"
BAD = (FIXTURES / "epayment/create-bad-phone-and-return.json").read_bytes()
UPSTREAM_BODY = '{"reference":"acme-shop-123-order129","redirectUrl":"https://apitest.vipps.no/x?token=abc","note":"blåbær"}'.encode()
PROBLEM_4070 = json.dumps(
    {
        "type": "https://developer.vippsmobilepay.com/docs/APIs/epayment-api/errors",
        "title": "Bad Request",
        "detail": "Invalid phone number",
        "status": 400,
        "traceId": "f3b0c442-98fc",
        "extraDetails": [{"name": "ErrorCode", "reason": "4070"}],
    }
).encode()
TIMEOUT = 30


class Upstream(ThreadingHTTPServer):
    daemon_threads = True
    received: list


class UpstreamHandler(BaseHTTPRequestHandler):
    """Records each request; answers 201 with fixed bytes, or the API's 4070 problem for ?mock=problem."""

    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.received.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers.items()), "body": body}
        )
        if "mock=problem" in self.path:
            status, content_type, payload = 400, "application/problem+json", PROBLEM_4070
        else:
            status, content_type, payload = 201, "application/json; charset=utf-8", UPSTREAM_BODY
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Upstream", "mock")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def upstream():
    server = Upstream(("127.0.0.1", 0), UpstreamHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Proxy:
    def __init__(self, directory: Path, upstream_url: str, *args: str):
        self.out, self.err, self.log = directory / "out.txt", directory / "err.txt", directory / "log.ndjson"
        environment = dict(
            os.environ, NO_COLOR="1", PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
        )
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "vipps_lint",
                    "proxy",
                    "--upstream",
                    upstream_url,
                    "--listen",
                    "127.0.0.1:0",
                    "--isolated",
                    "--log",
                    str(self.log),
                    "--max-seconds",
                    "600",
                    *args,
                ],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=environment,
                cwd=directory,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            banner = self.err.read_text()
            if "listening on http://" in banner:
                self.url = banner.split("listening on ", 1)[1].split()[0]
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the proxy did not start: {self.err.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def log_entries(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []

    def entry_for(self, marker: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = [entry for entry in self.log_entries() if marker in entry["url"]]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no log entry for {marker}")


@pytest.fixture(scope="module")
def passing_proxy(upstream, tmp_path_factory):
    proxy = Proxy(tmp_path_factory.mktemp("proxy"), f"http://127.0.0.1:{upstream.server_address[1]}")
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def blocking_proxy(upstream, tmp_path_factory):
    proxy = Proxy(tmp_path_factory.mktemp("blocking"), f"http://127.0.0.1:{upstream.server_address[1]}", "--block")
    yield proxy
    proxy.stop()


def received_with(upstream, marker: str) -> list[dict]:
    return [request for request in upstream.received if marker in request["path"]]


def test_a_good_request_passes_through_byte_identical(upstream, passing_proxy):
    path = "/epayment/v1/payments?test=good&a=%2F%20x"
    response = requests.post(passing_proxy.url + path, data=GOOD, headers={**HEADERS, "X-Shop": "æøå"}, timeout=TIMEOUT)
    assert response.status_code == 201
    assert response.content == UPSTREAM_BODY and response.headers["X-Upstream"] == "mock"
    [seen] = received_with(upstream, "test=good")
    assert seen["body"] == GOOD and seen["path"] == path and seen["method"] == "POST"
    for name, value in HEADERS.items():
        assert seen["headers"][name] == value
    assert seen["headers"]["Host"] == f"127.0.0.1:{upstream.server_address[1]}"
    entry = passing_proxy.entry_for("test=good")
    assert entry["outcome"] == "forwarded" and entry["status"] == 201 and entry["findings"] == []
    assert entry["operation"] == "POST /epayment/v1/payments"


def test_a_bad_request_is_reported_live_and_in_the_log_then_forwarded(upstream, passing_proxy):
    response = requests.post(
        passing_proxy.url + "/epayment/v1/payments?test=bad-forwarded", data=BAD, headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code == 201 and received_with(upstream, "test=bad-forwarded")[0]["body"] == BAD
    entry = passing_proxy.entry_for("test=bad-forwarded")
    rules = {finding["rule"] for finding in entry["findings"]}
    assert {"epayment-phone-msisdn", "epayment-return-url"} <= rules
    phone = next(finding for finding in entry["findings"] if finding["rule"] == "epayment-phone-msisdn")
    assert phone["pointer"] == "/customer/phoneNumber" and phone["fix"]["value"] == "4791234567"
    deadline = time.monotonic() + TIMEOUT
    while "error[epayment-phone-msisdn]" not in passing_proxy.out.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    live = passing_proxy.out.read_text()
    assert "POST http://127.0.0.1" in live and "error[epayment-phone-msisdn]" in live and "hint:" in live


def test_blocking_answers_like_the_api_and_does_not_forward(upstream, blocking_proxy):
    response = requests.post(
        blocking_proxy.url + "/epayment/v1/payments?test=blocked", data=BAD, headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert (
        problem["status"] == 400
        and problem["title"] == "Bad Request"
        and problem["instance"] == "/epayment/v1/payments"
    )
    reasons = " ".join(detail["reason"] for detail in problem["extraDetails"])
    assert "+47 912 34 567" in reasons and "4791234567" in reasons
    assert {"epayment-phone-msisdn", "epayment-return-url"} <= {finding["rule"] for finding in problem["findings"]}
    assert received_with(upstream, "test=blocked") == []
    assert blocking_proxy.entry_for("test=blocked")["outcome"] == "blocked"
    # A good request still goes through a blocking proxy.
    assert (
        requests.post(
            blocking_proxy.url + "/epayment/v1/payments?test=unblocked", data=GOOD, headers=HEADERS, timeout=TIMEOUT
        ).content
        == UPSTREAM_BODY
    )


def test_secrets_are_masked_in_the_live_report_the_log_and_the_problem(upstream, blocking_proxy):
    headers = {**HEADERS, "Authorization": f"Bearer {TOKEN} {TOKEN}"}  # a malformed header quotes its value
    response = requests.post(
        blocking_proxy.url + f"/epayment/v1/payments?test=masked&access_token={TOKEN}",
        data=BAD,
        headers=headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    entry = blocking_proxy.entry_for("test=masked")
    assert "header-authorization-bearer" in {finding["rule"] for finding in entry["findings"]}
    for text in (response.text, blocking_proxy.log.read_text(), blocking_proxy.out.read_text()):
        assert TOKEN not in text
    assert TOKEN[:4] + "…" in blocking_proxy.log.read_text()


def test_a_failed_upstream_response_is_explained(upstream, passing_proxy):
    response = requests.post(
        passing_proxy.url + "/epayment/v1/payments?test=problem&mock=problem",
        data=GOOD,
        headers=HEADERS,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400 and response.content == PROBLEM_4070
    entry = passing_proxy.entry_for("test=problem")
    [explained] = entry["response_findings"]
    assert explained["rule"] == "response-client-error" and "[error 4070: invalid phone number]" in explained["message"]


def run_curl(output: Path, write_out: str, *arguments: str) -> subprocess.CompletedProcess:
    """curl as a client in another language: the answer's body to `output`, `write_out` (-w) on
    standard output."""
    command = ["curl", "-sS", "--max-time", str(TIMEOUT), "-o", str(output), "-w", write_out, *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT + 10)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")
def test_curl_as_a_client_in_another_language(upstream, passing_proxy, blocking_proxy, tmp_path):
    (tmp_path / "good.json").write_bytes(GOOD)
    (tmp_path / "bad.json").write_bytes(BAD)
    header_args = [argument for name, value in HEADERS.items() for argument in ("-H", f"{name}: {value}")]

    def curl(proxy, body, marker):
        output = tmp_path / f"{marker}.out"
        result = run_curl(
            output,
            "%{http_code} %{content_type}",
            *("-X", "POST", "--data-binary", f"@{tmp_path / body}", *header_args),
            f"{proxy.url}/epayment/v1/payments?test={marker}",
        )
        assert result.returncode == 0, result.stderr
        status, content_type = result.stdout.split(" ", 1)
        return int(status), content_type, output.read_bytes()

    status, _, body = curl(passing_proxy, "good.json", "curl-good")
    assert status == 201 and body == UPSTREAM_BODY
    assert received_with(upstream, "test=curl-good")[0]["body"] == GOOD
    status, content_type, body = curl(blocking_proxy, "bad.json", "curl-bad")
    assert status == 400 and content_type.startswith("application/problem+json")
    assert "epayment-phone-msisdn" in body.decode() and received_with(upstream, "test=curl-bad") == []


def test_concurrent_clients(upstream, passing_proxy):
    def send(number: int):
        marker = f"test=concurrent-{number}-"
        body = GOOD if number % 2 else BAD
        response = requests.post(
            f"{passing_proxy.url}/epayment/v1/payments?{marker}", data=body, headers=HEADERS, timeout=TIMEOUT
        )
        return number, response.status_code, response.content

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(send, range(50)))
    assert all(status == 201 and content == UPSTREAM_BODY for _, status, content in results)
    for number in range(50):
        [seen] = received_with(upstream, f"test=concurrent-{number}-")
        assert seen["body"] == (GOOD if number % 2 else BAD)
    entries = [entry for entry in passing_proxy.log_entries() if "test=concurrent-" in entry["url"]]
    assert len(entries) == 50 and all(json.dumps(entry) for entry in entries)


def test_upstream_down_gives_a_clear_502_and_the_proxy_stays_up(tmp_path):
    port = free_port()  # nothing listens there
    proxy = Proxy(tmp_path, f"http://127.0.0.1:{port}")
    try:
        for attempt in range(2):
            response = requests.post(
                proxy.url + f"/epayment/v1/payments?test=down-{attempt}", data=GOOD, headers=HEADERS, timeout=TIMEOUT
            )
            assert response.status_code == 502
            assert response.headers["Content-Type"].startswith("application/problem+json")
            assert f"cannot reach the upstream http://127.0.0.1:{port}" in response.json()["detail"]
        assert proxy.process.poll() is None
        assert proxy.entry_for("test=down-1")["outcome"] == "upstream-error"
    finally:
        proxy.stop()
    assert proxy.process.returncode is not None


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    from click.testing import CliRunner

    from vipps_lint.cli import main

    result = CliRunner().invoke(
        main, ["proxy", "--isolated", "--upstream", "ftp://example.com", "--listen", "127.0.0.1:0"]
    )
    assert result.exit_code == 2 and "--upstream must be an http:// or https:// URL" in result.output
    result = CliRunner().invoke(
        main, ["proxy", "--isolated", "--upstream", "http://127.0.0.1:9", "--listen", "nowhere"]
    )
    assert result.exit_code == 2 and "--listen must be HOST:PORT" in result.output
    result = CliRunner().invoke(
        main, ["proxy", "--isolated", "--upstream", "http://127.0.0.1:9", "--select", "no-such-rule"]
    )
    assert result.exit_code == 2 and "matches no rule" in result.output
    # Credentials in --upstream would be printed in the banner (and aiohttp refuses them beside
    # the client's Authorization): refused, without echoing the password.
    result = CliRunner().invoke(
        main,
        [
            "proxy",
            "--isolated",
            "--upstream",
            "https://merchant:hunter2-secret@apitest.vipps.no",
            "--listen",
            "127.0.0.1:0",
            "--max-seconds",
            "1",
        ],  # (were it accepted, it would stop by itself)
    )
    assert result.exit_code == 2 and "--upstream takes no user:password@" in result.output
    assert "hunter2" not in result.output and "apitest.vipps.no" in result.output


def test_control_characters_a_client_sends_are_shown_not_obeyed(upstream, passing_proxy):
    body = json.loads(BAD)
    body["returnUrl"] = "http://shop.example.com/\u001b[2J\u001b]0;owned\u0007/return"
    response = requests.post(
        passing_proxy.url + "/epayment/v1/payments?test=controls",
        data=json.dumps(body).encode(),
        headers=HEADERS,
        timeout=TIMEOUT,
    )
    assert response.status_code == 201
    assert passing_proxy.entry_for("test=controls")["findings"]
    deadline = time.monotonic() + TIMEOUT
    while "test=controls" not in passing_proxy.out.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    live = passing_proxy.out.read_text()
    assert "test=controls" in live and "\x1b" not in live and "\x07" not in live


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")
def test_curl_expect_100_continue_with_a_large_body(upstream, passing_proxy, tmp_path):
    """curl asks `Expect: 100-continue` before a large body; the proxy answers it and sends the body on whole."""
    payload = json.loads(GOOD)
    payload["paymentDescription"] = "x" * 100 + " " + "socks " * 300
    data = json.dumps(payload).encode()
    (tmp_path / "large.json").write_bytes(data)
    result = run_curl(
        tmp_path / "out",
        "%{http_code}",
        *("-H", "Expect: 100-continue", "-H", "Content-Type: application/json"),
        *("--data-binary", f"@{tmp_path / 'large.json'}", f"{passing_proxy.url}/epayment/v1/payments?test=expect"),
    )
    assert result.returncode == 0 and result.stdout == "201", result.stderr
    [seen] = received_with(upstream, "test=expect")
    assert seen["body"] == data and "Expect" not in seen["headers"]


def test_a_malformed_request_is_one_masked_line_and_the_proxy_goes_on(upstream, passing_proxy):
    """aiohttp refuses a control character in a header and logs the raw header line in a
    traceback: the proxy prints one line instead, with the token masked, and keeps serving."""
    port = int(passing_proxy.url.rsplit(":", 1)[1])
    raw = (
        b"POST /epayment/v1/payments?test=malformed HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + TOKEN.encode() + b"\x1b[2J\r\nContent-Length: 2\r\n\r\n{}"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
        client.sendall(raw)
        answer = client.recv(4096)
    assert answer.split(b" ", 2)[1] == b"400"  # (aiohttp answers it itself, before the proxy sees it)
    deadline = time.monotonic() + TIMEOUT
    while "Invalid header value" not in passing_proxy.out.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    live = passing_proxy.out.read_text() + passing_proxy.err.read_text()
    assert "Invalid header value" in live and "Traceback" not in live
    assert TOKEN not in live and TOKEN[20:40] not in live and "\x1b" not in live
    response = requests.post(
        passing_proxy.url + "/epayment/v1/payments?test=after-malformed", data=GOOD, headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code == 201


def test_an_unexpected_failure_is_a_502_problem_not_a_traceback():
    import asyncio
    import io

    import vipps_lint
    from vipps_lint.proxy import LintingProxy

    class Broken:
        method, raw_path, path = "POST", f"/epayment/v1/payments?access_token={TOKEN}", "/epayment/v1/payments"

        async def read(self):
            raise RuntimeError(f"broken with {TOKEN}")

    out = io.StringIO()
    proxy = LintingProxy("http://127.0.0.1:9", vipps_lint.Linter(None), out=out)
    response = asyncio.run(proxy.handle(Broken()))
    assert response.status == 502 and json.loads(response.body)["title"] == "Bad Gateway"
    assert "RuntimeError" in out.getvalue() and TOKEN not in out.getvalue()


def test_a_body_too_large_is_a_413_problem_said_in_the_live_view():
    import asyncio
    import io

    from aiohttp import web

    import vipps_lint
    from vipps_lint.proxy import LintingProxy

    class Huge:
        method, raw_path, path = "POST", f"/epayment/v1/payments?access_token={TOKEN}", "/epayment/v1/payments"

        async def read(self):
            raise web.HTTPRequestEntityTooLarge(max_size=10 * 1024 * 1024, actual_size=200 * 1024 * 1024)

    out = io.StringIO()
    proxy = LintingProxy("http://127.0.0.1:9", vipps_lint.Linter(None), out=out)
    response = asyncio.run(proxy.handle(Huge()))
    assert response.status == 413 and "larger than 10 MiB" in json.loads(response.body)["detail"]
    assert "→ 413 (not forwarded)" in out.getvalue() and TOKEN not in out.getvalue()


def test_a_body_that_never_ends_is_a_408_problem():
    import asyncio
    import io

    import vipps_lint
    from vipps_lint.proxy import LintingProxy

    class Endless:
        method, raw_path, path = "POST", "/epayment/v1/payments?test=endless", "/epayment/v1/payments"

        async def read(self):
            await asyncio.Event().wait()  # a chunked upload whose last chunk never comes

    out = io.StringIO()
    proxy = LintingProxy("http://127.0.0.1:9", vipps_lint.Linter(None), out=out, timeout=0.05)
    response = asyncio.run(proxy.handle(Endless()))
    assert response.status == 408 and "did not arrive" in json.loads(response.body)["detail"]
    assert "→ 408 (not forwarded)" in out.getvalue()
