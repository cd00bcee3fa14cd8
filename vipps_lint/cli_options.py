"""The command line's options, each declared once; cli.py lists which ones each command takes.

Choices come from the code: report formats from `FORMATS`, input formats from `READERS`,
severities from `SEVERITIES`. An option that several commands share differs at most in its
help text (`help_as_for_check` where a command takes it as `check` does).
"""

from __future__ import annotations

import click

from vipps_lint.reporters import FORMATS
from vipps_lint.severities import SEVERITIES
from vipps_lint.sources import format_names

AS_FOR_CHECK = "As for check."


def together(*decorators):
    """One decorator for several options, shown in --help in the order given."""

    def apply(function):
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def select(help: str = AS_FOR_CHECK):
    return click.option("--select", multiple=True, metavar="RULE", help=help)


def ignore(help: str = AS_FOR_CHECK):
    return click.option("--ignore", multiple=True, metavar="RULE", help=help)


def fail_on(help: str = AS_FOR_CHECK):
    return click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help=help)


def rules(help: str = AS_FOR_CHECK):
    return click.option(
        "--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR", help=help
    )


def output_format(choices, **settings):
    return click.option(
        "--format", "output_format", type=click.Choice(list(choices)), default="text", show_default=True, **settings
    )


def input_format():
    return click.option(
        "--input-format",
        type=click.Choice(format_names()),
        help="Read every input as this format instead of detecting it.",
    )


def flag(name: str, help: str):
    return click.option(name, is_flag=True, help=help)


def file_option(name: str, destination: str, help: str, exists: bool = False, writable: bool = False, **settings):
    """An option naming a file (FILE)."""
    path = click.Path(dir_okay=False, exists=exists, writable=writable)
    return click.option(name, destination, type=path, metavar="FILE", help=help, **settings)


def report_files(function):
    """`--output-FORMAT FILE` for every report format: several reports from one run."""
    return together(
        *(
            file_option(
                f"--output-{name}",
                f"output_{name}",
                f"Also write the {name} report to FILE (any number of --output-FORMAT options).",
                writable=True,
            )
            for name in FORMATS
        )
    )(function)


# Which files are linted (see selection.py); the same keys exist in the configuration.
file_selection = together(
    click.option(
        "--exclude",
        multiple=True,
        metavar="GLOB",
        help="Leave out files and directories matching these globs in a walk (replaces the default list: "
        "node_modules, .venv, dist…); repeat or comma-separate.",
    ),
    click.option(
        "--extend-exclude", multiple=True, metavar="GLOB", help="Leave out these globs as well as the excluded ones."
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
    flag("--exit-zero", "Exit 0 even when there are findings (2 still means an input could not be linted)."),
    flag(
        "--skip-non-requests",
        "Judge named files like files a walk finds: skip (and count) those that are plainly not Vipps "
        "requests, such as package.json or JSON with comments.",
    ),
)

# Which configuration, and what overrides it (see config.py).
configuration = together(
    file_option(
        "--config",
        "config_file",
        "Read this configuration file ([tool.vipps-lint] in a .toml file, or YAML) instead of searching for one.",
        exists=True,
    ),
    click.option("--isolated", "--no-config", "isolated", is_flag=True, help="Ignore every configuration file."),
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
        help="Evaluate rules as of this date: a rule the API enforces only later is reported one severity lower, "
        "as 'enforced from DATE' (default: today).",
    ),
)

# `check`: what to lint and how, the reports, fixes and baselines, where to run.
check = together(
    click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True)),
    click.option(
        "--endpoint",
        metavar='"METHOD /path"',
        help='Which API call bare bodies are for, e.g. "POST /ecomm/v2/payments" or '
        '"POST https://api.klarna.com/checkout/v3/orders". Without it, the call is inferred from the body where '
        "unambiguous.",
    ),
    output_format(FORMATS, help="Report format."),
    click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, allow_dash=True),
        help="Write the report to FILE instead of standard output.",
    ),
    select("Only these rules (ids, prefixes like 'ecom', or globs like 'klarna-*'); repeat or comma-separate."),
    ignore("Skip these rules (same forms as --select)."),
    fail_on("Exit 1 when a finding is at least this severe (default: error)."),
    click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="One line per finding, nothing else (--format concise adds the summary line).",
    ),
    rules("Add the rules in DIR (YAML rule files) to the shipped ones."),
    input_format(),
    click.option(
        "--postman-env",
        type=click.Path(dir_okay=False, exists=True),
        help="An exported Postman environment to resolve {{variables}} in collections.",
    ),
    click.option(
        "--color/--no-color",
        default=None,
        help="Force colour on or off (default: on for terminals, off with NO_COLOR).",
    ),
    flag(
        "--no-progress",
        "Never show the progress display (shown on stderr when it is a terminal and a run lasts over a second).",
    ),
    configuration,
    flag("--statistics", "Show how many findings each rule has instead of each finding."),
    file_option(
        "--baseline",
        "baseline_file",
        "Hide (and do not fail on) the findings recorded in FILE by --write-baseline; report only new ones.",
    ),
    file_option(
        "--write-baseline",
        "write_baseline",
        "Record this run's findings in FILE, to use with --baseline.",
        writable=True,
    ),
    flag("--fix", "Apply the safe fixes in place (https://, phone formats, Klarna fee 0); then report what remains."),
    flag(
        "--diff", "Print the safe fixes as a unified diff instead of applying them; exit 1 if there is anything to fix."
    ),
    report_files,
    click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        metavar="N",
        help="Lint files in N processes (default: one per CPU core). Runs with few files use one; the report is the "
        "same either way.",
    ),
    flag(
        "--allow-outside-files",
        "Let OpenAPI $refs and curl's -d @FILE read files outside the folder of the input that names them "
        "(refused by default).",
    ),
    click.option(
        "--engine",
        type=click.Choice(["local", "spark"]),
        default="local",
        show_default=True,
        help="Where to lint: this machine, or Apache Spark for NDJSON and HAR logs on any path Spark reads "
        "(pip install 'vipps-lint[spark]'; see docs/scale-out.md).",
    ),
    click.option(
        "--master",
        metavar="URL",
        help="With --engine spark: the Spark master (local[4], spark://host:7077, yarn…; default: what "
        "spark-submit says, else local[*]).",
    ),
    click.option(
        "--output-parquet",
        "parquet_dir",
        type=click.Path(file_okay=False),
        metavar="DIR",
        help="With --engine spark: also write the findings table to DIR as Parquet (replacing DIR).",
    ),
    file_option(
        "--spec",
        "specs",
        "Validate bodies against the request schemas of this OpenAPI spec (your own, or a newer Vipps spec) "
        "instead of the shipped ones for its operations.",
        multiple=True,
    ),
    file_selection,
)

# `schemas build`: the specs to derive schemas from, and where they go.
schemas_build = together(
    click.argument("specs", nargs=-1, type=str),
    click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False),
        help="Directory for index.json and <api>/<operationId>.json.",
    ),
    click.option(
        "--remote",
        "remote_refs",
        multiple=True,
        metavar="URL=FILE",
        help="Resolve $refs into the remote document URL with the local FILE (remote documents are never fetched).",
    ),
    flag("--from-site", "Fetch the developer site's spec bundle of every API that has one (specs/sources.yaml)."),
    click.option(
        "--overlay",
        "overlay_file",
        type=click.Path(dir_okay=False),
        help="Announced facts to apply (default: the shipped specs/overlay.yaml when building the official set).",
    ),
    click.option(
        "--coverage",
        "coverage_file",
        type=click.Path(dir_okay=False),
        help="Also write the API coverage table (docs/api-coverage.md).",
    ),
)

# `proxy`: where it listens and forwards to, what it blocks and logs, which rules.
proxy = together(
    click.option(
        "--upstream",
        required=True,
        metavar="URL",
        help="Where requests go on to, e.g. https://apitest.vipps.no (or a mock).",
    ),
    click.option(
        "--listen",
        default="127.0.0.1:8080",
        show_default=True,
        metavar="HOST:PORT",
        help="Address to serve on (port 0: any free port).",
    ),
    flag(
        "--block",
        "Do not forward a request with findings at or above --fail-on: answer HTTP 400 application/problem+json.",
    ),
    file_option(
        "--log",
        "log_file",
        "Append one JSON line a request (findings, outcome, status; secrets masked).",
        writable=True,
    ),
    fail_on("What --block blocks (default: error)."),
    select(),
    ignore(),
    rules(),
    configuration,
    click.option(
        "--max-seconds", type=click.FloatRange(min=0), hidden=True, help="Stop after this many seconds (for tests)."
    ),
)
