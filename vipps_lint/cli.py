"""The command line: each command gathers its options and calls one function in a stage module.

`check` → `vipps_lint.run.check`, `config` → `vipps_lint.config.show_command`, `proxy` →
`vipps_lint.proxy.command_line`, and so on. The options are declared once, in
`vipps_lint/cli_options.py`, their choices taken from the registries (readers, reporters,
severities). Exit status, for every command, is decided in `vipps_lint/status.py`: 0 clean,
1 findings at or above --fail-on, 2 something could not be linted (unreadable input, broken
rule file, bad option).
"""

from __future__ import annotations

import sys

import click

from vipps_lint import __version__, cli_options
from vipps_lint.reporters import write_errors, write_report, write_report_file
from vipps_lint.status import EXIT_INCOMPLETE, EXIT_INTERRUPTED

# Kept importable from here for code written against earlier versions.
__all__ = ["main", "write_errors", "write_report", "write_report_file"]

INCLUDE_RULES = "Include the rules in DIR."


class _Group(click.Group):
    def main(self, *args, **kwargs):
        # Click exits 2 on usage errors already; make sure nothing else escapes as a traceback.
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)

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


def _exit(run) -> None:
    """Run a command's work and exit with the status it returns: a wrong option is a usage
    error, `Incomplete` says why it stops (a line each) and exits 2."""
    from vipps_lint.status import Incomplete, UsageError

    try:
        status = run()
    except UsageError as error:
        if error.option is None:
            raise click.UsageError(str(error)) from None
        raise click.BadParameter(str(error), param_hint=error.option) from None
    except Incomplete as error:
        for line in error.lines:
            click.echo(line, err=True)
        status = EXIT_INCOMPLETE
    sys.exit(status)


@main.command()
@cli_options.check
def check(**options):
    """Lint request bodies and dumps in PATHS (files, directories, or - for stdin).

    \b
    Examples:
      vipps-lint check payment.json
      vipps-lint check .                            # a repository: .gitignore and excludes respected
      vipps-lint check --format github --output-sarif vipps-lint.sarif requests/
      git show HEAD:requests/pay.json | vipps-lint check --stdin-filename requests/pay.json -
    """
    from vipps_lint.run import CheckOptions
    from vipps_lint.run import check as run_check

    _exit(lambda: run_check(CheckOptions.from_command_line(**options)))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(writable=True, allow_dash=True),
    help="Write the copy to FILE (one input) or into DIRECTORY (several); default: standard output for one input.",
)
@cli_options.input_format()
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
@cli_options.output_format(["text", "json", "markdown"])
@cli_options.rules(INCLUDE_RULES)
def list_rules(output_format, rule_dirs):
    """List every rule: id, severity, what it checks."""
    from vipps_lint.explain import list_rules

    _exit(lambda: list_rules(rule_dirs, output_format))


@main.command()
@click.argument("rule_id")
@cli_options.rules(INCLUDE_RULES)
def explain(rule_id, rule_dirs):
    """Explain a rule: what it checks, why, a bad and a good example, how to fix it."""
    from vipps_lint.explain import explain_command

    _exit(lambda: explain_command(rule_id, rule_dirs))


@main.command(name="config")
@cli_options.together(cli_options.select(), cli_options.ignore(), cli_options.fail_on(), cli_options.rules())
@cli_options.configuration
@cli_options.output_format(["text", "json"])
def show_config(**options):
    """Print the effective configuration and where each value comes from."""
    from vipps_lint.config import show_command

    _exit(lambda: show_command(**options))


@main.group(name="schemas")
def schemas_group() -> None:
    """Derive request-body JSON Schemas from OpenAPI specs."""


@schemas_group.command(name="build")
@cli_options.schemas_build
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
@cli_options.proxy
def proxy(**options):
    """A linting reverse proxy: point a test environment's Vipps base URL at it.

    Every request is linted and forwarded to --upstream unchanged; findings are printed as
    they come (and logged as NDJSON with --log), secrets masked. Needs the proxy extra:
    pip install 'vipps-lint[proxy]'.

    \b
        vipps-lint proxy --upstream https://apitest.vipps.no --listen 127.0.0.1:8080 --block
    """
    from vipps_lint.proxy import command_line

    _exit(lambda: command_line(**options))


if __name__ == "__main__":
    main()
