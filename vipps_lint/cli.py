"""The command line: options only, no logic (that lives in the pipeline stages).

Each command gathers its options and calls one function: `check` → `vipps_lint.run.check`.
The choices of options come from the registries (readers, reporters, severities). Exit
status, for every command, is decided in `vipps_lint/status.py`: 0 clean, 1 findings at or
above --fail-on, 2 something could not be linted (unreadable input, broken rule file, bad option).
"""

from __future__ import annotations

import sys

import click

from vipps_lint import __version__
from vipps_lint.models import SEVERITIES
from vipps_lint.reporters import FORMATS, write_errors, write_report, write_report_file
from vipps_lint.sources import format_names
from vipps_lint.status import EXIT_INCOMPLETE

# Kept importable from here for code written against earlier versions.
__all__ = ["main", "write_errors", "write_report", "write_report_file"]


class _Group(click.Group):
    def main(self, *args, **kwargs):
        # Click exits 2 on usage errors already; make sure nothing else escapes as a traceback.
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    def invoke(self, ctx):
        # The last resort (vipps_lint/crash.py): any unexpected exception is one line and exit 2,
        # never a traceback with exit 1, which CI would take for findings.
        from vipps_lint.crash import last_resort

        with last_resort():
            return super().invoke(ctx)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="vipps-lint")
def main() -> None:
    """Pre-flight linter for requests to the Vipps MobilePay APIs.

    Lint captured request bodies and dumps before you send them:

    \b
        vipps-lint check payment.json
        vipps-lint check --endpoint "POST /ecomm/v2/payments" body.json
        vipps-lint rules
        vipps-lint explain ecom-callback-https
    """


def _report_formats() -> list[str]:
    return list(FORMATS)


def _output_file_options(function):
    """`--output-FORMAT FILE` for every report format: several reports from one run."""
    for name in reversed(_report_formats()):
        function = click.option(
            f"--output-{name}",
            f"output_{name}",
            type=click.Path(dir_okay=False, writable=True),
            metavar="FILE",
            help=f"Also write the {name} report to FILE (any number of --output-FORMAT options).",
        )(function)
    return function


def _file_selection_options(function):
    """Which files are linted (see selection.py); the same keys exist in the configuration."""
    for option in reversed(
        [
            click.option(
                "--exclude",
                multiple=True,
                metavar="GLOB",
                help="Leave out files and directories matching these globs in a walk (replaces the default list: "
                "node_modules, .venv, dist…); repeat or comma-separate.",
            ),
            click.option(
                "--extend-exclude",
                multiple=True,
                metavar="GLOB",
                help="Leave out these globs as well as the excluded ones.",
            ),
            click.option(
                "--respect-gitignore/--no-respect-gitignore",
                default=None,
                help="Skip what .gitignore files ignore when walking a directory (default: on).",
            ),
            click.option(
                "--force-exclude/--no-force-exclude",
                default=None,
                help="Apply the excludes to files named on the command line too (as pre-commit names them).",
            ),
            click.option(
                "--stdin-filename",
                metavar="PATH",
                help="The file name standard input stands for: shown in the report, and matched by per-file-ignores, "
                "endpoints and (with --force-exclude) excludes.",
            ),
            click.option(
                "--exit-zero",
                is_flag=True,
                help="Exit 0 even when there are findings (2 still means an input could not be linted).",
            ),
            click.option(
                "--skip-non-requests",
                is_flag=True,
                help="Judge named files like files a walk finds: skip (and count) those that are plainly not Vipps "
                "requests, such as package.json or JSON with comments.",
            ),
        ]
    ):
        function = option(function)
    return function


def _configuration_options(function):
    """Options that choose or override the configuration (see config.py)."""
    for option in reversed(
        [
            click.option(
                "--config",
                "config_file",
                type=click.Path(dir_okay=False, exists=True),
                metavar="FILE",
                help="Read this configuration file ([tool.vipps-lint] in a .toml file, or YAML) instead of searching for one.",
            ),
            click.option(
                "--isolated", "--no-config", "isolated", is_flag=True, help="Ignore every configuration file."
            ),
            click.option(
                "--extend-select",
                multiple=True,
                metavar="RULE",
                help="Add these rules to the selection (same forms as --select).",
            ),
            click.option(
                "--as-of",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                metavar="YYYY-MM-DD",
                help="Evaluate rules as of this date: a rule the API enforces only later is reported one severity lower, as 'enforced from DATE' (default: today).",
            ),
        ]
    ):
        function = option(function)
    return function


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--endpoint",
    metavar='"METHOD /path"',
    help='Which API call bare bodies are for, e.g. "POST /ecomm/v2/payments" or "POST https://api.klarna.com/checkout/v3/orders". Without it, the call is inferred from the body where unambiguous.',
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(_report_formats()),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULE",
    help="Only these rules (ids, prefixes like 'ecom', or globs like 'klarna-*'); repeat or comma-separate.",
)
@click.option("--ignore", multiple=True, metavar="RULE", help="Skip these rules (same forms as --select).")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 when a finding is at least this severe (default: error).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="One line per finding, nothing else (--format concise adds the summary line)."
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Add the rules in DIR (YAML rule files) to the shipped ones.",
)
@click.option(
    "--input-format", type=click.Choice(format_names()), help="Read every input as this format instead of detecting it."
)
@click.option(
    "--postman-env",
    type=click.Path(dir_okay=False, exists=True),
    help="An exported Postman environment to resolve {{variables}} in collections.",
)
@click.option(
    "--color/--no-color", default=None, help="Force colour on or off (default: on for terminals, off with NO_COLOR)."
)
@click.option(
    "--no-progress",
    is_flag=True,
    help="Never show the progress display (shown on stderr when it is a terminal and a run lasts over a second).",
)
@_configuration_options
@click.option("--statistics", is_flag=True, help="Show how many findings each rule has instead of each finding.")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Hide (and do not fail on) the findings recorded in FILE by --write-baseline; report only new ones.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Record this run's findings in FILE, to use with --baseline.",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Apply the safe fixes in place (https://, phone formats, Klarna fee 0); then report what remains.",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the safe fixes as a unified diff instead of applying them; exit 1 if there is anything to fix.",
)
@_output_file_options
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Lint files in N processes (default: one per CPU core). Runs with few files use one; the report is the same either way.",
)
@click.option(
    "--allow-outside-files",
    is_flag=True,
    help="Let OpenAPI $refs and curl's -d @FILE read files outside the folder of the input that names them "
    "(refused by default).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Where to lint: this machine, or Apache Spark for NDJSON and HAR logs on any path Spark reads (pip install 'vipps-lint[spark]'; see docs/scale-out.md).",
)
@click.option(
    "--master",
    metavar="URL",
    help="With --engine spark: the Spark master (local[4], spark://host:7077, yarn…; default: what spark-submit says, else local[*]).",
)
@click.option(
    "--output-parquet",
    "parquet_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="With --engine spark: also write the findings table to DIR as Parquet (replacing DIR).",
)
@click.option(
    "--spec",
    "specs",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Validate bodies against the request schemas of this OpenAPI spec (your own, or a newer Vipps spec) instead of the shipped ones for its operations.",
)
@_file_selection_options
def check(paths, output_format, rule_dirs, specs, **options):
    """Lint request bodies and dumps in PATHS (files, directories, or - for stdin).

    \b
    Examples:
      vipps-lint check payment.json
      vipps-lint check .                            # a repository: .gitignore and excludes respected
      vipps-lint check --format github --output-sarif vipps-lint.sarif requests/
      git show HEAD:requests/pay.json | vipps-lint check --stdin-filename requests/pay.json -
    """
    from vipps_lint.run import CheckOptions  # start-up time
    from vipps_lint.run import check as run_check

    report_files = {key.removeprefix("output_"): options.pop(key) for key in list(options) if key.startswith("output_")}
    as_of = options.pop("as_of")
    _exit(
        lambda: run_check(
            CheckOptions(
                paths=list(paths),
                output_format=output_format,
                rule_dirs=rule_dirs,
                specs=specs,
                as_of=as_of.date() if as_of is not None else None,
                report_files={name: path for name, path in report_files.items() if path},
                **options,
            )
        )
    )


def _exit(run) -> None:
    """Run a command's work and exit with the status it returns."""
    sys.exit(_or_exit(run))


def _or_exit(run):
    """What `run()` returns; a wrong option is a usage error, `Incomplete` stops with 2."""
    from vipps_lint.status import Incomplete, UsageError

    try:
        return run()
    except UsageError as error:
        if error.option is None:
            raise click.UsageError(str(error)) from None
        raise click.BadParameter(str(error), param_hint=error.option) from None
    except Incomplete as error:
        for line in error.lines:
            click.echo(line, err=True)
        sys.exit(EXIT_INCOMPLETE)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(writable=True, allow_dash=True),
    help="Write the copy to FILE (one input) or into DIRECTORY (several); default: standard output for one input.",
)
@click.option(
    "--input-format", type=click.Choice(format_names()), help="Read every input as this format instead of detecting it."
)
def redact(paths, output, input_format):
    """Write a copy of each dump in PATHS with every secret masked, in the same format.

    Bearer tokens, subscription keys, client_id/client_secret, access tokens and secret
    query parameters become e.g. `eyJh…REDACTED`; everything else is unchanged, so the
    copy still parses and can be shared with support:

    \b
        vipps-lint redact session.har -o session.redacted.har
    """
    from vipps_lint.redact import redact_files
    from vipps_lint.sources import ReadOptions

    _exit(lambda: redact_files(list(paths), output, ReadOptions(input_format=input_format)))


@main.command(name="rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Include the rules in DIR.",
)
def list_rules(output_format, rule_dirs):
    """List every rule: id, severity, what it checks."""
    from vipps_lint.explain import list_rules as run

    _exit(lambda: run(rule_dirs, output_format))


@main.command()
@click.argument("rule_id")
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Include the rules in DIR.",
)
def explain(rule_id, rule_dirs):
    """Explain a rule: what it checks, why, a bad and a good example, how to fix it."""
    from vipps_lint.explain import explain_command

    _exit(lambda: explain_command(rule_id, rule_dirs))


@main.command(name="config")
@click.option("--select", multiple=True, metavar="RULE", help="As for check.")
@click.option("--ignore", multiple=True, metavar="RULE", help="As for check.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="As for check.")
@click.option(
    "--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR", help="As for check."
)
@_configuration_options
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show_config(select, ignore, fail_on, rule_dirs, config_file, isolated, extend_select, as_of, output_format):
    """Print the effective configuration and where each value comes from."""
    from vipps_lint.config import command_line_settings, describe, load_effective

    command_line = command_line_settings(select, ignore, extend_select, fail_on, rule_dirs, as_of)
    config, effective = _or_exit(lambda: load_effective(config_file, isolated, command_line))
    click.echo(describe(config, effective, output_format))


# -- schemas: deriving request-body schemas from OpenAPI specs ------------------------------


@main.group(name="schemas")
def schemas_group() -> None:
    """Derive request-body JSON Schemas from OpenAPI specs."""


@schemas_group.command(name="build")
@click.argument("specs", nargs=-1, type=str)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for index.json and <api>/<operationId>.json.",
)
@click.option(
    "--remote",
    "remote_refs",
    multiple=True,
    metavar="URL=FILE",
    help="Resolve $refs into the remote document URL with the local FILE (remote documents are never fetched).",
)
@click.option(
    "--from-site",
    is_flag=True,
    help="Fetch the developer site's spec bundle of every API that has one (specs/sources.yaml).",
)
@click.option(
    "--overlay",
    "overlay_file",
    type=click.Path(dir_okay=False),
    help="Announced facts to apply (default: the shipped specs/overlay.yaml when building the official set).",
)
@click.option(
    "--coverage",
    "coverage_file",
    type=click.Path(dir_okay=False),
    help="Also write the API coverage table (docs/api-coverage.md).",
)
def schemas_build(specs, out_dir, remote_refs, from_site, overlay_file, coverage_file):
    """Build one JSON Schema (draft 2020-12) per operation request body, and the index.

    SPECS are spec files, http(s) URLs of spec bundles, or a directory holding the newest
    spec of each API (laid out as specs/sources.yaml says):

    \b
        vipps-lint schemas build ../shared/vipps-specs-2026 --out schemas --coverage docs/api-coverage.md
        vipps-lint schemas build --from-site ../shared/vipps-specs-2026 --out schemas
        vipps-lint schemas build specs/*.yaml --out schemas
    """
    from vipps_lint.openapi.build import build_command

    _exit(lambda: build_command(list(specs), out_dir, remote_refs, from_site, overlay_file, coverage_file))


@main.command()
@click.option(
    "--upstream",
    required=True,
    metavar="URL",
    help="Where requests go on to, e.g. https://apitest.vipps.no (or a mock).",
)
@click.option(
    "--listen",
    default="127.0.0.1:8080",
    show_default=True,
    metavar="HOST:PORT",
    help="Address to serve on (port 0: any free port).",
)
@click.option(
    "--block",
    is_flag=True,
    help="Do not forward a request with findings at or above --fail-on: answer HTTP 400 application/problem+json.",
)
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Append one JSON line a request (findings, outcome, status; secrets masked).",
)
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="What --block blocks (default: error).")
@click.option("--select", multiple=True, metavar="RULE", help="As for check.")
@click.option("--ignore", multiple=True, metavar="RULE", help="As for check.")
@click.option(
    "--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR", help="As for check."
)
@_configuration_options
@click.option(
    "--max-seconds", type=click.FloatRange(min=0), hidden=True, help="Stop after this many seconds (for tests)."
)
def proxy(
    upstream,
    listen,
    block,
    log_file,
    fail_on,
    select,
    ignore,
    rule_dirs,
    config_file,
    isolated,
    extend_select,
    as_of,
    max_seconds,
):
    """A linting reverse proxy: point a test environment's Vipps base URL at it.

    Every request is linted and forwarded to --upstream unchanged; findings are printed as
    they come (and logged as NDJSON with --log), secrets masked. Needs the proxy extra:
    pip install 'vipps-lint[proxy]'.

    \b
        vipps-lint proxy --upstream https://apitest.vipps.no --listen 127.0.0.1:8080 --block
    """
    from vipps_lint.api import ConfigError, Linter
    from vipps_lint.config import split_selectors as _split_selectors
    from vipps_lint.proxy import command

    try:
        linter = Linter(
            config_file or (None if isolated else True),
            select=_split_selectors(select) or None,
            ignore=_split_selectors(ignore) or None,
            extend_select=_split_selectors(extend_select) or None,
            rules=list(rule_dirs) or None,
            fail_on=fail_on,
            as_of=as_of.date() if as_of else None,
        )
    except ConfigError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(EXIT_INCOMPLETE)
    sys.exit(command(upstream, listen, block, log_file, linter, fail_on, max_seconds))


if __name__ == "__main__":
    main()
