"""`keys`: which fields an object may carry alongside each other.

`only: [status]` — no field but these (a PATCH that stops a Recurring agreement carries
`status` alone). Problem code `extra`: one violation naming every other field; the fix is
the object with only the allowed fields.

    functionOptions:
      only: [status]
"""

from __future__ import annotations

from vipps_lint.checks.functions import Violation

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["only"],
    "properties": {"only": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
}


def compile(options):
    only = list(options["only"])

    def check(value, context):
        if not isinstance(value, dict):
            return
        extra = [key for key in value if key not in only]
        if extra:
            shown = ", ".join(extra[:10]) + (f" and {len(extra) - 10} more" if len(extra) > 10 else "")
            yield Violation("extra", f"may carry only {', '.join(only)}, but also has {shown}",
                            {key: value[key] for key in value if key in only}, detail=", ".join(extra))

    return check
