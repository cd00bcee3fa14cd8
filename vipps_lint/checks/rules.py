"""Loading rule files: YAML → validated, compiled `Rule`s.

Every problem in a rule file (bad YAML, a key the format does not know, an unknown check
function, a JSONPath or regex that does not compile, a duplicate id) becomes an
`InputError` naming the file and line, so a broken rule pack exits 2 with a clear message
instead of a traceback, and the other rules still run.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from vipps_lint.checks.conditions import compile_conditions
from vipps_lint.checks.functions import Check
from vipps_lint.checks.functions import module as function_module
from vipps_lint.checks.jsonpath import compile_query
from vipps_lint.data import rules_dir, schemas_dir
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import InputError, Position
from vipps_lint.safe_io import MAX_SETTINGS_BYTES, read_limited_text
from vipps_lint.safe_regex import UnsafePattern

_TEMPLATE_VARIABLE = lazy_compile(r"\{\{\s*(\w+)\s*\}\}")
TEMPLATE_VARIABLES = {"value", "property", "path", "pointer", "error", "fix", "since", "detail"}


class Template:
    """A message template, compiled once: '{{path}} must use https://, got {{value}}'."""

    def __init__(self, text: str):
        self.text = text
        self.names = set(_TEMPLATE_VARIABLE.findall(text))

    def render(self, values: dict[str, str]) -> str:
        return _TEMPLATE_VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), self.text)


class TemplateSet:
    """A template, or one per problem code with 'default' as the fallback."""

    def __init__(self, spec: Any):
        if isinstance(spec, str):
            spec = {"default": spec}
        self.by_code = {code: Template(text) for code, text in (spec or {}).items()}

    def __bool__(self) -> bool:
        return bool(self.by_code)

    def pick(self, code: str, has_fix: bool = True) -> Optional[Template]:
        """The template for a problem code; one that shows {{fix}} only when there is a fix."""
        for candidate in (self.by_code.get(code), self.by_code.get("default")):
            if candidate is not None and (has_fix or "fix" not in candidate.names):
                return candidate
        return None


# Path parameters are matched whatever the spec calls them: a rule written for
# "POST /epayment/v1/payments/{reference}/capture" applies to ePayment 1.8.1's {Reference}.
_ANY_PARAMETER = lazy_compile(r"\{[^}/]*\}")


@functools.lru_cache(maxsize=256)
def _endpoint_shapes(endpoints: tuple) -> frozenset:
    return frozenset(_ANY_PARAMETER.sub("{}", endpoint) for endpoint in endpoints)


@dataclass
class CompiledThen:
    field: Optional[str]
    function: str
    check: Check


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    why: str
    docs: str
    examples: dict
    file: str
    line: Optional[int]
    since: Optional[str] = None
    how_to_fix: Optional[str] = None
    part: str = "body"
    builtin: Optional[str] = None
    scope: dict = field(default_factory=dict)
    given: list = field(default_factory=list)  # [(expression text, compiled query)]
    when: Optional[Callable[[Any], bool]] = None
    then: list[CompiledThen] = field(default_factory=list)
    message: TemplateSet = field(default_factory=lambda: TemplateSet(None))
    hint: TemplateSet = field(default_factory=lambda: TemplateSet(None))
    autofix: bool = False

    def applies_to_endpoint(self, endpoint: str, operation_id: str, api: str) -> bool:
        scope = self.scope
        if not scope:
            return True
        if "operations" in scope and operation_id in scope["operations"]:
            return True
        if "endpoints" in scope and (
            endpoint in scope["endpoints"]
            or _ANY_PARAMETER.sub("{}", endpoint) in _endpoint_shapes(tuple(scope["endpoints"]))
        ):
            return True
        return "apis" in scope and api in scope["apis"]

    @property
    def example_endpoint(self) -> Optional[str]:
        return self.examples.get("endpoint") or next(iter(self.scope.get("endpoints", [])), None)


def _meta_validator():
    from jsonschema import Draft202012Validator  # start-up time

    with open(schemas_dir() / "rule-file.schema.json", encoding="utf-8") as handle:
        return Draft202012Validator(json.load(handle))


_RULE_START = lazy_compile(r"^([ \t]*-[ \t]+)id:", re.MULTILINE)


class ShippedRuleFile:
    """A shipped rule file read with libyaml alone: every run loads them, and the positioned
    loader (vipps_lint.yamlpos) costs most of start-up. The test-suite checks that both give
    the same data and rule lines; a position other than a rule's asks the positioned loader.
    What `parse` gives is kept in the cache of parsed data (vipps_lint.data_cache)."""

    def __init__(self, text: str, parsed: Optional[tuple[Any, list]] = None):
        self.text = text
        self.data, rule_positions = parsed if parsed is not None else self.parse(text)
        self._rule_positions = [Position(line, column) for line, column in rule_positions]
        self._positioned = None

    @staticmethod
    def parse(text: str) -> tuple[Any, list[tuple[int, int]]]:
        """(the file's data, the line and column of each rule); ValueError when a rule's
        position cannot be told this way (YAML errors raise too): the positioned loader reads it."""
        import yaml

        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        rule_positions = [
            (text.count("\n", 0, match.start()) + 1, len(match.group(1)) + 1) for match in _RULE_START.finditer(text)
        ]
        rules = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(rules, list) or len(rules) != len(rule_positions):
            raise ValueError("a rule does not start with '- id:'; the positioned loader reads this file")
        return data, rule_positions

    def position(self, pointer: str) -> Optional[Position]:
        parts = pointer.split("/")
        if len(parts) == 3 and parts[1] == "rules" and parts[2].isdigit() and int(parts[2]) < len(self._rule_positions):
            return self._rule_positions[int(parts[2])]
        if self._positioned is None:
            from vipps_lint.yamlpos import load_yaml

            self._positioned = load_yaml(self.text)
        return self._positioned.position(pointer)


class RuleLoader:
    """Loads rule files, collecting errors instead of raising."""

    def __init__(self, validate: bool = True, shipped: bool = False):
        self.validate = validate
        self.shipped = shipped  # the package's own rule files: read fast (ShippedRuleFile)
        self.errors: list[InputError] = []
        self._meta = None
        self._parsed: dict[str, tuple[str, Optional[tuple[Any, list]]]] = {}  # path → (text, parse) of shipped files

    def read_shipped(self, paths: list[Path]) -> None:
        """Read and parse these shipped rule files at once, through the cache of parsed data."""
        from vipps_lint.data_cache import parsed

        texts = {}
        for path in paths:
            try:
                texts[path.name] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # load_file says why
        found = parsed("rules", texts, _parse_shipped)
        for path in paths:
            if path.name in texts:
                self._parsed[str(path)] = (texts[path.name], found[path.name])

    def _error(self, file: str, loaded, pointer: str, message: str) -> None:
        position = loaded.position(pointer) if loaded is not None else None
        self.errors.append(
            InputError(file, message, position.line if position else None, position.column if position else None)
        )

    def load_file(self, path: Path) -> list[Rule]:
        if self.shipped:
            return self._load_file(path)
        from vipps_lint.safe_regex import untrusted

        with untrusted():  # a user's rule pack: its patterns run on RE2, without backtracking
            return self._load_file(path)

    def _load_file(self, path: Path) -> list[Rule]:
        file = str(path)
        if file in self._parsed:
            text, parsed = self._parsed[file]
            return self._load_text(file, text, ShippedRuleFile(text, parsed) if parsed is not None else None)
        try:
            if self.shipped:
                text = path.read_text(encoding="utf-8")
            else:
                text = read_limited_text(file, MAX_SETTINGS_BYTES, "utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.errors.append(InputError(file, f"cannot read rule file: {getattr(error, 'strerror', None) or error}"))
            return []
        return self._load_text(file, text, self._shipped_file(text))

    def _load_text(self, file: str, text: str, loaded: Optional[ShippedRuleFile]) -> list[Rule]:
        if loaded is None:
            from vipps_lint.yamlpos import YamlError, load_yaml

            try:
                loaded = load_yaml(text)
            except YamlError as error:
                self.errors.append(InputError(file, error.message, error.line, error.column))
                return []
        if self.validate and not self._valid_against_meta_schema(file, loaded):
            return []
        data = loaded.data
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            self._error(file, loaded, "", "a rule file is a mapping with a 'rules' list")
            return []
        rules = []
        for index, spec in enumerate(data["rules"]):
            rule = self._compile(file, loaded, f"/rules/{index}", spec)
            if rule is not None:
                rules.append(rule)
        return rules

    def _shipped_file(self, text: str) -> Optional[ShippedRuleFile]:
        if not self.shipped:
            return None
        try:
            return ShippedRuleFile(text)
        except Exception:  # noqa: BLE001 - the positioned loader says what is wrong, with its line
            return None

    def _valid_against_meta_schema(self, file: str, loaded) -> bool:
        if self._meta is None:
            self._meta = _meta_validator()
        errors = sorted(self._meta.iter_errors(loaded.data), key=lambda error: list(error.absolute_path))
        for error in errors:
            # For oneOf/anyOf failures the most specific sub-error reads best.
            error = min(error.context, key=lambda sub: -len(sub.absolute_path)) if error.context else error
            parts = list(error.absolute_path)
            pointer = "".join(f"/{part}" for part in parts)
            where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts).lstrip(".")
            self._error(file, loaded, pointer, f"{where or 'file'}: {error.message}")
        return not errors

    def _compile(self, file: str, loaded, pointer: str, spec: dict) -> Optional[Rule]:
        position = loaded.position(pointer)
        errors_before = len(self.errors)
        rule = Rule(
            id=spec["id"],
            title=spec["title"],
            severity=spec["severity"],
            why=spec["why"].strip(),
            docs=spec["docs"],
            examples=spec["examples"],
            file=file,
            line=position.line if position else None,
            since=str(spec["since"]) if spec.get("since") else None,
            how_to_fix=(spec.get("howToFix") or "").strip() or None,
            part=spec.get("part", "body"),
            builtin=spec.get("builtin"),
            scope=spec.get("scope") or {},
            message=TemplateSet(spec.get("message")),
            hint=TemplateSet(spec.get("hint")),
            autofix=bool(spec.get("autofix", False)),
        )
        if rule.builtin:
            return rule
        given = spec["given"] if isinstance(spec["given"], list) else [spec["given"]]
        for index, expression in enumerate(given):
            try:
                rule.given.append((expression, compile_query(expression)))
            except Exception as error:  # noqa: BLE001 - the library raises several error types
                where = f"{pointer}/given/{index}" if isinstance(spec["given"], list) else f"{pointer}/given"
                self._error(file, loaded, where, f"rule {rule.id}: invalid JSONPath {expression!r}: {error}")
        try:
            rule.when = compile_conditions(spec.get("when") or [])
        except (re.error, UnsafePattern) as error:
            self._error(
                file, loaded, f"{pointer}/when", f"rule {rule.id}: invalid regular expression in 'when': {error}"
            )
        thens = spec["then"] if isinstance(spec["then"], list) else [spec["then"]]
        for index, then in enumerate(thens):
            where = f"{pointer}/then/{index}" if isinstance(spec["then"], list) else f"{pointer}/then"
            compiled = self._compile_then(file, loaded, where, rule.id, then)
            if compiled is not None:
                rule.then.append(compiled)
        for name, templates in (("message", rule.message), ("hint", rule.hint)):
            for template in templates.by_code.values():
                unknown = template.names - TEMPLATE_VARIABLES
                if unknown:
                    self._error(
                        file,
                        loaded,
                        f"{pointer}/{name}",
                        f"rule {rule.id}: unknown template variable {{{{{sorted(unknown)[0]}}}}}; known: "
                        f"{', '.join(sorted(TEMPLATE_VARIABLES))}",
                    )
        return rule if len(self.errors) == errors_before else None

    def _compile_then(self, file, loaded, where, rule_id, then) -> Optional[CompiledThen]:
        name = then["function"]
        module = function_module(name)
        if module is None:
            from vipps_lint.checks.functions import NAMES

            self._error(
                file,
                loaded,
                f"{where}/function",
                f"rule {rule_id}: unknown function '{name}'; known: {', '.join(NAMES)}",
            )
            return None
        options = then.get("functionOptions") or {}
        if self.validate:
            from jsonschema import Draft202012Validator

            for error in Draft202012Validator(
                module.OPTIONS, format_checker=Draft202012Validator.FORMAT_CHECKER
            ).iter_errors(options):
                suffix = "".join(f"/{part}" for part in error.absolute_path)
                self._error(
                    file,
                    loaded,
                    f"{where}/functionOptions{suffix}",
                    f"rule {rule_id}: {name} functionOptions: {error.message}",
                )
                return None
        try:
            check = module.compile(options)
        except re.error as error:
            self._error(
                file, loaded, f"{where}/functionOptions", f"rule {rule_id}: invalid regular expression: {error}"
            )
            return None
        except (TypeError, ValueError, KeyError) as error:
            self._error(
                file, loaded, f"{where}/functionOptions", f"rule {rule_id}: invalid {name} functionOptions: {error}"
            )
            return None
        return CompiledThen(then.get("field"), name, check)


def _parse_shipped(name: str, text: str) -> Optional[tuple[Any, list]]:
    try:
        return ShippedRuleFile.parse(text)
    except Exception:  # noqa: BLE001 - the positioned loader says what is wrong, with its line
        return None


def rule_files(directory: Path) -> list[Path]:
    return sorted(path for pattern in ("*.yaml", "*.yml") for path in directory.glob(pattern))


def load_rules(
    extra_dirs: Optional[list[str]] = None, validate_shipped: bool = False
) -> tuple[dict[str, Rule], list[InputError]]:
    """The shipped rules plus those in `extra_dirs`, by id, and what was wrong with them.

    Shipped rule files are validated against the meta-schema by the test-suite, so a normal
    run skips that (it costs start-up time on every pre-commit); user rule packs are always
    validated.
    """
    rules: dict[str, Rule] = {}
    errors: list[InputError] = []
    sources = [(rules_dir(), validate_shipped, True)] + [
        (Path(directory), True, False) for directory in extra_dirs or []
    ]
    for directory, validate, shipped in sources:
        loader = RuleLoader(validate=validate, shipped=shipped and not validate)
        if not directory.is_dir():
            errors.append(InputError(str(directory), "rule directory does not exist"))
            continue
        paths = rule_files(directory)
        if loader.shipped:
            loader.read_shipped(paths)
        for path in paths:
            for rule in loader.load_file(path):
                if rule.id in rules:
                    first = rules[rule.id]
                    loader.errors.append(
                        InputError(
                            rule.file,
                            f"rule id '{rule.id}' is already defined at {first.file}:{first.line}",
                            rule.line,
                            None,
                        )
                    )
                    continue
                rules[rule.id] = rule
        errors.extend(loader.errors)
    return rules, errors
