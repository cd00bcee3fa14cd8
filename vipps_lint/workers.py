"""Many files (`--jobs`): forked worker processes lint them, and large logs in sections.

The results come back in input order, and a section's requests are numbered on as if one
reader had read the whole file, so the report is the same as with one process.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from vipps_lint.models import FileResult, InputError, SourceFile

if TYPE_CHECKING:
    from vipps_lint.pipeline import Linter

# Below this many files (and bytes), starting worker processes costs more than it saves:
# a pre-commit hook with a few staged files stays in one process.
PARALLEL_MIN_FILES = 512
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
# When workers run (see above), a log at least this large is cut into sections of at least
# this size that they lint side by side.
SECTION_MIN_BYTES = 1024 * 1024
# ... and of at most this size (but for a line longer than that): what a worker holds of a
# section until it sends its result, and the parent of a result until it is merged, grows with
# the section (the records of the checks across requests, a few for every request), so a log
# of any length costs the same memory.
SECTION_MAX_BYTES = 4 * 1024 * 1024


def lint_files(linter: Linter, sources: list[SourceFile], feed_session=None) -> Iterator[FileResult]:
    """A result per file (or per section of a large file), in input order. `feed_session`
    (Linter.lint_file) is used in this process only: forked workers must not feed a copy of
    the run's checks across requests, their records go back with their results."""
    jobs = jobs_for(sources, linter.settings.jobs)
    units = work_units(sources, jobs, linter.settings.read) if jobs > 1 else []
    if len(units) < 2:
        if feed_session is None:
            return map(linter.lint_file, sources)
        return (linter.lint_file(source, feed_session) for source in sources)
    return _rejoined(_lint_in_workers(linter, units, min(jobs, len(units))), sources)


def _rejoined(results: Iterable[FileResult], sources: list[SourceFile]) -> Iterator[FileResult]:
    """Findings of a section point at their whole file again, numbered on from the sections before."""
    originals = {source.display: source for source in sources}
    numbered = 0  # requests of the current file so far
    for result in results:
        if not result.continued:
            numbered = 0
        for request in {id(finding.request): finding.request for finding in result.findings}.values():
            if request.source.section is not None:
                # One source per file again, so code frames index a large file once.
                request.source = originals[result.display]
                if result.continued:
                    request.index += numbered
        if result.continued and result.seen:  # vipps_lint.session's records, numbered on likewise
            result.seen.renumber += numbered
        numbered += result.requests + result.skipped
        yield result


def work_units(sources: list[SourceFile], jobs: int, read_options) -> list[tuple[SourceFile, bool]]:
    """(source, continues the one before) for the workers: whole files, and large logs cut
    into sections when their reader can (`sections`)."""
    import copy

    from vipps_lint.sources import choose_reader

    units = []
    for source in sources:
        try:
            size = os.path.getsize(source.path)
        except OSError:
            size = 0
        # Only a large file is sniffed here; the workers sniff the rest themselves.
        reader = choose_reader(source, read_options) if size >= SECTION_MIN_BYTES else None
        if not hasattr(reader, "sections"):
            units.append((source, False))
            continue
        count = max(min(jobs * 4, size // SECTION_MIN_BYTES), -(-size // SECTION_MAX_BYTES))
        for number, section in enumerate(reader.sections(source, count)):
            part = copy.copy(source)
            part.section = section
            units.append((part, number > 0))
    return units


def jobs_for(sources: list[SourceFile], jobs: Optional[int]) -> int:
    """How many processes to lint these sources in (`jobs`: --jobs, None for one per core)."""
    jobs = jobs or available_cores()
    if jobs <= 1 or not sources or any(source.path is None for source in sources):
        return 1
    if len(sources) < PARALLEL_MIN_FILES and _total_bytes(sources) < PARALLEL_MIN_BYTES:
        return 1
    import multiprocessing  # only for large runs

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
    from vipps_lint.session import PackedRecords

    source, continued = unit
    result = _WORKER_LINTER.lint_file(source)
    result.seen = PackedRecords(result.seen)  # the records of the checks across requests
    result.continued = continued
    for finding in result.findings:
        # Positions are resolved already; a locator (which may hold a closure) stays behind.
        finding.request.locator = None
    return result


def _lint_in_workers(linter: Linter, units: list[tuple[SourceFile, bool]], jobs: int) -> Iterator[FileResult]:
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _WORKER_LINTER
    _WORKER_LINTER = linter
    # What exists now (the compiled linter) is shared with the forked workers page by page;
    # a garbage collection in a worker would touch, and so copy, every page (15% of the run).
    gc.freeze()
    # Small chunks keep the workers evenly loaded when file sizes differ (one big HAR among bodies).
    chunk = max(1, min(64, len(units) // (jobs * 8)))
    try:
        # An executor rather than multiprocessing.Pool: the Pool's housekeeping thread polls
        # every 0.1 s, which a short run pays on start and shut-down.
        done = 0
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as executor:
            try:
                for result in executor.map(_lint_in_worker, units, chunksize=chunk):
                    done += 1
                    yield result
            except BrokenProcessPool:
                # A worker was killed (out of memory, a signal): the files not done are input
                # errors, and the report of the rest is still written (exit 2).
                yield from _not_linted(units[done:])
    finally:
        gc.unfreeze()
        _WORKER_LINTER = None


def _not_linted(units: list[tuple[SourceFile, bool]]) -> Iterator[FileResult]:
    reported = set()
    for source, continued in units:
        result = FileResult(source.display, continued=continued)
        if source.display not in reported:
            reported.add(source.display)
            result.errors.append(
                InputError(
                    source.display,
                    "not linted: a --jobs worker process ended unexpectedly "
                    "(killed, or out of memory?); run again, or with --jobs 1",
                )
            )
        yield result
