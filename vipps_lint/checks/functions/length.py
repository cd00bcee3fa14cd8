"""`length`: a string or array must have at least `min` and at most `max` items/characters.

functionOptions:
  max: 100
"""

from vipps_lint.checks.functions import Violation

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"min": {"type": "integer", "minimum": 0}, "max": {"type": "integer", "minimum": 0}},
}


def compile(options):
    minimum = options.get("min")
    maximum = options.get("max")

    def check(value, context):
        if not isinstance(value, (str, list)):
            return
        unit = "characters" if isinstance(value, str) else "items"
        size = len(value)
        if maximum is not None and size > maximum:
            yield Violation("too-long", f"is {size} {unit}; at most {maximum} are allowed")
        if minimum is not None and size < minimum:
            yield Violation("too-short", f"is {size} {unit}; at least {minimum} are needed")

    return check
