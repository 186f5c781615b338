"""A masked transcript of a device session: every line sent and every reply, in the run folder.

When an apply is stopped, the transcript is what shows the engineer what the device said and
where the session was left; `last_line_sent` is what the run record names. Everything written
is masked (known secret values and anything in a secret-carrying position) before it reaches
the file, and every entry is flushed at once, so a killed run still leaves what happened.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from estate.files import PRIVATE_FILE, private_dir
from estate.secrets import mask


class Transcript:
    """Appends every line sent and every reply, masked with the secret values, to `path`
    (0600, created in a 0700 folder), flushed per entry. `last_line_sent` is the last
    configuration line typed, as the plan shows it (placeholders, not values)."""

    def __init__(self, path: Path | None, secrets: Mapping[str, str]) -> None:
        self.path = path
        self.secrets = secrets
        self.last_line_sent: str | None = None
        self._stream: IO[str] | None = None
        self._started = time.monotonic()

    def _write(self, marker: str, text: str) -> None:
        if self.path is None:
            return
        if self._stream is None:
            private_dir(self.path.parent)
            handle = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
            os.fchmod(handle, PRIVATE_FILE)  # an existing file keeps no wider mode
            self._stream = os.fdopen(handle, "a", encoding="utf-8")
        elapsed = time.monotonic() - self._started
        masked = mask(text.replace("\r\n", "\n").replace("\r", "\n"), self.secrets)
        for line in masked.split("\n") or [""]:
            self._stream.write(f"{elapsed:9.3f} {marker} {line}\n")
        self._stream.flush()

    def sent(self, line: str, *, config: bool = True) -> None:
        """A line typed; `config` lines (not navigation) become `last_line_sent`."""
        if config:
            self.last_line_sent = line
        self._write(">", line)

    def received(self, text: str) -> None:
        if text:
            self._write("<", text)

    def note(self, text: str) -> None:
        """estate's own remark (why it stopped, what it checks next)."""
        self._write("#", text)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def __enter__(self) -> Transcript:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
