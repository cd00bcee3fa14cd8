#!/usr/bin/env python3
"""Benchmark vipps-lint against Spectral, check-jsonschema and the read+parse floor (issues 6, 13).

    python bench/run.py                                   # the issue's sizes, median of 5
    python bench/run.py --bodies 2000 --ndjson 20000 --har 2000 --repeat 3
    python bench/run.py --tiny                            # what CI runs: seconds, no timing claims
    python bench/run.py --write-doc                       # also regenerate docs/performance.md

One run generates the corpus (bench/corpus.py) into a work directory, times whole commands
as a user runs them (a fresh process each, median wall time, CPU time and peak RSS of that
child from os.wait4), checks from vipps-lint's JSON reports that every seeded defect was
found (and counts anything reported beyond them), and prints the measurements with the
ratios the issues set as targets, on two corpora: ~10% of requests with a mistake, and a
findings-heavy one (bench/corpus.py --heavy; `--no-heavy` skips it). It exits 1 when
vipps-lint misses a seeded defect or crashes; competitors that are not installed are
reported as such and skipped.

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
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402 - bench/corpus.py, beside this file, once sys.path names the folder

RULESET = HERE / "spectral-ecom.yaml"
ECOM_SCHEMA = ROOT / "schemas" / "ecom-v2" / "initiatePaymentV3UsingPOST.json"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

# What the issues ask for (sizes the targets are stated at, and the targets).
ISSUE_SIZES = {"bodies": 10_000, "ndjson": 100_000, "har": 20_000}
TARGET_SPECTRAL = 10.0  # vipps-lint at least 10x faster than Spectral (two rules)
TARGET_CJS = 3.0  # at least 3x faster than check-jsonschema (schema only, the same files)
TARGET_FLOOR = {"": 2.5, "heavy": 4.0}  # at most this x the read+json.loads floor, per corpus
TARGET_NDJSON_RPS = {"": 50_000, "heavy": 25_000}  # requests/s end to end, per corpus
TARGET_PRECOMMIT = 0.15  # s, one file (issue 13)
TARGET_VERSION = 0.15  # s, --version
# Our reading of "flat", "the file plus a small constant" and "bounded by what the report
# holds" (stated in the doc):
FLAT_GROWTH = 1.2  # peak RSS at the largest NDJSON size <= 1.2x the smallest size's
HAR_CONSTANT_MIB = 32.0  # HAR peak RSS - one-file run's peak RSS <= file size + 32 MiB
# Heavy log: peak RSS growth per finding <= 3x the JSON report's bytes per finding. A finding
# held as Python objects costs 2-3x its JSON text; one holding its whole request costs 6.5x
# (measured on the heavy corpus: 5.2 KiB per finding, against 0.8 KiB of report).
REPORT_BOUND = 3.0

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

# check-jsonschema validates each API's bodies with that API's schema, so it reads the same
# files vipps-lint lints. vipps-lint validates no schema for Klarna (an API it checks by rules
# only); check-jsonschema's equivalent work on those files is reading and parsing them
# against a schema that accepts any object.
CJS_SCHEMAS = {
    "ecom": ECOM_SCHEMA,
    "epayment": ROOT / "schemas" / "epayment-v1" / "createPayment.json",
    "klarna": None,  # ANY_OBJECT, written into the work directory
}
ANY_OBJECT = "any-object.schema.json"

# The seeded defects each competitor's check covers (for a sanity check that it did the work).
SPECTRAL_RULES = {"ecom-callback-https", "ecom-mobile-number"}
CJS_RULES = {  # each API's schema: a pattern, a maxLength, an integer type
    "ecom": {"ecom-mobile-number", "schema-length"},
    "epayment": {"epayment-phone-msisdn", "schema-type"},
    "klarna": set(),
}


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


def summarize(argv: list[str], runs: list[dict]) -> dict:
    """Medians of the timed runs of one command."""
    return {
        "ok": True,
        "argv": argv,
        "rc": runs[-1]["rc"],
        "wall": statistics.median(run["wall"] for run in runs),
        "cpu": statistics.median(run["cpu"] for run in runs),
        "rss_kb": statistics.median(run["rss_kb"] for run in runs),
        "walls": [round(run["wall"], 4) for run in runs],
    }


def failed(argv: list[str], sample: dict) -> dict:
    return {"ok": False, "rc": sample["rc"], "stderr": sample["stderr"], "argv": argv}


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
            return failed(argv, sample)
        if attempt >= warmup:
            runs.append(sample)
    return summarize(argv, runs)


def measure_interleaved(spawner: Spawner, commands: list[dict], cwd: Path, repeat: int, warmup: int) -> list[dict]:
    """`measure` for commands whose ratios are targets: each round runs every command once, so
    a change of the machine's load (other work on it) hits them all alike. Each command is a
    dict with `argv`, `ok_codes` and `stdout`."""
    runs: list[list[dict]] = [[] for _ in commands]
    results: list[dict | None] = [None] * len(commands)
    for attempt in range(warmup + repeat):
        for position, command in enumerate(commands):
            if results[position] is not None:  # failed already
                continue
            sample = spawner.run(command["argv"], cwd, command.get("stdout"))
            if sample["rc"] not in command.get("ok_codes", (0, 1)):
                results[position] = failed(command["argv"], sample)
            elif attempt >= warmup:
                runs[position].append(sample)
    return [result or summarize(command["argv"], done) for command, result, done in zip(commands, results, runs)]


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


@dataclass
class Corpus:
    """One corpus the targets are measured on (issue 13: both of them, every target)."""

    name: str  # "" (the default corpus, ~10% of requests with one mistake) or "heavy"
    label: str  # how tables name it
    directory: str  # where its files are, relative to the work directory ("" or "heavy/")
    requests: list = field(default_factory=list, repr=False)
    defects: list = field(default_factory=list, repr=False)  # files relative to the work directory
    ndjson_sizes: list = field(default_factory=list)
    clean_sizes: list = field(default_factory=list)
    har_sizes: list = field(default_factory=list)
    precommit: str = ""  # the pre-commit hook's one file

    def key(self, name: str) -> str:
        """Result keys: as they always were for the default corpus, `heavy-…` for the heavy one."""
        return f"{self.name}-{name}" if self.name else name

    def scenario(self, name: str) -> str:
        return f"{name} (heavy)" if self.name else name


def build_corpus(work: Path, arguments) -> list[Corpus]:
    ndjson_sizes, har_sizes = sizes_for(arguments.ndjson), sizes_for(arguments.har)
    largest = max([arguments.bodies, arguments.postman, 1] + ndjson_sizes + har_sizes)
    start = time.perf_counter()
    # Request i is the same whatever the count (one random stream, drawn in order), so one
    # generate() of the largest size gives every smaller corpus as a prefix.
    requests, defects = corpus.generate(largest, arguments.seed, arguments.defect_rate)
    for stale in ("bodies", "precommit", "reports", "heavy"):
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
    clean_ecom = next((r for r in requests if r["kind"] == "ecom" and r["index"] not in seeded), requests[0])
    (work / "precommit").mkdir()
    (work / "precommit" / "ecom-body.json").write_text(
        json.dumps(clean_ecom["body"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (work / ANY_OBJECT).write_text('{"type": "object"}\n', encoding="utf-8")
    corpora = [
        Corpus(
            "",
            f"{arguments.defect_rate:.0%} of requests with a mistake",
            "",
            requests,
            defects,
            ndjson_sizes,
            clean_sizes,
            har_sizes,
            "precommit/ecom-body.json",
        )
    ]
    log(
        f"corpus: {largest:,} requests ({len(defects):,} seeded defects) "
        f"in {time.perf_counter() - start:.1f} s → {work}"
    )
    if arguments.heavy:
        corpora.append(build_heavy_corpus(work, arguments))
    return corpora


def build_heavy_corpus(work: Path, arguments) -> Corpus:
    """The findings-heavy corpus under heavy/: body files and NDJSON logs (no HAR: the HAR target
    is about the file's size, not its findings). Its NDJSON sizes are a quarter of the largest
    and the largest: memory per finding is the growth between them."""
    start = time.perf_counter()
    ndjson_sizes = sorted({max(1, arguments.ndjson // 4), arguments.ndjson}) if arguments.ndjson else []
    largest = max([arguments.bodies, 1] + ndjson_sizes)
    requests, defects = corpus.generate(
        largest, corpus.HEAVY_SEED, corpus.HEAVY_DEFECT_RATE, corpus.HEAVY_DEFECTS_PER_REQUEST
    )
    heavy = work / "heavy"
    heavy.mkdir()
    corpus.write_bodies(requests[: arguments.bodies], heavy)
    for size in ndjson_sizes:
        corpus.write_ndjson(requests[:size], heavy / f"requests-{size}.ndjson")
    # defects.json as corpus.py writes it (files relative to heavy/); checked relative to the work directory.
    (heavy / "defects.json").write_text(json.dumps(defects, indent=1) + "\n", encoding="utf-8")
    defects = [dict(defect, file=f"heavy/{defect['file']}") for defect in defects]
    # The pre-commit hook's single file: the first eCom body with mistakes (its findings are expected).
    seeded = {defect["index"] for defect in defects}
    broken = next((r for r in requests if r["kind"] == "ecom" and r["index"] in seeded), requests[0])
    (heavy / "precommit").mkdir()
    (heavy / "precommit" / "ecom-body.json").write_text(
        json.dumps(broken["body"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with_mistakes = len({defect["index"] for defect in defects if defect["index"] < largest})
    log(
        f"heavy corpus: {largest:,} requests, {with_mistakes:,} with mistakes ({len(defects):,} seeded defects) "
        f"in {time.perf_counter() - start:.1f} s → {heavy}"
    )
    return Corpus(
        "heavy",
        f"findings-heavy: {corpus.HEAVY_DEFECT_RATE:.0%} of requests with "
        f"2–{corpus.HEAVY_DEFECTS_PER_REQUEST} mistakes",
        "heavy/",
        requests,
        defects,
        ndjson_sizes,
        [],
        [],
        "heavy/precommit/ecom-body.json",
    )


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


def kind_of(file: str) -> str:
    """The API of a body file, from its name (corpus.body_file_name: NNNNNN-KIND.json)."""
    return file.rsplit("-", 1)[-1].removesuffix(".json")


def check_cjs(report_paths: list[Path], defects: list[dict]) -> dict:
    expected = {d["file"] for d in defects if d["rule"] in CJS_RULES.get(kind_of(d["file"]), ())}
    flagged = set()
    for report_path in report_paths:
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            return {"expected": len(expected), "found": 0, "extra": 0, "problem": f"{report_path.name}: {error}"}
        flagged |= {Path(error.get("filename", "")).as_posix() for error in report.get("errors", [])}
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
        self.corpora: list[Corpus] = []
        self.results: dict[str, dict] = {}  # scenario id → measurement
        self.rows: list[dict] = []  # the measurement table, in order
        self.correctness: dict[str, dict] = {}
        self.sanity: dict[str, dict] = {}
        self.failures: list[str] = []

    def time(self, key: str, scenario: str, tool: str, size: str, argv: list[str], **options) -> dict:
        """Time one command (`options`: those of `command`)."""
        return self.time_interleaved([self.command(key, scenario, tool, size, argv, **options)])[0]

    def command(
        self,
        key: str,
        scenario: str,
        tool: str,
        size: str,
        argv: list[str],
        *,
        ok_codes=(0, 1),
        stdout: Path | None = None,
        units: float | None = None,
        unit: str = "",
        display: str | None = None,
    ) -> dict:
        return {
            "key": key,
            "scenario": scenario,
            "tool": tool,
            "size": size,
            "argv": argv,
            "ok_codes": ok_codes,
            "stdout": stdout,
            "units": units,
            "unit": unit,
            "display": display or self.display(argv),
        }

    def time_interleaved(self, commands: list[dict]) -> list[dict]:
        """Time commands round by round (`measure_interleaved`); one command is simply timed."""
        for command in commands:
            log(f"  {command['scenario']}: {command['tool']} ({command['size']}) …")
        if len(commands) == 1:
            only = commands[0]
            measured = [
                measure(
                    self.spawner,
                    only["argv"],
                    self.work,
                    self.arguments.repeat,
                    self.arguments.warmup,
                    only["ok_codes"],
                    only["stdout"],
                )
            ]
        else:
            log("    (interleaved: each round runs every one of them once)")
            measured = measure_interleaved(
                self.spawner, commands, self.work, self.arguments.repeat, self.arguments.warmup
            )
        for command, result in zip(commands, measured):
            result.update({name: command[name] for name in ("scenario", "tool", "size", "display")})
            if result["ok"]:
                if command["units"]:
                    result["rate"] = command["units"] / result["wall"]
                    result["rate_unit"] = command["unit"]
                log(
                    f"    {command['tool']}: {result['wall']:.3f} s wall, {result['cpu']:.3f} s CPU, "
                    f"{result['rss_kb'] / 1024:.1f} MiB"
                )
            else:
                log(f"    {command['tool']}: FAILED (exit {result['rc']}): {result['stderr'].strip()[-600:]}")
            self.results[command["key"]] = result
            self.rows.append(result)
        return measured

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
            shown.append(self.shown_word(word))
        return " ".join(shown)

    @staticmethod
    def shown_word(word: str) -> str:
        for path, name in ((str(HERE), "$REPO/bench"), (str(ROOT), "$REPO")):
            word = word.replace(path, name)
        return shlex.quote(word) if not word.startswith("$") else word

    def run(self, tools: dict) -> None:
        for corpus_ in self.corpora:
            self.run_bodies(corpus_, tools)
            self.run_dumps(corpus_, tools["vipps-lint"])
        log("pre-commit (one file):")
        for corpus_ in self.corpora:
            self.run_precommit(corpus_, tools)
        for key, result in self.results.items():
            if not result["ok"] and result["tool"].startswith("vipps-lint"):
                self.failures.append(f"{key}: vipps-lint exited {result['rc']}")
        for key, check in self.correctness.items():
            if not check["ok"]:
                missed = check.get("missed_count", 0)
                self.failures.append(
                    f"{key}: " + (f"{missed} seeded defects missed" if missed else check.get("problem") or "failed")
                )

    def run_bodies(self, corpus_: Corpus, tools: dict) -> None:
        """vipps-lint, Spectral, check-jsonschema and the floor on the same body files, interleaved."""
        arguments, work = self.arguments, self.work
        vipps, spectral, cjs = tools["vipps-lint"], tools["spectral"], tools["check-jsonschema"]
        bodies = arguments.bodies
        body_defects = [d for d in corpus_.defects if d["index"] < bodies]
        directory = f"{corpus_.directory}bodies"
        size = f"{bodies:,} files"
        scenario = corpus_.scenario("bodies")
        log(f"{scenario}:")
        variants = [("bodies", "vipps-lint", [])]
        if tools["jobs"]:
            variants = [
                ("bodies", "vipps-lint (default --jobs)", []),
                ("bodies-jobs1", "vipps-lint --jobs 1", ["--jobs", "1"]),
            ]
        commands = []
        for name, label, extra in variants:
            report = Path("reports") / f"{corpus_.key(name)}.json"
            commands.append(
                self.command(
                    corpus_.key(name),
                    scenario,
                    label,
                    size,
                    vipps + ["check", directory, *extra, "--format", "json", "-o", str(report)],
                    units=bodies,
                    unit="files/s",
                )
            )
        if spectral:
            commands.append(
                self.command(
                    corpus_.key("spectral"),
                    scenario,
                    "Spectral (2 eCom rules)",
                    size,
                    spectral
                    + [
                        "lint",
                        "--ruleset",
                        str(RULESET),
                        f"{directory}/*.json",
                        "-f",
                        "json",
                        "-o",
                        f"reports/{corpus_.key('spectral')}-bodies.json",
                    ],
                    units=bodies,
                    unit="files/s",
                )
            )
        cjs_reports: list[Path] = []
        if cjs:
            argv, display, cjs_reports = self.cjs_command(cjs, corpus_, directory, bodies)
            commands.append(
                self.command(
                    corpus_.key("cjs"),
                    scenario,
                    "check-jsonschema (each API's schema)",
                    size,
                    argv,
                    ok_codes=(0,),
                    units=bodies,
                    unit="files/s",
                    display=display,
                )
            )
        commands.append(
            self.command(
                corpus_.key("floor"),
                scenario,
                "floor: read + json.loads",
                size,
                [sys.executable, "-c", FLOOR, directory],
                ok_codes=(0,),
                units=bodies,
                unit="files/s",
            )
        )
        self.time_interleaved(commands)
        for name, _label, _extra in variants:
            key = corpus_.key(name)
            if self.results[key]["ok"]:
                self.correctness[key] = check_report(
                    work / "reports" / f"{key}.json", body_defects, "file", work, bodies
                )
            else:
                self.correctness[key] = {"ok": False, "problem": f"vipps-lint exited {self.results[key]['rc']}"}
        if spectral and self.results[corpus_.key("spectral")]["ok"]:
            self.sanity[corpus_.key("spectral")] = check_spectral(
                work / "reports" / f"{corpus_.key('spectral')}-bodies.json", body_defects, work
            )
        if cjs and self.results[corpus_.key("cjs")]["ok"]:
            self.sanity[corpus_.key("check-jsonschema")] = check_cjs(cjs_reports, body_defects)

    def cjs_command(self, cjs: list[str], corpus_: Corpus, directory: str, bodies: int):
        """One shell running check-jsonschema once per API, each with its schema on its files:
        together the same files vipps-lint lints (argv, how it is shown, the reports)."""
        kinds = {request["kind"] for request in corpus_.requests[:bodies]}
        steps, shown, reports = [], [], []
        for kind, schema in CJS_SCHEMAS.items():
            if kind not in kinds:
                continue
            report = Path("reports") / f"{corpus_.key('cjs')}-{kind}.json"
            reports.append(self.work / report)
            words = [*cjs, "--schemafile", str(schema or self.work / ANY_OBJECT), "-o", "json"]
            glob = f"{shlex.quote(directory)}/*-{kind}.json"
            # check-jsonschema exits 1 when a file is invalid: expected here; anything else fails the run.
            steps.append(f"{shlex.join(words)} {glob} > {report} || [ $? -eq 1 ] || exit 2")
            shown.append(
                " ".join(self.shown_word(word) for word in [os.path.basename(words[0]), *words[1:]])
                .replace(str(self.work) + "/", "")
                .replace(str(self.work), ".")
                + f" {glob} > {report}"
            )
        return ["sh", "-c", "; ".join(steps)], "; ".join(shown), reports

    def run_dumps(self, corpus_: Corpus, vipps: list[str]) -> None:
        defects = corpus_.defects
        log(corpus_.scenario("NDJSON") + ":")
        for lines in corpus_.ndjson_sizes:
            self.lint_dump(
                vipps,
                corpus_.key(f"ndjson-{lines}"),
                corpus_.scenario("NDJSON"),
                f"{corpus_.directory}requests-{lines}.ndjson",
                lines,
                defects,
            )
        for lines in corpus_.clean_sizes:
            name = f"{corpus_.directory}clean-{lines}.ndjson"
            file_mib = (self.work / name).stat().st_size / 2**20
            key = corpus_.key(f"ndjson-clean-{lines}")
            result = self.time(
                key,
                corpus_.scenario("NDJSON"),
                "vipps-lint (log without mistakes)",
                f"{lines:,} requests, {file_mib:.1f} MiB",
                vipps + ["check", name, "--format", "json", "-o", f"reports/{key}.json"],
                ok_codes=(0,),
                units=lines,
                unit="req/s",
            )
            if not result["ok"]:
                self.correctness[key] = {
                    "ok": False,
                    "problem": f"vipps-lint exited {result['rc']} on a log without mistakes",
                }
        if corpus_.har_sizes:
            log(corpus_.scenario("HAR") + ":")
        for entries in corpus_.har_sizes:
            self.lint_dump(
                vipps,
                corpus_.key(f"har-{entries}"),
                corpus_.scenario("HAR"),
                f"{corpus_.directory}requests-{entries}.har",
                entries,
                defects,
            )
        postman = self.arguments.postman
        if postman and not corpus_.name:
            log("Postman:")
            self.lint_dump(
                vipps, f"postman-{postman}", "Postman", f"requests-{postman}.postman_collection.json", postman, defects
            )

    def run_precommit(self, corpus_: Corpus, tools: dict) -> None:
        vipps, spectral, cjs = tools["vipps-lint"], tools["spectral"], tools["check-jsonschema"]
        one = corpus_.precommit
        scenario = corpus_.scenario("pre-commit")
        commands = [
            self.command(corpus_.key("precommit"), scenario, "vipps-lint check", "1 file", vipps + ["check", one])
        ]
        if not corpus_.name:
            commands.append(
                self.command("version", scenario, "vipps-lint --version", "—", vipps + ["--version"], ok_codes=(0,))
            )
        if cjs:
            commands.append(
                self.command(
                    corpus_.key("precommit-cjs"),
                    scenario,
                    "check-jsonschema (eCom schema)",
                    "1 file",
                    cjs + ["--schemafile", str(ECOM_SCHEMA), one],
                )
            )
        if spectral:
            commands.append(
                self.command(
                    corpus_.key("precommit-spectral"),
                    scenario,
                    "Spectral (2 eCom rules)",
                    "1 file",
                    spectral + ["lint", "--ruleset", str(RULESET), one],
                )
            )
        result = self.time_interleaved(commands)[0]
        # (The heavy corpus's file has mistakes: its findings are expected, whatever their severity.)
        if result["ok"] and result["rc"] != 0 and not corpus_.name:
            self.correctness["precommit"] = {"ok": False, "problem": "vipps-lint reported findings on a correct body"}

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
            result["report_bytes"] = (self.work / report).stat().st_size
            self.correctness[key] = check_report(
                self.work / report, [d for d in defects if d["index"] < count], "index", self.work, count
            )
        else:
            self.correctness[key] = {"ok": False, "problem": f"vipps-lint exited {result['rc']}"}

    # ----------------------------------------------------------------------- targets

    def targets(self) -> list[dict]:
        rows: list[dict] = []
        for corpus_ in self.corpora:
            rows += self.corpus_targets(corpus_)
        results = self.results

        def ok(key):
            return key in results and results[key]["ok"]

        if ok("version"):
            rows.append(
                target_row(
                    f"`vipps-lint --version` ≤{TARGET_VERSION:g} s",
                    f"{results['version']['wall']:.3f} s",
                    results["version"]["wall"] <= TARGET_VERSION,
                )
            )
        return rows

    def corpus_targets(self, corpus_: Corpus) -> list[dict]:
        arguments, results = self.arguments, self.results
        rows: list[dict] = []
        heavy = " (heavy)" if corpus_.name else ""

        def ok(key):
            return key in results and results[key]["ok"]

        def add(target, measured, met, smaller=False):
            rows.append(target_row(target, measured, met, smaller))

        small_bodies = arguments.bodies < ISSUE_SIZES["bodies"]
        lint = results.get(corpus_.key("bodies"))
        single = results.get(corpus_.key("bodies-jobs1"))

        def also(other: dict) -> str:
            """The ratio with one process, and of CPU time (the review: default --jobs uses 2 cores)."""
            parts = []
            if single and single["ok"]:
                parts.append(f"--jobs 1: {other['wall'] / single['wall']:.1f}×")
            if lint["cpu"] > 0:
                parts.append(f"CPU: {other['cpu'] / lint['cpu']:.1f}×")
            return f"; {', '.join(parts)}" if parts else ""

        for key, tool, goal, label in (
            ("spectral", "Spectral", TARGET_SPECTRAL, "faster than Spectral (2 rules)"),
            ("cjs", "check-jsonschema", TARGET_CJS, "faster than check-jsonschema (schema only, the same files)"),
        ):
            target = f"bodies{heavy}: ≥{goal:g}× {label}"
            key = corpus_.key(key)
            if not (lint and lint["ok"]):
                add(target, "vipps-lint failed", False, small_bodies)
            elif not ok(key):
                why = self.tool_status.get("spectral" if "spectral" in key else "check-jsonschema", "failed")
                add(target, f"{tool} {why if key not in results else 'failed'}", None)
            else:
                ratio = results[key]["wall"] / lint["wall"]
                add(
                    target,
                    f"{ratio:.1f}× ({tool} {results[key]['wall']:.2f} s, vipps-lint {lint['wall']:.2f} s"
                    f"{also(results[key])})",
                    ratio >= goal,
                    small_bodies,
                )
        floor_key = corpus_.key("floor")
        if lint and lint["ok"] and ok(floor_key):
            goal = TARGET_FLOOR[corpus_.name]
            ratio = lint["wall"] / results[floor_key]["wall"]
            add(
                f"bodies{heavy}: ≤{goal:g}× the read+parse floor",
                f"{ratio:.2f}× (vipps-lint {lint['wall']:.2f} s, floor {results[floor_key]['wall']:.2f} s"
                + (f"; --jobs 1: {single['wall'] / results[floor_key]['wall']:.2f}×" if single and single["ok"] else "")
                + ")",
                ratio <= goal,
                small_bodies,
            )
        sizes = corpus_.ndjson_sizes
        if sizes:
            largest = results.get(corpus_.key(f"ndjson-{sizes[-1]}"))
            smaller = sizes[-1] < ISSUE_SIZES["ndjson"]
            goal = TARGET_NDJSON_RPS[corpus_.name]
            if largest and largest["ok"]:
                add(
                    f"NDJSON{heavy}: ≥{goal:,} requests/s (JSON report to a file)",
                    f"{largest['rate']:,.0f} req/s ({sizes[-1]:,} lines in {largest['wall']:.2f} s)",
                    largest["rate"] >= goal,
                    smaller,
                )
            clean = corpus_.clean_sizes
            first = results.get(corpus_.key(f"ndjson-clean-{clean[0]}")) if clean else None
            last = results.get(corpus_.key(f"ndjson-clean-{clean[-1]}")) if clean else None
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
            seeded_first = results.get(corpus_.key(f"ndjson-{sizes[0]}"))
            if largest and seeded_first and largest["ok"] and seeded_first["ok"] and len(sizes) > 1:
                rows.append(self.memory_per_finding(corpus_, seeded_first, largest, smaller))
        if corpus_.har_sizes and ok("precommit"):
            entries = corpus_.har_sizes[-1]
            har = results.get(corpus_.key(f"har-{entries}"))
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
        precommit = corpus_.key("precommit")
        if ok(precommit):
            wall = results[precommit]["wall"]
            others = ", ".join(
                f"{name} {results[key]['wall']:.2f} s"
                for key, name in (
                    (corpus_.key("precommit-cjs"), "check-jsonschema"),
                    (corpus_.key("precommit-spectral"), "Spectral"),
                )
                if ok(key)
            )
            add(
                f"pre-commit{heavy}: one file ≤{TARGET_PRECOMMIT:g} s"
                + (" (a body with mistakes)" if corpus_.name else ""),
                f"{wall:.3f} s" + (f" ({others})" if others else ""),
                wall <= TARGET_PRECOMMIT,
            )
        return rows

    def memory_per_finding(self, corpus_: Corpus, first: dict, last: dict, smaller: bool) -> dict:
        """Memory grows with what the report holds, not with the requests behind the findings:
        peak RSS growth per finding from the smallest to the largest log, against the JSON
        report's own bytes per finding (issue 11: "a log full of findings")."""
        sizes = corpus_.ndjson_sizes
        found_last = self.correctness.get(corpus_.key(f"ndjson-{sizes[-1]}"), {})
        found_first = self.correctness.get(corpus_.key(f"ndjson-{sizes[0]}"), {})
        findings = (found_last.get("found", 0) + found_last.get("extra", 0)) - (
            found_first.get("found", 0) + found_first.get("extra", 0)
        )
        per = (last["rss_kb"] - first["rss_kb"]) * 1024 / findings if findings > 0 else None
        report_bytes = last.get("report_bytes", 0) - first.get("report_bytes", 0)
        report_per = report_bytes / findings if findings > 0 and report_bytes > 0 else None
        what = "findings-heavy NDJSON" if corpus_.name else "NDJSON with 10% mistakes"
        measured = f"{first['rss_kb'] / 1024:.0f} → {last['rss_kb'] / 1024:.0f} MiB" + (
            f", {per / 1024:.2f} KiB per finding" if per is not None else ""
        )
        if report_per is not None:
            measured += f" (the JSON report: {report_per / 1024:.2f} KiB per finding)"
        if not corpus_.name:  # the 10% corpus: shown, the target is the heavy one's
            return target_row(
                f"{what}: memory grows with the findings the report holds, not the lines", measured, None, smaller
            )
        met = per is not None and report_per is not None and per <= REPORT_BOUND * report_per
        return target_row(
            f"{what}: memory bounded by what the report holds (growth ≤{REPORT_BOUND:g}× the JSON report's "
            "bytes per finding; no whole requests kept per finding)",
            measured,
            met if per is not None and report_per is not None else None,
            smaller,
        )


def target_row(target: str, measured: str, met, smaller: bool = False) -> dict:
    status = "n/a" if met is None else ("met" if met else "not met")
    return {
        "target": target,
        "measured": measured,
        "status": status + ("*" if smaller and met is not None else ""),
        "met": met,
        "smaller": smaller,
    }


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
    lines = ["| target (issues 6, 13) | measured | status |", "| --- | --- | --- |"]
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
            if "spectral" in name
            else "files with a seeded defect their API's schema must reject"
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
        "### Corpora",
        "",
        'Every target is measured on each (issue 13); rows and targets of the second say "(heavy)".',
        "",
        *[f"- {corpus_.label}: `{corpus_.directory or './'}`" for corpus_ in bench.corpora],
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
        "  vipps-lint's routing does. check-jsonschema validates the same files: each API's bodies",
        "  with that API's schema (one run per API, timed together as one shell command); Klarna",
        "  bodies, which vipps-lint checks by rules only, against a schema that accepts any object.",
        "- Commands whose ratios are targets (a corpus's body-file commands; the pre-commit ones)",
        "  run interleaved: each round runs every one of them once, so a change of load hits all.",
        "  Ratios are of wall time with vipps-lint's default `--jobs`; the `--jobs 1` and CPU-time",
        "  ratios are shown beside them.",
        "- The floor is one `python -c` process (start-up included, as for every tool timed).",
        f'- "Flat" NDJSON memory means peak RSS at the largest size is at most {FLAT_GROWTH:g}× the smallest\'s;',
        f"  the HAR bound is the file size plus {HAR_CONSTANT_MIB:g} MiB over the peak RSS of a one-file run.",
        '- Memory "bounded by what the report holds" (the heavy log): peak RSS growth from the smallest',
        "  to the largest log, per finding added, is at most "
        f"{REPORT_BOUND:g}× the JSON report's own bytes per finding.",
    ]
    return "\n".join(parts)


DOC_TEMPLATE = """# Performance

How fast vipps-lint is next to the tools a user would otherwise pick (issues 6 and 13):
Spectral with a ruleset for two eCom rules, check-jsonschema with each API's schema, and the
floor of reading and parsing the same files, on a corpus with 10% of requests defective and
on a findings-heavy one. Everything between the `bench:begin` and `bench:end`
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
        "--no-heavy",
        dest="heavy",
        action="store_false",
        help="skip the findings-heavy corpus (issue 13; by default every target is measured on it too)",
    )
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
    bench.corpora = build_corpus(work, arguments)
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
                "ndjson": bench.corpora[0].ndjson_sizes,
                "har": bench.corpora[0].har_sizes,
                "heavy": {"bodies": arguments.bodies, "ndjson": bench.corpora[1].ndjson_sizes}
                if arguments.heavy
                else None,
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
    if not arguments.heavy:
        words.append("--no-heavy")
    return " ".join(words)


if __name__ == "__main__":
    sys.exit(main())
