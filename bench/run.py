#!/usr/bin/env python3
"""Benchmark vipps-lint against Spectral, check-jsonschema and the read+parse floor (issue 6).

    python bench/run.py                                   # the issue's sizes, median of 5
    python bench/run.py --bodies 2000 --ndjson 20000 --har 2000 --repeat 3
    python bench/run.py --tiny                            # what CI runs: seconds, no timing claims
    python bench/run.py --write-doc                       # also regenerate docs/performance.md

One run generates the corpus (bench/corpus.py) into a work directory, times whole commands
as a user runs them (a fresh process each, median wall time, CPU time and peak RSS of that
child from os.wait4), checks from vipps-lint's JSON reports that every seeded defect was
found (and counts anything reported beyond them), and prints the measurements with the
ratios the issue sets as targets. It exits 1 when vipps-lint misses a seeded defect or
crashes; competitors that are not installed are reported as such and skipped.

Standard library only (plus the tools it times).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402 - bench/corpus.py, beside this file, once sys.path names the folder

RULESET = HERE / "spectral-ecom.yaml"
ECOM_SCHEMA = ROOT / "schemas" / "ecom-v2" / "initiatePaymentV3UsingPOST.json"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

# What the issue asks for (sizes the targets are stated at, and the targets).
ISSUE_SIZES = {"bodies": 10_000, "ndjson": 100_000, "har": 20_000}
TARGET_SPECTRAL = 10.0  # vipps-lint at least 10x faster than Spectral (two rules)
TARGET_CJS = 3.0  # at least 3x faster than check-jsonschema (schema only)
TARGET_FLOOR = 2.5  # at most 2.5x the read+json.loads floor
TARGET_NDJSON_RPS = 50_000  # requests/s end to end
TARGET_PRECOMMIT = 0.25  # s, one file
TARGET_VERSION = 0.15  # s, --version
# Our reading of "flat" and "the file plus a small constant" (stated in the doc):
FLAT_GROWTH = 1.2  # peak RSS at the largest NDJSON size <= 1.2x the smallest size's
HAR_CONSTANT_MIB = 32.0  # HAR peak RSS - one-file run's peak RSS <= file size + 32 MiB

# The floor: read every file of the directory and json.loads it, in one Python process.
FLOOR = """\
import json, os, sys
count = 0
for root, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".json"):
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                json.loads(handle.read())
            count += 1
print(count)
"""

# The seeded defects each competitor's check covers (for a sanity check that it did the work).
SPECTRAL_RULES = {"ecom-callback-https", "ecom-mobile-number"}
CJS_RULES = {"ecom-mobile-number", "schema-length"}  # the eCom schema's pattern/maxLength


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- measuring

# Children are started by a small helper process, not by this one: on Linux a child's
# ru_maxrss starts from the high-water mark of the memory it was forked from (exec records
# the old address space's peak), and this process holds the whole corpus while it runs.
# The helper (python -S, nothing imported: a few MiB) forks and execs each command and
# reports wall time and the child's rusage from os.wait4, so peak RSS is the command's own
# (it never reads below the helper's own few MiB, reported as `rss_floor_kb`).
SPAWNER = r"""
import os, sys, time
def high_water():
    try:
        with open("/proc/self/status") as status:
            return int([line for line in status if line.startswith("VmHWM")][0].split()[1])
    except Exception:
        return 0
sys.stdout.write("%d\n" % high_water()); sys.stdout.flush()
for line in sys.stdin:
    cwd, stdout, stderr, *argv = bytes.fromhex(line.strip()).decode("utf-8").split("\0")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            fds = [os.open(os.devnull, os.O_RDONLY), os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
                   os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            os.execvp(argv[0], argv)
        except BaseException as error:
            os.write(2, ("cannot run %r: %s\n" % (argv[0], error)).encode())
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    sys.stdout.write("%r %r %d %d\n" % (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                                        os.waitstatus_to_exitcode(status)))
    sys.stdout.flush()
"""


class Spawner:
    def __init__(self, scratch: Path):
        self.stderr_path = scratch / "stderr.txt"
        # Commands run as on a user's machine: Python caches compiled modules. (Some shells,
        # sandboxes and CI images set PYTHONDONTWRITEBYTECODE, which makes every start-up
        # compile the package again: ~30 ms for vipps-lint.)
        environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-c", SPAWNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.rss_floor_kb = int(self.process.stdout.readline())

    def run(self, argv: list[str], cwd: Path, stdout_path: Path | None = None) -> dict:
        """Run one command: wall time, CPU (user+sys) and peak RSS (KiB) of that child."""
        job = "\0".join([str(cwd), str(stdout_path or os.devnull), str(self.stderr_path), *argv])
        self.process.stdin.write(job.encode("utf-8").hex() + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark's spawner process died")
        wall, cpu, maxrss, rc = line.split()
        rss = int(maxrss) // 1024 if sys.platform == "darwin" else int(maxrss)  # bytes on macOS
        stderr = self.stderr_path.read_bytes()[-4000:].decode("utf-8", "replace")
        return {"wall": float(wall), "cpu": float(cpu), "rss_kb": rss, "rc": int(rc), "stderr": stderr}

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def measure(
    spawner: Spawner,
    argv: list[str],
    cwd: Path,
    repeat: int,
    warmup: int,
    ok_codes=(0, 1),
    stdout_path: Path | None = None,
) -> dict:
    """Median of `repeat` runs (after `warmup` untimed ones); stops at the first failure."""
    runs = []
    for attempt in range(warmup + repeat):
        sample = spawner.run(argv, cwd, stdout_path)
        if sample["rc"] not in ok_codes:
            return {"ok": False, "rc": sample["rc"], "stderr": sample["stderr"], "argv": argv}
        if attempt >= warmup:
            runs.append(sample)
    return {
        "ok": True,
        "argv": argv,
        "rc": runs[-1]["rc"],
        "wall": statistics.median(run["wall"] for run in runs),
        "cpu": statistics.median(run["cpu"] for run in runs),
        "rss_kb": statistics.median(run["rss_kb"] for run in runs),
        "walls": [round(run["wall"], 4) for run in runs],
    }


def version_of(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv + ["--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    return (done.stdout.strip() or done.stderr.strip()).splitlines()[0] if (done.stdout or done.stderr) else "unknown"


# --------------------------------------------------------------------------- tools


def find_vipps_lint(given: str | None) -> list[str]:
    if given:
        return shlex.split(given)
    found = shutil.which("vipps-lint")
    return [found] if found else [sys.executable, "-m", "vipps_lint"]


def find_tool(given: str | None, name: str, extra: list[Path]) -> tuple[list[str] | None, str]:
    """(argv or None, how it was found / why not)."""
    if given:
        if given.lower() in ("none", "skip", "off"):
            return None, f"skipped (--{name} {given})"
        path = shutil.which(given) or (given if Path(given).is_file() and os.access(given, os.X_OK) else None)
        return ([path], f"--{name} {given}") if path else (None, f"not installed (not found: {given})")
    found = shutil.which(name)
    if found:
        return [found], "PATH"
    for candidate in extra:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)], str(candidate)
    return None, "not installed"


def has_jobs_option(vipps_lint: list[str]) -> bool:
    try:
        done = subprocess.run(vipps_lint + ["check", "--help"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return re.search(r"(^|\s)--jobs\b", done.stdout) is not None


# --------------------------------------------------------------------------- corpus


def sizes_for(largest: int) -> list[int]:
    """The largest size and a quarter and half of it, to show memory stays flat as input grows."""
    return sorted({max(1, largest // 4), max(1, largest // 2), largest}) if largest > 0 else []


def build_corpus(work: Path, arguments) -> dict:
    ndjson_sizes, har_sizes = sizes_for(arguments.ndjson), sizes_for(arguments.har)
    largest = max([arguments.bodies, arguments.postman, 1] + ndjson_sizes + har_sizes)
    start = time.perf_counter()
    # Request i is the same whatever the count (one random stream, drawn in order), so one
    # generate() of the largest size gives every smaller corpus as a prefix.
    requests, defects = corpus.generate(largest, arguments.seed, arguments.defect_rate)
    for stale in ("bodies", "precommit", "reports"):
        shutil.rmtree(work / stale, ignore_errors=True)
    (work / "reports").mkdir(parents=True)
    corpus.write_bodies(requests[: arguments.bodies], work)
    for size in ndjson_sizes:
        corpus.write_ndjson(requests[:size], work / f"requests-{size}.ndjson")
    # The same traffic without the seeded mistakes: memory held for the log itself (streaming)
    # shows apart from memory held for the report's findings.
    seeded = {defect["index"] for defect in defects}
    clean = [request for request in requests if request["index"] not in seeded]
    clean_sizes = sorted({min(size, len(clean)) for size in ndjson_sizes[:1] + ndjson_sizes[-1:]})
    for size in clean_sizes:
        corpus.write_ndjson(clean[:size], work / f"clean-{size}.ndjson")
    for size in har_sizes:
        corpus.write_har(requests[:size], work / f"requests-{size}.har")
    if arguments.postman:
        corpus.write_postman(
            requests[: arguments.postman], work / f"requests-{arguments.postman}.postman_collection.json"
        )
    (work / "defects.json").write_text(json.dumps(defects, indent=1) + "\n", encoding="utf-8")
    # The pre-commit hook's single file: the first correct eCom body.
    clean = next((r for r in requests if r["kind"] == "ecom" and r["index"] not in seeded), requests[0])
    (work / "precommit").mkdir()
    (work / "precommit" / "ecom-body.json").write_text(
        json.dumps(clean["body"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    log(
        f"corpus: {largest:,} requests ({len(defects):,} seeded defects) "
        f"in {time.perf_counter() - start:.1f} s → {work}"
    )
    return {
        "requests": requests,
        "defects": defects,
        "ndjson_sizes": ndjson_sizes,
        "har_sizes": har_sizes,
        "clean_sizes": clean_sizes,
    }


# --------------------------------------------------------------------------- correctness


def finding_key(finding: dict, by: str, work: Path):
    if by == "file":
        name = Path(finding.get("file") or "")
        if name.is_absolute():
            try:
                name = name.relative_to(work)
            except ValueError:
                pass
        return (finding.get("rule"), name.as_posix(), finding.get("pointer"))
    return (finding.get("rule"), (finding.get("request") or {}).get("index"), finding.get("pointer"))


def check_report(report_path: Path, defects: list[dict], by: str, work: Path, requests: int) -> dict:
    """Every seeded defect found? Anything reported beyond them?"""
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {
            "ok": False,
            "problem": f"no readable JSON report ({error})",
            "expected": len(defects),
            "found": 0,
            "missed": [],
            "extra": 0,
            "extra_samples": [],
        }
    expected = {(d["rule"], d["file"] if by == "file" else d["index"], d["pointer"]) for d in defects}
    findings = report.get("findings", [])
    found = {finding_key(finding, by, work) for finding in findings}
    missed = sorted(expected - found, key=str)
    extra = [finding for finding in findings if finding_key(finding, by, work) not in expected]
    seen_requests = (report.get("summary") or {}).get("requests")
    problems = []
    if report.get("errors"):
        problems.append(f"{len(report['errors'])} input errors: {report['errors'][:3]}")
    if seen_requests is not None and seen_requests != requests:
        problems.append(f"the report counts {seen_requests} requests, the input has {requests}")
    return {
        "ok": not missed and not problems,
        "expected": len(expected),
        "found": len(expected) - len(missed),
        "missed": [list(key) for key in missed[:20]],
        "missed_count": len(missed),
        "extra": len(extra),
        "extra_samples": [
            {key: finding.get(key) for key in ("rule", "file", "pointer", "message")}
            | {"index": (finding.get("request") or {}).get("index")}
            for finding in extra[:10]
        ],
        "problem": "; ".join(problems) or None,
    }


def check_spectral(report_path: Path, defects: list[dict], work: Path) -> dict:
    expected = {(d["rule"], d["file"]) for d in defects if d["rule"] in SPECTRAL_RULES}
    try:
        results = json.loads(report_path.read_text(encoding="utf-8") or "[]")
    except (OSError, ValueError) as error:
        return {"expected": len(expected), "found": 0, "extra": 0, "problem": str(error)}
    found = set()
    for result in results:
        source = Path(result.get("source") or "")
        try:
            source = source.resolve().relative_to(work.resolve())
        except ValueError:
            pass
        found.add((result.get("code"), source.as_posix()))
    return {"expected": len(expected), "found": len(expected & found), "extra": len(found - expected), "problem": None}


def check_cjs(report_path: Path, defects: list[dict]) -> dict:
    expected = {d["file"] for d in defects if d["rule"] in CJS_RULES and d["file"].endswith("-ecom.json")}
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {"expected": len(expected), "found": 0, "extra": 0, "problem": str(error)}
    flagged = {Path(error.get("filename", "")).as_posix() for error in report.get("errors", [])}
    return {
        "expected": len(expected),
        "found": len(expected & flagged),
        "extra": len(flagged - expected),
        "problem": None,
    }


# --------------------------------------------------------------------------- the run


class Bench:
    def __init__(self, arguments, work: Path):
        self.arguments = arguments
        self.work = work
        self.results: dict[str, dict] = {}  # scenario id → measurement
        self.rows: list[dict] = []  # the measurement table, in order
        self.correctness: dict[str, dict] = {}
        self.sanity: dict[str, dict] = {}
        self.failures: list[str] = []

    def time(
        self,
        key: str,
        scenario: str,
        tool: str,
        size: str,
        argv: list[str],
        *,
        repeat=None,
        ok_codes=(0, 1),
        stdout: Path | None = None,
        units: float | None = None,
        unit: str = "",
        display: str | None = None,
    ) -> dict:
        repeat = repeat or self.arguments.repeat
        log(f"  {scenario}: {tool} ({size}) …")
        result = measure(self.spawner, argv, self.work, repeat, self.arguments.warmup, ok_codes, stdout)
        result.update(scenario=scenario, tool=tool, size=size, display=display or self.display(argv))
        if result["ok"]:
            if units:
                result["rate"] = units / result["wall"]
                result["rate_unit"] = unit
            log(f"    {result['wall']:.3f} s wall, {result['cpu']:.3f} s CPU, {result['rss_kb'] / 1024:.1f} MiB")
        else:
            log(f"    FAILED (exit {result['rc']}): {result['stderr'].strip()[-600:]}")
        self.results[key] = result
        self.rows.append(result)
        return result

    def display(self, argv: list[str]) -> str:
        """The command as a user would type it in the work directory."""
        shown = []
        for position, word in enumerate(argv):
            if position == 0 and word == sys.executable:
                word = "python"
            elif position == 0 and os.path.isabs(word):
                word = os.path.basename(word)
            elif word == FLOOR:
                word = '"$FLOOR"'
                shown.append(word)
                continue
            for path, name in ((str(HERE), "$REPO/bench"), (str(ROOT), "$REPO")):
                word = word.replace(path, name)
            shown.append(shlex.quote(word) if not word.startswith("$") else word)
        return " ".join(shown)

    def run(self, tools: dict) -> None:
        arguments, work, data = self.arguments, self.work, self.data
        vipps = tools["vipps-lint"]
        spectral, cjs = tools["spectral"], tools["check-jsonschema"]
        defects = data["defects"]
        bodies = arguments.bodies
        body_defects = [d for d in defects if d["index"] < bodies]
        ecom_files = [
            corpus.body_file_name(r["index"], r["kind"]) for r in data["requests"][:bodies] if r["kind"] == "ecom"
        ]
        size = f"{bodies:,} files"

        log("bodies:")
        variants = [("bodies", "vipps-lint", [])]
        if tools["jobs"]:
            variants = [
                ("bodies", "vipps-lint (default --jobs)", []),
                ("bodies-jobs1", "vipps-lint --jobs 1", ["--jobs", "1"]),
            ]
        for key, label, extra in variants:
            report = Path("reports") / f"{key}.json"
            result = self.time(
                key,
                "bodies",
                label,
                size,
                vipps + ["check", "bodies", *extra, "--format", "json", "-o", str(report)],
                units=bodies,
                unit="files/s",
            )
            if result["ok"]:
                self.correctness[key] = check_report(work / report, body_defects, "file", work, bodies)
            else:
                self.correctness[key] = {"ok": False, "problem": f"vipps-lint exited {result['rc']}"}
        if spectral:
            result = self.time(
                "spectral",
                "bodies",
                "Spectral (2 eCom rules)",
                size,
                spectral
                + [
                    "lint",
                    "--ruleset",
                    str(RULESET),
                    "bodies/*.json",
                    "-f",
                    "json",
                    "-o",
                    "reports/spectral-bodies.json",
                ],
                units=bodies,
                unit="files/s",
            )
            if result["ok"]:
                self.sanity["spectral"] = check_spectral(work / "reports/spectral-bodies.json", body_defects, work)
        if cjs:
            result = self.time(
                "cjs",
                "bodies",
                "check-jsonschema (eCom schema)",
                f"{len(ecom_files):,} eCom files",
                cjs + ["--schemafile", str(ECOM_SCHEMA), "-o", "json", *ecom_files],
                stdout=work / "reports/cjs-bodies.json",
                units=len(ecom_files),
                unit="files/s",
                display=self.display(cjs + ["--schemafile", str(ECOM_SCHEMA), "-o", "json"])
                + " bodies/*-ecom.json > reports/cjs-bodies.json",
            )
            if result["ok"]:
                self.sanity["check-jsonschema"] = check_cjs(work / "reports/cjs-bodies.json", body_defects)
        self.time(
            "floor",
            "bodies",
            "floor: read + json.loads",
            size,
            [sys.executable, "-c", FLOOR, "bodies"],
            ok_codes=(0,),
            units=bodies,
            unit="files/s",
        )

        log("NDJSON:")
        for lines in data["ndjson_sizes"]:
            self.lint_dump(vipps, f"ndjson-{lines}", "NDJSON", f"requests-{lines}.ndjson", lines, defects)
        for lines in data["clean_sizes"]:
            name = f"clean-{lines}.ndjson"
            file_mib = (work / name).stat().st_size / 2**20
            result = self.time(
                f"ndjson-clean-{lines}",
                "NDJSON",
                "vipps-lint (log without mistakes)",
                f"{lines:,} requests, {file_mib:.1f} MiB",
                vipps + ["check", name, "--format", "json", "-o", f"reports/ndjson-clean-{lines}.json"],
                ok_codes=(0,),
                units=lines,
                unit="req/s",
            )
            if not result["ok"]:
                self.correctness[f"ndjson-clean-{lines}"] = {
                    "ok": False,
                    "problem": f"vipps-lint exited {result['rc']} on a log without mistakes",
                }
        log("HAR:")
        for entries in data["har_sizes"]:
            self.lint_dump(vipps, f"har-{entries}", "HAR", f"requests-{entries}.har", entries, defects)
        if arguments.postman:
            log("Postman:")
            self.lint_dump(
                vipps,
                f"postman-{arguments.postman}",
                "Postman",
                f"requests-{arguments.postman}.postman_collection.json",
                arguments.postman,
                defects,
            )

        log("pre-commit (one file):")
        one = "precommit/ecom-body.json"
        result = self.time("precommit", "pre-commit", "vipps-lint check", "1 file", vipps + ["check", one])
        if result["ok"] and result["rc"] != 0:
            self.correctness["precommit"] = {"ok": False, "problem": "vipps-lint reported findings on a correct body"}
        self.time("version", "pre-commit", "vipps-lint --version", "—", vipps + ["--version"], ok_codes=(0,))
        if cjs:
            self.time(
                "precommit-cjs",
                "pre-commit",
                "check-jsonschema (eCom schema)",
                "1 file",
                cjs + ["--schemafile", str(ECOM_SCHEMA), one],
            )
        if spectral:
            self.time(
                "precommit-spectral",
                "pre-commit",
                "Spectral (2 eCom rules)",
                "1 file",
                spectral + ["lint", "--ruleset", str(RULESET), one],
            )

        for key, result in self.results.items():
            if not result["ok"] and result["tool"].startswith("vipps-lint"):
                self.failures.append(f"{key}: vipps-lint exited {result['rc']}")
        for key, check in self.correctness.items():
            if not check["ok"]:
                missed = check.get("missed_count", 0)
                self.failures.append(
                    f"{key}: " + (f"{missed} seeded defects missed" if missed else check.get("problem") or "failed")
                )

    def lint_dump(self, vipps, key, scenario, name, count, defects) -> None:
        report = Path("reports") / f"{key}.json"
        file_mib = (self.work / name).stat().st_size / 2**20
        result = self.time(
            key,
            scenario,
            "vipps-lint",
            f"{count:,} requests, {file_mib:.1f} MiB",
            vipps + ["check", name, "--format", "json", "-o", str(report)],
            units=count,
            unit="req/s",
        )
        result["file_mib"] = file_mib
        result["requests"] = count
        if result["ok"]:
            self.correctness[key] = check_report(
                self.work / report, [d for d in defects if d["index"] < count], "index", self.work, count
            )
        else:
            self.correctness[key] = {"ok": False, "problem": f"vipps-lint exited {result['rc']}"}

    # ----------------------------------------------------------------------- targets

    def targets(self) -> list[dict]:
        arguments, results = self.arguments, self.results
        rows = []

        def ok(key):
            return key in results and results[key]["ok"]

        def add(target, measured, met, smaller=False):
            status = "n/a" if met is None else ("met" if met else "not met")
            rows.append(
                {
                    "target": target,
                    "measured": measured,
                    "status": status + ("*" if smaller and met is not None else ""),
                    "met": met,
                    "smaller": smaller,
                }
            )

        small_bodies = arguments.bodies < ISSUE_SIZES["bodies"]
        lint = results.get("bodies")
        for key, tool, goal, label in (
            ("spectral", "Spectral", TARGET_SPECTRAL, "faster than Spectral (2 rules)"),
            ("cjs", "check-jsonschema", TARGET_CJS, "faster than check-jsonschema (schema only)"),
        ):
            target = f"bodies: ≥{goal:g}× {label}"
            if not (lint and lint["ok"]):
                add(target, "vipps-lint failed", False, small_bodies)
            elif not ok(key):
                why = self.tool_status.get("spectral" if key == "spectral" else "check-jsonschema", "failed")
                add(target, f"{tool} {why if key not in results else 'failed'}", None)
            else:
                ratio = results[key]["wall"] / lint["wall"]
                add(
                    target,
                    f"{ratio:.1f}× ({tool} {results[key]['wall']:.2f} s, vipps-lint {lint['wall']:.2f} s)",
                    ratio >= goal,
                    small_bodies,
                )
        if lint and lint["ok"] and ok("floor"):
            ratio = lint["wall"] / results["floor"]["wall"]
            add(
                f"bodies: ≤{TARGET_FLOOR:g}× the read+parse floor",
                f"{ratio:.2f}× (vipps-lint {lint['wall']:.2f} s, floor {results['floor']['wall']:.2f} s)",
                ratio <= TARGET_FLOOR,
                small_bodies,
            )
        sizes = self.data["ndjson_sizes"]
        if sizes:
            largest = results.get(f"ndjson-{sizes[-1]}")
            smaller = sizes[-1] < ISSUE_SIZES["ndjson"]
            if largest and largest["ok"]:
                add(
                    f"NDJSON: ≥{TARGET_NDJSON_RPS:,} requests/s",
                    f"{largest['rate']:,.0f} req/s ({sizes[-1]:,} lines in {largest['wall']:.2f} s)",
                    largest["rate"] >= TARGET_NDJSON_RPS,
                    smaller,
                )
            clean = self.data["clean_sizes"]
            first = results.get(f"ndjson-clean-{clean[0]}") if clean else None
            last = results.get(f"ndjson-clean-{clean[-1]}") if clean else None
            if first and last and first["ok"] and last["ok"] and len(clean) > 1:
                growth = last["rss_kb"] / first["rss_kb"]
                add(
                    f"NDJSON: peak memory flat as the file grows (≤{FLAT_GROWTH:g}× from {clean[0]:,} to "
                    f"{clean[-1]:,} lines "
                    "of a log without mistakes)",
                    f"{growth:.2f}× ({first['rss_kb'] / 1024:.0f} → {last['rss_kb'] / 1024:.0f} MiB)",
                    growth <= FLAT_GROWTH,
                    smaller,
                )
            seeded_first = results.get(f"ndjson-{sizes[0]}")
            if largest and seeded_first and largest["ok"] and seeded_first["ok"] and len(sizes) > 1:
                findings = self.correctness.get(f"ndjson-{sizes[-1]}", {}).get("found", 0) - self.correctness.get(
                    f"ndjson-{sizes[0]}", {}
                ).get("found", 0)
                per = (largest["rss_kb"] - seeded_first["rss_kb"]) / findings if findings > 0 else None
                add(
                    "NDJSON with 10% mistakes: memory grows with the findings the report holds, not the lines",
                    f"{seeded_first['rss_kb'] / 1024:.0f} → {largest['rss_kb'] / 1024:.0f} MiB"
                    + (f", about {per:.1f} KiB per finding" if per is not None else ""),
                    None,
                    smaller,
                )
        if self.data["har_sizes"] and ok("precommit"):
            entries = self.data["har_sizes"][-1]
            har = results.get(f"har-{entries}")
            if har and har["ok"]:
                extra_mib = (har["rss_kb"] - results["precommit"]["rss_kb"]) / 1024
                allowed = har["file_mib"] + HAR_CONSTANT_MIB
                add(
                    f"HAR: holds at most the file + {HAR_CONSTANT_MIB:g} MiB beyond a one-file run",
                    f"+{extra_mib:.0f} MiB for a {har['file_mib']:.1f} MiB HAR ({entries:,} entries; peak "
                    f"{har['rss_kb'] / 1024:.0f} MiB)",
                    extra_mib <= allowed,
                    entries < ISSUE_SIZES["har"],
                )
        if ok("precommit"):
            wall = results["precommit"]["wall"]
            others = ", ".join(
                f"{name} {results[key]['wall']:.2f} s"
                for key, name in (("precommit-cjs", "check-jsonschema"), ("precommit-spectral", "Spectral"))
                if ok(key)
            )
            add(
                f"pre-commit: one file ≤{TARGET_PRECOMMIT:g} s",
                f"{wall:.3f} s" + (f" ({others})" if others else ""),
                wall <= TARGET_PRECOMMIT,
            )
        if ok("version"):
            add(
                f"`vipps-lint --version` ≤{TARGET_VERSION:g} s",
                f"{results['version']['wall']:.3f} s",
                results["version"]["wall"] <= TARGET_VERSION,
            )
        return rows


# --------------------------------------------------------------------------- output


def fmt_rate(result: dict) -> str:
    return f"{result['rate']:,.0f} {result['rate_unit']}" if result.get("rate") else ""


def measurement_table(bench: Bench) -> str:
    lines = [
        "| scenario | tool | input | wall (s) | CPU (s) | peak RSS (MiB) | throughput |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in bench.rows:
        if row["ok"]:
            lines.append(
                f"| {row['scenario']} | {row['tool']} | {row['size']} | {row['wall']:.3f} | {row['cpu']:.3f} "
                f"| {row['rss_kb'] / 1024:.1f} | {fmt_rate(row)} |"
            )
        else:
            lines.append(f"| {row['scenario']} | {row['tool']} | {row['size']} | failed (exit {row['rc']}) | | | |")
    for name, status in bench.tool_status.items():
        if name != "vipps-lint" and status.startswith(("not installed", "skipped")):
            lines.append(f"| — | {name} | — | {status} | | | |")
    return "\n".join(lines)


def target_table(bench: Bench, targets: list[dict]) -> str:
    lines = ["| target (issue 6) | measured | status |", "| --- | --- | --- |"]
    lines += [f"| {row['target']} | {row['measured']} | {row['status']} |" for row in targets]
    if any(row["smaller"] for row in targets):
        lines.append("")
        lines.append(
            "\\* measured at a smaller size than the issue states the target for "
            f"({ISSUE_SIZES['bodies']:,} files, {ISSUE_SIZES['ndjson']:,} NDJSON lines, "
            f"{ISSUE_SIZES['har']:,} HAR entries); start-up weighs more at small sizes."
        )
    return "\n".join(lines)


def correctness_lines(bench: Bench) -> list[str]:
    lines = []
    for key, check in bench.correctness.items():
        if "expected" in check:
            text = (
                f"- `{key}`: {check['found']:,} of {check['expected']:,} seeded defects found"
                f", {check['extra']:,} findings beyond them"
            )
            if check.get("problem"):
                text += f" — PROBLEM: {check['problem']}"
        else:
            text = f"- `{key}`: {'ok' if check['ok'] else 'PROBLEM: ' + str(check.get('problem'))}"
        lines.append(text)
    for name, check in bench.sanity.items():
        what = (
            "seeded defects its two rules cover"
            if name == "spectral"
            else "eCom files whose seeded defect the schema must reject"
        )
        text = f"- {name} (sanity check): found {check['found']:,} of the {check['expected']:,} {what}"
        if check["extra"]:
            text += f", {check['extra']:,} more"
        if check.get("problem") or check["found"] != check["expected"]:
            text += " — WARNING: the comparison may be unfair" + (
                f" ({check['problem']})" if check.get("problem") else ""
            )
        lines.append(text)
    return lines


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "unknown"


def machine_info(tools: dict, tool_status: dict, load: str) -> list[tuple[str, str]]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    memory = ""
    try:
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f"{int(total.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        commit = (
            subprocess.run(
                ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, timeout=30
            ).stdout.strip()
            or "unknown"
        )
    except OSError:
        commit = "unknown"
    info = [
        ("CPU", f"{model}; nproc {usable} (os.cpu_count {os.cpu_count()})"),
        ("memory", memory or "unknown"),
        ("OS", platform.platform()),
        ("load average (1 min) at start / end", load),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        (
            "vipps-lint",
            f"{version_of(tools['vipps-lint'])} at commit {commit}"
            + (", has --jobs" if tools["jobs"] else ", no --jobs option"),
        ),
    ]
    for name in ("spectral", "check-jsonschema"):
        if tools[name]:
            version = version_of(tools[name])
            if name == "spectral":
                node = shutil.which("node")
                version = f"@stoplight/spectral-cli {version}" + (f", node {version_of([node])}" if node else "")
            info.append((name, version))
        else:
            info.append((name, tool_status[name]))
    return info


def report_text(bench: Bench, targets: list[dict], machine: list[tuple[str, str]], command: str) -> str:
    arguments = bench.arguments
    parts = [
        f"Measured {datetime.date.today().isoformat()}: median of {arguments.repeat} "
        f"run{'s' if arguments.repeat != 1 else ''}"
        f" ({arguments.warmup} untimed warm-up run{'s' if arguments.warmup != 1 else ''} before each command).",
        "",
        "### Machine",
        "",
        *[f"- {name}: {value}" for name, value in machine],
        "",
        "### Targets",
        "",
        target_table(bench, targets),
        "",
        "### Measurements",
        "",
        "Wall time, CPU time (user + system) and peak RSS of the command's process (`os.wait4`; for",
        "a command that starts worker processes, CPU includes the workers it waited for and peak",
        "RSS is the largest single process). Commands are started by a small helper process, so a",
        "peak RSS is the command's own (it cannot read below the helper's "
        f"{bench.spawner.rss_floor_kb / 1024:.1f} MiB).",
        "",
        measurement_table(bench),
        "",
        "### Correctness",
        "",
        "From vipps-lint's JSON reports: each seeded defect of `defects.json` must be reported with",
        "its rule and JSON Pointer, in its file (body files) or at its request index (NDJSON, HAR).",
        "",
        *correctness_lines(bench),
        "",
        "### Reproduce",
        "",
        "```sh",
        command,
        "```",
        "",
        "The commands it times, run in the work directory (`$WORK`, holding the generated corpus;",
        "`$REPO` is this repository):",
        "",
        "```sh",
        *dict.fromkeys(row["display"] for row in bench.rows),
        "```",
        "",
        "where `$FLOOR` is:",
        "",
        "```python",
        FLOOR.rstrip(),
        "```",
        "",
        "- Spectral runs over all body files: its ruleset's JSONPaths select the eCom bodies, as",
        "  vipps-lint's routing does. check-jsonschema gets only the eCom files, since one schema",
        "  cannot select its bodies; that halves its work, so its ratio is a conservative one.",
        "- The floor is one `python -c` process (start-up included, as for every tool timed).",
        f'- "Flat" NDJSON memory means peak RSS at the largest size is at most {FLAT_GROWTH:g}× the smallest\'s;',
        f"  the HAR bound is the file size plus {HAR_CONSTANT_MIB:g} MiB over the peak RSS of a one-file run.",
    ]
    return "\n".join(parts)


DOC_TEMPLATE = """# Performance

How fast vipps-lint is next to the tools a user would otherwise pick (issue 6): Spectral with a
ruleset for two eCom rules, check-jsonschema with the eCom initiate schema, and the floor of
reading and parsing the same files. Everything between the `bench:begin` and `bench:end`
markers is written by `python bench/run.py --write-doc`; the rest of this file is by hand and
survives a regeneration. See [bench/README.md](../bench/README.md) for what the benchmark
measures and how to install the competitors.

{begin}
{end}

## Notes

(Hand-written: profiles, what dominates where, and any target not met with the reason.)
"""


def write_doc(text: str, doc: Path = DOC) -> None:
    """Replace what is between the markers; everything else in the file is hand-written and kept."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    current = doc.read_text(encoding="utf-8") if doc.exists() else DOC_TEMPLATE.format(begin=BEGIN, end=END)
    if BEGIN not in current or END not in current:
        current = current.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = current.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


# --------------------------------------------------------------------------- main


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--bodies", type=int, help=f"body files (default {ISSUE_SIZES['bodies']:,})")
    parser.add_argument(
        "--ndjson",
        type=int,
        help=f"NDJSON lines at the largest size; a quarter and half of it are "
        f"timed too (default {ISSUE_SIZES['ndjson']:,})",
    )
    parser.add_argument(
        "--har",
        type=int,
        help=f"HAR entries at the largest size; a quarter and half too (default {ISSUE_SIZES['har']:,})",
    )
    parser.add_argument(
        "--postman", type=int, default=0, help="also time a Postman collection of this many requests (default 0: off)"
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="CI preset: 300 bodies, 300 NDJSON lines, 300 HAR entries (every kind of seeded "
        "defect occurs), 1 run, no warm-up",
    )
    parser.add_argument(
        "--repeat", type=int, help="timed runs per command, the median is reported (default 5; 1 with --tiny)"
    )
    parser.add_argument("--warmup", type=int, help="untimed runs before each command (default 1; 0 with --tiny)")
    parser.add_argument(
        "--work",
        type=Path,
        help="work directory for the corpus and reports (default: a temporary "
        "directory, removed afterwards; bench/out/ is git-ignored)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--defect-rate", type=float, default=0.1)
    parser.add_argument(
        "--vipps-lint",
        metavar="CMD",
        help="the vipps-lint command (default: vipps-lint on PATH, else python -m vipps_lint)",
    )
    parser.add_argument(
        "--spectral",
        metavar="PATH",
        help="Spectral executable, or 'none' (default: PATH, then bench/.tools/node_modules/.bin/spectral)",
    )
    parser.add_argument(
        "--check-jsonschema",
        metavar="PATH",
        help="check-jsonschema executable, or 'none' (default: PATH, then beside this Python)",
    )
    parser.add_argument(
        "--write-doc",
        action="store_true",
        help=f"regenerate the doc (--doc) between its markers {BEGIN} and {END}; the rest of it is kept",
    )
    parser.add_argument(
        "--doc",
        type=Path,
        default=DOC,
        metavar="FILE",
        help=f"the doc --write-doc writes (default {DOC.relative_to(ROOT)})",
    )
    parser.add_argument("--json-summary", type=Path, metavar="FILE", help="write every result as JSON to FILE")
    arguments = parser.parse_args(argv)
    tiny = {"bodies": 300, "ndjson": 300, "har": 300, "repeat": 1, "warmup": 0}
    full = {**ISSUE_SIZES, "repeat": 5, "warmup": 1}
    for name, value in (tiny if arguments.tiny else full).items():
        if getattr(arguments, name) is None:
            setattr(arguments, name, value)
    for name in ("bodies", "ndjson", "har", "postman", "warmup"):
        if getattr(arguments, name) < 0:
            parser.error(f"--{name} must not be negative")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    return arguments


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    temporary = arguments.work is None
    work = Path(tempfile.mkdtemp(prefix="vipps-bench-")) if temporary else arguments.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        return run(arguments, work)
    finally:
        if temporary and not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif temporary:
            log(f"work directory kept: {work}")


def run(arguments, work: Path) -> int:
    vipps = find_vipps_lint(arguments.vipps_lint)
    spectral, spectral_status = find_tool(
        arguments.spectral, "spectral", [HERE / ".tools" / "node_modules" / ".bin" / "spectral"]
    )
    cjs, cjs_status = find_tool(
        arguments.check_jsonschema, "check-jsonschema", [Path(sys.executable).parent / "check-jsonschema"]
    )
    tools = {"vipps-lint": vipps, "spectral": spectral, "check-jsonschema": cjs, "jobs": has_jobs_option(vipps)}
    tool_status = {"vipps-lint": " ".join(vipps), "spectral": spectral_status, "check-jsonschema": cjs_status}
    for name in ("spectral", "check-jsonschema"):
        log(f"{name}: {' '.join(tools[name]) if tools[name] else tool_status[name]}")
    log(f"vipps-lint: {' '.join(vipps)}" + (" (has --jobs)" if tools["jobs"] else ""))

    load_at_start = load_average()
    bench = Bench(arguments, work)
    bench.tool_status = tool_status
    bench.data = build_corpus(work, arguments)
    bench.spawner = Spawner(work / "reports")
    try:
        bench.run(tools)
    finally:
        bench.spawner.close()
    targets = bench.targets()
    machine = machine_info(tools, tool_status, f"{load_at_start} / {load_average()}")
    command = reproduce_command(arguments)

    print()
    print(target_table(bench, targets))
    print()
    print(measurement_table(bench))
    print()
    print("\n".join(correctness_lines(bench)))
    for key, check in bench.correctness.items():
        if check.get("missed"):
            print(f"\n{key}: missed seeded defects (rule, file or index, pointer), first {len(check['missed'])}:")
            for missed in check["missed"]:
                print(f"  {missed}")
        if check.get("extra_samples"):
            print(f"\n{key}: findings beyond the seeded defects, first {len(check['extra_samples'])}:")
            for extra in check["extra_samples"]:
                print(f"  {extra}")
    if bench.failures:
        print("\nFAILED: " + "; ".join(bench.failures))

    if arguments.write_doc:
        write_doc(report_text(bench, targets, machine, command), arguments.doc)
        log(f"wrote {arguments.doc}")
    if arguments.json_summary:
        summary = {
            "ok": not bench.failures,
            "failures": bench.failures,
            "defects_ok": all(check["ok"] for check in bench.correctness.values()),
            "sizes": {
                "bodies": arguments.bodies,
                "ndjson": bench.data["ndjson_sizes"],
                "har": bench.data["har_sizes"],
                "postman": arguments.postman,
            },
            "repeat": arguments.repeat,
            "rss_floor_kb": bench.spawner.rss_floor_kb,
            "tools": tool_status,
            "jobs_option": tools["jobs"],
            "machine": dict(machine),
            "targets": targets,
            "results": {
                key: {k: v for k, v in result.items() if k != "stderr"} for key, result in bench.results.items()
            },
            "correctness": bench.correctness,
            "sanity": bench.sanity,
        }
        arguments.json_summary.parent.mkdir(parents=True, exist_ok=True)
        arguments.json_summary.write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    return 1 if bench.failures else 0


def reproduce_command(arguments) -> str:
    words = [
        "python",
        "bench/run.py",
        "--bodies",
        str(arguments.bodies),
        "--ndjson",
        str(arguments.ndjson),
        "--har",
        str(arguments.har),
        "--repeat",
        str(arguments.repeat),
        "--warmup",
        str(arguments.warmup),
    ]
    if arguments.postman:
        words += ["--postman", str(arguments.postman)]
    if (arguments.seed, arguments.defect_rate) != (2024, 0.1):
        words += ["--seed", str(arguments.seed), "--defect-rate", str(arguments.defect_rate)]
    return " ".join(words)


if __name__ == "__main__":
    sys.exit(main())
