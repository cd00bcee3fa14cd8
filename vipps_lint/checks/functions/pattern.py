"""`pattern`: a string must (`match`) or must not (`notMatch`) match a regular expression.

Python `re` syntax, searched (anchor with ^ and $ for a whole-value match). Non-strings
are left to the schema's type check.

    functionOptions:
      match: "^[a-zA-Z0-9-]{1,50}$"
      notMatch: "^0"
"""

from vipps_lint.checks.functions import Violation
from vipps_lint.safe_regex import compile_rule_pattern

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"match": {"type": "string", "format": "regex"}, "notMatch": {"type": "string", "format": "regex"}},
}


def compile(options):
    # A user's rule pack runs on RE2, without backtracking (vipps_lint/safe_regex.py).
    match = compile_rule_pattern(options["match"]) if "match" in options else None
    not_match = compile_rule_pattern(options["notMatch"]) if "notMatch" in options else None

    def check(value, context):
        if not isinstance(value, str):
            return
        if match is not None and not match.search(value):
            yield Violation("match", f"must match {match.pattern}")
        if not_match is not None and not_match.search(value):
            yield Violation("not-match", f"must not match {not_match.pattern}")

    return check
