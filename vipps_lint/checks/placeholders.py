"""Values that stand for something else are never judged (`{{orderId}}`, `<access_token>`).

Postman and `.http` files template values with `{{name}}`; the docs, the OpenAPI specs'
examples and captured dumps write placeholders such as `<access_token>`, `{{callbackUrl}}`
or `eyJ0eXAi… <truncated>`. What such a value will be when the request is sent is unknown,
so no rule and no schema may judge it: a finding on `"{{fallBack}}"` ("not an absolute URL")
is noise. This holds in every input format and whatever rules are selected; whether an
undefined variable is itself reported is the `unresolved-variable` rule's business alone.

`placeholder_pointers` gives the body pointers of such values; the pipeline drops body
findings there (as it does for values only a Postman run knows).
"""

from __future__ import annotations

from typing import Any

from vipps_lint.lazy_re import lazy_compile
from vipps_lint.positions import pointer_from_parts

# A template variable anywhere in the value (`https://{{host}}/cb`), a whole value in angle
# brackets (`<access_token>`, `<Input the mobile number>`), or a value the docs cut short.
_PLACEHOLDER_VALUE = lazy_compile(r"\{\{[^{}]{0,200}\}\}|^<[^<>]{1,200}>$|<truncated>|^\$\{[^{}]{1,200}\}$")


def is_placeholder_value(value: str) -> bool:
    return bool(_PLACEHOLDER_VALUE.search(value.strip()))


def placeholder_pointers(body: Any) -> set[str]:
    """JSON Pointers of the string values in `body` that are placeholders.

    Runs on every body, so the walk builds a path only for a string that may be one (it has
    `{` or `<`); it keeps its own stack, so no nesting depth can exhaust Python's.
    """
    found: set[str] = set()
    if not isinstance(body, (dict, list)):
        return found
    stack: list[tuple[tuple, Any]] = [((), body)]
    while stack:
        parts, value = stack.pop()
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(item, str):
                if ("{" in item or "<" in item) and is_placeholder_value(item):
                    found.add(pointer_from_parts((*parts, key)))
            elif isinstance(item, (dict, list)):
                stack.append(((*parts, key), item))
    return found
