"""`enum`: the value must be one of `values`.

A value that differs only in case gets the right spelling as its fix.

    functionOptions:
      values: [NOK, DKK, EUR]
"""

from vipps_lint.checks.functions import UNDEFINED, Violation

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["values"],
    "properties": {"values": {"type": "array", "minItems": 1}},
}


def compile(options):
    allowed = list(options["values"])
    by_folded = {value.casefold(): value for value in allowed if isinstance(value, str)}
    listing = ", ".join(str(value) for value in allowed)

    def check(value, context):
        if value is UNDEFINED or value in allowed:
            return
        near = by_folded.get(value.casefold()) if isinstance(value, str) else None
        if near is not None:
            yield Violation("case", f"must be one of {listing}", near)
        else:
            yield Violation("not-allowed", f"must be one of {listing}")

    return check
