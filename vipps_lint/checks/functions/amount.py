"""`amount`: an amount in minor units within the limits of its currency.

The currency is read from the body (`currencyAt`: JSON Pointers, first found wins, or
`currencyField`: a key of the object holding the amount). A currency without a limit, or
an amount that is not an integer (the schema reports that), is not judged here.

Problem codes: `below-minimum`, `above-maximum` (`{{error}}`: "below the NOK minimum of
100"). `{{detail}}` is the limit in major units ("NOK 1.00"); `{{fix}}` the limit.

    functionOptions:
      currencyField: currency            # or currencyAt: [/pricing/currency]
      minimum: {NOK: 100, DKK: 1, EUR: 1}
      maximum: {NOK: 2000000}
"""

from __future__ import annotations

from vipps_lint.checks.functions import Violation
from vipps_lint.positions import pointer_tokens

_LIMITS = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "integer", "minimum": 0},
    "propertyNames": {"pattern": "^[A-Z]{3}$"},
}

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["minimum"]}, {"required": ["maximum"]}],
    "properties": {
        "currencyField": {"type": "string", "minLength": 1},
        "currencyAt": {"type": "array", "items": {"type": "string", "pattern": "^(/[^/]*)+$"}, "minItems": 1},
        "minimum": _LIMITS,
        "maximum": _LIMITS,
    },
}


def major_units(currency: str, minor: int) -> str:
    """'NOK 1.00' for (NOK, 100): how people say an amount."""
    return f"{currency} {minor // 100:,}.{minor % 100:02d}".replace(",", " ")


def compile(options):
    minimum = options.get("minimum", {})
    maximum = options.get("maximum", {})
    field = options.get("currencyField", "currency")
    paths = [pointer_tokens(pointer) for pointer in options.get("currencyAt", ())]

    def currency_of(context):
        if not paths:
            return context.parent.get(field) if isinstance(context.parent, dict) else None
        for tokens in paths:
            value = context.root
            for token in tokens:
                value = value.get(token) if isinstance(value, dict) else None
            if isinstance(value, str):
                return value
        return None

    def check(value, context):
        if not isinstance(value, int) or isinstance(value, bool):
            return
        currency = currency_of(context)
        if not isinstance(currency, str):
            return
        low, high = minimum.get(currency), maximum.get(currency)
        if low is not None and value < low:
            yield Violation(
                "below-minimum", f"below the {currency} minimum of {low}", low, detail=major_units(currency, low)
            )
        elif high is not None and value > high:
            yield Violation(
                "above-maximum", f"above the {currency} maximum of {high}", high, detail=major_units(currency, high)
            )

    return check
