"""`vipps-lint redact`: a copy of a dump with every secret masked, in the same format.

Format-agnostic by design: the file is read with the normal readers only to learn its
secrets (`secrets.collect_secrets` on each request), then each occurrence of them — and
anything the credential patterns catch — is replaced in the *raw text* by a mask that
needs no escaping anywhere (`eyJh…REDACTED`: no quote, backslash or space). The rest of
the file is untouched byte for byte, so the copy parses as the original did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from vipps_lint.models import InputError, Request
from vipps_lint.secrets import REDACTED, Masker, collect_secrets, encodings
from vipps_lint.sources import ReadOptions, expand_paths, read_all_text, read_source


@dataclass
class Redacted:
    text: Optional[str]  # None when the file could not be read at all
    masked: int = 0  # how many secret occurrences were replaced
    errors: list[InputError] = field(default_factory=list)


def redact_text(text: str, secrets: set[str]) -> tuple[str, int]:
    """The text with every secret masked, and how many masks it now holds that it did not."""
    redacted = Masker(secrets, suffix=REDACTED).mask_text(text)
    return redacted, redacted.count(REDACTED) - text.count(REDACTED)


def redact_source(path: str, options: ReadOptions) -> Redacted:
    source = next(iter(expand_paths([path])))
    if isinstance(source, InputError):
        return Redacted(None, errors=[source])
    secrets: set[str] = set()
    errors = []
    for item in read_source(source, options):
        if isinstance(item, Request):
            secrets |= collect_secrets(item)
        else:
            errors.append(item)
    text = read_all_text(source)
    if isinstance(text, InputError):
        return Redacted(None, errors=[text])
    redacted, masked = redact_text(text, secrets)
    # Never hand out a copy that still holds a secret, in any encoding, or one whose reading
    # failed somewhere (a line that did not parse may hold a secret no reader learned).
    leaked = [secret for secret in secrets if any(form in redacted for form in encodings(secret))]
    masker = Masker(secrets)
    errors = [InputError(error.file, masker.mask_text(error.message), error.line, error.column) for error in errors]
    if leaked:
        return Redacted(
            None,
            errors=[
                *errors,
                InputError(path, f"{len(leaked)} secret value(s) could not be masked in place; not writing a copy"),
            ],
        )
    if errors:
        return Redacted(
            None,
            errors=[
                *errors,
                InputError(
                    path, "parts of the file could not be read, so not every secret in it is known; not writing a copy"
                ),
            ],
        )
    return Redacted(redacted, masked, errors)


def redact_files(paths: list[str], output: Optional[str], options: ReadOptions) -> int:
    """`vipps-lint redact`: write each copy to `output` (a file, a directory, or standard
    output for None/'-'); the exit status."""
    import os
    import sys

    import click

    from vipps_lint.status import EXIT_CLEAN, EXIT_INCOMPLETE, UsageError

    if len(paths) > 1 and (not output or output == "-" or not os.path.isdir(output)):
        raise UsageError("with several inputs, -o must name an existing directory", "-o/--output")
    status = EXIT_CLEAN
    for path in paths:
        result = redact_source(path, options)
        for error in result.errors:  # masked by redact_source; str() escapes control characters
            click.echo(str(error), err=True)
        if result.text is None or result.errors:
            status = EXIT_INCOMPLETE
        if result.text is None:
            continue
        if not output or output == "-":
            sys.stdout.write(result.text)
            sys.stdout.flush()
            target = "standard output"
        else:
            target = os.path.join(output, os.path.basename(path)) if os.path.isdir(output) else output
            try:
                with open(target, "w", encoding="utf-8", newline="") as stream:
                    stream.write(result.text)
            except OSError as error:
                click.echo(f"{target}: cannot write the redacted copy: {error.strerror or error}", err=True)
                status = EXIT_INCOMPLETE
                continue
        click.echo(f"{path}: {result.masked} secret{'s' if result.masked != 1 else ''} masked → {target}", err=True)
    return status
