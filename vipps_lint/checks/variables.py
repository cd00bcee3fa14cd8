"""Code check: `{{variables}}` left unresolved in a request (rule `unresolved-variable`).

Postman and the `.http` clients send an undefined `{{name}}` as that literal text, so the
API gets `{{base_url}}/ecomm/v2/payments` or `"orderId": "{{orderId}}"` and rejects it.
The readers leave such variables in place (a bare one in a body becomes the string
`"{{name}}"`); this check finds them in the URL, the headers and the body's strings.
Variables that a collection's scripts set while it runs are listed by the reader in
`meta["runtime_variables"]` and are not reported; a value that is nothing but such a
variable is recorded in `meta["unknown_at_lint_time"]`, and no other check judges it. Only requests from formats that substitute variables are checked (`TEMPLATED_FORMATS`):
in captured traffic, curl commands and OpenAPI examples a `{{name}}` is a placeholder
someone wrote on purpose (a redacted token, documentation), not a template.
"""

from __future__ import annotations

from typing import Any, Iterator

from vipps_lint.models import Problem, Request
from vipps_lint.positions import pointer_from_parts
from vipps_lint.sources.variables import VARIABLE

RULE = "unresolved-variable"
TEMPLATED_FORMATS = ("postman", "http")

_WHERE = {"url": "the URL", "header": "header {header}", "body": "the body at {pointer}"}


def create(linter):
    return VariableCheck() if RULE in linter.rules.enabled else None


class VariableCheck:
    def check(self, request: Request) -> Iterator[Problem]:
        if request.meta.get("format") not in TEMPLATED_FORMATS:
            return
        runtime = set(request.meta.get("runtime_variables") or ())
        seen: set[tuple[str, str]] = set()
        for part, header, pointer, text in self._texts(request):
            whole = VARIABLE.fullmatch(text.strip())
            if part == "body" and whole and whole.group(1) in runtime:
                # Only the collection's run knows this value: nothing else may judge it.
                request.meta.setdefault("unknown_at_lint_time", set()).add(pointer)
            for name in VARIABLE.findall(text):
                if name in runtime or (part, name) in seen:
                    continue
                seen.add((part, name))
                where = _WHERE[part].format(header=header, pointer=pointer or "/")
                yield Problem(RULE, f'variable "{name}" in {where} is not defined, so the request would be sent with its placeholder as literal text',
                              part=part, pointer=pointer, header=header, hint=_hint(request, name))

    def _texts(self, request: Request) -> Iterator[tuple[str, Any, Any, str]]:
        if request.url and "{{" in request.url:
            yield "url", None, None, request.url
        for name, value in request.headers:
            if "{{" in value:
                yield "header", name, None, value
        body_text = request.meta.get("body_text")
        if request.has_body and (body_text is None or "{{" in body_text):
            for parts, value in _strings(request.body, []):
                if "{{" in value:
                    yield "body", None, pointer_from_parts(parts), value


def _strings(value: Any, parts: list) -> Iterator[tuple[list, str]]:
    if isinstance(value, str):
        yield parts, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, parts + [key])
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _strings(item, parts + [position])


def _hint(request: Request, name: str) -> str:
    if name.startswith("$"):
        return f"{name} is not a dynamic variable vipps-lint knows; replace its placeholder with a literal value"
    kind = request.meta.get("format")
    if kind == "postman":
        return (f"Define {name} in the collection's variables, or pass the environment that defines it: "
                f"vipps-lint check --postman-env ENVIRONMENT.postman_environment.json {request.file}")
    if kind == "http":
        return f"Add a line \"@{name} = VALUE\" above the request in {request.file}"
    return f"Replace the {name} placeholder with the value it stands for"
