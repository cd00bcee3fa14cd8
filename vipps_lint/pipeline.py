"""The whole run, left to right: sources → routing → checks → (fixes) → report.

`Linter` holds what is compiled once per run (rules, router, validators); `run` streams
inputs through it and collects a `Report` that any reporter can print.

Each input file is linted on its own into a `FileResult`; with many files (`--jobs`),
forked worker processes lint them and the results are merged in input order, so the
report is the same as with one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Iterator, Optional

from vipps_lint.checks import DEFERS_TO_DECLARATIVE, SUPERSEDES_OTHERS
from vipps_lint.checks.engine import RuleSet
from vipps_lint.checks.lifecycle import retired_host_problem
from vipps_lint.checks.placeholders import placeholder_pointers
from vipps_lint.checks.rules import load_rules
from vipps_lint.models import (EndpointStats, Finding, InputError, Problem, Report, Request, SourceFile, count_response, count_time,
                               merge_timeline)
from vipps_lint.routing import Router, route
from vipps_lint.secrets import collect_secrets
from vipps_lint.sources import ReadOptions, expand_paths, read_source


@dataclass
class Settings:
    """What a run was asked to do: the command line over the configuration file (config.py)."""

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


@dataclass
class FileResult:
    """What linting one input file gave; `Report.merge` adds it to the run's report."""

    display: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    requests: int = 0
    skipped: int = 0
    inferred: int = 0
    # Calls and failures per endpoint; a day of logs keeps these counts, not its requests.
    endpoints: dict[str, EndpointStats] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    timeline: dict[int, list[int]] = field(default_factory=dict)  # see Report.timeline
    # A later section of the same file as the result before it (see `Linter.run`).
    continued: bool = False


# Below this many files (and bytes), starting worker processes costs more than it saves:
# a pre-commit hook with a few staged files stays in one process.
PARALLEL_MIN_FILES = 512
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
# When workers run (see above), a log at least this large is cut into sections of at least
# this size that they lint side by side.
SECTION_MIN_BYTES = 1024 * 1024


class Linter:
    def __init__(self, settings: Settings):
        self.settings = settings
        rules, self.setup_errors = load_rules(settings.rule_dirs)
        self.rules = RuleSet(rules)
        self.rules.configure(settings.select, settings.ignore, settings.extend_select, settings.severities)
        # Request schemas built in memory from --spec, by index name (None: the shipped ones).
        self.spec_schemas: Optional[dict[str, dict]] = None
        self.router = self._load_router()
        self.as_of = settings.as_of or date.today()
        self.code_checks = self._create_code_checks()
        self.rules.as_of = self.as_of
        self.not_yet_enforced = _not_yet_enforced(self.rules.rules, self.as_of)
        self.progress = None  # a progress.Tracker while the command line shows progress

    def _load_router(self) -> Router:
        if not self.settings.specs:
            return Router.load()
        from vipps_lint.openapi.build import build_in_memory  # noqa: PLC0415 - only with --spec

        allow_outside = self.settings.read.allow_outside_files
        entries, self.spec_schemas, errors = build_in_memory(self.settings.specs, allow_outside)
        self.setup_errors.extend(errors)
        return Router.load(first=entries)

    def _create_code_checks(self) -> list[tuple[str, object]]:
        import importlib

        from vipps_lint.checks import CODE_CHECKS

        checks = []
        for name in CODE_CHECKS:
            checker = importlib.import_module(f"vipps_lint.checks.{name}").create(self)
            if checker is not None:
                checks.append((name, checker))
        return checks

    def routing_problems(self, request: Request, endpoint: Optional[str] = None) -> tuple[bool, list[Problem]]:
        """Route the request; (whether to lint it at all, the problems routing found)."""
        outcome = route(request, self.router, endpoint or self.settings.endpoint)
        if outcome.kind == "unrelated":
            retired = retired_host_problem(request, self.as_of)  # a retired API's own host (api.mobilepay.dk)
            return (True, [retired]) if retired is not None and retired.rule in self.rules.enabled else (False, [])
        if outcome.kind == "unknown-path":
            # An example in an OpenAPI document of another API is checked against that
            # document's own operation; "did you mean" a Vipps path would be noise there.
            own = request.meta.get("document_operation")
            if own is not None and not self.router.under_known_api(None, own.path):
                request.operation = own
                return True, []
            wanted, closest = outcome.detail.split("|", 1)
            hint = f"Did you mean {closest}?" if closest else "See the API reference for the right path"
            api = self.router.api_name(wanted.split()[-1])
            where = f"of the {api} API (it answers 404)" if api else "of any Vipps MobilePay API vipps-lint knows"
            return True, [Problem("route-unknown-path", f"{wanted} is not an operation {where}", part="url", hint=hint)]
        if outcome.kind == "ambiguous-body":
            return True, [Problem("route-unknown-body", f"this body could be for {outcome.detail}; only checks that need no endpoint ran",
                                  pointer="", hint='Pass --endpoint "METHOD /path" to say which call it is for')]
        if outcome.kind == "unrouted-body":
            return True, [Problem("route-unknown-body", "could not tell which API call this body is for, so no API rules ran",
                                  pointer="", hint='Pass --endpoint "POST /ecomm/v2/payments" (or the call it is for)')]
        return True, []

    def lint_request(self, request: Request, endpoint: Optional[str] = None, ignored: frozenset = frozenset()) -> Optional[list[Finding]]:
        """Findings for one request, or None when it is for an API we do not lint.

        `endpoint` and `ignored` (rule ids) are what the configuration says for its file.
        """
        lint, problems = self.routing_problems(request, endpoint)
        if not lint:
            return None
        declarative = list(self.rules.check_declarative(request))
        problems.extend(declarative)
        claimed = {problem.pointer for problem in declarative}
        superseding: dict[Optional[str], set[int]] = {}  # body pointer → ids of the problems that replace the rest
        for name, checker in self.code_checks:
            for problem in checker.check(request):
                if name in DEFERS_TO_DECLARATIVE and problem.pointer in claimed:
                    continue
                if name in SUPERSEDES_OTHERS and problem.part == "body":
                    superseding.setdefault(problem.pointer, set()).add(id(problem))
                problems.append(problem)
        for pointer in request.meta.get("unknown_at_lint_time", ()):
            superseding.setdefault(pointer, set())
        if request.has_body:
            for pointer in placeholder_pointers(request.body):  # never judged, whatever is selected
                superseding.setdefault(pointer, set())
        if superseding:
            problems = [p for p in problems if p.part != "body" or p.pointer not in superseding or id(p) in superseding[p.pointer]]
        findings = [finding for problem in problems
                    if problem.rule not in ignored and (finding := self.rules.finding(problem, request)) is not None]
        for finding in findings:
            since = self.not_yet_enforced.get(finding.rule)
            if since is not None:
                _report_as_announced(finding, since, self.as_of)
        findings.sort(key=_position_key)
        return findings

    def file_settings(self, file: str) -> tuple[Optional[str], frozenset]:
        """The endpoint for bare bodies and the rule ids ignored in one input file."""
        if not (self.settings.per_file_ignores or self.settings.endpoints) or file == "-":
            return None, frozenset()
        from vipps_lint.checks.engine import selector_matches  # noqa: PLC0415
        from vipps_lint.config import path_matches  # noqa: PLC0415

        directory = self.settings.config_dir or "."
        # --endpoint on the command line wins over the configuration's per-glob endpoints.
        endpoint = None if self.settings.endpoint else next(
            (endpoint for glob, endpoint in self.settings.endpoints.items() if path_matches(glob, file, directory)), None)
        selectors = [selector for glob, selectors in self.settings.per_file_ignores.items()
                     if path_matches(glob, file, directory) for selector in selectors]
        ignored = frozenset(rule_id for rule_id in self.rules.rules
                            if any(selector_matches(selector, rule_id, self.rules.rules) for selector in selectors))
        return endpoint, ignored

    def lint_source(self, items, endpoint: Optional[str] = None, ignored: frozenset = frozenset()) -> Iterator:
        for item in items:
            if isinstance(item, InputError):
                yield item
            else:
                yield item, self.lint_request(item, endpoint, ignored)

    def lint_file(self, source: SourceFile) -> FileResult:
        result = FileResult(source.display)
        try:
            self._lint_file_into(source, result)
        except Exception as error:  # noqa: BLE001 - one file's bug must not cost the others (vipps_lint/crash.py)
            from vipps_lint.crash import internal_error  # noqa: PLC0415

            result.errors.append(internal_error(source.display, error))
        return result

    def _lint_file_into(self, source: SourceFile, result: FileResult) -> None:
        endpoint, ignored = self.file_settings(source.display)
        tracker = self.progress
        for item in self.lint_source(read_source(source, self.settings.read), endpoint, ignored):
            if isinstance(item, InputError):
                result.errors.append(item)
                continue
            request, findings = item
            if tracker is not None:
                tracker.advance(source)
            result.secrets.update(collect_secrets(request))
            if findings is None:
                result.skipped += 1
                continue
            result.requests += 1
            if request.routing_note:
                result.inferred += 1
            count_response(result.endpoints, request)
            count_time(result.timeline, request, findings)
            result.findings.extend(findings)
        if tracker is not None:
            tracker.file_done(source)

    def run(self, paths: list[str]) -> Report:
        report = Report()
        report.errors.extend(self.setup_errors)
        inputs = list(expand_paths(paths))
        sources = [item for item in inputs if not isinstance(item, InputError)]
        if self.progress is not None:
            self.progress.begin(sources)
        # A path that does not exist is reported where it was named, among the files' errors:
        # keyed by how many files were named before it.
        unreadable: dict[int, list[InputError]] = {}
        named = 0
        for item in inputs:
            if isinstance(item, InputError):
                unreadable.setdefault(named, []).append(item)
            else:
                named += 1
        numbered = 0  # requests of the current file so far, for results of its later sections
        originals = {source.display: source for source in sources}
        for result in self._lint_files(sources):
            for request in {id(finding.request): finding.request for finding in result.findings}.values():
                if request.source.section is not None:
                    # One source per file again, so code frames index a large file once.
                    request.source = originals[result.display]
                    if result.continued:
                        request.index += numbered
            if not result.continued:
                report.errors.extend(unreadable.pop(report.files, ()))
                numbered = 0
                report.files += 1
                report.file_names.append(result.display)
            numbered += result.requests + result.skipped
            report.errors.extend(result.errors)
            report.findings.extend(result.findings)
            report.requests += result.requests
            report.skipped += result.skipped
            report.inferred += result.inferred
            report.secrets.update(result.secrets)
            for endpoint, stats in result.endpoints.items():
                report.endpoints.setdefault(endpoint, EndpointStats(endpoint)).merge(stats)
            merge_timeline(report.timeline, result.timeline)
        for errors in unreadable.values():
            report.errors.extend(errors)
        return report

    def _lint_files(self, sources: list[SourceFile]) -> Iterable[FileResult]:
        jobs = self._jobs_for(sources)
        units = self._work_units(sources, jobs) if jobs > 1 else []
        if len(units) < 2:
            return map(self.lint_file, sources)
        return _lint_in_workers(self, units, min(jobs, len(units)))

    def _work_units(self, sources: list[SourceFile], jobs: int) -> list[tuple[SourceFile, bool]]:
        """(source, continues the one before) for the workers: whole files, and large logs cut
        into sections when their reader can (`sections`)."""
        import copy  # noqa: PLC0415
        from vipps_lint.sources import choose_reader  # noqa: PLC0415

        units = []
        for source in sources:
            try:
                size = os.path.getsize(source.path)
            except OSError:
                size = 0
            # Only a large file is sniffed here; the workers sniff the rest themselves.
            reader = choose_reader(source, self.settings.read) if size >= SECTION_MIN_BYTES else None
            if not hasattr(reader, "sections"):
                units.append((source, False))
                continue
            count = min(jobs * 4, size // SECTION_MIN_BYTES)
            for number, section in enumerate(reader.sections(source, count)):
                part = copy.copy(source)
                part.section = section
                units.append((part, number > 0))
        return units

    def _jobs_for(self, sources: list[SourceFile]) -> int:
        jobs = self.settings.jobs or available_cores()
        if jobs <= 1 or not sources or any(source.path is None for source in sources):
            return 1
        if len(sources) < PARALLEL_MIN_FILES and _total_bytes(sources) < PARALLEL_MIN_BYTES:
            return 1
        import multiprocessing  # noqa: PLC0415 - only for large runs

        if "fork" not in multiprocessing.get_all_start_methods():
            return 1  # workers must inherit the compiled linter; spawning would recompile it per worker
        return jobs


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _total_bytes(sources: list[SourceFile]) -> int:
    total = 0
    for source in sources:
        try:
            total += os.path.getsize(source.path)
        except OSError:
            pass
        if total >= PARALLEL_MIN_BYTES:
            break
    return total


# The linter of the run, inherited by forked workers (compiled once, in the parent).
_WORKER_LINTER: Optional[Linter] = None


def _lint_in_worker(unit: tuple[SourceFile, bool]) -> FileResult:
    source, continued = unit
    result = _WORKER_LINTER.lint_file(source)
    result.continued = continued
    for finding in result.findings:
        # Positions are resolved already; a locator (which may hold a closure) stays behind.
        finding.request.locator = None
    return result


def _lint_in_workers(linter: Linter, sources: list[tuple[SourceFile, bool]], jobs: int) -> Iterator[FileResult]:
    import gc  # noqa: PLC0415
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415
    from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

    global _WORKER_LINTER
    _WORKER_LINTER = linter
    # What exists now (the compiled linter) is shared with the forked workers page by page;
    # a garbage collection in a worker would touch, and so copy, every page (15% of the run).
    gc.freeze()
    # Small chunks keep the workers evenly loaded when file sizes differ (one big HAR among bodies).
    chunk = max(1, min(64, len(sources) // (jobs * 8)))
    try:
        # An executor rather than multiprocessing.Pool: the Pool's housekeeping thread polls
        # every 0.1 s, which a short run pays on start and shut-down.
        done = 0
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as executor:
            try:
                for result in executor.map(_lint_in_worker, sources, chunksize=chunk):
                    done += 1
                    yield result
            except BrokenProcessPool:
                # A worker was killed (out of memory, a signal): the files not done are input
                # errors, and the report of the rest is still written (exit 2).
                yield from _not_linted(sources[done:])
    finally:
        gc.unfreeze()
        _WORKER_LINTER = None


def _not_linted(units: list[tuple[SourceFile, bool]]) -> Iterator[FileResult]:
    reported = set()
    for source, continued in units:
        result = FileResult(source.display, continued=continued)
        if source.display not in reported:
            reported.add(source.display)
            result.errors.append(InputError(source.display, "not linted: a --jobs worker process ended unexpectedly "
                                            "(killed, or out of memory?); run again, or with --jobs 1"))
        yield result


_LOWER = {"error": "warning", "warning": "info", "info": "info"}


def _not_yet_enforced(rules: dict, as_of: date) -> dict[str, str]:
    """Rule id → its `since` date, for rules the API starts to enforce after `as_of`."""
    found = {}
    for rule_id, rule in rules.items():
        if rule.since:
            try:
                since = date.fromisoformat(rule.since)
            except ValueError:
                continue
            if since > as_of:
                found[rule_id] = rule.since
    return found


def _report_as_announced(finding: Finding, since: str, as_of: date) -> None:
    """An announced change: one severity lower until it is enforced, and the message says so."""
    finding.severity = _LOWER[finding.severity]
    finding.message += f" (enforced from {since}; a {finding.severity} until then, checking as of {as_of.isoformat()})"


def _position_key(finding: Finding):
    position = finding.position
    return (position.line, position.column) if position else (0, 0)


def exit_status(report: Report, fail_on: str) -> int:
    from vipps_lint.models import SEVERITY_RANK

    if report.errors:
        return 2
    return 1 if report.worst_rank() >= SEVERITY_RANK[fail_on] else 0
