"""The code is ruff-clean and ruff-formatted (pyproject.toml's [tool.ruff]): the package, the
tests, the scripts and the bench. Every `# noqa` must be needed (RUF100) and says why on its line."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import REPO


def _ruff() -> list[str]:
    try:
        import ruff  # noqa: F401 - the test extra installs it; only its presence is asked
    except ImportError:
        if shutil.which("ruff") is None:
            pytest.skip("ruff is not installed (pip install -e '.[test]')")
        return ["ruff"]
    return [sys.executable, "-m", "ruff"]


def test_ruff_check_is_clean():
    result = subprocess.run(
        [*_ruff(), "check", "--no-cache", "vipps_lint", "tests", "scripts", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    """One formatter for the tree: `ruff format` leaves every file as it is."""
    result = subprocess.run(
        [*_ruff(), "format", "--check", "--no-cache", "vipps_lint", "tests", "scripts", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
