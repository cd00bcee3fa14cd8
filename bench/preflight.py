#!/usr/bin/env python3
"""What pre-flight at send time costs (issue 15): `lint_request` in process, and the proxy.

    python bench/preflight.py                  # both, at the issue's sizes
    python bench/preflight.py --calls 2000 --rounds 10
    python bench/preflight.py --only api       # or: --only proxy

1. `vipps_lint.lint_request` on a typical ePayment create-payment request (the body as the
   bytes a client sends, all headers): the latency of each call after a warm-up, p50/p95/p99;
   also with the body already parsed, and for a request with findings (6 of them).
2. The proxy: a mock upstream (aiohttp, its own process) and `vipps-lint proxy` (its own
   process) on 127.0.0.1; a client sends bursts of `--concurrency` simultaneous requests
   (50: the issue's), directly and through the proxy, alternating, and records each
   request's latency. Reported: p50/p95 of each and the p50 overhead.

Needs the proxy extra (aiohttp). Numbers go into docs/performance.md ("Pre-flight").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import corpus  # bench/corpus.py, beside this file (python bench/preflight.py)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
URL_PATH = "/epayment/v1/payments"
HEADERS = corpus.shop_headers("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJlLWJlbmNobWFyaw")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_api(calls: int) -> dict:
    sys.path.insert(0, str(ROOT))
    import vipps_lint

    good = (FIXTURES / "epayment/create-good.json").read_bytes()
    bad = (FIXTURES / "epayment/create-bad-phone-and-return.json").read_bytes()
    url = "https://apitest.vipps.no" + URL_PATH
    started = time.perf_counter()
    vipps_lint.lint_request("POST", url, HEADERS, good)
    first = time.perf_counter() - started
    results = {"first_call_ms": round(first * 1000, 1)}
    for name, body in (("typical (bytes)", good), ("typical (parsed)", json.loads(good)), ("with 6 findings", bad)):
        for _ in range(min(200, calls)):
            vipps_lint.lint_request("POST", url, HEADERS, body)
        timings = []
        for _ in range(calls):
            start = time.perf_counter_ns()
            vipps_lint.lint_request("POST", url, HEADERS, body)
            timings.append((time.perf_counter_ns() - start) / 1000)
        results[name] = {
            "p50_us": round(statistics.median(timings), 1),
            "p95_us": round(percentile(timings, 0.95), 1),
            "p99_us": round(percentile(timings, 0.99), 1),
            "calls": calls,
        }
    return results


# --- proxy ---------------------------------------------------------------------------------

UPSTREAM_ANSWER = b'{"orderId":"acme-shop-123-order129","redirectUrl":"https://apitest.vipps.no/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=x"}'


def serve_upstream(port_file: str) -> None:
    """The mock upstream: answers every request with a fixed create-payment response."""
    from aiohttp import web

    async def answer(request):
        await request.read()
        return web.Response(status=201, body=UPSTREAM_ANSWER, content_type="application/json")

    async def main():
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        Path(port_file).write_text(str(site._server.sockets[0].getsockname()[1]))
        await asyncio.sleep(3600)

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server exited early ({process.args})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


async def bursts(base: str, body: bytes, concurrency: int, rounds: int) -> list[float]:
    import aiohttp

    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one():
            start = time.perf_counter()
            async with session.post(base + URL_PATH, data=body, headers=HEADERS) as response:
                await response.read()
                assert response.status == 201, response.status
            return (time.perf_counter() - start) * 1000

        for _ in range(rounds):
            latencies.extend(await asyncio.gather(*(one() for _ in range(concurrency))))
    return latencies


def bench_proxy(concurrency: int, rounds: int, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    port_file = work / "upstream.port"
    port_file.unlink(missing_ok=True)
    upstream = subprocess.Popen([sys.executable, __file__, "--serve-upstream", str(port_file)])
    proxy = None
    try:
        deadline = time.monotonic() + 120
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline or upstream.poll() is not None:
                raise SystemExit("the mock upstream did not start")
            time.sleep(0.05)
        upstream_port = int(port_file.read_text())
        proxy_port = free_port()
        environment = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        proxy = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vipps_lint",
                "proxy",
                "--isolated",
                "--upstream",
                f"http://127.0.0.1:{upstream_port}",
                "--listen",
                f"127.0.0.1:{proxy_port}",
                "--max-seconds",
                "1800",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=environment,
        )
        wait_for_port(proxy_port, proxy)
        body = (FIXTURES / "epayment/create-good.json").read_bytes()
        direct_base, proxied_base = f"http://127.0.0.1:{upstream_port}", f"http://127.0.0.1:{proxy_port}"
        asyncio.run(bursts(direct_base, body, concurrency, 3))  # warm-up: connections, caches
        asyncio.run(bursts(proxied_base, body, concurrency, 3))
        direct: list[float] = []
        proxied: list[float] = []
        cpu_before = process_cpu_seconds(proxy.pid)
        for _ in range(rounds):  # alternate, so a busy moment of the machine hits both alike
            direct += asyncio.run(bursts(direct_base, body, concurrency, 1))
            proxied += asyncio.run(bursts(proxied_base, body, concurrency, 1))
        cpu_after = process_cpu_seconds(proxy.pid)
    finally:
        for process in (proxy, upstream):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
    return {
        "concurrency": concurrency,
        "requests": len(direct),
        "direct_p50_ms": round(statistics.median(direct), 2),
        "direct_p95_ms": round(percentile(direct, 0.95), 2),
        "proxy_p50_ms": round(statistics.median(proxied), 2),
        "proxy_p95_ms": round(percentile(proxied, 0.95), 2),
        "overhead_p50_ms": round(statistics.median(proxied) - statistics.median(direct), 2),
        # The proxy's own CPU time per request (lint + parse + forward), from /proc: what the
        # machine's load does not inflate.
        "proxy_cpu_ms_per_request": (
            round((cpu_after - cpu_before) * 1000 / len(proxied), 3)
            if cpu_before is not None and cpu_after is not None
            else None
        ),
    }


def process_cpu_seconds(pid: int):
    """User + system CPU time of a process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000, help="lint_request calls timed per case (default 5000)")
    parser.add_argument("--concurrency", type=int, default=50, help="simultaneous requests per burst (default 50)")
    parser.add_argument("--rounds", type=int, default=40, help="bursts, each direct and through the proxy (default 40)")
    parser.add_argument("--only", choices=("api", "proxy"))
    parser.add_argument("--work", default=None, help="directory for the port file (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--serve-upstream", metavar="PORT_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        serve_upstream(args.serve_upstream)
        return 0
    results: dict = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    if args.only in (None, "api"):
        results["lint_request"] = bench_api(args.calls)
    if args.only in (None, "proxy"):
        import tempfile

        with tempfile.TemporaryDirectory() as temporary:
            results["proxy"] = bench_proxy(args.concurrency, args.rounds, Path(args.work or temporary))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    if "lint_request" in results:
        api = results["lint_request"]
        print(f"lint_request (first call, compiling the rules: {api['first_call_ms']} ms)")
        for name in ("typical (bytes)", "typical (parsed)", "with 6 findings"):
            row = api[name]
            print(f"  {name:<18} p50 {row['p50_us']:>7} µs   p95 {row['p95_us']:>7} µs   p99 {row['p99_us']:>7} µs")
        met = "met" if api["typical (bytes)"]["p50_us"] <= 1000 else "NOT met"
        print(f"  target: p50 ≤ 1000 µs for a typical create-payment body: {met}")
    if "proxy" in results:
        proxy = results["proxy"]
        print(f"proxy, bursts of {proxy['concurrency']} simultaneous requests ({proxy['requests']} each way)")
        print(f"  direct        p50 {proxy['direct_p50_ms']:>7} ms   p95 {proxy['direct_p95_ms']:>7} ms")
        print(f"  through proxy p50 {proxy['proxy_p50_ms']:>7} ms   p95 {proxy['proxy_p95_ms']:>7} ms")
        print(f"  the proxy's own CPU time: {proxy['proxy_cpu_ms_per_request']} ms a request")
        met = "met" if proxy["overhead_p50_ms"] <= 5 else "NOT met"
        print(f"  overhead p50 {proxy['overhead_p50_ms']} ms; target ≤ 5 ms: {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
