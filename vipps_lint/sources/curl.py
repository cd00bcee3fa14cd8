"""curl command lines, as pasted from API docs, shell scripts or a browser's "Copy as cURL".

A file may hold several commands, with `#` comments and other shell lines between them
(only lines that start with `curl` are read; a `$ ` prompt is allowed). Quoting is the
shell's (`shlex`); a command continues over lines ending in `\\` (POSIX shells), `^`
(cmd.exe) or a backtick (PowerShell), and inside an open quote. A command ends at `|`,
`&&`, `;`.

What is read: the URL (`--url` or the first argument; no scheme means `http://`, as curl
does), `-X/--request`, `-H/--header`, `-d/--data/--data-raw/--data-binary/--data-ascii/
--data-urlencode` (several are joined with `&`; `@file` is read relative to the file),
`--json` (also sets JSON `Content-Type` and `Accept`), `-u/--user` (as the `Authorization:
Basic` header curl sends; so are the credentials of `https://id:password@host`),
`--oauth2-bearer`, `-A`, `-e`, `-G/--get`, `-I/--head`. A comment line right above a
command names it. A command is the whole request (`meta.headers_recorded`): a header it
does not set is not sent, and the header rules say so.

Positions: a request is at the `curl` word of its command; a body finding points into the
`-d` argument when it stands verbatim in the file (single-quoted, as usual for JSON).

Errors name the command by its comment, else by its number in the file (`curl command 2:
…`). A command with an unbalanced quote is one error; the rest of the file is still read.
A file read as curl (`*.curl`, `--input-format curl`) with no curl command in it is one
error at 1:1; a shell script (`*.sh`) is read only for the curl commands it may hold, and
one without any is quietly empty.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
from typing import Iterator, Optional, Union
from urllib.parse import unquote

from vipps_lint import strict_json
from vipps_lint.lazy_re import lazy_compile
from vipps_lint.models import NO_BODY, InputError, Position, ReaderTraits, Request, RequestMeta, SourceFile
from vipps_lint.positions import JsonTextLocator, line_column
from vipps_lint.safe_io import outside_problem, read_limited_text
from vipps_lint.sources import ReadOptions, read_all_text
from vipps_lint.urls import split_url

NAME = "curl"
TRAITS = ReaderTraits(NAME, not_fixable="--fix does not rewrite the body of a curl command; apply the hint by hand")
PATTERNS = ("*.curl",)
SNIFFED_PATTERNS = ("*.sh",)

_COMMAND_START = lazy_compile(r"^[ \t]*(?:\$[ \t]+)?(curl(?:\.exe)?)(?=[ \t\\^`]|$)", re.MULTILINE)
_CONTINUATION = lazy_compile(r"(?:\\|(?<=\s)\^|(?<=\s)`)[ \t]*$")

_WITH_VALUE_SHORT = set("XHduAebcowmxEFTKrUYyzt")
_WITH_VALUE_LONG = {
    "--request",
    "--header",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "--user",
    "--url",
    "--user-agent",
    "--referer",
    "--cookie",
    "--cookie-jar",
    "--output",
    "--write-out",
    "--max-time",
    "--connect-timeout",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "--proxy",
    "--proxy-user",
    "--cacert",
    "--capath",
    "--cert",
    "--cert-type",
    "--key",
    "--key-type",
    "--pass",
    "--form",
    "--form-string",
    "--resolve",
    "--connect-to",
    "--upload-file",
    "--config",
    "--range",
    "--limit-rate",
    "--max-redirs",
    "--interface",
    "--local-port",
    "--dns-servers",
    "--time-cond",
    "--oauth2-bearer",
    "--variable",
    "--trace",
    "--trace-ascii",
    "--stderr",
    "--aws-sigv4",
    "--unix-socket",
    "--ciphers",
    "--tls-max",
    "--expect100-timeout",
    "--keepalive-time",
}
_SHORT_TO_LONG = {
    "X": "--request",
    "H": "--header",
    "d": "--data",
    "u": "--user",
    "A": "--user-agent",
    "e": "--referer",
    "G": "--get",
    "I": "--head",
}
_DATA_OPTIONS = ("--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode", "--json")


def sniff(head: str, path: Optional[str]) -> bool:
    if path is not None and path.lower().endswith((".curl", ".sh")):
        return True
    return not head.lstrip().startswith(("{", "[")) and bool(_COMMAND_START.search(head))


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    text = read_all_text(source)
    if isinstance(text, InputError):
        yield text
        return
    source.text = text if source.path is None or len(text) < 1 << 20 else source.text
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    index, number, commands = 0, 0, 0
    while number < len(lines):
        match = _COMMAND_START.match(lines[number])
        if match is None:
            number += 1
            continue
        commands += 1
        name = _comment_name(lines, number)
        what = f'curl command "{name}"' if name else f"curl command {commands}"
        command, end, problem = _gather(lines, number)
        if problem is not None:
            yield InputError(source.display, f"{what} cannot be parsed: {problem}", number + 1, match.start(1) + 1)
            number = end
            continue
        command = command[
            next((i for i, token in enumerate(command) if token in ("curl", "curl.exe")), 0) :
        ]  # past a "$ " prompt
        item = _request(source, text, command, starts[number] + match.start(1), starts[end], name, what, index, options)
        yield item
        if isinstance(item, Request):
            index += 1
        number = end
    if commands == 0 and not _may_hold_no_command(source, options):
        yield InputError(source.display, _no_command_message(text, options), 1, 1)


def _no_command_message(text: str, options: ReadOptions) -> str:
    message = (
        "no curl command found: a file read as curl must hold lines that start with `curl`, e.g. `curl "
        "https://apitest.vipps.no/epayment/v1/payments -H 'Content-Type: application/json' -d '{…}'`"
    )
    if options.input_format == NAME:
        looks_like = "JSON" if text.lstrip()[:1] in ("{", "[") else None
        message += (
            f"; this file looks like {looks_like}: run without `--input-format curl`"
            if looks_like
            else "; or run without `--input-format curl` to detect the format"
        )
    return message


def _may_hold_no_command(source: SourceFile, options: ReadOptions) -> bool:
    """A shell script (`*.sh`) is read for the curl commands it may hold; any other file
    read as curl (`*.curl`, or --input-format curl) is meant to be curl commands."""
    return options.input_format != NAME and fnmatch.fnmatch(os.path.basename(source.path or ""), "*.sh")


def _gather(lines: list[str], first: int) -> tuple[Optional[list[str]], int, Optional[str]]:
    """The tokens of the command starting at line `first`, the line after it, and a problem.

    Linear in the command's length: the quotes are followed line by line (`_Quotes`), and the
    command is tokenized once they are closed, not again after every line of a long body.
    """
    logical: list[str] = []
    quotes = _Quotes()
    number = first
    while number < len(lines):
        line = lines[number].rstrip("\r\n")
        number += 1
        continuation = _CONTINUATION.search(line)
        piece = (line[: continuation.start()] + " ") if continuation else line + "\n"
        logical.append(piece)
        quotes.feed(piece)
        if continuation or quotes.open:
            if not continuation and number < len(lines) and _COMMAND_START.match(lines[number]):
                break  # the next command starts: this one's quote was never closed
            continue
        try:
            return _tokens("".join(logical)), number, None
        except ValueError as error:
            if "closing quotation" not in str(error) and "escaped" not in str(error):
                return None, number, str(error)
            if number < len(lines) and _COMMAND_START.match(lines[number]):
                break
    return None, first + 1, "a quote is never closed (unbalanced ' or \")"


class _Quotes:
    """Whether a shell command is inside quotes after the text fed so far (as shlex in POSIX
    mode reads it: backslash escapes, single and double quotes, # comments to the line end)."""

    def __init__(self):
        self.state = None  # None, "'", '"', "#" (in a comment), or "|" (past the command's end: | & ;)
        self.escaped = False

    @property
    def open(self) -> bool:
        return self.state in ("'", '"') or self.escaped

    def feed(self, text: str) -> None:
        state, escaped = self.state, self.escaped
        index, length = 0, len(text)
        while index < length and state != "|":
            if escaped:
                escaped = False
                index += 1
                continue
            if state == "'":
                end = text.find("'", index)
                if end < 0:
                    break
                state, index = None, end + 1
            elif state == "#":
                end = text.find("\n", index)
                if end < 0:
                    break
                state, index = None, end + 1
            else:
                match = (_IN_DOUBLE if state == '"' else _OUTSIDE).search(text, index)
                if match is None:
                    break
                char, index = match.group(), match.end()
                if char == "\\":
                    escaped = True
                elif state == '"':
                    state = None  # the closing "
                else:
                    state = "|" if char in _PUNCTUATION else char
        self.state, self.escaped = state, escaped


_OUTSIDE = lazy_compile(r"[\\'\"#|&;]")
_IN_DOUBLE = lazy_compile(r'[\\"]')


def _tokens(command: str) -> list[str]:
    """The words of a shell command up to its first `|`, `&` or `;`, as `shlex` reads them in
    POSIX mode (quotes, backslash escapes, # comments), in linear time: shlex appends to a
    string one character at a time, which takes minutes on a body of a few MB."""
    tokens: list[str] = []
    parts: list[str] = []
    quoted = False
    index, length = 0, len(command)
    while index < length:
        match = _WORD_SPECIAL.search(command, index)
        if match is None:
            parts.append(command[index:])
            break
        if match.start() > index:
            parts.append(command[index : match.start()])
        char, index = match.group(), match.end()
        if char in _WHITESPACE or char == "#" or char in _PUNCTUATION:
            if parts or quoted:
                token = "".join(parts)
                if token and set(token) <= _PUNCTUATION_SET:  # as shlex: a quoted '|' ends it too
                    return tokens
                tokens.append(token)
            parts, quoted = [], False
            if char in _PUNCTUATION:
                return tokens
            if char == "#":
                end = command.find("\n", index)
                index = length if end < 0 else end + 1
        elif char == "\\":
            if index >= length:
                raise ValueError("No escaped character")
            parts.append(command[index])
            index += 1
        elif char == "'":
            end = command.find("'", index)
            if end < 0:
                raise ValueError("No closing quotation")
            parts.append(command[index:end])
            quoted, index = True, end + 1
        else:  # a double quote: only \" and \\ are escapes inside it
            quoted = True
            while True:
                inner = _DOUBLE_SPECIAL.search(command, index)
                if inner is None:
                    raise ValueError("No closing quotation")
                parts.append(command[index : inner.start()])
                index = inner.end()
                if inner.group() == '"':
                    break
                if index >= length:
                    raise ValueError("No closing quotation")
                escaped = command[index]
                parts.append(escaped if escaped in '"\\' else "\\" + escaped)
                index += 1
    if parts or quoted:
        token = "".join(parts)
        if not (token and set(token) <= _PUNCTUATION_SET):
            tokens.append(token)
    return tokens


_PUNCTUATION_SET = frozenset("|&;")
_WHITESPACE = " \t\r\n"
_PUNCTUATION = "|&;"
_WORD_SPECIAL = lazy_compile(r"[ \t\r\n#|&;\\'\"]")
_DOUBLE_SPECIAL = lazy_compile(r'["\\]')


def _comment_name(lines: list[str], number: int) -> Optional[str]:
    from vipps_lint.suppressions import is_marker_line

    if number > 0 and is_marker_line(lines[number - 1].strip()):
        number -= 1  # `# vipps-lint: ignore[…]` above the command: the comment above it names it
    if number == 0:
        return None
    previous = lines[number - 1].strip()
    return previous.lstrip("#").strip() or None if previous.startswith("#") and not previous.startswith("#!") else None


def _request(
    source: SourceFile,
    text: str,
    tokens: list[str],
    offset: int,
    end: int,
    name: Optional[str],
    what: str,
    index: int,
    options: ReadOptions,
) -> Union[Request, InputError]:
    position = line_column(text, offset)
    method, url, headers, data, json_mode, get, user = None, None, [], [], False, False, None

    def error(message: str) -> InputError:
        return InputError(source.display, f"{what}: {message}", position.line, position.column)

    for option, value in _options(tokens[1:]):
        if option is None:
            url = url or value
        elif option == "--request":
            method = value.upper()
        elif option == "--header":
            header_name, separator, header_value = value.partition(":")
            if separator and header_value.strip():
                headers.append((header_name.strip(), header_value.strip()))
        elif option in _DATA_OPTIONS:
            loaded = _data_value(source, option, value, options)
            if isinstance(loaded, InputError):
                return error(loaded.message)
            data.append(loaded)
            json_mode = json_mode or option == "--json"
        elif option == "--url":
            url = value
        elif option == "--user":
            user = value
        elif option == "--oauth2-bearer":
            headers.append(("Authorization", f"Bearer {value}"))
        elif option == "--user-agent":
            headers.append(("User-Agent", value))
        elif option == "--referer":
            headers.append(("Referer", value))
        elif option == "--get":
            get = True
        elif option == "--head":
            method = method or "HEAD"
    if url is None:
        return error("no URL: give it after `curl` (`curl https://apitest.vipps.no/…`) or with `--url`")
    if "://" not in url:
        url = "http://" + url
    names = {header_name.lower() for header_name, _ in headers}
    if user is None:
        user = _url_credentials(url)  # https://id:password@host: curl sends them as -u would
    if user is not None and "authorization" not in names:
        headers.append(
            ("Authorization", "Basic " + base64.b64encode((user if ":" in user else user + ":").encode()).decode())
        )
    if json_mode:
        for header_name, header_value in (("Content-Type", "application/json"), ("Accept", "application/json")):
            if header_name.lower() not in names:
                headers.append((header_name, header_value))
    body_text = "&".join(data) if data else None
    if get and body_text is not None:
        url += ("&" if "?" in url else "?") + body_text
        body_text = None
    method = method or ("POST" if body_text is not None else "GET")
    body, locator, meta = NO_BODY, None, RequestMeta(TRAITS, headers_recorded=True)
    if body_text is not None:
        meta.body_text = body_text
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "").lower()
        if body_text.lstrip()[:1] in ("{", "[") or "json" in content_type:
            found = text.find(body_text, offset, end) if body_text.strip() else -1
            first = line_column(text, found) if found >= 0 else None
            try:
                body = strict_json.loads(body_text)
            except json.JSONDecodeError as problem:
                where = line_column(text, found + problem.pos) if found >= 0 else position
                return InputError(
                    source.display,
                    f"{what}: " + strict_json.problem(problem.msg, "the body is not valid JSON"),
                    where.line,
                    where.column,
                )
            except RecursionError:
                return error("the body is nested too deeply to be a request body")
            if first is not None:
                locator = JsonTextLocator(body_text, first.line, first.column)
    return Request(
        source=source,
        index=index,
        method=method,
        url=url,
        headers=headers,
        body=body,
        name=name,
        position=Position(position.line, position.column),
        locator=locator,
        meta=meta,
    )


def _url_credentials(url: str) -> Optional[str]:
    """`id:password` from `https://id:password@host/…` (percent-escapes decoded), or None."""
    try:
        parts = split_url(url)
    except ValueError:
        return None
    if parts.username is None:
        return None
    return unquote(parts.username) + ":" + unquote(parts.password or "")


def _options(tokens: list[str]) -> Iterator[tuple[Optional[str], str]]:
    """(long option name, value) for each option; (None, argument) for a bare argument."""
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if token.startswith("--") and len(token) > 2:
            if token in _WITH_VALUE_LONG:
                if position < len(tokens):
                    yield token, tokens[position]
                    position += 1
            else:
                yield token, ""
        elif token.startswith("-") and len(token) > 1:
            for offset, letter in enumerate(token[1:], start=1):
                if letter in _WITH_VALUE_SHORT:
                    value = token[offset + 1 :]
                    if not value and position < len(tokens):
                        value = tokens[position]
                        position += 1
                    yield _SHORT_TO_LONG.get(letter, f"-{letter}"), value
                    break
                yield _SHORT_TO_LONG.get(letter, f"-{letter}"), ""
        else:
            yield None, token


def _data_value(source: SourceFile, option: str, value: str, options: ReadOptions) -> Union[str, InputError]:
    """A data argument's text; `@file` is read (except for --data-raw), relative to the input."""
    if option == "--data-raw" or not value.startswith("@") or value == "@-":
        return value
    name = value[1:]
    base = os.path.dirname(source.path) if source.path else "."
    path = name if os.path.isabs(name) else os.path.join(base, name)
    outside = outside_problem(name, base, options.allow_outside_files)
    if outside:
        return InputError(source.display, f"the body file {name} is not read: {outside}")
    try:
        return read_limited_text(path, options.max_body_bytes)
    except (OSError, UnicodeDecodeError) as problem:
        return InputError(
            source.display, f"cannot read the body file {name}: {getattr(problem, 'strerror', None) or problem}"
        )
