"""`equals`: the value must be exactly `value` (the computed fix is that value).

functionOptions:
  value: 0
"""

from vipps_lint.checks.functions import UNDEFINED, Violation, render_value

OPTIONS = {"type": "object", "additionalProperties": False, "required": ["value"], "properties": {"value": {}}}


def compile(options):
    expected = options["value"]

    def check(value, context):
        if value is UNDEFINED:
            return
        same = (
            value == expected
            and type(value) is type(expected)
            or (
                isinstance(value, (int, float))
                and isinstance(expected, (int, float))
                and not isinstance(value, bool)
                and value == expected
            )
        )
        if not same:
            yield Violation("different", f"must be {render_value(expected)}", expected)

    return check
