"""Bare JSON request bodies: one file, one body, as captured from code or a test.

Which API call the body is for comes from `--endpoint`, or is inferred from its shape by
the routing stage.
"""

from __future__ import annotations

import json
from typing import Iterator, Optional, Union

from vipps_lint import strict_json
from vipps_lint.models import BodyText, InputError, ReaderTraits, Request, RequestMeta, SourceFile
from vipps_lint.positions import JsonTextLocator
from vipps_lint.sources import ReadOptions, read_all_text

NAME = "json"
TRAITS = ReaderTraits(NAME)
PATTERNS = ("*.json",)

_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}


def sniff(head: str, path: Optional[str]) -> bool:
    return head.lstrip().startswith("{")


def parse_json_document(source: SourceFile, text: str, first_line: int = 1) -> Union[object, InputError]:
    """`json.loads` with errors turned into one clear InputError line."""
    if not text.strip():
        return InputError(source.display, "empty file: expected a JSON request body (an object)", first_line, 1)
    try:
        return strict_json.loads(text)
    except json.JSONDecodeError as error:
        return InputError(source.display, strict_json.problem(error.msg), first_line + error.lineno - 1, error.colno)
    except RecursionError:
        return InputError(source.display, strict_json.TOO_DEEP, first_line, 1)


def read(source: SourceFile, options: ReadOptions) -> Iterator[Union[Request, InputError]]:
    text = read_all_text(source)
    if isinstance(text, InputError):
        yield text
        return
    if len(text) > options.max_body_bytes:
        megabytes = len(text) / 1024 / 1024
        limit = options.max_body_bytes / 1024 / 1024
        yield InputError(
            source.display,
            f"body is {megabytes:.1f} MiB; bodies over {limit:.0f} MiB are not linted (no Vipps API accepts one)",
            1,
            1,
        )
        return
    body = parse_json_document(source, text)
    if isinstance(body, InputError):
        yield body
        return
    if not isinstance(body, dict):
        kind = _KINDS.get(type(body), type(body).__name__)
        yield InputError(source.display, f"expected a JSON object (a request body), got {kind}", 1, 1)
        return
    if source.path is not None and len(text) < 65536:
        source.text = text  # small: keep it for code frames instead of reading the file again
    yield Request(
        source=source,
        index=0,
        body=body,
        locator=JsonTextLocator(text),
        position=_first_position(text),
        meta=RequestMeta(TRAITS, _body=BodyText(span=(0, len(text)))),
    )


def _first_position(text: str):
    from vipps_lint.positions import offset_position

    return offset_position(text, len(text) - len(text.lstrip()))
