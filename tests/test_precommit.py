"""The hook, run by the real pre-commit tool against this repository (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO


def _pre_commit() -> list[str]:
    executable = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(executable).exists():
        pytest.skip("pre-commit is not installed (pip install '.[test]')")
    return [executable]


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    # One hook environment for both runs: installing it is the slow part.
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(project: Path, home: Path, filename: str):
    environment = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    environment.pop("PYTHONPATH", None)
    return subprocess.run(
        [*_pre_commit(), "try-repo", str(REPO), "vipps-lint", "--files", filename, "--verbose"],
        cwd=project,
        capture_output=True,
        env=environment,
        timeout=900,
    )


@pytest.mark.parametrize(
    "fixture, passes",
    [("ecom/initiate-http-urls.json", False), ("ecom/initiate-good.json", True)],
)
def test_hook_fails_on_a_bad_body_and_passes_a_good_one(tmp_path, pre_commit_home, fixture, passes):
    project = tmp_path / "shop"
    project.mkdir()
    _git(project, "init", "-q")
    _git(project, "config", "user.email", "dev@example.com")
    _git(project, "config", "user.name", "Dev")
    target = project / "payment.json"
    target.write_bytes((FIXTURES / fixture).read_bytes())
    _git(project, "add", "payment.json")
    result = _try_repo(project, pre_commit_home, "payment.json")
    output = result.stdout.decode() + result.stderr.decode()
    if passes:
        assert result.returncode == 0, output
        assert "Passed" in output
    else:
        assert result.returncode == 1, output
        assert "Failed" in output
        assert "error[ecom-callback-https]" in output
        assert "payment.json:7:23" in output
