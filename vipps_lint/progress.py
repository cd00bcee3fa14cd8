"""Progress on long runs: a `rich` display on stderr while a directory or a day of logs is linted.

Shown only when stderr is a terminal, without `--quiet` or `--no-progress`, and only once a
run has lasted about a second (`DELAY`): a pre-commit hook never sees it. It is transient
(erased when the run ends, before the report is written) and never touches stdout, so a
machine-readable report there is never mixed with it.

What it shows: for several files, files done of files found; for one input (a large log),
bytes done of its size (NDJSON logs report their bytes as they stream); and for both,
requests per second and the time left.

The counts live in shared memory (`multiprocessing.Array`) created before `--jobs` forks its
workers, so the workers' `Tracker` adds to the same counters the parent's display reads:
workers report their progress to the parent without any message passing. A tracker adds its
counts in batches (every `BATCH` requests and when a file ends), so the lock is rarely taken.

`VIPPS_LINT_PROGRESS_DELAY` (seconds) replaces `DELAY`; the tests set it to 0.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Optional

from vipps_lint.models import SourceFile

DELAY = 1.0  # seconds a run lasts before the display appears
REFRESH = 0.1  # seconds between updates of the display
BATCH = 256  # requests a tracker counts before it adds them to the shared counters

FILES, BYTES, REQUESTS = 0, 1, 2


def wanted(stream, quiet: bool, disabled: bool) -> bool:
    """Show progress on `stream` (stderr)? Only on a terminal, never with --quiet or --no-progress."""
    if quiet or disabled:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _size(source: SourceFile) -> int:
    if source.section is not None:
        return source.section.end - source.section.start
    if source.path is None:
        return 0
    try:
        return os.path.getsize(source.path)
    except OSError:
        return 0


class Tracker:
    """Counts what the linting process (the parent, or a forked worker) has done.

    `Linter.lint_file` calls `advance` after each request and `file_done` at the end of each
    file (or section of a file); bytes come from `SourceFile.consumed`, which streaming
    readers keep up to date, and the rest of a file's size is added when it is done.
    """

    def __init__(self):
        import multiprocessing  # only when progress is shown

        start_method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        self.shared = multiprocessing.get_context(start_method).Array("d", 3)
        self.files = 0
        self.total_bytes = 0
        self.begun = False  # the inputs are found (walking a large tree can take a while)
        self._requests = 0  # not yet added to the shared counters
        self._counted: dict[int, int] = {}  # id(source) → its bytes already counted

    def begin(self, sources: list[SourceFile]) -> None:
        """The run has found its inputs."""
        self.files = len(sources)
        self.total_bytes = sum(_size(source) for source in sources)
        self.begun = True

    def advance(self, source: SourceFile) -> None:
        self._requests += 1
        if self._requests >= BATCH:
            self._flush(source)

    def _flush(self, source: Optional[SourceFile], files: int = 0, rest_of: int = 0) -> None:
        consumed = source.consumed if source is not None else 0
        counted = self._counted.get(id(source), 0)
        grown = max(0, consumed - counted) + rest_of
        if source is not None:
            self._counted[id(source)] = counted + grown
        with self.shared.get_lock():
            self.shared[REQUESTS] += self._requests
            self.shared[BYTES] += grown
            self.shared[FILES] += files
        self._requests = 0

    def file_done(self, source: SourceFile) -> None:
        counted = max(self._counted.get(id(source), 0), source.consumed)
        self._flush(
            source,
            files=0 if source.section is not None and source.section.start > 0 else 1,
            rest_of=max(0, _size(source) - counted),
        )
        self._counted.pop(id(source), None)

    def counts(self) -> tuple[int, int, int]:
        """(files done, bytes done, requests) so far, as the parent sees them."""
        with self.shared.get_lock():
            return int(self.shared[FILES]), int(self.shared[BYTES]), int(self.shared[REQUESTS])


class Display:
    """The rich progress display of a run, fed by a `Tracker`'s counters from a thread."""

    def __init__(self, tracker: Tracker, stream, delay: Optional[float] = None):
        self.tracker = tracker
        self.stream = stream
        self.delay = float(os.environ.get("VIPPS_LINT_PROGRESS_DELAY", DELAY)) if delay is None else delay
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._started = time.monotonic()
        self.shown = False

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="vipps-lint-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self.delay > 0 and self._stop.wait(self.delay):
            return  # done within the delay: nothing is ever shown
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(file=self.stream, stderr=True, highlight=False)
        progress = Progress(
            TextColumn("[bold]vipps-lint[/]"),
            BarColumn(),
            TextColumn("{task.fields[done]}"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
        )
        task = progress.add_task("lint", total=None, done="finding inputs…", rate="")
        progress.start()
        self.shown = True
        try:
            while True:
                self._update(progress, task)
                progress.refresh()
                if self._stop.wait(REFRESH):
                    break
            self._update(progress, task)  # the final counts, drawn once before the display is erased
            progress.refresh()
        finally:
            progress.stop()

    def _update(self, progress, task) -> None:
        tracker = self.tracker
        if not tracker.begun:
            return
        files, done_bytes, requests = tracker.counts()
        rate = f"{requests / max(time.monotonic() - self._started, 1e-6):,.0f} requests/s"
        if tracker.files > 1:  # a directory, or several inputs: files done of found
            progress.update(
                task,
                total=tracker.files,
                completed=min(files, tracker.files),
                rate=rate,
                done=f"{files:,} of {tracker.files:,} files",
            )
        elif tracker.total_bytes:  # one large log: bytes done of its size
            progress.update(
                task,
                total=tracker.total_bytes,
                completed=min(done_bytes, tracker.total_bytes),
                rate=rate,
                done=f"{_mib(done_bytes)} of {_mib(tracker.total_bytes)}",
            )
        else:  # standard input: no size to go by
            progress.update(task, rate=rate, done=f"{requests:,} request" + ("" if requests == 1 else "s"))

    def stop(self) -> None:
        """End the display (erasing it) before anything else is written."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _mib(count: int) -> str:
    return f"{count / (1024 * 1024):,.1f} MiB"
