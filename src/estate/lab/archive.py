"""Configuration archive and Rollback Confirmed Change, as IOS-XE does them.

``archive`` / `` path flash:<dir>/`` must be in the running config before
``configure terminal revert timer <minutes>`` is accepted (otherwise IOS answers
``%Turn config archive on before using Rollback Confirmed Change`` and stays at EXEC). The
command snapshots the running config and opens configuration mode; unless ``configure confirm``
arrives before the timer runs out, the device puts that snapshot back by itself. ``configure
revert now`` reverts at once, ``configure revert timer <minutes>`` restarts the countdown.

Time is the device's :attr:`~estate.lab.ios_cli.DeviceState.clock`; one "minute" lasts
:attr:`~estate.lab.ios_cli.DeviceState.minute_seconds` (60, or less in tests through the
``revert_minute_seconds`` fault). A due revert is carried out at the first look at the device
after its deadline (a line typed, a connection, a read by the lab, the server's ticker), which
no client can tell from a revert on the dot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from estate.lab.config_tree import ConfigTree, words

if TYPE_CHECKING:
    from estate.lab.ios_cli import CliSession, DeviceState

NO_ARCHIVE = "%Turn config archive on before using Rollback Confirmed Change"
NOT_PENDING = "%No Rollback Confirmed Change pending"
MAX_MINUTES = 120


@dataclass
class PendingRevert:
    """A Rollback Confirmed Change in progress: what to go back to, and when."""

    snapshot: ConfigTree
    archive_file: str
    minutes: int
    deadline: float
    configured_at: datetime
    user: str


def archive_path(tree: ConfigTree) -> str | None:
    """The `` path`` under ``archive``, None when the archive is not configured."""
    section = tree.find(["archive"])
    if section is None:
        return None
    for child in section.children:
        parts = words(child.text)
        if len(parts) == 2 and parts[0] == "path":
            return parts[1]
    return None


def _archive_file(device: DeviceState, path: str, when: datetime) -> str:
    device.archive_count += 1
    day = f"{when.day:>2}".replace(" ", "-")  # IOS pads the day with a dash: Mar--1
    stamp = f"{when:%b}-{day}-{when:%H-%M-%S}.{when.microsecond // 1000:03d}"
    return f"{path.replace('$h', device.hostname)}-{stamp}-{device.archive_count - 1}"


def start(session: CliSession, minutes: int) -> str | None:
    """``configure terminal revert timer <minutes>``: an error text, or None once configuring."""
    device = session.device
    path = archive_path(device.running)
    if path is None:
        return NO_ARCHIVE
    now = datetime.now(UTC)
    deadline = device.clock() + minutes * device.minute_seconds
    if device.pending is not None:  # a second timed session keeps the first snapshot
        device.pending.deadline, device.pending.minutes = deadline, minutes
    else:
        device.pending = PendingRevert(
            device.running.copy(), _archive_file(device, path, now), minutes, deadline, now, session.user
        )
    return None


def confirm(device: DeviceState) -> str:
    if device.pending is None:
        return NOT_PENDING
    device.pending = None
    return ""


def revert_now(device: DeviceState) -> str:
    if device.pending is None:
        return NOT_PENDING
    target = device.pending.archive_file
    device.revert()
    return f"Rollback Confirmed Change: Rolling to:{target}\nTotal number of passes: 1\nRollback Done"


def restart_timer(device: DeviceState, minutes: int) -> str:
    if device.pending is None:
        return NOT_PENDING
    device.pending.minutes = minutes
    device.pending.deadline = device.clock() + minutes * device.minute_seconds
    return ""


def show_timer(device: DeviceState) -> str:
    pending = device.pending
    if pending is None:
        return NOT_PENDING
    left = max(0.0, pending.deadline - device.clock()) / device.minute_seconds * 60
    return "\n".join(
        [
            f"Time configured: {pending.configured_at.strftime('%H:%M:%S UTC %a %b %d %Y')}",
            "Timer type: Revert timer",
            f"Timer value: {pending.minutes} min",
            f"Time remaining: {int(left) // 60:02d}:{int(left) % 60:02d}",
            f"User: {pending.user}",
        ]
    )


def minutes_arg(text: str) -> int | None:
    """A timer value IOS accepts (1-120 minutes), else None."""
    if not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_MINUTES else None
