"""`enum`: the value must be one of `values`.

A value that differs only in case gets the right spelling as its fix (code `case`). Any
other value is `not-allowed`; when a known value is close (a typo), `{{detail}}` says
"did you mean …?" and the hint may show it as `{{fix}}` (never applied by --fix: it is a guess).

    functionOptions:
      values: [NOK, DKK, EUR]
      closedPrefixes: [epayments.payment.]   # optional, see below

With `closedPrefixes`, only values in those namespaces (and near-misses of a known value)
are judged: a list that is complete for some namespaces only (webhook event names: new APIs
add their own) flags `epayments.payment.capturd.v1` without flagging an event it does not
know yet.
"""

from vipps_lint.checks.functions import UNDEFINED, Violation
from vipps_lint.checks.functions.words import closest

OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["values"],
    "properties": {
        "values": {"type": "array", "minItems": 1},
        "closedPrefixes": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
    },
}


def compile(options):
    allowed = list(options["values"])
    by_folded = {value.casefold(): value for value in allowed if isinstance(value, str)}
    listing = ", ".join(str(value) for value in allowed)
    closed = tuple(options.get("closedPrefixes", ()))

    def check(value, context):
        if value is UNDEFINED or value in allowed:
            return
        near = by_folded.get(value.casefold()) if isinstance(value, str) else None
        if near is not None:
            yield Violation("case", f"must be one of {listing}", near)
        else:
            guess = (
                closest(value, [choice for choice in allowed if isinstance(choice, str)])
                if isinstance(value, str)
                else None
            )
            if closed and guess is None and not (isinstance(value, str) and value.startswith(closed)):
                return
            if guess is not None:
                yield Violation(
                    "not-allowed", f"must be one of {listing}", guess, detail=f"did you mean {guess!r}?", safe=False
                )
            else:
                yield Violation("not-allowed", f"must be one of {listing}")

    return check
