"""Configuration files: `[tool.vipps-lint]` in `pyproject.toml`, or `.vipps-lint.yaml`.

Found by walking up from the current directory; in each directory `.vipps-lint.yaml` (or
`.yml`) comes before `pyproject.toml`, and a `pyproject.toml` without a `[tool.vipps-lint]`
table does not count. `--config FILE` names the file; `--isolated` ignores every file.
Command-line options override the file. Keys (the same in TOML and YAML):

    select = ["ecom", "klarna-*"]        # only these rules (ids, prefixes, globs)
    ignore = ["route-unknown-body"]      # skip these
    extend-select = ["epayment-phone-msisdn"]   # add to the selection
    fail-on = "warning"                  # error | warning | info
    rules = ["lint-rules/"]              # extra rule directories (relative to this file)
    as-of = 2026-12-01                   # evaluate rules as of this date (default: today)

    exclude = ["node_modules", "dist"]   # globs never linted in a walk (replaces the defaults)
    extend-exclude = ["tests/legacy/*"]  # globs to exclude besides the defaults
    respect-gitignore = true             # a walk skips what .gitignore ignores
    force-exclude = false                # exclude files named on the command line too

    [tool.vipps-lint.severity]           # per-rule severity overrides
    ecom-mobile-number = "error"

    [tool.vipps-lint.per-file-ignores]   # glob (relative to this file) → rules to skip
    "tests/legacy/*.json" = ["ecom-callback-https"]

    [tool.vipps-lint.endpoints]          # glob → the API call bare bodies there are for
    "captured/ecom/*.json" = "POST /ecomm/v2/payments"

Globs use `fnmatch` syntax on the path relative to the configuration file's directory
(`*` also matches `/`); a glob without `/` also matches the file name alone, as in Ruff.
Unknown keys and bad values are errors naming the file and line (exit 2).
"""

from __future__ import annotations

import datetime
import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import SEVERITIES, InputError
from vipps_lint.safe_io import MAX_SETTINGS_BYTES, read_limited_text

YAML_NAMES = (".vipps-lint.yaml", ".vipps-lint.yml")
PYPROJECT = "pyproject.toml"
TABLE = ("tool", "vipps-lint")

DEFAULTS: dict[str, Any] = {
    "select": [],
    "ignore": [],
    "extend-select": [],
    "severity": {},
    "per-file-ignores": {},
    "rules": [],
    "fail-on": "error",
    "endpoints": {},
    "as-of": None,  # today
    "exclude": None,  # None: selection.DEFAULT_EXCLUDE
    "extend-exclude": [],
    "respect-gitignore": True,
    "force-exclude": False,
}

_TOML_ERROR_POSITION = lazy_compile(r"\(at line (\d+), column (\d+)\)")
_TOML_HEADER = lazy_compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")


@dataclass
class Config:
    """The values a configuration file sets, where each one is, and what is wrong with it."""

    path: Optional[str] = None
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, Optional[int]] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()

    def origin(self, key: str) -> str:
        line = self.lines.get(key)
        return f"{self.path}:{line}" if line else str(self.path)

    def error_at(self, key: str, message: str, column: Optional[int] = None) -> InputError:
        return InputError(self.path or "configuration", message, self.lines.get(key), column)


def find_config(start: Optional[str] = None) -> Optional[str]:
    """The nearest configuration file at or above `start` (the current directory)."""
    directory = os.path.abspath(start or os.getcwd())
    while True:
        for name in YAML_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return _shown(candidate)
        candidate = os.path.join(directory, PYPROJECT)
        if os.path.isfile(candidate) and _has_tool_table(candidate):
            return _shown(candidate)
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _shown(path: str) -> str:
    """A found file as messages show it: relative when it is below the current directory."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _has_tool_table(path: str) -> bool:
    """Does this pyproject.toml set `tool.vipps-lint` (as a table, inline table, dotted key —
    or wrongly, as `vipps-lint = 3`: that must be reported, not skipped)?"""
    try:
        text = read_limited_text(path, MAX_SETTINGS_BYTES, "utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "vipps-lint" not in text:
        return False
    toml = _toml_library()
    try:
        tool = toml.loads(text).get("tool")
    except RecursionError:
        return True  # load_config reports it
    except toml.TOMLDecodeError:  # broken TOML with our table in it: load_config reports where
        return any(
            _table_name(match.group(1))[:2] == TABLE for match in map(_TOML_HEADER.match, text.splitlines()) if match
        )
    return isinstance(tool, dict) and TABLE[1] in tool


def _table_name(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in header.split("."))


def _toml_library():
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli

    return tomli


def _toml_key_line(text: str, parts: list[str]) -> Optional[int]:
    """The 1-based line that sets `parts` (e.g. ['severity', 'ecom-x']) in [tool.vipps-lint].

    Looks for `key =` in the deepest table that can hold it, then in shallower ones (an
    inline table or a dotted key), then for a `[tool.vipps-lint.key]` header.
    """
    lines = text.splitlines()
    tables: list[tuple[tuple[str, ...], int, int]] = []  # (name, first line index, end index)
    for index, line in enumerate(lines):
        match = _TOML_HEADER.match(line)
        if match:
            if tables:
                tables[-1] = (tables[-1][0], tables[-1][1], index)
            tables.append((_table_name(match.group(1)), index, len(lines)))
    for depth in range(len(parts) - 1, -1, -1):
        wanted_table, key = TABLE + tuple(map(str, parts[:depth])), str(parts[depth])
        key_pattern = re.compile(r"^\s*(?:\"%s\"|'%s'|%s)\s*[=.]" % ((re.escape(key),) * 3))
        for name, first, end in tables:
            if name == wanted_table:
                for index in range(first + 1, end):
                    if key_pattern.match(lines[index]):
                        return index + 1
            if name == wanted_table + (key,):
                return first + 1
    for name, first, _end in tables:
        if name == TABLE:
            return first + 1
    # No [tool.vipps-lint] header: `vipps-lint = …` in [tool], or `tool.vipps-lint = …` / `tool = {…}` before any table.
    root_end = tables[0][1] if tables else len(lines)
    for _name, first, end, key in [(("tool",), *span, "vipps-lint") for name, *span in tables if name == ("tool",)] + [
        ((), -1, root_end, "tool")
    ]:
        key_pattern = re.compile(r"^\s*(?:\"%s\"|'%s'|%s)\s*[=.]" % ((re.escape(key),) * 3))
        for index in range(first + 1, end):
            if key_pattern.match(lines[index]):
                return index + 1
    return None


def load_config(path: str) -> Config:
    """Read and validate one configuration file (errors are collected, never raised)."""
    config = Config(path=path)
    try:
        text = read_limited_text(path, MAX_SETTINGS_BYTES, "utf-8")
    except (OSError, UnicodeDecodeError) as error:
        config.errors.append(
            InputError(path, f"cannot read configuration: {getattr(error, 'strerror', None) or error}")
        )
        return config
    if os.path.basename(path) == PYPROJECT or path.endswith(".toml"):
        data = _load_toml(config, text)
        line_of = (lambda parts: _toml_key_line(text, parts)) if isinstance(data, dict) else None
    else:
        data, line_of = _load_yaml(config, text)
    if data is None:
        return config
    if not isinstance(data, dict):
        if line_of is None:  # TOML: `vipps-lint = 3` instead of a [tool.vipps-lint] table
            message = (
                f"tool.vipps-lint must be a table of settings ([tool.vipps-lint] with key = value lines), got {data!r}"
            )
            config.errors.append(InputError(path, message, _toml_key_line(text, [])))
        else:
            config.errors.append(
                InputError(path, "configuration must be a mapping of settings (key: value lines)", 1, 1)
            )
        return config
    for key, value in data.items():
        config.lines[key] = line_of([key])
        if key not in DEFAULTS:
            import difflib

            close = difflib.get_close_matches(key, list(DEFAULTS), n=1)
            suggestion = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(DEFAULTS)}"
            config.errors.append(config.error_at(key, f"unknown configuration key '{key}'{suggestion}"))
            continue
        problem, normalised = _validate(key, value, config.directory)
        if problem is not None:
            entry = problem.split(":", 1)[0] if isinstance(value, dict) and problem.split(":", 1)[0] in value else None
            if isinstance(value, list):  # the list item the problem quotes, e.g. rule directory 'x'
                entry = next(
                    (
                        index
                        for index, item in enumerate(value)
                        if isinstance(item, str) and repr(item.strip()) in problem
                    ),
                    None,
                )
            line = (line_of([key, entry]) if entry is not None else None) or config.lines[key]
            config.errors.append(InputError(path, f"{key}: {problem}", line))
            continue
        config.values[key] = normalised
    return config


def _load_toml(config: Config, text: str) -> Optional[dict]:
    toml = _toml_library()
    try:
        document = toml.loads(text)
    except toml.TOMLDecodeError as error:
        match = _TOML_ERROR_POSITION.search(str(error))
        message = _TOML_ERROR_POSITION.sub("", str(error)).replace("(at end of document)", "").strip()
        if match:
            line, column = int(match.group(1)), int(match.group(2))
        else:  # "at end of document"
            from vipps_lint.positions import offset_position

            end = offset_position(text, len(text))
            line, column = end.line, end.column
        config.errors.append(InputError(config.path, f"invalid TOML: {message}", line, column))
        return None
    except RecursionError:
        config.errors.append(InputError(config.path, "invalid TOML: nested too deeply to read"))
        return None
    table = document.get("tool", {}).get("vipps-lint")
    if table is None:
        config.errors.append(InputError(config.path, "no [tool.vipps-lint] table in this file"))
        return None
    return table


def _load_yaml(config: Config, text: str):
    from vipps_lint.positions import pointer_from_parts
    from vipps_lint.yamlpos import YamlError, load_yaml

    try:
        loaded = load_yaml(text)
    except YamlError as error:
        config.errors.append(InputError(config.path, error.message, error.line, error.column))
        return None, None

    def line_of(parts):
        position = loaded.position(pointer_from_parts(parts))
        return position.line if position else None

    return ({} if loaded.data is None else loaded.data), line_of


def _string_list(value) -> Optional[list[str]]:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return [item.strip() for item in value]
    return None


def _validate(key: str, value: Any, directory: str) -> tuple[Optional[str], Any]:
    """(what is wrong, or None; the value in the form Settings wants)."""
    if key in ("select", "ignore", "extend-select"):
        items = _string_list(value)
        return (None, items) if items is not None else ("expected a list of rule ids, prefixes or globs", None)
    if key in ("exclude", "extend-exclude"):
        items = [] if value == [] else _string_list(value)
        return (
            (None, items)
            if items is not None
            else ('expected a list of globs, e.g. ["node_modules", "tests/legacy/*"]', None)
        )
    if key in ("respect-gitignore", "force-exclude"):
        return (None, value) if isinstance(value, bool) else (f"expected true or false, got {value!r}", None)
    if key == "rules":
        items = _string_list(value)
        if items is None:
            return "expected a list of rule directories", None
        paths = [os.path.normpath(os.path.join(directory, item)) for item in items]
        for item, path in zip(items, paths):
            if not os.path.isdir(path):
                return (
                    f"rule directory {item!r} does not exist ({path}; relative paths are relative to this file)",
                    None,
                )
        return None, paths
    if key == "fail-on":
        return (
            (None, value) if value in SEVERITIES else (f"expected one of {', '.join(SEVERITIES)}, got {value!r}", None)
        )
    if key == "severity":
        if not isinstance(value, dict):
            return "expected a mapping of rule → error | warning | info", None
        for rule, severity in value.items():
            if severity not in SEVERITIES:
                return f"{rule}: expected one of {', '.join(SEVERITIES)}, got {severity!r}", None
        return None, dict(value)
    if key == "per-file-ignores":
        if not isinstance(value, dict):
            return "expected a mapping of glob → list of rules", None
        result = {}
        for glob, rules in value.items():
            items = _string_list(rules)
            if items is None:
                return f"{glob}: expected a list of rules", None
            result[glob] = items
        return None, result
    if key == "endpoints":
        from vipps_lint.routing import parse_endpoint

        if not isinstance(value, dict):
            return 'expected a mapping of glob → "METHOD /path"', None
        for glob, endpoint in value.items():
            if not isinstance(endpoint, str) or parse_endpoint(endpoint) is None:
                return f'{glob}: {endpoint!r} is not "METHOD /path" or "METHOD https://host/path"', None
        return None, dict(value)
    if key == "as-of":
        parsed = parse_date(value)
        return (None, parsed) if parsed is not None else (f"expected a date like 2026-12-01, got {value!r}", None)
    return f"unknown key {key}", None  # pragma: no cover - keys are checked before


def parse_date(value: Any) -> Optional[datetime.date]:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 10 and value[10] in "Tt ":  # a timestamp: its day
            value = value[:10]
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def path_matches(pattern: str, file: str, directory: str) -> bool:
    """Does an input file match a configuration glob (relative to the config's directory)?"""
    return GlobSet([pattern], directory).matches(file)


class GlobSet:
    """Configuration globs compiled once, for matching every file of a walk.

    A file matches a glob when its path relative to `directory` does, or, for a glob without
    '/', when its name does (as `fnmatch.fnmatch` judges each). One regex per kind, because a
    walk of 10,000 files against the default excludes otherwise spends more time here than
    linting them.
    """

    def __init__(self, patterns: Iterable[str], directory: str):
        patterns = [os.path.normcase(pattern) for pattern in patterns]
        self.directory = directory
        self._relative = _union(patterns)
        self._name = _union([pattern for pattern in patterns if "/" not in pattern])

    def matches(self, file: str) -> bool:
        if self._relative is None:
            return False
        relative = os.path.relpath(os.path.abspath(file), self.directory).replace(os.sep, "/")
        return self.matches_relative(relative, os.path.basename(file))

    def matches_relative(self, relative: str, name: str) -> bool:
        """`matches` for a file whose path relative to `directory` ('/'-separated) and name are known."""
        if self._relative is None:
            return False
        if self._relative.match(os.path.normcase(relative)):
            return True
        return self._name is not None and self._name.match(os.path.normcase(name)) is not None


def _union(patterns: list[str]) -> Optional[re.Pattern]:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in patterns))


def effective(config: Config, command_line: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Every key's value and where it came from: 'command line', 'FILE:LINE' or 'default'."""
    result = {}
    for key, default in DEFAULTS.items():
        if key in command_line:
            result[key] = (command_line[key], "command line")
        elif key in config.values:
            result[key] = (config.values[key], config.origin(key))
        else:
            result[key] = (default, "default")
    if result["as-of"][0] is None:
        result["as-of"] = (datetime.date.today(), "default (today)")
    return result


def file_settings(settings, rules, file: str) -> tuple[Optional[str], frozenset]:
    """The endpoint for bare bodies and the rule ids ignored in one input file, from the
    configuration's `endpoints` and `per-file-ignores` (`rules`: the run's `RuleSet`)."""
    if not (settings.per_file_ignores or settings.endpoints) or file == "-":
        return None, frozenset()
    directory = settings.config_dir or "."
    # --endpoint on the command line wins over the configuration's per-glob endpoints.
    endpoint = (
        None
        if settings.endpoint
        else next(
            (endpoint for glob, endpoint in settings.endpoints.items() if path_matches(glob, file, directory)), None
        )
    )
    selectors = [
        selector
        for glob, selectors in settings.per_file_ignores.items()
        if path_matches(glob, file, directory)
        for selector in selectors
    ]
    return endpoint, rules.matching(selectors) if selectors else frozenset()


def split_selectors(values) -> list[str]:
    """`--select a,b --select c` → ['a', 'b', 'c']."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def command_line_settings(select=(), ignore=(), extend_select=(), fail_on=None, rule_dirs=(), as_of=None) -> dict:
    """The configuration keys the command line sets (it overrides the configuration file)."""
    given: dict[str, Any] = {}
    for key, values in (("select", select), ("ignore", ignore), ("extend-select", extend_select)):
        if values:
            given[key] = split_selectors(values)
    if fail_on is not None:
        given["fail-on"] = fail_on
    if rule_dirs:
        given["rules"] = list(rule_dirs)
    if as_of is not None:
        given["as-of"] = as_of.date() if isinstance(as_of, datetime.datetime) else as_of
    return given


def load_effective(config_file: Optional[str], isolated: bool, command_line: dict[str, Any]):
    """(the configuration file read, or None; every key's effective value and origin).
    A configuration file with mistakes stops the run (`Incomplete`, exit 2), naming each."""
    from vipps_lint.status import Incomplete

    path = None if isolated else (config_file or find_config())
    config = load_config(path) if path else None
    if config is not None and config.errors:
        raise Incomplete(*(str(error) for error in config.errors))
    return config, effective(config or Config(), command_line)


def show_command(select, ignore, fail_on, rule_dirs, config_file, isolated, extend_select, as_of, output_format) -> int:
    """`vipps-lint config`: print the effective configuration and where each value comes from."""
    import click

    from vipps_lint.secrets import mask_credentials
    from vipps_lint.status import EXIT_CLEAN

    command_line = command_line_settings(select, ignore, extend_select, fail_on, rule_dirs, as_of)
    config, settings = load_effective(config_file, isolated, command_line)
    # A configuration file's values are printed back: a credential among them is masked, each
    # value before it is quoted (JSON escapes would hide it from masking by shape) and the text.
    shown = {key: (_masked(value, mask_credentials), origin) for key, (value, origin) in settings.items()}
    click.echo(mask_credentials(describe(config, shown, output_format)))
    return EXIT_CLEAN


def _masked(value: Any, mask) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, (list, tuple)):
        return [_masked(item, mask) for item in value]
    if isinstance(value, dict):
        return {_masked(key, mask): _masked(item, mask) for key, item in value.items()}
    return value


def check_selectors(rules, config: Optional[Config], settings: dict[str, tuple[Any, str]]) -> None:
    """Every rule selector names a rule: a typo must not silently select nothing.
    A wrong option is a `UsageError`; wrong configuration keys are `Incomplete`, all named."""
    from vipps_lint.status import Incomplete, UsageError

    problems = []
    for key in ("select", "ignore", "extend-select", "severity", "per-file-ignores"):
        value, origin = settings[key]
        if isinstance(value, dict) and key != "severity":
            selectors = [selector for items in value.values() for selector in items]
        else:
            selectors = list(value)
        unknown = rules.unknown_selectors(selectors)
        if not unknown:
            continue
        names = ", ".join(repr(selector) for selector in unknown)
        if origin == "command line":
            raise UsageError(f"no rule matches {names}; `vipps-lint rules` lists them", f"--{key}")
        problems.append(config.error_at(key, f"{key}: no rule matches {names}; `vipps-lint rules` lists them"))
    if problems:
        raise Incomplete(*(str(problem) for problem in problems))


def describe(config: Optional[Config], settings: dict[str, tuple[Any, str]], output_format: str) -> str:
    """`vipps-lint config`: every key's effective value and where it comes from."""
    import json

    shown = {
        key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, (value, _origin) in settings.items()
    }
    if output_format == "json":
        return json.dumps(
            {
                "file": config.path if config else None,
                "settings": {
                    key: {"value": shown[key], "origin": origin} for key, (_value, origin) in settings.items()
                },
            },
            indent=2,
        )
    lines = [f"# configuration file: {config.path if config else 'none (defaults; see README: Configuration)'}"]
    width = max(len(key) for key in settings)
    for key, (_value, origin) in settings.items():
        lines.append(f"{key:<{width}} = {json.dumps(shown[key], ensure_ascii=False)}  # {origin}")
    return "\n".join(lines)
