"""`{{variable}}` substitution, shared by the Postman and `.http` readers.

Both Postman and the VS Code REST Client / JetBrains HTTP Client replace `{{name}}` with a
variable's value *as text*, before the request is sent; a body such as
`"amount": {{amount}}` is JSON only after that. We do the same, then parse.

- Defined variables are replaced by their value, verbatim (as the clients do).
- Dynamic variables (`{{$guid}}`, `{{$timestamp}}`, `{{$randomInt}}`, `{{$isoTimestamp}}`,
  REST Client's `{{$randomInt 1 100}}`, JetBrains' `{{$random.uuid}}`…) are replaced by a
  fixed placeholder of the right type, so a run's findings do not change from run to run.
- An unresolved variable is left as the literal `{{name}}` the client would send; where it
  stands as a bare JSON value it becomes the string `"{{name}}"` so the body still parses
  and the `unresolved-variable` rule can point at it.
- A variable whose value only the user or the run knows is left as `{{name}}` too, but is
  not unresolved: one that scripts set while the collection runs (`runtime`), and one whose
  value is a placeholder (`placeholders`: empty, or an instruction such as `<Input the
  mobile number…>`, see `is_placeholder_value`). No check judges such a value.

Every substitution records its edits, so a position in the substituted text maps back to
the text as written (a value that came from a variable points at its `{{…}}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

from vipps_lint.lazy_re import lazy_compile

VARIABLE = lazy_compile(r"\{\{\s*([^{}\s][^{}]*?)\s*\}\}")
# A JSON string literal, or a variable outside one.
_JSON_PIECE = lazy_compile(r'"(?:[^"\\]|\\.)*"|\{\{\s*([^{}\s][^{}]*?)\s*\}\}', re.DOTALL)

PLACEHOLDER_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
PLACEHOLDER_TIMESTAMP = "1700000000"
PLACEHOLDER_ISO_TIMESTAMP = "2023-11-14T22:13:20.000Z"

# Dynamic variables by their first word, with a placeholder of the type the client produces.
DYNAMIC_VARIABLES = {
    "$guid": PLACEHOLDER_UUID,
    "$uuid": PLACEHOLDER_UUID,
    "$randomUUID": PLACEHOLDER_UUID,
    "$random.uuid": PLACEHOLDER_UUID,
    "$timestamp": PLACEHOLDER_TIMESTAMP,
    "$isoTimestamp": PLACEHOLDER_ISO_TIMESTAMP,
    "$datetime": PLACEHOLDER_ISO_TIMESTAMP,
    "$localDatetime": PLACEHOLDER_ISO_TIMESTAMP,
    "$randomInt": "500",
    "$random.integer": "500",
    "$randomBoolean": "true",
    "$randomEmail": "user@example.com",
    "$random.email": "user@example.com",
    "$randomFirstName": "Kari",
    "$randomLastName": "Nordmann",
    "$randomFullName": "Kari Nordmann",
    "$randomWord": "placeholder",
    "$randomWords": "placeholder words",
    "$randomAlphaNumeric": "a",
    "$randomColor": "blue",
    "$randomCity": "Oslo",
    "$randomCountry": "Norway",
    "$randomCountryCode": "NO",
    "$randomUrl": "https://example.com",
    "$randomPrice": "100.00",
}


# The whole value in angle brackets: the instructions official environments ship in place
# of a value (`<Go To Vipps Portal->…->copy the Client Id here>`).
_INSTRUCTION = lazy_compile(r"<.*>", re.DOTALL)


def is_placeholder_value(value: str) -> bool:
    """A variable value that stands in for one the user fills in: empty (or blank), or the
    whole of it an instruction in angle brackets, `<This value will be overwritten…>`."""
    stripped = value.strip()
    return not stripped or _INSTRUCTION.fullmatch(stripped) is not None


def dynamic_value(name: str) -> Optional[str]:
    """The placeholder for a dynamic variable (`$guid`, `$randomInt 1 100`), or None."""
    if not name.startswith("$"):
        return None
    return DYNAMIC_VARIABLES.get(name.split()[0])


@dataclass
class Substitution:
    """Text after substitution, what could not be resolved, and how to map offsets back."""

    text: str
    unresolved: list[str] = field(default_factory=list)
    # (start, end) in the original and (start, end) in the new text, for every replacement.
    edits: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    def original_offset(self, offset: int) -> int:
        shift = 0
        for old_start, old_end, new_start, new_end in self.edits:
            if offset < new_start:
                break
            if offset < new_end:
                return old_start
            shift = old_end - new_end
        return offset + shift


class Variables:
    """The variables in scope for one request, looked up as the client would.

    `runtime` names are set by scripts while the collection runs (`pm.environment.set`):
    left as `{{name}}` but not reported, since the client will have a value for them. A
    runtime variable with a value of its own (from the collection or the environment) gets
    that value, unless it is a placeholder: the script's value is what will be sent.
    `placeholders` names have a placeholder for a value (see `is_placeholder_value`): left
    as `{{name}}` and not unresolved either; the reader says once where to set them.
    """

    def __init__(self, values: Mapping[str, str], runtime: Iterable[str] = (), placeholders: Iterable[str] = ()):
        self.runtime = set(runtime)
        self.placeholders = set(placeholders)
        self.values = {name: value for name, value in values.items() if name not in self.placeholders}

    @property
    def left_open(self) -> set[str]:
        """Names whose `{{name}}` stays in the text on purpose: only the run or the user knows them."""
        return self.runtime | self.placeholders

    def lookup(self, name: str) -> Optional[str]:
        if name in self.values:
            return self.values[name]
        return dynamic_value(name)

    def _note(self, result: Substitution, name: str) -> None:
        if name not in self.runtime and name not in self.placeholders and name not in result.unresolved:
            result.unresolved.append(name)

    def substitute(self, text: str) -> Substitution:
        """Plain text: a URL, a header value. Values are inserted verbatim; nested variables
        (a value that holds `{{other}}`) are resolved up to a few levels, as Postman does."""
        result = Substitution(text)
        if "{{" not in text:
            return result
        pieces, position, new_length = [], 0, 0
        for match in VARIABLE.finditer(text):
            value = self._resolve_nested(match.group(1), result)
            replacement = match.group() if value is None else value
            pieces.append(text[position : match.start()])
            new_length += match.start() - position
            result.edits.append((match.start(), match.end(), new_length, new_length + len(replacement)))
            pieces.append(replacement)
            new_length += len(replacement)
            position = match.end()
        pieces.append(text[position:])
        result.text = "".join(pieces)
        result.edits = [edit for edit in result.edits if text[edit[0] : edit[1]] != result.text[edit[2] : edit[3]]]
        return result

    def _resolve_nested(self, name: str, result: Substitution, depth: int = 0) -> Optional[str]:
        value = self.lookup(name)
        if value is None:
            self._note(result, name)
            return None
        if "{{" in value and depth < 5:
            return VARIABLE.sub(
                lambda inner: self._resolve_nested(inner.group(1), result, depth + 1) or inner.group(), value
            )
        return value

    def substitute_json(self, text: str) -> Substitution:
        """A JSON body: inside strings as in `substitute`; a bare unresolved `{{name}}`
        becomes the string `"{{name}}"` so the rest of the body can still be linted."""
        result = Substitution(text)
        if "{{" not in text:
            return result
        pieces, position, new_length = [], 0, 0

        def emit(start: int, end: int, replacement: str) -> None:
            nonlocal position, new_length
            pieces.append(text[position:start])
            new_length += start - position
            if replacement != text[start:end]:
                result.edits.append((start, end, new_length, new_length + len(replacement)))
            pieces.append(replacement)
            new_length += len(replacement)
            position = end

        for match in _JSON_PIECE.finditer(text):
            if match.group(1) is None:  # a string literal: substitute inside it
                if "{{" in match.group():
                    inner = self.substitute(match.group())
                    for name in inner.unresolved:
                        self._note(result, name)
                    emit(match.start(), match.end(), inner.text)
                continue
            value = self._resolve_nested(match.group(1), result)
            emit(match.start(), match.end(), f'"{match.group()}"' if value is None else value)
        pieces.append(text[position:])
        result.text = "".join(pieces)
        return result


_QUOTED_VARIABLE = lazy_compile(r'"\{\{\s*([^{}\s"\\][^{}"\\]*?)\s*\}\}"')


def quoted_variables(written: str, substitution: Substitution) -> dict[int, str]:
    """Offset in the substituted JSON of each string that was one quoted variable as written
    (`"{{amount}}"`) → the variable's name. Such a value is a string whatever the variable
    holds, and the fix is to drop the quotes in the body, not to type the value there."""
    found = {}
    for old_start, old_end, new_start, _new_end in substitution.edits:
        match = _QUOTED_VARIABLE.fullmatch(written, old_start, old_end)
        if match is not None:
            found[new_start] = match.group(1)
    return found


class FirstUses:
    """Which undefined variables an earlier request of the same file used already.

    A collection run without its environment leaves the same few variables undefined in
    every request (the official Recurring collection: 375 uses of a dozen names); the
    `unresolved-variable` check reports each once per file, at its first use, so the
    findings that matter are not buried. A reader notes each request it makes, in order."""

    def __init__(self, variables: Variables):
        self.variables = variables
        self.used: set[str] = set()

    def note(self, request) -> None:
        from vipps_lint.positions import string_leaves

        texts = [request.url or "", *(value for _, value in request.headers)]
        body_text = request.meta.body_text
        if body_text is not None:
            texts.append(body_text)
        elif request.has_body:
            texts.extend(value for _, value in string_leaves(request.body))
        undefined = {
            name
            for text in texts
            if "{{" in text
            for name in VARIABLE.findall(text)
            if self.variables.lookup(name) is None and name not in self.variables.left_open
        }
        if undefined & self.used:
            request.meta.undefined_used_before = frozenset(undefined & self.used)
        self.used |= undefined


SCRIPT_SETS = lazy_compile(r"""pm\.(?:environment|collectionVariables|variables|globals)\.set\(\s*["']([^"']+)["']""")


def script_set_names(scripts: Iterable[str]) -> set[str]:
    """Variables that Postman scripts set while a collection runs."""
    return {name for script in scripts for name in SCRIPT_SETS.findall(script)}
