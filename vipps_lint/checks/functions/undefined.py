"""`undefined`: the field must not be present (Spectral's `undefined`/`falsy`).

Use it for fields an API version no longer accepts, or that must never be sent.
"""

from vipps_lint.checks.functions import UNDEFINED, Violation

OPTIONS = {"type": "object", "additionalProperties": False, "properties": {}}


def compile(options):
    def check(value, context):
        if value is not UNDEFINED:
            yield Violation("present", "must not be sent")

    return check
