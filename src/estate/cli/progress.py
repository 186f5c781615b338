"""The one progress bar of the command line (Rich), for the steps that can take seconds:
render, fetch, diff, push, backup.

It draws on stderr only when stderr is a terminal and `-q` was not given, and only once a step
has run for `SHOW_AFTER` seconds, so quick steps, pipes, log files and tests stay clean. The
bar is removed when the step ends: what stays on the screen is the command's own output.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Progress = Callable[[int, int], None]  # (done, total), callable from any thread
SHOW_AFTER = 1.0  # seconds: a step shorter than ~2 s never draws a bar


def enabled(stream: TextIO, quiet: int | bool = 0) -> bool:
    isatty = getattr(stream, "isatty", None)
    return not quiet and callable(isatty) and bool(isatty())


def _silent(done: int, total: int) -> None:
    del done, total


@contextmanager
def progress_bar(what: str, unit: str, *, quiet: int | bool = 0, stream: TextIO | None = None,
                 show_after: float = SHOW_AFTER) -> Iterator[Progress]:
    """A callback `progress(done, total)` for the duration of the block: "rendering dev
    [=====     ] 120/500 sites 0:00:03"."""
    out = sys.stderr if stream is None else stream
    if not enabled(out, quiet):
        yield _silent
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    bar = RichProgress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn(),
                       console=Console(file=out), transient=True)
    task = bar.add_task(what, total=None)
    started = time.monotonic()
    lock = threading.Lock()
    shown = False

    def update(done: int, total: int) -> None:
        nonlocal shown
        bar.update(task, completed=done, total=total)
        if shown or time.monotonic() - started < show_after:
            return
        with lock:
            if not shown:
                bar.start()
                shown = True

    try:
        yield update
    finally:
        if shown:
            bar.stop()
