"""What a run was asked to do: the command line over the configuration file (config.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from vipps_lint.selection import FileSelection
from vipps_lint.sources import ReadOptions


@dataclass
class Settings:
    paths: list[str] = field(default_factory=list)
    endpoint: Optional[str] = None  # for bare bodies
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    severities: dict[str, str] = field(default_factory=dict)
    rule_dirs: list[str] = field(default_factory=list)
    fail_on: str = "error"
    read: ReadOptions = field(default_factory=ReadOptions)
    # From configuration: glob → rules skipped there; glob → the call bare bodies there are for
    # (globs relative to config_dir, see config.py).
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    config_dir: Optional[str] = None
    # Rules whose `since` is after this date are reported one severity lower (None: today).
    as_of: Optional[date] = None
    specs: list[str] = field(default_factory=list)  # OpenAPI specs to validate against (check --spec)
    jobs: Optional[int] = None  # worker processes for many files (None: one per available core)
    selection: FileSelection = field(default_factory=FileSelection)  # excludes, .gitignore (selection.py)
    # Findings in the report keep their whole request (the HTML report shows its headers and
    # body). `check` keeps only what its reports, fingerprints and --fix need of it
    # (models.RequestSummary) unless it writes an HTML report: memory then grows with the
    # findings, not with the requests behind them (issue 11).
    whole_requests: bool = True
    # ... and what --fix needs of their body's place (False: no fix stage will ask for it).
    fix_places: bool = True
    # ... and the offending value (or its digest) that fingerprints need (False: no SARIF
    # report and no baseline asks for one; the digest of an object costs a json.dumps and
    # loading OpenSSL).
    fingerprints: bool = True
