"""`defined`: the field must be present (and, unless `allowEmpty`, not null or blank).

Spectral's `defined`/`truthy`. Use it for a field the API needs or that users need to see.

    functionOptions:
      allowEmpty: false   # default: "" , [] and null count as missing
"""

from vipps_lint.checks.functions import UNDEFINED, Violation

OPTIONS = {"type": "object", "additionalProperties": False, "properties": {"allowEmpty": {"type": "boolean"}}}


def compile(options):
    allow_empty = options.get("allowEmpty", False)

    def check(value, context):
        if value is UNDEFINED:
            yield Violation("missing", "is missing")
        elif not allow_empty and (
            value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())
        ):
            yield Violation("empty", "is empty")

    return check
