"""Shared test helpers: run the real CLI in a subprocess, find ../shared."""

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


def run_cli(*args: str, input: str | bytes | None = None, cwd: str | os.PathLike | None = None, env: dict | None = None):
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


def fixture_files() -> set[str]:
    """The fixture inputs a directory walk of fixtures/ lints, relative to fixtures/."""
    from vipps_lint.sources import walk

    return {Path(path).relative_to(FIXTURES).as_posix() for path in walk(str(FIXTURES))}


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the clone")
    return SHARED
