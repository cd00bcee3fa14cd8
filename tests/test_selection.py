"""File selection in an ordinary repository: excludes, .gitignore, and JSON that is no request."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from vipps_lint.cli import main

from conftest import FIXTURES, run_cli

BAD_BODY = (FIXTURES / "ecom" / "initiate-http-urls.json").read_bytes()
GOOD_BODY = (FIXTURES / "ecom" / "initiate-good.json").read_bytes()


def ordinary_repository(root) -> None:
    """What a web shop's repository holds besides its captured requests."""
    (root / ".vscode").mkdir(parents=True)
    (root / "package.json").write_text(
        json.dumps(
            {
                "name": "shop",
                "version": "1.0.0",
                "description": "A web shop",
                "type": "module",
                "private": True,
                "scripts": {"test": "jest"},
                "dependencies": {"express": "^4.19.0"},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    (root / "tsconfig.json").write_text(
        '{\n  // TypeScript\n  "compilerOptions": {"strict": true, "target": "es2022",},\n}\n', encoding="utf-8"
    )
    (root / ".vscode" / "settings.json").write_text('{\n  /* editor */\n  "editor.tabSize": 2\n}\n', encoding="utf-8")
    (root / "data.jsonl").write_text('{"user": "kari", "score": 3}\n{"user": "ola", "score": 5}\n', encoding="utf-8")
    (root / "empty.json").write_text("", encoding="utf-8")
    (root / "list.json").write_text("[1, 2, 3]\n", encoding="utf-8")
    (root / "requests").mkdir()
    (root / "requests" / "good.json").write_bytes(GOOD_BODY)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    ordinary_repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def _run(*args):
    result = CliRunner().invoke(main, ["check", "--isolated", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_a_walk_skips_json_that_is_plainly_no_request_and_counts_it(repo):
    status, output = _run("--format", "concise", ".")
    assert status == 0, output
    # package.json, tsconfig.json, data.jsonl, empty.json, list.json (.vscode is hidden: not walked)
    assert "1 request in 1 file; 5 files skipped: not Vipps requests" in output
    assert "route-unknown-body" not in output and "could not be read" not in output


def test_named_files_are_linted_in_full(repo):
    status, output = _run("--format", "concise", "package.json", "tsconfig.json", "data.jsonl")
    assert status == 2
    assert "package.json:1:1: info[route-unknown-body]" in output
    assert "tsconfig.json:2:3: invalid JSON" in output
    assert "data.jsonl:1:1:" in output


def test_skip_non_requests_judges_named_files_like_walked_ones(repo):
    named = [
        "package.json",
        "tsconfig.json",
        ".vscode/settings.json",
        "data.jsonl",
        "empty.json",
        "list.json",
        "requests/good.json",
    ]
    status, output = _run("--format", "concise", "--skip-non-requests", *named)
    assert status == 0, output
    assert "6 files skipped: not Vipps requests" in output


def test_a_vipps_body_is_never_skipped_even_when_broken_or_unroutable(repo):
    (repo / "requests" / "broken.json").write_text(
        '{\n  "merchantInfo": {"merchantSerialNumber": "123456",},\n}\n', encoding="utf-8"
    )
    (repo / "requests" / "partial.json").write_text(
        '{"merchantInfo": {"merchantSerialNumber": "123456"}}\n', encoding="utf-8"
    )
    (repo / "requests" / "log.ndjson").write_text(
        'not json\n{"method": "GET", "url": "/epayment/v1/payments/a"}\n', encoding="utf-8"
    )
    status, output = _run("--format", "concise", ".")
    assert status == 2, output
    assert "requests/broken.json:2:53: invalid JSON" in output
    assert "requests/partial.json:1:1: info[route-unknown-body]" in output
    assert "requests/log.ndjson:1:1: invalid JSON" in output


def test_a_body_mapped_to_an_endpoint_is_linted_in_full(repo):
    (repo / "pyproject.toml").write_text(
        '[tool.vipps-lint.endpoints]\n"package.json" = "POST /epayment/v1/payments"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", "--format", "concise", "."], catch_exceptions=False)
    assert "package.json:1:1: error[schema-required]" in result.output
    assert "4 files skipped" in result.output


def test_an_unreadable_file_is_reported_not_skipped(repo):
    target = repo / "requests" / "secret.json"
    target.write_bytes(BAD_BODY)
    target.chmod(0)
    try:
        if _readable(target):
            pytest.skip("running as a user who can read any file")
        status, output = _run("--format", "concise", ".")
    finally:
        target.chmod(0o644)
    assert status == 2 and "requests/secret.json: cannot read" in output


def _readable(path) -> bool:
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False


def test_gitignore_is_respected_in_a_walk_and_can_be_turned_off(repo):
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text("build/\n*.local.json\n!keep.local.json\n", encoding="utf-8")
    (repo / "build").mkdir()
    (repo / "build" / "payment.json").write_bytes(BAD_BODY)
    (repo / "requests" / "mine.local.json").write_bytes(BAD_BODY)
    (repo / "requests" / "keep.local.json").write_bytes(GOOD_BODY)
    (repo / "requests" / "nested").mkdir()
    (repo / "requests" / "nested" / ".gitignore").write_text("generated-*.json\n", encoding="utf-8")
    (repo / "requests" / "nested" / "generated-1.json").write_bytes(BAD_BODY)
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("scratch.json\n", encoding="utf-8")
    (repo / "scratch.json").write_bytes(BAD_BODY)

    status, output = _run("--format", "concise", ".")
    assert status == 0, output
    assert "2 requests in 2 files" in output  # good.json, keep.local.json

    # Walking a subdirectory still applies the repository root's .gitignore.
    status, output = _run("--format", "concise", "requests")
    assert status == 0 and "2 requests in 2 files" in output, output

    status, output = _run("--format", "concise", "--no-respect-gitignore", ".")
    assert status == 1
    for name in ("build/payment.json", "requests/mine.local.json", "requests/nested/generated-1.json", "scratch.json"):
        assert f"{name}:7:23: error[ecom-callback-https]" in output


def test_exclude_and_extend_exclude_from_the_configuration_and_the_command_line(repo):
    (repo / "legacy").mkdir()
    (repo / "legacy" / "old.json").write_bytes(BAD_BODY)
    (repo / "requests" / "bad.json").write_bytes(BAD_BODY)
    status, output = _run("--format", "concise", "--extend-exclude", "legacy", ".")
    assert status == 1 and "legacy/old.json" not in output and "requests/bad.json:7:23" in output
    status, output = _run("--format", "concise", "--extend-exclude", "legacy,requests/bad*", ".")
    assert status == 0, output

    (repo / ".vipps-lint.yaml").write_text("extend-exclude: [legacy/*.json]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "concise", "."], catch_exceptions=False)
    assert "legacy/old.json" not in result.output and result.exit_code == 1

    # `exclude` replaces the defaults: node_modules is walked again when it is not listed.
    (repo / "node_modules" / "pkg").mkdir(parents=True)
    (repo / "node_modules" / "pkg" / "payment.json").write_bytes(BAD_BODY)
    status, output = _run("--format", "concise", ".")
    assert "node_modules" not in output
    status, output = _run("--format", "concise", "--exclude", "legacy", ".")
    assert "node_modules/pkg/payment.json:7:23" in output


def test_a_named_file_is_excluded_only_with_force_exclude(repo):
    (repo / "legacy").mkdir()
    (repo / "legacy" / "old.json").write_bytes(BAD_BODY)
    (repo / ".vipps-lint.yaml").write_text("extend-exclude: [legacy]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "concise", "legacy/old.json"], catch_exceptions=False)
    assert result.exit_code == 1 and "legacy/old.json:7:23" in result.output
    result = CliRunner().invoke(
        main, ["check", "--format", "concise", "--force-exclude", "legacy/old.json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    (repo / ".vipps-lint.yaml").write_text("extend-exclude: [legacy]\nforce-exclude: true\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "concise", "legacy/old.json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_bad_selection_settings_are_errors_naming_the_line(repo):
    (repo / ".vipps-lint.yaml").write_text("select: [ecom]\nrespect-gitignore: maybe\n", encoding="utf-8")
    result = run_cli("check", ".", cwd=repo)
    assert result.returncode == 2
    assert ".vipps-lint.yaml:2: respect-gitignore: expected true or false, got 'maybe'" in result.stderr.decode()


def test_config_shows_the_selection_settings(repo):
    result = CliRunner().invoke(main, ["config", "--format", "json"], catch_exceptions=False)
    settings = json.loads(result.output)["settings"]
    assert settings["respect-gitignore"]["value"] is True and settings["exclude"]["value"] is None


def _matches_one_glob_at_a_time(pattern: str, file: str, directory: str) -> bool:
    """How a configuration glob matched a file before GlobSet compiled them together."""
    import fnmatch
    import os

    relative = os.path.relpath(os.path.abspath(file), directory).replace(os.sep, "/")
    if fnmatch.fnmatch(relative, pattern):
        return True
    return "/" not in pattern and fnmatch.fnmatch(os.path.basename(file), pattern)


def test_compiled_globs_match_exactly_the_files_each_glob_matched_alone(tmp_path):
    from vipps_lint.config import GlobSet
    from vipps_lint.selection import DEFAULT_EXCLUDE

    patterns = [
        *DEFAULT_EXCLUDE,
        "*.har",
        "captured/*.json",
        "logs/**/old-*.ndjson",
        "[!a-m]*.http",
        "dumps/?.json",
        "weird[.json",
        "*",
        "a*b*c*d*e*f*g*h*i*j*k",
    ]
    files = [
        "a.json",
        "node_modules",
        "src/node_modules",
        ".venv/lib/x.json",
        "x.har",
        "deep/x.har",
        "captured/a.json",
        "captured/sub/a.json",
        "logs/2026/old-1.ndjson",
        "logs/old-1.ndjson",
        "zeta.http",
        "alpha.http",
        "dumps/1.json",
        "dumps/12.json",
        "weird[.json",
        "aabbccddeeffgghhiijj",
        "../outside.json",
        "",
        "naïve/ÿ.json",
    ]
    directory = str(tmp_path)
    for file in files:
        path = str(tmp_path / file)
        expected = [pattern for pattern in patterns if _matches_one_glob_at_a_time(pattern, path, directory)]
        for pattern in patterns:
            assert GlobSet([pattern], directory).matches(path) == (pattern in expected), (pattern, file)
        assert GlobSet(patterns, directory).matches(path) == bool(expected), file
        without_star = [pattern for pattern in patterns if pattern != "*"]
        assert GlobSet(without_star, directory).matches(path) == any(p in expected for p in without_star), file
    assert not GlobSet([], directory).matches(str(tmp_path / "a.json"))


def test_a_walk_keeps_what_judging_each_path_afresh_keeps(repo, monkeypatch):
    """A directory walk works out each directory's place once (selection._Walk); it keeps and
    leaves out what judging each path on its own (abspath, relpath) does: excludes by path and
    name, .gitignore files at several levels and .git/info/exclude, walked from the repository,
    from a subdirectory and from outside it, by relative and absolute paths."""
    import os

    from vipps_lint.selection import FileSelection, GitIgnored, _Walk

    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text("build/\n*.local.json\n!keep.local.json\n/top-only.json\n", encoding="utf-8")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("scratch.json\n", encoding="utf-8")
    for relative in (
        "build/payment.json",
        "top-only.json",
        "scratch.json",
        "requests/mine.local.json",
        "requests/keep.local.json",
        "requests/top-only.json",
        "requests/nested/generated-1.json",
        "requests/nested/deeper/generated-2.json",
        "requests/nested/deeper/other.json",
        "legacy/old.json",
        "legacy/inner/old.json",
        "node_modules/pkg/payment.json",
    ):
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_bytes(GOOD_BODY)
    (repo / "requests" / "nested" / ".gitignore").write_text("generated-*.json\n!deeper/\n", encoding="utf-8")
    selection = FileSelection(extend_exclude=["legacy/*.json", "other.json", "requests/nested/deeper"])
    judged = 0
    for cwd, walked in ((repo, "."), (repo, "requests"), (repo / "requests", ".."), (repo.parent, str(repo))):
        monkeypatch.chdir(cwd)
        ignored = GitIgnored(walked)
        walk = _Walk(selection, ignored)
        for root, dirs, files in os.walk(walked):
            for name in dirs + files:
                path = os.path.join(root, name)
                is_dir = name in dirs
                assert walk.keep(path, is_dir) == selection._keep(path, is_dir, ignored), (cwd, walked, path)
                judged += 1
    assert judged > 60
