"""Record fixtures/har/recorded-chromium.har from a real browser.

Starts an HTTP server on 127.0.0.1 (a free port) that serves a checkout page and mocks
`POST /ecomm/v2/payments`; the page's JavaScript posts an eCom initiate-payment body with an
http:// callbackPrefix (the mistake vipps-lint must find) and fake credentials. Headless
Chromium (Debian's `chromium`, driven by Playwright with `record_har_path`) loads the page
and saves the HAR. The test-suite reads the committed HAR; it never needs a browser.

    apt-get install -y chromium && pip install '.[record]'
    python scripts/record_har.py [--chromium /usr/bin/chromium] [--output fixtures/har/recorded-chromium.har]

Only loopback traffic: Chromium runs with networking side channels switched off.
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>ACME Shop – pay with Vipps</title></head>
<body><h1>ACME Shop</h1><p id="status">paying…</p>
<script>
const body = {
  merchantInfo: {
    merchantSerialNumber: "123456",
    callbackPrefix: "http://shop.example.com/vipps/callbacks",
    fallBack: "https://shop.example.com/vipps/fallback/acme-shop-123-order987",
    isApp: false
  },
  customerInfo: {mobileNumber: "+47 912 34 567"},
  transaction: {orderId: "acme-shop-123-order987", amount: 49900, transactionText: "ACME Shop order 987"}
};
fetch("/ecomm/v2/payments", {
  method: "POST",
  headers: {
    "Content-Type": "application/json",
    "Authorization": "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlLXJlY29yZGluZyJ9.ZmFrZS1zaWduYXR1cmU",
    "Ocp-Apim-Subscription-Key": "5d2f0c1e9b8a47d6a3c2b1e0f9d8c7b6",
    "Merchant-Serial-Number": "123456",
    "Vipps-System-Name": "acme-webshop",
    "Vipps-System-Version": "4.2.1",
    "Vipps-System-Plugin-Name": "acme-vipps-plugin",
    "Vipps-System-Plugin-Version": "1.8.0"
  },
  body: JSON.stringify(body, null, 2)
}).then(r => r.json()).then(j => { document.getElementById("status").textContent = "done: " + j.orderId; });
</script></body></html>
"""

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # http.server's naming
        if self.path not in ("/", "/checkout"):
            self.send_error(404)
            return
        self._send(200, "text/html; charset=utf-8", PAGE.encode())

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.rstrip("/") != "/ecomm/v2/payments":
            self.send_error(404)
            return
        order = body.get("transaction", {}).get("orderId", "")
        answer = {
            "orderId": order,
            "url": f"https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token={order}",
        }
        self._send(200, "application/json;charset=UTF-8", json.dumps(answer).encode())

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):  # quiet
        pass


def record(chromium: str, output: Path) -> None:
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/checkout"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            context = browser.new_context(record_har_path=str(output), record_har_content="embed")
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("text=done:", timeout=15000)
            context.close()  # writes the HAR
            browser.close()
    finally:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--output", default=str(Path(__file__).resolve().parent.parent / "fixtures" / "har" / "recorded-chromium.har")
    )
    arguments = parser.parse_args()
    record(arguments.chromium, Path(arguments.output))
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
