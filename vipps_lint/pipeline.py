"""The whole run, left to right: sources → routing → checks → report.

The entry points other code calls (the CLI, the Python API, the proxy, Spark):

    linter = Linter(Settings(...))      # compiles rules, router and schemas once
    linter.lint_request(request)        # one `Request` → its findings (None: not for an API we lint)
    linter.lint_file(source)            # one `SourceFile` → a `FileResult`
    linter.run(paths)                   # files, directories, '-' → a `Report` any reporter prints

Fixing (`fixes`), baselines and report writing come after `run` (see `vipps_lint/run.py`).
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Optional

from vipps_lint.checks.engine import RuleSet
from vipps_lint.checks.lifecycle import retired_host_problem
from vipps_lint.checks.rules import load_rules
from vipps_lint.checks.suite import CheckSuite
from vipps_lint.config import file_settings
from vipps_lint.models import UNRESOLVED, FileResult, Finding, InputError, Problem, Report, Request, SourceFile
from vipps_lint.routing import Router, routing_problems
from vipps_lint.secrets import collect_secrets
from vipps_lint.session import RULES as SESSION_RULES
from vipps_lint.session import SessionChecks
from vipps_lint.session import seen as seen_request
from vipps_lint.settings import Settings
from vipps_lint.sources import read_source
from vipps_lint.status import exit_status
from vipps_lint.suppressions import Suppressions
from vipps_lint.traffic import count_response, count_time
from vipps_lint.workers import lint_files

__all__ = ["FileResult", "Linter", "Settings", "exit_status"]

# Records of the checks across requests fed at a time while a file is linted in this process:
# a log's memory stays flat however many requests it holds.
SESSION_BATCH = 1024


class Linter:
    def __init__(self, settings: Settings):
        self.settings = settings
        rules, self.setup_errors = load_rules(settings.rule_dirs)
        self.rules = RuleSet(rules, settings.as_of)
        self.rules.configure(settings.select, settings.ignore, settings.extend_select, settings.severities)
        # Request schemas built in memory from --spec, by index name (None: the shipped ones).
        self.spec_schemas: Optional[dict[str, dict]] = None
        self.router = self._load_router()
        self.as_of = self.rules.as_of  # --as-of, or today
        self.checks = CheckSuite(self.rules, self)
        self.suppressions = Suppressions(self.rules)
        self.session_rules = any(rule in self.rules.enabled for rule in SESSION_RULES)
        self.progress = None  # a progress.Tracker while the command line shows progress

    def _load_router(self) -> Router:
        if not self.settings.specs:
            return Router.load()
        from vipps_lint.openapi.build import build_in_memory  # only with --spec

        allow_outside = self.settings.read.allow_outside_files
        entries, self.spec_schemas, errors = build_in_memory(self.settings.specs, allow_outside)
        self.setup_errors.extend(errors)
        return Router.load(first=entries)

    def routing_problems(self, request: Request, endpoint: Optional[str] = None) -> tuple[bool, list[Problem]]:
        """Route the request; (whether to lint it at all, the problems routing found)."""
        lint, problems = routing_problems(request, self.router, endpoint or self.settings.endpoint)
        if not lint:  # another API; but a retired API's own host (api.mobilepay.dk) is worth saying
            retired = retired_host_problem(request, self.as_of)
            if retired is not None and retired.rule in self.rules.enabled:
                return True, [retired]
        return lint, problems

    def lint_request(
        self, request: Request, endpoint: Optional[str] = None, ignored: frozenset = frozenset()
    ) -> Optional[list[Finding]]:
        """Findings for one request, in file order, or None when it is for an API we do not lint.

        `endpoint` and `ignored` (rule ids) are what the configuration says for its file.
        """
        lint, routing = self.routing_problems(request, endpoint)
        if not lint:
            return None
        findings = [
            finding
            for problem in self.checks.problems(request, routing)
            if problem.rule not in ignored and (finding := self.rules.finding(problem, request)) is not None
        ]
        findings = self.suppressions.apply(request, findings)  # ignore comments where the findings are
        if self.session_rules and request.meta.session_earlier:  # a rule's example of a log
            from vipps_lint.session import findings_after

            findings.extend(findings_after(self, request.meta.session_earlier, request))
        findings.sort(key=_position_key)
        return findings

    def lint_file(self, source: SourceFile, feed_session: Optional[Callable[[FileResult], None]] = None) -> FileResult:
        """`feed_session`: takes the records of the checks across requests a batch at a time (in
        the process that holds the run's `SessionChecks`); else they stay in the result."""
        result = FileResult(source.display)
        try:
            self._lint_file_into(source, result, feed_session)
        except Exception as error:  # noqa: BLE001 - one file's bug must not cost the others (vipps_lint/crash.py)
            from vipps_lint.crash import internal_error

            result.errors.append(internal_error(source.display, error))
        return result

    def _lint_file_into(self, source: SourceFile, result: FileResult, feed_session=None) -> None:
        endpoint, ignored = file_settings(self.settings, self.rules, source.display)
        tracker = self.progress
        items = read_source(source, self.settings.read)
        if source.walked and endpoint is None and not self.settings.endpoint:
            from vipps_lint.selection import unless_plainly_not_requests

            items = unless_plainly_not_requests(source, items, result, self.router)
        for item in items:
            if isinstance(item, InputError):
                result.errors.append(item)
                continue
            findings = self.lint_request(item, endpoint, ignored)
            if tracker is not None:
                tracker.advance(source)
            result.secrets.update(collect_secrets(item))
            if findings is None:
                result.skipped += 1
                continue
            result.requests += 1
            if self.session_rules:
                record = seen_request(item, self.router)
                if record is not None:
                    result.seen.append(record)
                    if feed_session is not None and len(result.seen) >= SESSION_BATCH:
                        feed_session(result)
            result.inferred += bool(item.routing_note)
            count_response(result.endpoints, item)
            count_time(result.timeline, item, findings)
            if not self.settings.whole_requests:
                _keep_summaries(findings, self.settings)
            result.findings.extend(findings)
        if tracker is not None:
            tracker.file_done(source)

    def run(self, paths: list[str]) -> Report:
        report = Report(errors=list(self.setup_errors))
        sources: list[SourceFile] = []
        # A path that does not exist is reported where it was named, among the files' errors:
        # keyed by how many files were named before it.
        missing: dict[int, list[InputError]] = {}
        for item in self.settings.selection.expand(paths):
            if isinstance(item, InputError):
                missing.setdefault(len(sources), []).append(item)
            else:
                sources.append(item)
        if self.progress is not None:
            self.progress.begin(sources)
        session = SessionChecks(self) if self.session_rules else None  # checks across requests, in input order
        originals = {source.display: source for source in sources}
        # Linted in this process, a log's records are fed as they come, not held for the whole file.
        feed = partial(self._feed_session, session, originals) if session is not None else None
        files_seen = 0
        for result in lint_files(self, sources, feed):
            if not result.continued:
                report.errors.extend(missing.pop(files_seen, ()))
                files_seen += 1
            if feed is not None:
                feed(result, file_done=True)
            report.merge(result)
        for errors in missing.values():
            report.errors.extend(errors)
        return report

    def _feed_session(self, session: SessionChecks, originals: dict, result: FileResult, file_done=False) -> None:
        """Feed the records so far to the checks across requests (in input order); once the file
        is done, their findings join its others in request order."""
        if result.seen:
            ignored = file_settings(self.settings, self.rules, result.display)[1]
            found = session.feed(originals[result.display], result.seen, ignored)
            result.seen = []
            if not self.settings.whole_requests:
                _keep_summaries(found, self.settings)
            result.session_found.extend(found)
        if file_done and result.session_found:
            found, result.session_found = result.session_found, []
            result.findings = sorted(result.findings + found, key=lambda finding: finding.request.index)


def _position_key(finding: Finding):
    position = finding.position
    return (position.line, position.column) if position else (0, 0)


def _keep_summaries(findings: list[Finding], settings: Settings) -> None:
    """The findings as a report keeps them: without their whole request (models.RequestSummary),
    so memory grows with the report and not with the requests behind it (issue 11)."""
    if not findings:  # (a clean run imports no baseline module: start-up time)
        return
    if not settings.fingerprints:  # no report or baseline will fingerprint them
        for finding in findings:
            finding.keep_summary(UNRESOLVED, settings.fix_places)
        return
    from vipps_lint.baseline import offending_value

    for finding in findings:
        finding.keep_summary(offending_value(finding), settings.fix_places)
