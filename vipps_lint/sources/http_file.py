"""`.http` / `.rest` files: the VS Code REST Client and JetBrains HTTP Client format.

    @base_url = https://apitest.vipps.no
    ### Initiate payment
    # @name initiate
    POST {{base_url}}/ecomm/v2/payments HTTP/1.1
    Content-Type: application/json
    Authorization: Bearer {{token}}

    {"merchantInfo": {...}, "transaction": {"amount": {{amount}}}}

Requests are separated by lines starting with `###` (the text after it names the
request; a `# @name x` or `// @name x` comment does too). Before the request line, `#` and
`//` lines are comments and `@name = value` lines define variables for the rest of the
file. The request line is `METHOD URL [HTTP/version]` (a bare URL is a GET); lines right
after it that start with `?` or `&` continue the URL. Headers follow, then a blank line,
then the body up to the next `###`. JetBrains response handlers (`> {% … %}`, `> file.js`)
and response references (`<> file`) after the body are not part of it.

`{{variables}}` and dynamic ones (`{{$guid}}`, `{{$randomInt 1 100}}`, `{{$timestamp}}`…)
are substituted like Postman's (see `variables.py`); an undefined one is a finding of the
`unresolved-variable` rule. Environment files (`http-client.env.json`) are not read.

Positions: a request is at its request line; a body finding at its place in the body
(through the substitution, so a value that came from `{{amount}}` points there).
"""

from __future__ import annotations

import json
import re
from typing import Iterator, Optional, Union

from vipps_lint import strict_json
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import NO_BODY, InputError, ReaderTraits, Request, RequestMeta, SourceFile
from vipps_lint.positions import JsonTextLocator, Position, offset_position
from vipps_lint.sources import ReadOptions, read_all_text
from vipps_lint.sources.variables import FirstUses, Variables, quoted_variables

NAME = "http"
TRAITS = ReaderTraits(NAME, variables='Add a line "@{name} = VALUE" above the request in {file}', fixes="written")
PATTERNS = ("*.http", "*.rest")

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")
_REQUEST_LINE = lazy_compile(r"^(?:(%s)\s+)?(\S+?)(?:\s+HTTP/[\d.]+)?\s*$" % "|".join(METHODS))
_SNIFF_REQUEST_LINE = lazy_compile(
    r"^(?:%s)\s+(?:https?://|\{\{|/)\S*(?:\s+HTTP/[\d.]+)?\s*$" % "|".join(METHODS), re.MULTILINE
)
_VARIABLE_DEFINITION = lazy_compile(r"^@([A-Za-z_][\w.-]*)\s*=\s*(.*?)\s*$")
_NAME_COMMENT = lazy_compile(r"^(?:#|//)\s*@name\s+(.+?)\s*$")
_SEPARATOR = lazy_compile(r"^###")
_HEADER = lazy_compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*?)\s*$")


def sniff(head: str, path: Optional[str]) -> bool:
    if path is not None and path.lower().endswith((".http", ".rest")):
        return True
    return not head.lstrip().startswith(("{", "[")) and bool(_SNIFF_REQUEST_LINE.search(head))


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    text = read_all_text(source)
    if isinstance(text, InputError):
        yield text
        return
    if source.path is None or len(text) < 1 << 20:
        source.text = text
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    # REST Client applies file variables to the whole file, wherever they are defined.
    definitions = {
        match.group(1): match.group(2)
        for match in map(_VARIABLE_DEFINITION.match, (line.strip() for line in lines))
        if match
    }
    index = 0
    block_start = 0
    first_uses = FirstUses(Variables(definitions))
    for number in range(len(lines) + 1):
        if number < len(lines) and not (_SEPARATOR.match(lines[number]) and number > block_start):
            continue
        item = _block(source, text, lines, starts, block_start, number, definitions, index, options)
        if item is not None:
            if isinstance(item, Request):
                first_uses.note(item)  # before it is linted
                index += 1
            yield item
        block_start = number


def _block(
    source, text, lines, starts, first, end, definitions, index, options
) -> Optional[Union[Request, InputError]]:
    """The request in lines[first:end] (a `###` line may open it), or None for a block without one."""
    name = None
    number = first
    if number < end and _SEPARATOR.match(lines[number]):
        name = lines[number].lstrip("#").strip() or None
        number += 1
    request_line = None
    while number < end:
        line = lines[number].strip()
        number += 1
        if not line:
            continue
        if _VARIABLE_DEFINITION.match(line):
            continue
        named = _NAME_COMMENT.match(line)
        if named:
            name = named.group(1)
            continue
        if line.startswith(("#", "//")):
            continue
        request_line = number - 1
        break
    if request_line is None:
        return None
    variables = Variables(definitions)
    position = Position(request_line + 1, len(lines[request_line]) - len(lines[request_line].lstrip()) + 1)
    match = _REQUEST_LINE.match(lines[request_line].strip())
    if match is None:
        return InputError(
            source.display,
            f'not a request line: "{lines[request_line].strip()[:60]}" (expected "METHOD URL [HTTP/1.1]")',
            position.line,
            position.column,
        )
    method, url = (match.group(1) or "GET"), match.group(2)
    while number < end and lines[number].lstrip()[:1] in ("?", "&"):
        url += lines[number].strip()
        number += 1
    headers = []
    while number < end and lines[number].strip():
        line = lines[number].strip()
        number += 1
        if line.startswith(("#", "//")):
            continue
        header = _HEADER.match(line)
        if header is None:
            return InputError(
                source.display,
                f'not a header: "{line[:60]}" (expected "Name: value", and a blank line before the body)',
                number,
                1,
            )
        headers.append((header.group(1), variables.substitute(header.group(2)).text))
    body_index = number + 1  # past the blank line
    body_first = body_index + 1  # its 1-based line
    body_end = end
    for handler in range(body_index, end):
        if lines[handler].startswith(("> ", ">>", "<> ")):
            body_end = handler
            break
    raw = "".join(lines[min(body_index, end) : body_end]).rstrip()
    meta = RequestMeta(TRAITS, headers_recorded=True)  # the file is the whole request: no header line, no header
    body, locator = NO_BODY, None
    if raw.strip() and not raw.lstrip().startswith("< "):  # "< ./body.json" (a body from a file) is not read
        substitution = variables.substitute_json(raw)
        meta.body_text = substitution.text
        if substitution.changed:
            meta.quoted_variables = quoted_variables(raw, substitution) or None
        content_type = next((value for key, value in headers if key.lower() == "content-type"), "").lower()
        if substitution.text.lstrip()[:1] in ("{", "[") or "json" in content_type:
            try:
                body = strict_json.loads(substitution.text)
            except json.JSONDecodeError as error:
                where = offset_position(raw, substitution.original_offset(error.pos), body_first)
                after = " after substituting {{variables}}" if substitution.changed else ""
                return InputError(
                    source.display,
                    f"request {index + 1} ({method} {url.split('?', 1)[0]}): "
                    + strict_json.problem(error.msg, f"the body is not valid JSON{after}"),
                    where.line,
                    where.column,
                )
            except RecursionError:
                return InputError(source.display, "the body is nested too deeply to be a request body", body_first, 1)
            locator = JsonTextLocator(
                substitution.text, body_first, written=raw, to_written=substitution.original_offset
            )
            if not substitution.changed:
                meta.body_span = (starts[body_index], starts[body_index] + len(raw))
    return Request(
        source=source,
        index=index,
        method=method.upper(),
        url=variables.substitute(url).text,
        headers=headers,
        body=body,
        name=name,
        position=position,
        locator=locator,
        meta=meta,
    )
