"""`keys`: which fields an object may carry alongside each other.

- `only: [status]` — no field but these (a PATCH that stops a Recurring agreement carries
  `status` alone). Problem code `extra`: one violation naming every other field; the fix is
  the object with only the allowed fields.
- `exactlyOneOf: [fixedOptions, dynamicOptions]` — one of these, not several, not none.
  Problem codes `several` and `none`; `{{detail}}` names the fields.

    functionOptions:
      only: [status]
"""

from __future__ import annotations

from vipps_lint.checks.functions import Violation

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "only": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "exactlyOneOf": {"type": "array", "items": {"type": "string"}, "minItems": 2},
    },
}


def compile(options):
    only = options.get("only")
    one_of = options.get("exactlyOneOf")

    def check(value, context):
        if not isinstance(value, dict):
            return
        if one_of:
            present = [key for key in one_of if key in value]
            if len(present) > 1:
                yield Violation(
                    "several", f"has both {' and '.join(present)}; send only one of them", detail=", ".join(present)
                )
            elif not present:
                yield Violation("none", f"has none of {', '.join(one_of)}; send one of them", detail=", ".join(one_of))
        extra = [key for key in value if key not in only] if only else []
        if extra:
            shown = ", ".join(extra[:10]) + (f" and {len(extra) - 10} more" if len(extra) > 10 else "")
            yield Violation(
                "extra",
                f"may carry only {', '.join(only)}, but also has {shown}",
                {key: value[key] for key in value if key in only},
                detail=", ".join(extra),
            )

    return check
