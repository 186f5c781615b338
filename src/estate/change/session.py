"""The apply engine: configuration lines sent one at a time, each reply and prompt verified.

Owns `apply_lines` (stops at the first line whose reply is not a clean echo or whose prompt is
not the mode that line must leave the session in), the IOS-XE revert-timer session
(`begin_revert_session`, `confirm`, `revert_now`) and leaving configuration mode (`end_config`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from estate.change.transcript import Transcript


class ApplyRejected(Exception):  # noqa: N818 - the name the push flow codes against
    """The device did not accept `line` (1-based `line_number`): `reply` is what it said,
    `prompt` the prompt it was left at."""

    def __init__(self, line_number: int, line: str, reply: str, prompt: str, reason: str = "") -> None:
        self.line_number = line_number
        self.line = line
        self.reply = reply
        self.prompt = prompt
        self.reason = reason
        super().__init__(f"line {line_number} {line.strip()!r} rejected: {reason or reply.strip()}")


def apply_lines(connection: Any, lines: Sequence[str], *, transcript: Transcript,
                secrets: Mapping[str, str], timeout: float) -> None:
    """Send `lines` (hier_config sectional output, already in configuration mode) one by one,
    verifying each; raises `ApplyRejected` at the first line not accepted."""
    raise NotImplementedError


def begin_revert_session(connection: Any, minutes: int, transcript: Transcript) -> None:
    """Check `archive` has a path, then `configure terminal revert timer <minutes>`, verified."""
    raise NotImplementedError


def end_config(connection: Any, transcript: Transcript) -> None:
    """Leave configuration mode, verified at the EXEC prompt."""
    raise NotImplementedError


def confirm(connection: Any, transcript: Transcript) -> None:
    """`configure confirm`, verified: no revert timer is left running."""
    raise NotImplementedError


def revert_now(connection: Any, transcript: Transcript) -> None:
    """`configure revert now`: back to the configuration before the revert session."""
    raise NotImplementedError
