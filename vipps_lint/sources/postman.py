"""Postman Collections, format v2.0 and v2.1 (File → Export in Postman).

Every request in the collection is read, folders included; its name is "Folder / Item".
What is read: the method; `request.url` as a string or as an object (`raw`, or `protocol`,
`host`, `path`, `query` and `:path` variables); headers (disabled ones left out); `auth`
(bearer, basic, API key; inherited from folders and the collection) as the header Postman
sends; the body (`raw`, `urlencoded`, `formdata`).

`{{variables}}` are resolved like Postman does, from the collection's `variable` list and
an exported environment (`--postman-env FILE`, which wins); dynamic variables
(`{{$guid}}`, `{{$timestamp}}`…) get placeholders of the right type (see `variables.py`).
A body that is JSON only after substitution (`"amount": {{amount}}`) is parsed after it.
Variables that the collection's scripts set at run time (`pm.environment.set("orderId", …)`)
are not reported; any other unresolved variable is a finding of the `unresolved-variable`
rule, and the request is still linted.

A variable whose value is a placeholder — empty, or an instruction such as `<Input the
mobile number…>`, as the official environments ship them — stands for a value only the
user knows: it is left as `{{name}}` like a script-set one, so no check judges the text of
the instruction, and the first request that uses it says once, in the file, where to set
it (`meta.placeholder_variables`, `meta.placeholder_first_use`). A script-set variable
whose environment value is a placeholder (`access_token`, "will be overwritten…") is simply
a script-set one. Body values that hold such variables are listed in
`meta.unknown_at_lint_time`.

Postman adds a `Content-Type` for a raw body when the request has none (the body's
language: JSON is `application/json`; no language or another is `text/plain`), unless the
request turns that off (`protocolProfileBehavior.disabledSystemHeaders`); so do we.

Positions: a request is at its item; a body finding points into the `body.raw` string in
the file (through the substitution, so a value that came from `{{amount}}` points there).

An exported environment given as an input is recognised and yields no requests. A
collection in another format (v1, an unknown schema) is one clear error.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

from vipps_lint import strict_json
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import NO_BODY, InputError, Position, ReaderTraits, Request, RequestMeta, SourceFile
from vipps_lint.positions import (
    AnchoredRequestLocator,
    line_column,
    pointer_from_parts,
    pointer_offset,
    position_after,
    skip_value,
    string_leaves,
    value_span,
)
from vipps_lint.sources import ReadOptions, read_all_text
from vipps_lint.sources.json_body import parse_json_document
from vipps_lint.sources.variables import (
    VARIABLE,
    FirstUses,
    Substitution,
    Variables,
    is_placeholder_value,
    quoted_variables,
    script_set_names,
)

NAME = "postman"
TRAITS = ReaderTraits(
    NAME,
    variables=(
        "Define {name} in the collection's variables, or pass the environment that defines it: "
        "vipps-lint check --postman-env ENVIRONMENT.postman_environment.json {file}"
    ),
    not_fixable=(
        "the body holds {{variables}}, and --fix edits a Postman body only when it has none; apply the hint by hand"
    ),
)
PATTERNS = ("*.postman_collection.json",)

SUPPORTED_SCHEMAS = ("v2.0.0", "v2.1.0")
# Body modes whose fields are sent as a form (read as a mapping, so rules can name them).
_FORM_MODES = ("urlencoded", "formdata")
_SCHEMA_VERSION = lazy_compile(r"/collection/(v[\d.]+)/")
_MARKERS = (
    '"_postman_id"',
    "schema.getpostman.com/json/collection",
    "schema.postman.com/json/collection",
    '"_postman_variable_scope"',
)
_PATH_VARIABLE = lazy_compile(r"(?<=/):([A-Za-z_][\w-]*)")
# The Content-Type Postman sends for a raw body of each language (others: text/plain).
_RAW_CONTENT_TYPES = {
    "json": "application/json",
    "javascript": "application/javascript",
    "html": "text/html",
    "xml": "application/xml",
    "text": "text/plain",
}


# Exporters differ in key order: Postman writes "info" first, openapi-to-postman "item".
_COLLECTION_START = lazy_compile(
    r'\s*\{\s*"(?:info|item)"\s*:\s*[\[{]\s*(?:\{\s*)?"(?:_postman_id|name|id|item|request)"'
)
_ENVIRONMENT_VALUES = lazy_compile(r'"values"\s*:\s*\[\s*\{\s*"key"')


def sniff(head: str, path: Optional[str]) -> bool:
    if not head.lstrip().startswith("{"):
        return False
    if path is not None and path.lower().endswith((".postman_collection.json", ".postman_environment.json")):
        return True
    return (
        any(marker in head for marker in _MARKERS)
        or bool(_COLLECTION_START.match(head))
        or bool(_ENVIRONMENT_VALUES.search(head))
    )


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    text = read_all_text(source)
    if isinstance(text, InputError):
        yield text
        return
    document = parse_json_document(source, text)
    if isinstance(document, InputError):
        yield document
        return
    if source.path is None or len(text) < 1 << 20:
        source.text = text
    if not isinstance(document, dict):
        yield InputError(source.display, "not a Postman collection: expected a JSON object", 1, 1)
        return
    if "_postman_variable_scope" in document or ("values" in document and "item" not in document):
        return  # an exported environment: variables for `--postman-env`, no requests
    problem = _schema_problem(document)
    if problem is not None:
        offset = pointer_offset(text, "/info/schema") or 0
        position = line_column(text, offset)
        yield InputError(source.display, problem, position.line, position.column)
        return
    environment = load_environment(options.postman_env) if options.postman_env else {}
    if isinstance(environment, InputError):
        yield environment
        environment = {}
    collection_values = _variable_list(document.get("variable"))
    values = {**collection_values, **environment}
    runtime = script_set_names(_scripts(document))
    # name → (its placeholder, the environment file it is in, or None: the collection's variables)
    placeholders = {
        name: (value, options.postman_env if name in environment else None)
        for name, value in values.items()
        if is_placeholder_value(value) and name not in runtime
    }
    variables = Variables(
        values, runtime=runtime, placeholders={name for name, value in values.items() if is_placeholder_value(value)}
    )
    reader = _CollectionReader(source, text, variables, options, placeholders)
    if not options.postman_env:
        reader.environments_beside = environments_beside(source)
    yield from reader.items(
        document.get("item"),
        "",
        [],
        document.get("auth"),
        item_places(text),
        _behavior(None, document.get("protocolProfileBehavior")),
    )


def _schema_problem(document: dict) -> Optional[str]:
    info = document.get("info")
    if "requests" in document and "order" in document:
        return "Postman Collection v1 is not supported: in Postman, export the collection again as Collection v2.1"
    if not isinstance(info, dict) or not isinstance(document.get("item"), list):
        return 'not a Postman collection v2: expected "info" and an "item" list'
    schema = str(info.get("schema") or "")
    match = _SCHEMA_VERSION.search(schema)
    if not match or match.group(1) not in SUPPORTED_SCHEMAS:
        shown = schema or "(none)"
        return (
            f"unknown Postman collection schema {shown}; vipps-lint reads v2.0.0 and v2.1.0: in Postman, export "
            "the collection as Collection v2.1"
        )
    return None


_ENVIRONMENTS: dict[str, Union[dict, InputError]] = {}


def load_environment(path: str) -> Union[dict[str, str], InputError]:
    """The enabled values of an exported Postman environment (read once per run)."""
    if path not in _ENVIRONMENTS:
        _ENVIRONMENTS[path] = _read_environment(path)
    return _ENVIRONMENTS[path]


def _read_environment(path: str) -> Union[dict[str, str], InputError]:
    from vipps_lint.safe_io import MAX_SETTINGS_BYTES, read_limited

    source = SourceFile(path, path)
    try:  # a settings file, small by nature: the settings' limit, not an input's
        source.text = read_limited(path, MAX_SETTINGS_BYTES)
    except OSError as error:
        text = InputError(path, f"cannot read: {error.strerror or error}")
    else:
        text = read_all_text(source)
    document = text if isinstance(text, InputError) else parse_json_document(source, text)
    if isinstance(document, InputError):
        return document
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        return InputError(
            path, 'not a Postman environment: expected a "values" list (Environments → Export in Postman)', 1, 1
        )
    return {
        str(item["key"]): _text(item.get("value"))
        for item in document["values"]
        if isinstance(item, dict) and "key" in item and item.get("enabled", True) is not False
    }


# At most this many exported environments beside a collection are read for hints.
MAX_ENVIRONMENTS_BESIDE = 20
_BESIDE: dict[str, list[tuple[str, frozenset[str]]]] = {}  # folder → (file, the variables it defines)


def environments_beside(source: SourceFile) -> dict[str, list[str]]:
    """Variable → the exported environments in the collection's folder that define it (their
    paths as the user would type them), for the hint of an undefined variable: a collection
    is often linted without the environment that was downloaded with it."""
    if source.path is None:
        return {}
    folder = os.path.dirname(source.path) or "."
    try:  # keyed by the folder's mtime too: a long-lived process (the API, the proxy) sees new files
        key = f"{folder}\0{os.stat(folder).st_mtime_ns}"
    except OSError:
        return {}
    if key not in _BESIDE:
        if len(_BESIDE) >= 256:
            _BESIDE.clear()
        try:
            with os.scandir(folder) as entries:
                names = sorted(
                    entry.name
                    for entry in entries
                    if entry.name.lower().endswith(".postman_environment.json") and entry.is_file()
                )
        except OSError:
            names = []
        # Only the names are kept (the values are not this run's: never cached, never used), and
        # a broken file beside the collection is left out: only a hint, not this run's error.
        loaded = [(name, _read_environment(os.path.join(folder, name))) for name in names[:MAX_ENVIRONMENTS_BESIDE]]
        _BESIDE[key] = [(name, frozenset(values)) for name, values in loaded if not isinstance(values, InputError)]
    # The collection's own environment first (ecom-v2.postman_environment.json beside
    # ecom-v2.postman_collection.json), then a global one, then the others by name.
    stem = os.path.basename(source.path).lower().split(".postman_collection")[0]

    def rank(name: str) -> tuple:
        own = name.lower().split(".postman_environment")[0]
        return (own != stem, "global" not in own, name)

    found: dict[str, list[str]] = {}
    shown_folder = os.path.dirname(source.display)
    for name, defined in sorted(_BESIDE[key], key=lambda item: rank(item[0])):
        for variable in defined:
            found.setdefault(variable, []).append(os.path.join(shown_folder, name))
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _variable_list(raw: Any) -> dict[str, str]:
    if not isinstance(raw, list):
        return {}
    return {
        str(item.get("key", item.get("id"))): _text(item.get("value"))
        for item in raw
        if isinstance(item, dict) and (item.get("key") or item.get("id")) and not item.get("disabled")
    }


def _scripts(node: Any) -> Iterator[str]:
    """Every script in the collection, to learn which variables they set while it runs."""
    if isinstance(node, dict):
        for event in node.get("event") or []:
            script = event.get("script") if isinstance(event, dict) else None
            exec_lines = script.get("exec") if isinstance(script, dict) else None
            if isinstance(exec_lines, list):
                yield "\n".join(str(line) for line in exec_lines)
            elif isinstance(exec_lines, str):
                yield exec_lines
        for child in node.get("item") or []:
            yield from _scripts(child)


@dataclass
class ItemPlace:
    """Where an element of an `item` list starts in the file, where its own items do, and
    the (start, end) of its `request.body.raw` literal."""

    offset: int
    items: Optional[list[ItemPlace]] = None
    body_raw: Optional[tuple[int, int]] = None


_WHITESPACE = lazy_compile(r"[ \t\n\r]*")
_MEMBER_NAME = lazy_compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def item_places(text: str) -> Optional[list[ItemPlace]]:
    """Where every item of the collection starts, folders' items included, found in one walk
    over the text: each request's position is then known without looking for it from the
    start of the file (which made reading a collection quadratic in its size). None when
    the text cannot be walked; each position is then looked up on its own."""
    try:
        collection, _ = _place_of_item(text, _skip_whitespace(text, 0))
    except (IndexError, AttributeError, ValueError, RecursionError):
        return None
    return collection.items


def _skip_whitespace(text: str, offset: int) -> int:
    return _WHITESPACE.match(text, offset).end()


def _walk_object(text: str, start: int, visit) -> int:
    """Calls `visit(name, value offset)` for each member of the object at `start`, in order
    (so when a name repeats, the last call wins, as in json.loads); `visit` returns the
    offset past the value when it walked it, else None and the C scanner skips it.
    Returns the offset past the object."""
    offset = _skip_whitespace(text, start + 1)
    while text[offset] != "}":
        literal = _MEMBER_NAME.match(text, offset).group()
        name = literal[1:-1] if "\\" not in literal else strict_json.loads(literal)
        offset = _skip_whitespace(text, _skip_whitespace(text, offset + len(literal)) + 1)  # past ':'
        end = visit(name, offset)
        offset = _skip_whitespace(text, skip_value(text, offset) if end is None else end)
        if text[offset] == ",":
            offset = _skip_whitespace(text, offset + 1)
    return offset + 1


def _place_of_item(text: str, start: int) -> tuple[ItemPlace, int]:
    """The place of the item (or collection) object at `start`, and the offset past it.
    Only what the reader needs positions of is walked into: `item` lists and the request's
    body; every other value is skipped by the C scanner, so the file is scanned once."""
    place = ItemPlace(start)

    def visit_item(name: str, offset: int) -> Optional[int]:
        if name == "item":
            place.items = None
            if text[offset] == "[":
                place.items, end = _places_of_list(text, offset)
                return end
        elif name == "request":
            place.body_raw = None
            if text[offset] == "{":
                return _walk_object(text, offset, visit_request)
        return None

    def visit_request(name: str, offset: int) -> Optional[int]:
        if name == "body":
            place.body_raw = None
            if text[offset] == "{":
                return _walk_object(text, offset, visit_body)
        return None

    def visit_body(name: str, offset: int) -> Optional[int]:
        if name != "raw":
            return None
        place.body_raw = (offset, skip_value(text, offset))
        return place.body_raw[1]

    return place, _walk_object(text, start, visit_item)


def _places_of_list(text: str, start: int) -> tuple[list[ItemPlace], int]:
    places = []
    offset = _skip_whitespace(text, start + 1)
    while text[offset] != "]":
        if text[offset] == "{":
            place, offset = _place_of_item(text, offset)
        else:
            place, offset = ItemPlace(offset), skip_value(text, offset)
        places.append(place)
        offset = _skip_whitespace(text, offset)
        if text[offset] == ",":
            offset = _skip_whitespace(text, offset + 1)
    return places, offset + 1


class _LineCursor:
    """Positions of offsets met in file order, each newline counted once for the whole file."""

    def __init__(self, text: str):
        self.text = text
        self.offset = 0
        self.position = Position(1, 1)

    def at(self, offset: int) -> Position:
        if offset < self.offset:
            return line_column(self.text, offset)
        self.position = position_after(self.text, offset, self.offset, self.position)
        self.offset = offset
        return self.position


class _CollectionReader:
    def __init__(
        self,
        source: SourceFile,
        text: str,
        variables: Variables,
        options: ReadOptions,
        placeholders: Optional[dict[str, tuple[str, Optional[str]]]] = None,
    ):
        self.source = source
        self.text = text
        self.variables = variables
        self.options = options
        self.placeholders = placeholders or {}
        self.placeholders_used: set[str] = set()  # those a request before this one used
        self.first_uses = FirstUses(variables)
        self.environments_beside: dict[str, list[str]] = {}
        self.index = 0
        self.lines = _LineCursor(text)

    def items(
        self,
        items: Any,
        prefix: str,
        pointer: list,
        auth: Any,
        places: Optional[list[ItemPlace]],
        behavior: Optional[dict] = None,
    ) -> Iterator[Union[Request, InputError]]:
        if not isinstance(items, list):
            return
        if places is not None and len(places) != len(items):
            places = None
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            item_pointer = pointer + ["item", position]
            place = places[position] if places is not None else None
            name = prefix + str(item.get("name") or f"item {position + 1}")
            inherited = (
                item.get("auth")
                if isinstance(item.get("auth"), dict) and item["auth"].get("type") != "inherit"
                else auth
            )
            item_behavior = _behavior(behavior, item.get("protocolProfileBehavior"))
            if "request" in item:
                made = self.request(item["request"], name, item_pointer, inherited, place, item_behavior)
                if isinstance(made, Request):
                    _note_ignore_marker(made, item)
                    self.first_uses.note(made)
                yield made
                self.index += 1
            if isinstance(item.get("item"), list):
                yield from self.items(
                    item["item"],
                    name + " / ",
                    item_pointer,
                    inherited,
                    place.items if place is not None else None,
                    item_behavior,
                )

    def request(
        self,
        raw: Any,
        name: str,
        item_pointer: list,
        auth: Any,
        place: Optional[ItemPlace],
        behavior: Optional[dict] = None,
    ) -> Union[Request, InputError]:
        if place is not None:
            offset = place.offset
        else:
            offset = pointer_offset(self.text, "".join(f"/{part}" for part in item_pointer)) or 0
        position = self.lines.at(offset)
        if isinstance(raw, str):
            raw = {"url": raw, "method": "GET"}
        if not isinstance(raw, dict):
            return InputError(
                self.source.display,
                f'request "{name}": "request" must be an object or a URL',
                position.line,
                position.column,
            )
        request_auth = (
            raw.get("auth") if isinstance(raw.get("auth"), dict) and raw["auth"].get("type") != "inherit" else auth
        )
        url = self.variables.substitute(_url_text(raw.get("url")))
        headers, header_pointers = self.headers(raw.get("header"), request_auth)
        body, body_substitution, problem = self.body(raw.get("body"))
        if problem is not None:
            return InputError(self.source.display, f'request "{name}": {problem}', position.line, position.column)
        meta = RequestMeta(TRAITS, runtime_variables=sorted(self.variables.runtime))
        meta.environments_beside = self.environments_beside or None
        meta.form_body = (
            isinstance(raw.get("body"), dict) and raw["body"].get("mode") in _FORM_MODES and body is not NO_BODY
        )
        implicit = _implicit_content_type(raw.get("body"), headers, behavior)
        if implicit is not None:
            if not headers:  # headers are judged only when the collection lists some (see headers_recorded)
                meta.headers_recorded = False
            headers.append(("Content-Type", implicit[0]))
            header_pointers.append(("Content-Type", implicit[1]))
        unknown = self.unknown_values(body)
        if unknown:
            meta.unknown_at_lint_time = unknown
        if self.placeholders:
            meta.placeholder_variables = self.placeholders
            body_text = (
                body_substitution.text if body_substitution is not None else (body if isinstance(body, dict) else None)
            )
            first = [
                used
                for used in self.placeholders_in(url.text, headers, body_text)
                if used not in self.placeholders_used
            ]
            if first:
                meta.placeholder_first_use = first
                self.placeholders_used.update(first)
        locator_body = None
        if body_substitution is not None:
            meta.body_text = body_substitution.text
            if body_substitution.changed:
                meta.quoted_variables = quoted_variables(raw["body"]["raw"], body_substitution) or None
            locator_body = "/request/body/raw"
            if not body_substitution.changed:
                span = place.body_raw if place is not None else value_span(self.text, "/request/body/raw", offset)
                if span is not None:
                    meta.body_span = span
                    meta.body_embedding = "json-string"
        return Request(
            source=self.source,
            index=self.index,
            method=str(raw.get("method") or "GET").upper(),
            url=url.text,
            headers=headers,
            body=body,
            name=name,
            position=position,
            locator=AnchoredRequestLocator(
                self.text,
                offset,
                position,
                body=locator_body,
                url="/request/url",
                headers=header_pointers,
                body_text=body_substitution.text
                if body_substitution is not None and body_substitution.changed
                else None,
                body_map=body_substitution.original_offset if body_substitution is not None else None,
                known={"/request/body/raw": place.body_raw[0]}
                if place is not None and place.body_raw is not None
                else None,
            ),
            meta=meta,
        )

    def unknown_values(self, body: Any) -> set[str]:
        """Pointers of the body values that hold a variable only the run or the user knows."""
        left_open = self.variables.left_open
        if not left_open or not isinstance(body, (dict, list, str)):
            return set()
        return {
            pointer_from_parts(parts)
            for parts, value in string_leaves(body)
            if "{{" in value and any(name in left_open for name in VARIABLE.findall(value))
        }

    def placeholders_in(self, url: str, headers: list[tuple[str, str]], body: Any) -> list[str]:
        """The placeholder variables a request uses, in the order the variables check meets them."""
        texts = [url, *(value for _, value in headers)]
        if isinstance(body, str):
            texts.append(body)
        elif isinstance(body, dict):
            texts.extend(value for value in body.values() if isinstance(value, str))
        found: list[str] = []
        for text in texts:
            if "{{" in text:
                found.extend(name for name in VARIABLE.findall(text) if name in self.placeholders and name not in found)
        return found

    def headers(self, raw: Any, auth: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        headers, pointers = [], []
        if isinstance(raw, str):  # v2.0 allows "Name: value" lines
            raw = [
                {"key": k.strip(), "value": v.strip()}
                for k, _, v in (line.partition(":") for line in raw.splitlines())
                if k.strip()
            ]
        for position, item in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(item, dict) or item.get("disabled") or not item.get("key"):
                continue
            headers.append((str(item["key"]), self.variables.substitute(_text(item.get("value"))).text))
            pointers.append((str(item["key"]), f"/request/header/{position}/value"))
        auth_header = self.auth_header(auth)
        if auth_header is not None and not any(key.lower() == auth_header[0].lower() for key, _ in headers):
            headers.append(auth_header)
        return headers, pointers

    def auth_header(self, auth: Any) -> Optional[tuple[str, str]]:
        """The header Postman adds for an `auth` block (bearer, basic, or an API key in a header)."""
        if not isinstance(auth, dict):
            return None
        kind = auth.get("type")
        settings = auth.get(kind)
        if isinstance(settings, list):  # v2.1: [{key, value}]
            settings = {item.get("key"): item.get("value") for item in settings if isinstance(item, dict)}
        if not isinstance(settings, dict):
            return None

        def value(key: str) -> str:
            return self.variables.substitute(_text(settings.get(key))).text

        if kind == "bearer":
            return "Authorization", f"Bearer {value('token')}"
        if kind == "basic":
            credentials = f"{value('username')}:{value('password')}".encode()
            return "Authorization", "Basic " + base64.b64encode(credentials).decode()
        if kind == "apikey" and (settings.get("in") or "header") == "header":
            return value("key") or "Authorization", value("value")
        return None

    def body(self, raw: Any) -> tuple[Any, Optional[Substitution], Optional[str]]:
        """(body, the substitution of a raw body, problem)."""
        if not isinstance(raw, dict) or raw.get("disabled"):
            return NO_BODY, None, None
        mode = raw.get("mode")
        if mode in _FORM_MODES:
            fields = raw.get(mode) if isinstance(raw.get(mode), list) else []
            return (
                (
                    {
                        str(item.get("key")): self.variables.substitute(_text(item.get("value"))).text
                        for item in fields
                        if isinstance(item, dict) and not item.get("disabled") and item.get("type") != "file"
                    }
                    or NO_BODY
                ),
                None,
                None,
            )
        text = raw.get("raw") if mode == "raw" else None
        if not isinstance(text, str) or not text.strip():
            return NO_BODY, None, None
        language = (
            ((raw.get("options") or {}).get("raw") or {}).get("language")
            if isinstance(raw.get("options"), dict)
            else None
        )
        looks_json = text.lstrip()[:1] in ("{", "[")
        if not looks_json and language != "json":
            return NO_BODY, None, None
        substitution = self.variables.substitute_json(text)
        if len(substitution.text) > self.options.max_body_bytes:
            return NO_BODY, None, "the body is too large to lint"
        try:
            return strict_json.loads(substitution.text), substitution, None
        except json.JSONDecodeError as error:
            after = " after substituting {{variables}}" if substitution.changed else ""
            return (
                NO_BODY,
                None,
                strict_json.problem(error.msg, f"the body is not valid JSON{after}")
                + f" (body line {error.lineno}, column {error.colno})",
            )
        except RecursionError:
            return NO_BODY, None, "the body is nested too deeply to be a request body"


def _behavior(inherited: Optional[dict], own: Any) -> Optional[dict]:
    """`protocolProfileBehavior` of an item: its own settings over its folders' and the collection's."""
    if not isinstance(own, dict):
        return inherited
    return {**(inherited or {}), **own}


def _implicit_content_type(
    body: Any, headers: list[tuple[str, str]], behavior: Optional[dict]
) -> Optional[tuple[str, str]]:
    """The Content-Type Postman adds for a raw body when the request sets none (and the
    pointer of what decides it), or None."""
    if (
        not isinstance(body, dict)
        or body.get("disabled")
        or body.get("mode") != "raw"
        or not isinstance(body.get("raw"), str)
        or not body["raw"]
    ):
        return None
    if any(name.lower() == "content-type" for name, _ in headers):
        return None
    disabled = (behavior or {}).get("disabledSystemHeaders")
    if isinstance(disabled, dict) and any(
        str(name).lower() == "content-type" and value for name, value in disabled.items()
    ):
        return None
    options = body.get("options")
    raw_options = options.get("raw") if isinstance(options, dict) else None
    language = raw_options.get("language") if isinstance(raw_options, dict) else None
    if isinstance(language, str):
        return _RAW_CONTENT_TYPES.get(language, "text/plain"), "/request/body/options/raw/language"
    return "text/plain", "/request/body/mode"


def _url_text(raw: Any) -> str:
    """A request URL from a string or a v2 URL object, with `:name` path variables filled in."""
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, dict):
        return ""
    path_values = {
        str(item.get("key")): _text(item.get("value"))
        for item in raw.get("variable") or []
        if isinstance(item, dict) and item.get("key") and item.get("value") not in (None, "")
    }
    text = raw.get("raw")
    if not isinstance(text, str) or not text:
        host = raw.get("host")
        host = ".".join(str(part) for part in host) if isinstance(host, list) else str(host or "")
        path = raw.get("path")
        path = (
            "/".join(str(part.get("value") if isinstance(part, dict) else part) for part in path)
            if isinstance(path, list)
            else str(path or "")
        )
        text = (f"{raw['protocol']}://" if raw.get("protocol") else "") + host
        if raw.get("port"):
            text += f":{raw['port']}"
        if path:
            text += "/" + path.lstrip("/")
        query = [
            item
            for item in raw.get("query") or []
            if isinstance(item, dict) and not item.get("disabled") and item.get("key")
        ]
        if query:
            text += "?" + "&".join(f"{item['key']}={_text(item.get('value'))}" for item in query)
    if path_values:
        text = _PATH_VARIABLE.sub(lambda match: path_values.get(match.group(1), match.group()), text)
    return text


def _note_ignore_marker(request: Request, item: dict) -> None:
    """`vipps-lint: ignore[rule-id]` in the item's (or its request's) description: the
    suppressions of this request (vipps_lint/suppressions.py)."""
    raw = item.get("request")
    descriptions = [item.get("description"), raw.get("description") if isinstance(raw, dict) else None]
    if not any(descriptions):
        return
    from vipps_lint.suppressions import marker_in_description

    markers = [marker for marker in map(marker_in_description, descriptions) if marker is not None]
    if markers:
        request.meta.inline_ignore = markers
