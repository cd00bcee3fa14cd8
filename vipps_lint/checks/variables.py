"""Code check: `{{variables}}` left unresolved in a request (rule `unresolved-variable`).

Postman and the `.http` clients send an undefined `{{name}}` as that literal text, so the
API gets `{{base_url}}/ecomm/v2/payments` or `"orderId": "{{orderId}}"` and rejects it.
The readers leave such variables in place (a bare one in a body becomes the string
`"{{name}}"`); this check finds them in the URL, the headers and the body's strings.
Variables that a collection's scripts set while it runs are listed by the reader in
`meta.runtime_variables` and are not reported; a body value that holds such a variable
is recorded in `meta.unknown_at_lint_time`, and no other check judges it.

A variable whose value is a placeholder (empty, or an instruction such as `<Input the
mobile number…>` in the environment) is left as `{{name}}` by the reader too, and listed in
`meta.placeholder_variables` (name → (placeholder, environment file or None for the
collection's variables)): it is reported once per file, at its first use (the reader names
the request in `meta.placeholder_first_use`), saying where to give it its value; its
other uses are not reported, and no check judges the values it stands in. An undefined
variable is reported once per file too, at its first use (`meta.undefined_used_before`
names those an earlier request used): a collection run without its environment leaves the
same names undefined in every request. Its hint names an exported environment beside the
collection that defines it (`meta.environments_beside`), if there is one.

Only requests from readers that substitute variables are checked (`ReaderTraits.variables`):
in captured traffic, curl commands and OpenAPI examples a `{{name}}` is a placeholder
someone wrote on purpose (a redacted token, documentation), not a template.
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Optional

from vipps_lint.models import Problem, Request
from vipps_lint.positions import pointer_from_parts, string_leaves
from vipps_lint.sources.variables import VARIABLE

RULE = "unresolved-variable"
RULES = (RULE,)

_WHERE = {"url": "the URL", "header": "header {header}", "body": "the body at {pointer}"}


def create(linter):
    return VariableCheck() if RULE in linter.rules.enabled else None


class VariableCheck:
    def check(self, request: Request) -> Iterator[Problem]:
        reader = request.meta.reader
        if reader is None or reader.variables is None:
            return
        runtime = set(request.meta.runtime_variables)
        placeholders = request.meta.placeholder_variables
        first_use = list(request.meta.placeholder_first_use)
        seen: set[tuple[str, str]] = set()
        used_before = request.meta.undefined_used_before
        for part, header, pointer, text in self._texts(request):
            names = VARIABLE.findall(text)
            if part == "body" and any(name in runtime or name in placeholders for name in names):
                # Only the collection's run or the user knows this value: nothing else may judge it.
                request.meta.unknown_at_lint_time.add(pointer)
            for name in names:
                if name in first_use:
                    first_use.remove(name)
                    yield _placeholder_problem(request, name, placeholders[name], part, header, pointer)
                    continue
                if name in runtime or name in placeholders or (part, name) in seen or name in used_before:
                    continue
                seen.add((part, name))
                where = _WHERE[part].format(header=header, pointer=pointer or "/")
                yield Problem(
                    RULE,
                    f'variable "{name}" in {where} is not defined, so the request would be sent with its '
                    "placeholder as literal text",
                    part=part,
                    pointer=pointer,
                    header=header,
                    hint=_hint(request, name),
                )
        for name in first_use:  # used where no text is scanned (a JSON key): said at the request
            yield _placeholder_problem(request, name, placeholders[name], "url", None, None)

    def _texts(self, request: Request) -> Iterator[tuple[str, Any, Any, str]]:
        if request.url and "{{" in request.url:
            yield "url", None, None, request.url
        for name, value in request.headers:
            if "{{" in value:
                yield "header", name, None, value
        body_text = request.meta.body_text
        if request.has_body and (body_text is None or "{{" in body_text):
            for parts, value in string_leaves(request.body):
                if "{{" in value:
                    yield "body", None, pointer_from_parts(parts), value


def _placeholder_problem(
    request: Request, name: str, placeholder: tuple[str, Optional[str]], part: str, header: Any, pointer: Any
) -> Problem:
    """One finding per file for a variable whose value is a placeholder, at its first use."""
    value, environment = placeholder
    where = f"the environment {os.path.basename(environment)}" if environment else "the collection's variables"
    text = value.strip()
    if not text:
        what = f"is empty in {where}"
    else:
        shown = text if len(text) <= 60 else text[:59].rstrip() + "…>"
        what = f"holds the placeholder {shown!r} in {where}, not a value"
    message = (
        f'variable "{name}" {what}: requests that use it would send that text, and what it stands for was not checked'
    )
    if environment:
        hint = (
            f"Give {name} its real value in the environment ({environment}; in Postman: Environments, the "
            f'"{name}" row, '
            "then export it again), or pass an environment that has it with --postman-env"
        )
    else:
        hint = (
            f"Give {name} its real value in the collection's Variables tab, or pass an environment that has it: "
            f"vipps-lint check --postman-env ENVIRONMENT.postman_environment.json {request.file}"
        )
    return Problem(RULE, message, part=part, pointer=pointer, header=header, hint=hint)


def _hint(request: Request, name: str) -> str:
    if name.startswith("$"):
        return f"{name} is not a dynamic variable vipps-lint knows; replace its placeholder with a literal value"
    beside = (request.meta.environments_beside or {}).get(name)
    if beside:
        import shlex  # only for this hint: not on every run's start-up

        others = f"; {', '.join(map(shlex.quote, beside[1:]))} define it too" if len(beside) > 1 else ""
        return (
            f"The environment beside the collection defines {name}: pass it with "
            f"vipps-lint check --postman-env {shlex.quote(beside[0])} {request.file} (in Postman, select that "
            f"environment){others}"
        )
    reader = request.meta.reader
    if reader is not None and reader.variables is not None:
        return reader.variables.format(name=name, file=request.file)
    return f"Replace the {name} placeholder with the value it stands for"
