"""Shared test helpers: run the CLI (in process, or as a real process), find ../shared.

`run_cli` runs the command line in this process through click's `CliRunner` (fast: no
interpreter start-up, no re-import): what a test of options, output and exit status needs.
`run_cli_process` starts `python -m vipps_lint` as a user would: for what only a real
process shows (start-up, the entry point, signals, stdin as a pipe, forked --jobs workers).
Both return a `subprocess.CompletedProcess` (returncode, stdout and stderr as bytes).
An exception that escapes the command is written to stderr as a traceback, as a process
would, so tests that look for "Traceback" still see it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "fixtures"


# Test modules whose tests share what is slow to start (a module-scoped fixture): under
# pytest-xdist each of them runs on one worker, so it starts once; other tests go one by one
# to whichever worker is free. (xdist's own `xdist_group` marker names tests by rewriting
# their node ids, which pytest 9 no longer allows.)
ONE_WORKER_MODULES = (
    "tests/spark/test_spark.py",  # one Spark session: a JVM
    "tests/test_precommit.py",  # one pre-commit hook environment, installed by pip
    "tests/test_ci_snippets.py",  # one virtual environment
    "tests/test_proxy.py",  # one upstream server and two proxy processes
    "tests/reporters/test_html_browser.py",  # one Chromium
)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Plain `python -m pytest` runs on every core (pytest-xdist, one worker per CPU).

    Set here rather than in addopts so that `-p no:xdist` still works; `-n 0` runs in this
    process, `-n N` picks the number of workers."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.option.numprocesses is None and not config.getoption("usepdb", False):
        config.option.numprocesses = "auto"
    if config.option.numprocesses and config.option.dist == "no":
        config.option.dist = "loadgroup"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """For `--dist loadgroup` (the default set above): ONE_WORKER_MODULES as units of work,
    started first (larger units first), then the other tests one by one."""
    if config.option.dist != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    return ModuleGroups(config, log)


def run_cli(
    *args: str, input: str | bytes | None = None, cwd: str | os.PathLike | None = None, env: dict | None = None
):
    """Run `vipps-lint ARGS` in this process (click's CliRunner), without colour."""
    import traceback

    from click.testing import CliRunner

    from vipps_lint.cli import main

    environment = {"NO_COLOR": "1", "FORCE_COLOR": None, **(env or {})}
    previous = os.getcwd()
    os.chdir(cwd or REPO)
    try:
        result = CliRunner(env=environment).invoke(main, list(args), input=input, prog_name="python -m vipps_lint")
    finally:
        os.chdir(previous)
    stderr = result.stderr_bytes or b""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(
            traceback.format_exception(type(result.exception), result.exception, result.exception.__traceback__)
        )
        stderr += trace.encode()
    return subprocess.CompletedProcess(["vipps-lint", *args], result.exit_code, result.stdout_bytes, stderr)


def run_cli_process(
    *args: str, input: str | bytes | None = None, cwd: str | os.PathLike | None = None, env: dict | None = None
):
    """Run `python -m vipps_lint ARGS` as a user would, without colour."""
    environment = dict(os.environ)
    environment["NO_COLOR"] = "1"
    environment["PYTHONPATH"] = str(REPO) + os.pathsep + environment.get("PYTHONPATH", "")
    environment.pop("FORCE_COLOR", None)
    if env:
        environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "vipps_lint", *args],
        input=input.encode() if isinstance(input, str) else input,
        capture_output=True,
        cwd=cwd or REPO,
        env=environment,
        timeout=120,
    )


def run_json(*args: str, **kwargs):
    """Run `check --format json` and return (exit status, parsed report)."""
    result = run_cli("check", "--format", "json", *args, **kwargs)
    assert result.stderr.decode().count("Traceback") == 0, result.stderr.decode()
    return result.returncode, json.loads(result.stdout)


def bench_module(name: str):
    """A module of bench/ (`corpus`: the benchmark corpus, and a shop's correct headers)."""
    import importlib

    sys.path.insert(0, str(REPO / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(REPO / "bench"))


def fixture_files() -> set[str]:
    """The fixture inputs a directory walk of fixtures/ lints, relative to fixtures/."""
    from vipps_lint.sources import walk

    return {Path(path).relative_to(FIXTURES).as_posix() for path in walk(str(FIXTURES))}


def value_paths(value, prefix=()):
    """Every place in a JSON value, as a tuple of keys and indexes (the value itself first)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from value_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from value_paths(item, (*prefix, index))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the clone")
    return SHARED


def pytest_configure(config):
    # The cache of parsed shipped data (vipps_lint.data_cache) goes to a folder of this test
    # run, not the user's cache; in-process and real-process runs share it.
    import tempfile

    if "VIPPS_LINT_CACHE_DIR" not in os.environ:
        config._vipps_lint_cache = tempfile.TemporaryDirectory(prefix="vipps-lint-cache-")
        os.environ["VIPPS_LINT_CACHE_DIR"] = config._vipps_lint_cache.name


def pytest_unconfigure(config):
    cache = getattr(config, "_vipps_lint_cache", None)
    if cache is not None:
        os.environ.pop("VIPPS_LINT_CACHE_DIR", None)
        cache.cleanup()
