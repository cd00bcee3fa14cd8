"""The hook, run by the real pre-commit tool against this repository (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO

pytestmark = pytest.mark.slow  # real processes or tools: seconds a test


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


def _documented_config() -> str:
    """The .pre-commit-config.yaml block of README.md's "As a pre-commit hook" section."""
    section = (
        (REPO / "README.md").read_text(encoding="utf-8").split("### As a pre-commit hook", 1)[1].split("\n### ", 1)[0]
    )
    match = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", section, re.DOTALL)
    assert match, "README.md: the pre-commit section has no .pre-commit-config.yaml block"
    return match.group(1)


def _run(command, project, home, timeout=900):
    environment = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    environment.pop("PYTHONPATH", None)
    result = subprocess.run(command, cwd=project, capture_output=True, env=environment, timeout=timeout)
    return result, result.stdout.decode() + result.stderr.decode()


def test_the_documented_entry_lints_request_files_only_and_autoupdate_pins_a_commit(tmp_path, pre_commit_home):
    if subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("not a git clone: there is no commit to pin")
    documented = _documented_config()
    [repo] = yaml.safe_load(documented)["repos"]
    [hook] = repo["hooks"]
    assert hook["id"] == "vipps-lint"
    # No made-up tag: vipps-lint has none; the entry says to let autoupdate pin a commit.
    assert repo["rev"] == "<commit-sha>" and "pre-commit autoupdate" in documented
    project = tmp_path / "shop"
    (project / "requests").mkdir(parents=True)
    _git(project, "init", "-q")
    _git(project, "config", "user.email", "dev@example.com")
    _git(project, "config", "user.name", "Dev")
    (project / ".pre-commit-config.yaml").write_text(documented.replace(repo["repo"], str(REPO)), encoding="utf-8")
    (project / "README.md").write_text("# Shop\n", encoding="utf-8")
    (project / "requests" / "README.md").write_text("# Captured requests\n\nOne body per file.\n", encoding="utf-8")
    (project / "requests" / "good.json").write_bytes((FIXTURES / "ecom" / "initiate-good.json").read_bytes())
    (project / "requests" / "bad.json").write_bytes((FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes())
    (project / "notes.json").write_bytes(
        (FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes()
    )  # outside requests/

    result, output = _run([*_pre_commit(), "autoupdate"], project, pre_commit_home)
    assert result.returncode == 0, output
    pinned = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]
    assert re.fullmatch(r"[0-9a-f]{40}", pinned["rev"]), pinned
    assert pinned["hooks"] == repo["hooks"]  # the rest of the entry is kept
    _git(project, "add", "-A")

    result, output = _run([*_pre_commit(), "run", "--all-files", "--verbose"], project, pre_commit_home)
    assert result.returncode == 1, output
    assert "requests/bad.json:7:23: error[ecom-callback-https]" in output
    assert "README.md" not in output and "notes.json" not in output  # neither linted
    assert "could not be read" not in output

    _git(project, "rm", "-q", "-f", "requests/bad.json")
    result, output = _run([*_pre_commit(), "run", "--all-files", "--verbose"], project, pre_commit_home)
    assert result.returncode == 0, output
    assert "Passed" in output and "README.md" not in output


def _ordinary_repository(project: Path) -> None:
    """A web shop's repository: JSON that is no Vipps request, and one good captured body."""
    (project / ".vscode").mkdir(parents=True)
    (project / "requests").mkdir()
    (project / "package.json").write_text(
        '{"name": "shop", "version": "1.0.0", "description": "A shop", "type": "module"}\n', encoding="utf-8"
    )
    (project / "tsconfig.json").write_text(
        '{\n  // TypeScript\n  "compilerOptions": {"strict": true,},\n}\n', encoding="utf-8"
    )
    (project / ".vscode" / "settings.json").write_text('{\n  // editor\n  "editor.tabSize": 2\n}\n', encoding="utf-8")
    (project / "data.jsonl").write_text('{"user": "kari", "score": 3}\n{"user": "ola", "score": 5}\n', encoding="utf-8")
    (project / "requests" / "good.json").write_bytes((FIXTURES / "ecom" / "initiate-good.json").read_bytes())


def test_the_default_hook_passes_an_ordinary_repository_and_fails_on_real_mistakes(tmp_path, pre_commit_home):
    """The hook as shipped (.pre-commit-hooks.yaml, its own `files`), through the real pre-commit."""
    project = tmp_path / "shop"
    project.mkdir()
    _git(project, "init", "-q")
    _git(project, "config", "user.email", "dev@example.com")
    _git(project, "config", "user.name", "Dev")
    _ordinary_repository(project)
    _git(project, "add", "-A")
    command = [*_pre_commit(), "try-repo", str(REPO), "vipps-lint", "--all-files", "--verbose"]
    result, output = _run(command, project, pre_commit_home)
    assert result.returncode == 0, output
    assert (
        "Passed" in output and "skipped: not Vipps requests" in output
    )  # (pre-commit splits the files between processes)
    assert "could not be read" not in output and "route-unknown-body" not in output

    (project / "requests" / "bad.json").write_bytes((FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes())
    (project / "requests" / "live.ndjson").write_bytes(
        (FIXTURES / "ndjson" / "production-live-token.ndjson").read_bytes()
    )
    _git(project, "add", "-A")
    result, output = _run(command, project, pre_commit_home)
    assert result.returncode == 1, output
    assert "requests/bad.json:7:23: error[ecom-callback-https]" in output
    assert "error[dump-live-credentials]" in output  # a production token stops the commit
