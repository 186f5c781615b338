"""A masked transcript of a device session: every line sent and every reply, in the run folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class Transcript:
    """Appends every line sent and every reply, masked with the secret values, to `path`
    (0600), flushed per line. `last_line_sent` is the last configuration line typed."""

    def __init__(self, path: Path, secrets: Mapping[str, str]) -> None:
        self.path = path
        self.secrets = secrets
        self.last_line_sent: str | None = None

    def sent(self, line: str) -> None:
        raise NotImplementedError

    def received(self, text: str) -> None:
        raise NotImplementedError

    def note(self, text: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
