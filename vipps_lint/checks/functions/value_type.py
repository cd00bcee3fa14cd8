"""`type`: the value must be of a JSON type; `integer` also rejects 499.0-style floats.

A whole number sent as a float (or as a numeric string) gets the integer as its fix.

    functionOptions:
      type: integer      # string | number | integer | boolean | object | array | null
"""

from vipps_lint.checks.functions import UNDEFINED, Violation, describe_type

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type"],
    "properties": {"type": {"enum": ["string", "number", "integer", "boolean", "object", "array", "null"]}},
}

_PYTHON_TYPES = {"string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}


def compile(options):
    wanted = options["type"]

    def check(value, context):
        if value is UNDEFINED:
            return
        if wanted == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return
            if isinstance(value, float) and value.is_integer():
                yield Violation("float", "must be a whole number without decimals", int(value))
            elif isinstance(value, str) and value.strip().isdigit():
                yield Violation("string", "must be a number, not a string", int(value))
            else:
                yield Violation("type", f"must be a whole number, got {describe_type(value)}")
        elif wanted == "number":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                yield Violation("type", f"must be a number, got {describe_type(value)}")
        elif not isinstance(value, _PYTHON_TYPES[wanted]) or (wanted != "boolean" and isinstance(value, bool)):
            yield Violation("type", f"must be {wanted}, got {describe_type(value)}")

    return check
