"""Stage 3: checks.

- Declarative rules: YAML files (`rules.py` loads and compiles them, `engine.py` runs
  them), built from the check functions in `functions/`.
- Code checks: modules listed in `CODE_CHECKS`, for what is not a field-by-field rule
  (schema validation, headers, responses). Each module defines
  `create(linter) -> checker | None` (None when the run does not need it, e.g. all its
  rules are deselected), and the checker has `check(request) -> Iterable[Problem]`. Their
  rules are documented in YAML as `builtin:` entries, so they are listed, explained,
  selected and re-graded like any other rule. The module lists the ids it reports in
  `RULES`; when the rules load for a run, these must match the `builtin:` entries of the
  rule files (`suite.check_rule_ids`), so a typo in either fails at once.

To add a code check: write the module, list it in `CODE_CHECKS`, document its rules.
"""

CODE_CHECKS: tuple[str, ...] = ("schema", "variables", "headers", "responses", "credentials", "lifecycle")

# Code checks whose findings give way to a declarative rule's finding on the same value:
# the hand-written rule has the better message and hint.
DEFERS_TO_DECLARATIVE: tuple[str, ...] = ("schema",)

# Code checks whose body findings replace any other finding on the same value: a value that
# is an unresolved `{{variable}}` is better explained by that than by "not a valid URL".
SUPERSEDES_OTHERS: tuple[str, ...] = ("variables",)
