"""Throughput of the Spark engine at local[1] and local[2], and the scaling efficiency.

    python bench/spark.py --requests 100000 --work /tmp/vipps-spark-bench

Writes the benchmark corpus's NDJSON log (bench/corpus.py), then for each master starts a
fresh Spark (its own JVM, bound to 127.0.0.1) and lints the log with the CLI's engine
(`vipps_lint.spark.engine.run`) `--repeat` times. The first run includes starting the Python
workers and compiling the linter in each; the best of the later ones is the steady rate a
long job on a cluster sees. The local engine (`--jobs 1`) is timed on the same log for
comparison. Prints a Markdown table (docs/scale-out.md quotes it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def _measure(master: str, log: str, repeat: int, block_bytes: int) -> dict:
    """In a child process: one Spark session, `repeat` runs; seconds of each."""
    from pyspark.sql import SparkSession

    from vipps_lint.pipeline import Linter, Settings
    from vipps_lint.spark.engine import run

    builder = SparkSession.builder.master(master).appName("vipps-lint-bench")
    for key, value in LOOPBACK.items():
        builder = builder.config(key, value)
    started = time.perf_counter()
    spark = builder.config("spark.sql.files.maxPartitionBytes", str(block_bytes)).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    start_up = time.perf_counter() - started
    linter = Linter(Settings(paths=[log]))
    runs, findings = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        report = run(linter, [log])
        runs.append(time.perf_counter() - started)
        findings = len(report.findings)
    spark.stop()
    return {"start_up": start_up, "runs": runs, "requests": report.requests, "findings": findings}


def _child(master: str, log: str, repeat: int, block_bytes: int) -> dict:
    environment = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        __file__,
        "--child",
        master,
        "--log",
        log,
        "--repeat",
        str(repeat),
        "--block-bytes",
        str(block_bytes),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _local(log: str) -> float:
    command = [
        sys.executable,
        "-m",
        "vipps_lint",
        "check",
        "--isolated",
        "--jobs",
        "1",
        "--format",
        "json",
        "-o",
        os.devnull,
        log,
    ]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vipps-spark-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--block-bytes", type=int, default=8 * 1024 * 1024, help="Spark split size (maxPartitionBytes)")
    parser.add_argument("--masters", default="local[1],local[2]")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(_measure(arguments.child, arguments.log, arguments.repeat, arguments.block_bytes)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import write_corpus

    log = arguments.work / "requests.ndjson"
    if not log.exists() or sum(1 for _ in log.open("rb")) != arguments.requests:
        write_corpus(arguments.work, arguments.requests, formats=("ndjson",))
    size = log.stat().st_size
    print(
        f"log: {arguments.requests:,} requests, {size / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores\n"
    )
    print("| engine | first run s | steady run s | requests/s | MB/s | per core requests/s |")
    print("|---|---:|---:|---:|---:|---:|")
    local = _local(str(log))
    print(
        f"| local, --jobs 1 | {local:.1f} | {local:.1f} | {arguments.requests / local:,.0f} | {size / 1e6 / local:.2f} "
        f"| {arguments.requests / local:,.0f} |",
        flush=True,
    )
    rates = {}
    for master in arguments.masters.split(","):
        result = _child(master, str(log), arguments.repeat, arguments.block_bytes)
        first, steady = result["runs"][0], min(result["runs"][1:] or result["runs"])
        cores = int(master[master.index("[") + 1 : -1]) if "[" in master and master[-2].isdigit() else 1
        rates[cores] = result["requests"] / steady
        print(
            f"| Spark {master} (start-up {result['start_up']:.0f} s) | {first:.1f} | {steady:.1f} "
            f"| {rates[cores]:,.0f} "
            f"| {size / 1e6 / steady:.2f} | {rates[cores] / cores:,.0f} |",
            flush=True,
        )
    if 1 in rates and 2 in rates:
        print(
            f"\nscaling efficiency local[1] → local[2]: {rates[2] / (2 * rates[1]):.0%} "
            f"(speed-up {rates[2] / rates[1]:.2f}x)"
        )


if __name__ == "__main__":
    main()
