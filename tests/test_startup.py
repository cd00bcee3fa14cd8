"""Start-up: what `vipps-lint check <one clean file>` and `vipps-lint --version` import.

A pre-commit hook starts vipps-lint on every commit, so heavy imports (rich, yaml,
jsonschema, the readers' libraries) must not creep back into start-up. If a test here fails
because start-up needs a new module, add it to the lists below and say why in the commit.
Speed itself is measured by bench/run.py, never here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO

# A real process, as the hook starts it; the module names it ends with go to a file.
_PROBE = """
import json, sys
from vipps_lint.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
with open(sys.argv[1], "w") as handle:
    json.dump(sorted(sys.modules), handle)
"""

# Never imported for a clean file or --version: each costs milliseconds to import.
NEVER = {
    "rich",
    "yaml",
    "jsonschema",
    "referencing",
    "phonenumbers",
    "jsonpath_rfc9535",
    "pathspec",
    "tomllib",
    "tomli",
    "aiohttp",
    "requests",
    "httpx",
    "pyspark",
    "asyncio",
    "concurrent",
    "multiprocessing",
    "subprocess",
    "email",
    "http",
    "xml",
    "ssl",
    "socket",
    "pickle",
    "tempfile",
    "shutil",
    "logging",
    "difflib",
    "vipps_lint.yamlpos",
    "vipps_lint.api",
    "vipps_lint.baseline",
    "vipps_lint.openapi.build",
    "hashlib",  # loads OpenSSL (~5 ms): the run's digests use CPython's own BLAKE2b (vipps_lint/blake2.py)
    "_hashlib",
}

# The package's own modules a clean one-file run may import (fewer is always fine).
CHECK_MODULES = {
    "vipps_lint",
    "vipps_lint.checks",
    "vipps_lint.checks.compiled_rules",
    "vipps_lint.checks.compiled_schema",
    "vipps_lint.checks.conditions",
    "vipps_lint.checks.credentials",
    "vipps_lint.checks.engine",
    "vipps_lint.checks.error_codes",
    "vipps_lint.checks.functions",
    "vipps_lint.checks.functions.amount",
    "vipps_lint.checks.functions.date_window",
    "vipps_lint.checks.functions.defined",
    "vipps_lint.checks.functions.enum",
    "vipps_lint.checks.functions.equals",
    "vipps_lint.checks.functions.keys",
    "vipps_lint.checks.functions.length",
    "vipps_lint.checks.functions.phone",
    "vipps_lint.checks.functions.undefined",
    "vipps_lint.checks.functions.url",
    "vipps_lint.checks.functions.wording",
    "vipps_lint.checks.functions.words",
    "vipps_lint.checks.headers",
    "vipps_lint.checks.jsonpath",
    "vipps_lint.checks.lifecycle",
    "vipps_lint.checks.placeholders",
    "vipps_lint.checks.responses",
    "vipps_lint.checks.rules",
    "vipps_lint.checks.schema",
    "vipps_lint.checks.suite",
    "vipps_lint.checks.variables",
    "vipps_lint.cli",
    "vipps_lint.cli_options",
    "vipps_lint.config",
    "vipps_lint.crash",
    "vipps_lint.data",
    "vipps_lint.data_cache",
    "vipps_lint.blake2",
    "vipps_lint.escape",
    "vipps_lint.fixes",
    "vipps_lint.lazy_re",
    "vipps_lint.models",
    "vipps_lint.openapi",
    "vipps_lint.openapi.index",
    "vipps_lint.pipeline",
    "vipps_lint.positions",
    "vipps_lint.progress",
    "vipps_lint.reporters",
    "vipps_lint.reporters.text",
    "vipps_lint.routing",
    "vipps_lint.run",
    "vipps_lint.safe_io",
    "vipps_lint.safe_regex",
    "vipps_lint.secrets",
    "vipps_lint.selection",
    "vipps_lint.session",
    "vipps_lint.settings",
    "vipps_lint.severities",
    "vipps_lint.sources",
    # Sniffing asks each reader in turn whether a file is its format.
    "vipps_lint.sources.curl",
    "vipps_lint.sources.har",
    "vipps_lint.sources.http_file",
    "vipps_lint.sources.json_body",
    "vipps_lint.sources.ndjson",
    "vipps_lint.sources.openapi_doc",
    "vipps_lint.sources.postman",
    "vipps_lint.sources.timestamps",
    "vipps_lint.sources.variables",
    "vipps_lint.status",
    "vipps_lint.strict_json",
    "vipps_lint.suppressions",
    "vipps_lint.traffic",
    "vipps_lint.urls",
    "vipps_lint.words",
    "vipps_lint.workers",
}
VERSION_MODULES = {
    "vipps_lint",
    "vipps_lint.cli",
    "vipps_lint.cli_options",
    "vipps_lint.reporters",
    "vipps_lint.safe_io",
    "vipps_lint.severities",
    "vipps_lint.sources",
    "vipps_lint.status",
}
# Libraries outside the standard library: click always; RE2 for the schema's patterns.
CHECK_LIBRARIES = {"click", "re2"}
VERSION_LIBRARIES = {"click"}


def _imported(tmp_path, *args: str) -> set[str]:
    listing = tmp_path / "modules.json"
    environment = {name: value for name, value in os.environ.items() if name != "FORCE_COLOR"}
    environment["PYTHONPATH"] = str(REPO) + os.pathsep + environment.get("PYTHONPATH", "")
    subprocess.run(
        [sys.executable, "-c", _PROBE, str(listing), *args],
        cwd=tmp_path,
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return set(json.loads(listing.read_text(encoding="utf-8")))


def _libraries(modules: set[str]) -> set[str]:
    """Top-level modules outside the standard library and vipps_lint (what the interpreter
    loads before any code runs, such as a virtualenv's hooks, is left out)."""
    bare = subprocess.run(
        [sys.executable, "-c", "import sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        check=True,
        text=True,
    )
    preloaded = {name.split(".")[0] for name in json.loads(bare.stdout)}
    return {
        name.split(".")[0]
        for name in modules
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] not in preloaded | {"vipps_lint", "__main__", "cython_runtime"}
        and not name.startswith("_cython_")  # the runtime of a compiled extension (RE2's)
    }


def _heavy(modules: set[str]) -> set[str]:
    return {
        name if name in NEVER else name.split(".")[0]
        for name in modules
        if name in NEVER or name.split(".")[0] in NEVER
    }


needs_stdlib_names = pytest.mark.skipif(
    not hasattr(sys, "stdlib_module_names"), reason="sys.stdlib_module_names is Python 3.10+"
)


@needs_stdlib_names
def test_a_clean_file_imports_only_what_linting_it_needs(tmp_path):
    body = tmp_path / "payment.json"
    body.write_bytes((FIXTURES / "ecom" / "initiate-good.json").read_bytes())
    for run in ("first, parsing the rule files", "then, from the cache of parsed rules"):
        modules = _imported(tmp_path, "check", str(body))
        assert "vipps_lint.pipeline" in modules, run  # it did lint
        if run.startswith("then"):
            assert _heavy(modules) == set(), run
        else:
            assert _heavy(modules) <= {"yaml"}, run  # parsing the shipped rules the first time
        assert {name for name in modules if name.startswith("vipps_lint")} - CHECK_MODULES == set(), run
        assert _libraries(modules) - {"yaml", "_yaml"} <= CHECK_LIBRARIES, run


@needs_stdlib_names
def test_version_imports_only_the_command_line(tmp_path):
    modules = _imported(tmp_path, "--version")
    assert _heavy(modules) == set()
    assert {name for name in modules if name.startswith("vipps_lint")} <= VERSION_MODULES
    assert _libraries(modules) <= VERSION_LIBRARIES


def test_every_lazy_pattern_of_the_package_compiles():
    import importlib
    import pkgutil

    import vipps_lint
    from vipps_lint.lazy_re import every_pattern

    for module in pkgutil.walk_packages(vipps_lint.__path__, "vipps_lint."):
        if module.name.startswith(("vipps_lint.spark", "vipps_lint.proxy")):
            continue  # optional dependencies; they make no lazy patterns
        importlib.import_module(module.name)
    patterns = every_pattern()
    assert len(patterns) > 40
    for pattern in patterns:
        assert isinstance(pattern.compiled(), re.Pattern), pattern


def test_a_lazy_pattern_is_the_compiled_pattern_once_used():
    from vipps_lint.lazy_re import LazyPattern

    lazy, compiled = LazyPattern(r"(?P<word>b\w+)", re.IGNORECASE), re.compile(r"(?P<word>b\w+)", re.IGNORECASE)
    text = "a Bee buzzes by"
    assert lazy.pattern == compiled.pattern
    assert lazy.groupindex == compiled.groupindex and lazy.groups == compiled.groups
    assert lazy.flags == compiled.flags
    assert lazy.search(text).span() == compiled.search(text).span()
    assert [match.group("word") for match in lazy.finditer(text)] == ["Bee", "buzzes", "by"]
    assert lazy.sub("-", text) == compiled.sub("-", text)
    assert lazy.match(text) is None and lazy.fullmatch("bee").group() == "bee"
    assert lazy.search(text).re is lazy.compiled() is lazy.compiled()
    assert "search" in vars(lazy)  # later calls go straight to the compiled pattern's methods


def test_every_shipped_rule_pattern_compiles_with_re():
    """Shipped rules' patterns run on Python's `re`, compiled when first used (the suite's own
    rule loading validates them on RE2, whose syntax differs)."""
    import yaml

    from vipps_lint.checks.rules import rule_files, rules_dir

    found = []

    def collect(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("pattern", "match", "notMatch") and isinstance(item, str):
                    found.append(item)
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for path in rule_files(rules_dir()):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data["rules"]:
            collect(rule.get("when"))
            collect(rule.get("then"))
    assert found
    for pattern in found:
        re.compile(pattern)


@needs_stdlib_names
def test_findings_are_fingerprinted_only_for_a_sarif_report_or_a_baseline(tmp_path):
    # A missing field's finding is about its parent object, whose digest (json.dumps and
    # SHA-256, loading OpenSSL) only SARIF's fingerprints and baselines use.
    body = tmp_path / "payment.json"
    body.write_bytes((FIXTURES / "schema" / "ecom-v2-bad.json").read_bytes())
    text = _imported(tmp_path, "check", str(body))
    assert "vipps_lint.pipeline" in text and {"vipps_lint.baseline", "hashlib"}.isdisjoint(text)
    sarif = _imported(tmp_path, "check", "--format", "sarif", "-o", "report.sarif", str(body))
    assert "vipps_lint.baseline" in sarif
    assert "partialFingerprints" in (tmp_path / "report.sarif").read_text(encoding="utf-8")
