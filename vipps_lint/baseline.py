"""Baselines: adopt vipps-lint on a code base with known findings, fail only on new ones.

`--write-baseline FILE` records the findings of a run; `--baseline FILE` hides findings that
the baseline holds and reports (and fails on) the rest.

A finding's fingerprint is what stays the same when unrelated things change:

    rule + file + request identity + where in the request + a hash of the offending value

The request identity is its method, URL path and name (never its index, so reordering the
requests in a dump does not matter); the place is the JSON Pointer (or header name); no line
numbers. Editing the offending value makes it a new finding, as it should. Paths are stored
relative to the baseline file's directory, so the baseline works from any working directory.

The file is JSON, versioned and sorted (so it diffs well in review), with a count per
fingerprint: two identical findings need two baseline entries, and a third is new.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Optional, Union

from vipps_lint.models import NO_BODY, UNRESOLVED, Finding, InputError, Report, value_digest_of
from vipps_lint.positions import resolve_pointer
from vipps_lint.urls import split_url

BASELINE_VERSION = 1


def _relative_path(file: str, root: Optional[str]) -> str:
    if file == "-":
        return "-"
    path = os.path.relpath(os.path.abspath(file), os.path.abspath(root or os.curdir))
    return path.replace(os.sep, "/")


def offending_value(finding: Finding):
    """The value a finding is about: a header's value, the URL, or the value at its JSON
    Pointer in the body or the response body (None when there is none)."""
    if finding.offending is not UNRESOLVED:  # kept when the report let go of the request
        return finding.offending
    request = finding.request
    if finding.part == "header":
        return request.header(finding.header or "")
    if finding.part == "url":
        return request.url
    if finding.part == "response":
        # NO_BODY is a bare object(): its text would put a memory address in the fingerprint.
        body = request.response.body if request.response is not None else NO_BODY
        return None if body is NO_BODY else resolve_pointer(body, finding.pointer or "", None)
    if not request.has_body:
        return None
    return resolve_pointer(request.body, finding.pointer or "", None)


def value_digest(finding: Finding) -> str:
    """The offending value's part of a fingerprint: a digest, so it can be computed where the
    value is (a Spark executor, or before a report lets go of the request) and travel without
    it (`Finding.value_digest` then)."""
    return finding.value_digest or value_digest_of(offending_value(finding))


def fingerprint(finding: Finding, root: Optional[str] = None) -> str:
    """A stable id for a finding (hex); `root` is the directory paths are relative to."""
    request = finding.request
    url_path = split_url(request.url).path if request.url and "://" in request.url else (request.url or "")
    identity = [
        finding.rule,
        _relative_path(finding.file, root),
        request.method or "",
        url_path.split("?", 1)[0],
        request.name or "",
        finding.part,
        finding.header.lower() if finding.part == "header" and finding.header else (finding.pointer or ""),
        value_digest(finding),
    ]
    import hashlib  # (here: a run that makes no fingerprint does not load OpenSSL)

    # surrogatepass: a lone surrogate (a JSON "\\ud800" escape) in a key or value still hashes.
    return hashlib.sha256("\x1f".join(identity).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def baseline_json(report: Report, baseline_path: str) -> dict:
    root = os.path.dirname(os.path.abspath(baseline_path))
    counts: Counter = Counter()
    about: dict[str, dict] = {}
    for finding in report.findings:
        key = fingerprint(finding, root)
        counts[key] += 1
        about[key] = {
            "rule": finding.rule,
            "file": _relative_path(finding.file, root),
            "where": finding.header or finding.pointer or "",
        }
    entries = [{"fingerprint": key, **about[key], "count": counts[key]} for key in counts]
    entries.sort(key=lambda entry: (entry["file"], entry["rule"], entry["where"], entry["fingerprint"]))
    return {"version": BASELINE_VERSION, "tool": "vipps-lint", "findings": entries}


def write_baseline(report: Report, path: str) -> None:
    from vipps_lint.escape import escape_surrogates

    text = escape_surrogates(json.dumps(baseline_json(report, path), indent=2, ensure_ascii=False))
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text + "\n")


def load_baseline(path: str) -> Union[Counter, InputError]:
    """Fingerprint → how many findings with it the baseline accepts."""
    from vipps_lint.safe_io import MAX_SETTINGS_BYTES, read_limited

    try:
        data = json.loads(read_limited(path, MAX_SETTINGS_BYTES))
    except RecursionError:
        return InputError(path, "baseline is not valid JSON: nested too deeply")
    except OSError as error:
        return InputError(path, f"cannot read baseline: {error.strerror or error}")
    except ValueError as error:
        return InputError(path, f"baseline is not valid JSON: {error}")
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
    ):
        return InputError(
            path, f"not a vipps-lint baseline (version {BASELINE_VERSION}); write one with --write-baseline {path}"
        )
    counts: Counter = Counter()
    for entry in data["findings"]:
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        # A count is a whole number of findings: never negative, never true/false (bool is an int).
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("fingerprint"), str)
            or type(count) is not int
            or count < 1
        ):
            return InputError(
                path,
                "baseline entry without a fingerprint and a count of at least 1; write it again with --write-baseline",
            )
        counts[entry["fingerprint"]] += entry.get("count", 1)
    return counts


def apply_baseline(report: Report, accepted: Counter, baseline_path: str) -> None:
    """Drop the findings the baseline accepts; count them in `report.baselined`."""
    root = os.path.dirname(os.path.abspath(baseline_path))
    remaining = Counter(accepted)
    kept = []
    for finding in report.findings:
        key = fingerprint(finding, root)
        if remaining[key] > 0:
            remaining[key] -= 1
            report.baselined += 1
        else:
            kept.append(finding)
    report.findings = kept


def without_baseline_files(paths: list[str], baseline_files: list[str]) -> list[str]:
    """The inputs of a run, minus its own baseline files (`--baseline`, `--write-baseline`)
    named among them: a baseline is not a request body. (A directory walk leaves them out
    too: `FileSelection.never`.)"""
    excluded = {os.path.realpath(path) for path in baseline_files if path}
    return [path for path in paths if path == "-" or not os.path.isfile(path) or os.path.realpath(path) not in excluded]
