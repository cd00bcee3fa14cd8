"""The command line: options only, no logic (that lives in the pipeline stages).

Exit status, for every command: 0 clean, 1 findings at or above --fail-on, 2 something
could not be linted (unreadable input, broken rule file, bad option).
"""

from __future__ import annotations

import sys

import click

from vipps_lint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INCOMPLETE = 0, 1, 2


def _split_selectors(values) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


class _Group(click.Group):
    def main(self, *args, **kwargs):
        # Click exits 2 on usage errors already; make sure nothing else escapes as a traceback.
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="vipps-lint")
def main() -> None:
    """Pre-flight linter for requests to the Vipps MobilePay APIs.

    Lint captured request bodies and dumps before you send them:

        vipps-lint check payment.json
        vipps-lint check --endpoint "POST /ecomm/v2/payments" body.json
        vipps-lint rules
        vipps-lint explain ecom-callback-https
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--endpoint", metavar='"METHOD /path"', help='Which API call bare bodies are for, e.g. "POST /ecomm/v2/payments" or "POST https://api.klarna.com/checkout/v3/orders". Without it, the call is inferred from the body where unambiguous.')
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True), help="Write the report to FILE instead of standard output.")
@click.option("--select", multiple=True, metavar="RULE", help="Only these rules (ids, prefixes like 'ecom', or globs like 'klarna-*'); repeat or comma-separate.")
@click.option("--ignore", multiple=True, metavar="RULE", help="Skip these rules (same forms as --select).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True, help="Exit 1 when a finding is at least this severe.")
@click.option("-q", "--quiet", is_flag=True, help="One line per finding, nothing else.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR", help="Add the rules in DIR (YAML rule files) to the shipped ones.")
@click.option("--input-format", type=click.Choice(["json", "har", "postman", "http", "curl", "ndjson", "openapi"]), help="Read every input as this format instead of detecting it.")
@click.option("--postman-env", type=click.Path(dir_okay=False, exists=True), help="An exported Postman environment to resolve {{variables}} in collections.")
@click.option("--color/--no-color", default=None, help="Force colour on or off (default: on for terminals, off with NO_COLOR).")
def check(paths, endpoint, output_format, output, select, ignore, fail_on, quiet, rule_dirs, input_format, postman_env, color):
    """Lint request bodies and dumps in PATHS (files, directories, or - for stdin)."""
    from vipps_lint.pipeline import Linter, Settings, exit_status  # noqa: PLC0415 - start-up time
    from vipps_lint.reporters import ReportOptions  # noqa: PLC0415
    from vipps_lint.routing import parse_endpoint  # noqa: PLC0415
    from vipps_lint.sources import ReadOptions  # noqa: PLC0415

    if endpoint is not None and parse_endpoint(endpoint) is None:
        raise click.BadParameter(f'{endpoint!r} is not "METHOD /path" or "METHOD https://host/path"', param_hint="--endpoint")
    settings = Settings(
        paths=list(paths),
        endpoint=endpoint,
        select=_split_selectors(select),
        ignore=_split_selectors(ignore),
        rule_dirs=list(rule_dirs),
        fail_on=fail_on,
        read=ReadOptions(input_format=input_format, postman_env=postman_env),
    )
    linter = Linter(settings)
    unknown = linter.rules.unknown_selectors(settings.select + settings.ignore)
    if unknown:
        raise click.BadParameter(f"no rule matches {', '.join(repr(s) for s in unknown)}; `vipps-lint rules` lists them", param_hint="--select/--ignore")
    report = linter.run(settings.paths)
    write_errors(report, sys.stderr)
    options = ReportOptions(color=color, quiet=quiet, fail_on=fail_on)
    if output and output != "-":
        with open(output, "w", encoding="utf-8", newline="\n") as stream:
            write_report(report, output_format, stream, ReportOptions(color=False, quiet=quiet, fail_on=fail_on))
    else:
        write_report(report, output_format, sys.stdout, options)
    sys.exit(exit_status(report, fail_on))


def write_report(report, output_format: str, stream, options) -> None:
    """The one way a report is written, in any format: through a stream that masks every
    secret the inputs held (vipps_lint.secrets), so no reporter can leak one."""
    from vipps_lint.reporters import reporter  # noqa: PLC0415
    from vipps_lint.secrets import Masker, MaskingStream  # noqa: PLC0415

    import dataclasses  # noqa: PLC0415

    masker = Masker(report.secrets)
    masked = MaskingStream(stream, masker)
    reporter(output_format).render(report, masked, dataclasses.replace(options, mask=masker.mask_text))
    masked.finish()


def write_errors(report, stream) -> None:
    """The inputs that could not be read, one `file:line:col: what is wrong` line each, masked."""
    from vipps_lint.secrets import Masker  # noqa: PLC0415

    if report.errors:
        masker = Masker(report.secrets)
        for error in report.errors:
            stream.write(masker.mask_text(str(error)) + "\n")
        stream.flush()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(writable=True, allow_dash=True), help="Write the copy to FILE (one input) or into DIRECTORY (several); default: standard output for one input.")
@click.option("--input-format", type=click.Choice(["json", "har", "postman", "http", "curl", "ndjson", "openapi"]), help="Read every input as this format instead of detecting it.")
def redact(paths, output, input_format):
    """Write a copy of each dump in PATHS with every secret masked, in the same format.

    Bearer tokens, subscription keys, client_id/client_secret, access tokens and secret
    query parameters become e.g. `eyJh…REDACTED`; everything else is unchanged, so the
    copy still parses and can be shared with support:

        vipps-lint redact session.har -o session.redacted.har
    """
    import os  # noqa: PLC0415

    from vipps_lint.redact import redact_source  # noqa: PLC0415
    from vipps_lint.sources import ReadOptions  # noqa: PLC0415

    if len(paths) > 1 and (not output or output == "-" or not os.path.isdir(output)):
        raise click.BadParameter("with several inputs, -o must name an existing directory", param_hint="-o/--output")
    status = EXIT_CLEAN
    for path in paths:
        result = redact_source(path, ReadOptions(input_format=input_format))
        for error in result.errors:
            click.echo(str(error), err=True)
        if result.text is None:
            status = EXIT_INCOMPLETE
            continue
        if result.errors:
            status = EXIT_INCOMPLETE
        if not output or output == "-":
            sys.stdout.write(result.text)
            sys.stdout.flush()
            target = "standard output"
        else:
            target = os.path.join(output, os.path.basename(path)) if os.path.isdir(output) else output
            with open(target, "w", encoding="utf-8", newline="") as stream:
                stream.write(result.text)
        click.echo(f"{path}: {result.masked} secret{'s' if result.masked != 1 else ''} masked → {target}", err=True)
    sys.exit(status)


@main.command(name="rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR", help="Include the rules in DIR.")
def list_rules(output_format, rule_dirs):
    """List every rule: id, severity, what it checks."""
    from vipps_lint.explain import rules_json, rules_markdown, rules_table  # noqa: PLC0415

    rules, errors = _load_rules_or_exit(rule_dirs)
    if output_format == "json":
        import json  # noqa: PLC0415

        click.echo(json.dumps(rules_json(rules), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(rules_markdown(rules), nl=False)
    else:
        rules_table(rules, sys.stdout)
    sys.exit(EXIT_INCOMPLETE if errors else EXIT_CLEAN)


@main.command()
@click.argument("rule_id")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), metavar="DIR", help="Include the rules in DIR.")
def explain(rule_id, rule_dirs):
    """Explain a rule: what it checks, why, a bad and a good example, how to fix it."""
    from vipps_lint.explain import explain_rule  # noqa: PLC0415

    rules, errors = _load_rules_or_exit(rule_dirs)
    if rule_id not in rules:
        import difflib  # noqa: PLC0415

        close = difflib.get_close_matches(rule_id, list(rules), n=1)
        suggestion = f"; did you mean {close[0]}?" if close else "; `vipps-lint rules` lists them"
        click.echo(f"error: unknown rule '{rule_id}'{suggestion}", err=True)
        sys.exit(EXIT_INCOMPLETE)
    from vipps_lint.secrets import Masker, MaskingStream  # noqa: PLC0415

    masked = MaskingStream(sys.stdout, Masker())  # examples may hold credential-shaped values
    explain_rule(rules[rule_id], masked)
    masked.finish()
    sys.exit(EXIT_INCOMPLETE if errors else EXIT_CLEAN)


def _load_rules_or_exit(rule_dirs):
    from vipps_lint.checks.rules import load_rules  # noqa: PLC0415

    rules, errors = load_rules(list(rule_dirs))
    for error in errors:
        click.echo(str(error), err=True)
    return rules, errors


if __name__ == "__main__":
    main()
