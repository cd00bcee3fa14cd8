"""`check --engine spark`, the command line's side: option checks, and the run, with every
failure of Spark itself as one line and exit status 2 (`Incomplete`)."""

from __future__ import annotations

from typing import Optional

from vipps_lint.status import Incomplete, UsageError


def check_usage(engine: str, master: Optional[str], output_parquet: Optional[str], paths, fixing: bool) -> None:
    if engine != "spark":
        if master or output_parquet:
            raise UsageError("only with --engine spark", "--master" if master else "--output-parquet")
        return
    if "-" in paths:
        raise UsageError("the Spark engine reads files, not standard input", "--engine")
    if fixing:
        raise UsageError("--fix and --diff edit local files; run them without --engine spark", "--engine")


def run_report(linter, paths: list[str], master: Optional[str], output_parquet: Optional[str]):
    from vipps_lint.spark.engine import EngineError, java_message, run

    if linter.settings.as_of is None:
        # Decided once, on the driver: every executor then checks as of the same day.
        linter.settings.as_of = linter.as_of
    try:
        return run(linter, paths, master, output_parquet)
    except EngineError as error:
        raise Incomplete(f"error: {error}") from None
    except Exception as error:  # noqa: BLE001 - a failed Spark job is one line, never a traceback
        raise Incomplete(f"error: the Spark job failed: {java_message(error)}") from None
