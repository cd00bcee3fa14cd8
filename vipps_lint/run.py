"""`vipps-lint check`, after its options are read: lint, then fix, baseline and report.

    status = check(CheckOptions(paths=["payment.json"], output_format="json"))

`check` returns the exit status (vipps_lint/status.py); a broken configuration or report file
raises `Incomplete`, a wrong option `UsageError` (the CLI prints them and exits 2).
Messages for people (fix counts, refused fixes, unreadable inputs) go to standard error.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import click

from vipps_lint.status import EXIT_INCOMPLETE, Incomplete, UsageError, exit_status, status


@dataclass
class CheckOptions:
    """What `check` was asked for: one field per command-line option."""

    paths: list[str]
    endpoint: Optional[str] = None
    output_format: str = "text"
    output: Optional[str] = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    fail_on: Optional[str] = None
    quiet: bool = False
    rule_dirs: tuple[str, ...] = ()
    input_format: Optional[str] = None
    postman_env: Optional[str] = None
    color: Optional[bool] = None
    no_progress: bool = False
    config_file: Optional[str] = None
    isolated: bool = False
    as_of: Optional[date] = None
    statistics: bool = False
    baseline_file: Optional[str] = None
    write_baseline: Optional[str] = None
    fix: bool = False
    diff: bool = False
    jobs: Optional[int] = None
    allow_outside_files: bool = False
    specs: tuple[str, ...] = ()
    report_files: dict[str, str] = field(default_factory=dict)  # format → FILE (--output-FORMAT)
    # Which files (vipps_lint.selection; the configuration has the same keys).
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: Optional[bool] = None
    force_exclude: Optional[bool] = None
    skip_non_requests: bool = False
    stdin_filename: Optional[str] = None
    exit_zero: bool = False
    engine: str = "local"  # or "spark": vipps_lint.spark (docs/scale-out.md)
    master: Optional[str] = None
    parquet_dir: Optional[str] = None  # --output-parquet DIR

    @classmethod
    def from_command_line(cls, paths, as_of, **options) -> CheckOptions:
        """The options as click gives them: `output_FORMAT` keys, `as_of` a datetime."""
        report_keys = [key for key in options if key.startswith("output_") and key != "output_format"]
        report_files = {key.removeprefix("output_"): options.pop(key) for key in report_keys}
        return cls(
            paths=list(paths),
            as_of=as_of.date() if as_of is not None else None,
            report_files={name: path for name, path in report_files.items() if path},
            **options,
        )


def check(options: CheckOptions) -> int:
    from vipps_lint.config import check_selectors, command_line_settings, load_effective
    from vipps_lint.pipeline import Linter
    from vipps_lint.reporters import ReportOptions, write_errors, write_report, write_report_file

    _check_usage(options)
    command_line = command_line_settings(
        options.select, options.ignore, options.extend_select, options.fail_on, options.rule_dirs, options.as_of
    )
    command_line.update(_command_line_selection(options))
    config, effective = load_effective(options.config_file, options.isolated, command_line)
    settings = _settings(options, config, {key: value for key, (value, _origin) in effective.items()})
    linter = Linter(settings)
    check_selectors(linter.rules, config, effective)
    if options.engine == "spark":
        from vipps_lint.spark.cli import run_report

        report = run_report(linter, settings.paths, options.master, options.parquet_dir)
    else:
        report = _run(linter, settings.paths, options)
    if options.diff:
        return _show_fixes(report)
    errors_shown: set[str] = set()
    if options.fix:
        write_errors(report, sys.stderr)  # first: "not fixed" lines below refer to these errors
        errors_shown = {str(error) for error in report.errors}
        if _apply_fixes(report):
            report = _run(linter, settings.paths, options)  # what remains, read back from the fixed files
    if options.write_baseline:
        _write_baseline(report, options.write_baseline)
    if options.baseline_file:
        _apply_baseline(report, options.baseline_file)
    write_errors(report, sys.stderr, skip=errors_shown)
    report_options = ReportOptions(
        color=options.color,
        quiet=options.quiet,
        fail_on=settings.fail_on,
        statistics=options.statistics,
        rules=linter.rules.rules,
    )
    if options.output and options.output != "-":
        write_report_file(report, options.output_format, options.output, report_options)
    else:
        write_report(report, options.output_format, sys.stdout, report_options)
    for output_format, path in options.report_files.items():
        write_report_file(report, output_format, path, report_options)
    return exit_status(report, settings.fail_on, options.exit_zero)


def _command_line_selection(options: CheckOptions) -> dict:
    """The file-selection keys the command line sets (it overrides the configuration)."""
    given: dict = {}
    for key, values in (("exclude", options.exclude), ("extend-exclude", options.extend_exclude)):
        if values:
            given[key] = [item.strip() for value in values for item in value.split(",") if item.strip()]
    if options.respect_gitignore is not None:
        given["respect-gitignore"] = options.respect_gitignore
    if options.force_exclude is not None:
        given["force-exclude"] = options.force_exclude
    return given


def _check_usage(options: CheckOptions) -> None:
    from vipps_lint.routing import parse_endpoint

    if options.endpoint is not None and parse_endpoint(options.endpoint) is None:
        raise UsageError(f'{options.endpoint!r} is not "METHOD /path" or "METHOD https://host/path"', "--endpoint")
    if options.postman_env is not None:
        from vipps_lint.safe_io import regular_file_problem

        if regular_file_problem(options.postman_env):
            raise UsageError(f"{options.postman_env}: {regular_file_problem(options.postman_env)}", "--postman-env")
    if (options.fix or options.diff) and "-" in options.paths:
        raise UsageError("standard input cannot be fixed in place; save it to a file first", "--fix/--diff")
    if options.engine != "local" or options.master or options.parquet_dir:
        from vipps_lint.spark.cli import check_usage

        fixing = options.fix or options.diff
        check_usage(options.engine, options.master, options.parquet_dir, options.paths, fixing)
    if options.statistics and options.output_format not in ("text", "concise"):
        raise UsageError(
            f"--statistics works with --format text or concise; the {options.output_format} report lists every finding",
            "--statistics",
        )


def _settings(options: CheckOptions, config, value: dict):
    from vipps_lint.selection import FileSelection
    from vipps_lint.settings import Settings
    from vipps_lint.sources import ReadOptions

    return Settings(
        paths=_without_baseline_files(options.paths, [options.baseline_file, options.write_baseline]),
        endpoint=options.endpoint,
        select=value["select"],
        ignore=value["ignore"],
        extend_select=value["extend-select"],
        severities=value["severity"],
        rule_dirs=value["rules"],
        fail_on=value["fail-on"],
        read=ReadOptions(
            input_format=options.input_format,
            postman_env=options.postman_env,
            allow_outside_files=options.allow_outside_files,
        ),
        per_file_ignores=value["per-file-ignores"],
        endpoints=value["endpoints"],
        config_dir=config.directory if config is not None else None,
        as_of=value["as-of"],
        specs=list(options.specs),
        jobs=options.jobs,
        whole_requests="html" in (options.output_format, *options.report_files),
        fix_places=options.fix or options.diff or _reports_show_fixes(options),
        fingerprints="sarif" in (options.output_format, *options.report_files)
        or bool(options.baseline_file or options.write_baseline),
        selection=FileSelection(
            exclude=value["exclude"],
            extend_exclude=value["extend-exclude"],
            respect_gitignore=value["respect-gitignore"],
            force_exclude=value["force-exclude"],
            skip_non_requests=options.skip_non_requests,
            base=config.directory if config is not None else None,
            stdin_filename=options.stdin_filename,
            never=frozenset(os.path.realpath(path) for path in (options.baseline_file, options.write_baseline) if path),
        ),
    )


def _reports_show_fixes(options: CheckOptions) -> bool:
    """Does a report asked for show fix counts or edits (a reporter's `needs`)?"""
    from vipps_lint.reporters import ReportOptions, reporter

    asked = ReportOptions(quiet=options.quiet, statistics=options.statistics)
    for output_format in (options.output_format, *options.report_files):
        module = reporter(output_format)
        if hasattr(module, "needs") and module.needs(asked):
            return True
    return False


def _run(linter, paths: list[str], options: CheckOptions):
    """linter.run, with the progress display on stderr when it is wanted (vipps_lint.progress)."""
    from vipps_lint import progress

    if not progress.wanted(sys.stderr, options.quiet, options.no_progress):
        return linter.run(paths)
    linter.progress = progress.Tracker()
    display = progress.Display(linter.progress, sys.stderr)
    display.start()
    try:
        return linter.run(paths)
    finally:
        display.stop()  # erased before the report or any error line is written
        linter.progress = None


def _without_baseline_files(paths, baseline_files) -> list[str]:
    if not any(baseline_files):
        return list(paths)  # the usual run: no need to import the baseline module
    from vipps_lint.baseline import without_baseline_files

    return without_baseline_files(list(paths), baseline_files)


def _write_baseline(report, path: str) -> None:
    from vipps_lint.baseline import write_baseline
    from vipps_lint.words import plural

    try:
        write_baseline(report, path)
    except OSError as error:
        raise Incomplete(f"{path}: cannot write the baseline: {error.strerror or error}") from None
    _say(f"Recorded {plural(len(report.findings), 'finding')} in {path}.")


def _apply_baseline(report, path: str) -> None:
    from vipps_lint.baseline import apply_baseline, load_baseline
    from vipps_lint.models import InputError

    accepted = load_baseline(path)
    if isinstance(accepted, InputError):
        raise Incomplete(str(accepted))
    apply_baseline(report, accepted, path)


def _show_fixes(report) -> int:
    """--diff: print what --fix would change; exit 1 if anything (2 if an input was unreadable)."""
    from vipps_lint.fixes import fix_plans, problems_in_files, unified_diff
    from vipps_lint.reporters import write_errors
    from vipps_lint.secrets import Masker

    write_errors(report, sys.stderr)
    masker = Masker(report.secrets)  # the diff's context lines are raw file text
    plans, refused = fix_plans(report)
    _say(*refused)
    for plan in plans:
        click.echo(masker.mask_text(unified_diff(plan)), nl=False)
    _say(f"Would fix {problems_in_files(plans)}." if plans else "No fixes available.")
    return status(bool(report.errors), bool(plans))


def _apply_fixes(report) -> bool:
    """--fix: write the fixed files; True when any file changed."""
    from vipps_lint.fixes import fix_plans, problems_in_files, write_plans

    plans, refused = fix_plans(report)
    _say(*refused)
    written, failed = write_plans(plans)
    _say(*failed)
    _say(f"Fixed {problems_in_files(written)}." if written else "No fixes applied.")
    return bool(written)


def _say(*lines: str) -> None:
    for line in lines:
        click.echo(line, err=True)


__all__ = ["EXIT_INCOMPLETE", "CheckOptions", "Incomplete", "UsageError", "check"]
