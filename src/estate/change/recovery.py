"""Getting a device back to its backup after its change failed, and proving it is there.

Before the confirm the device holds the way back itself: estate first asks the live session
for `configure revert now`; if that session is gone (a dropped link, a change that cut the
management path) the device reverts on its own when its timer expires. Either way estate then
reconnects, with exponential backoff, until it can read the device and compare it with the
backup: back at the backup is the end (`rolled-back`, or `self-reverted` when the timer did
it); reached but not back (the timer already fired, or the change was confirmed) means the
difference is restored through a revert session of its own. Reconnecting goes on for
`rollback_for` seconds (default: the revert timer plus two minutes); after that the device's
state is unknown and the result names the backup and the command that restores it.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from estate.change import session
from estate.change.device_push import (
    Outcome,
    PushStepError,
    close,
    describe,
    open_session,
    step,
)
from estate.change.diff import compute_diff, running_sha256, same_config

if TYPE_CHECKING:
    from estate.change.device_push import DevicePush

REVERTED_NOW = "reverted (configure revert now), verified at backup"
TIMER_GRACE = 120.0  # seconds past the timer's expiry worth waiting for a device to come back


def default_rollback_for(revert_minutes: int) -> float:
    return revert_minutes * 60.0 + TIMER_GRACE


def restore_command(run_id: str, device: str) -> str:
    return f"estate rollback --run {run_id} --device {device} --commit"


def recover(push: DevicePush, *, pending: bool) -> tuple[Outcome, str | None, str]:
    """(outcome, final running hash, how it ended) for a device whose change failed; `pending`:
    the revert session was never confirmed, so the device can still revert on its own."""
    rec, name = push.rec, push.target.name
    settings = push.job.settings
    if pending and push.connection is not None:
        try:
            with step(rec, name, "revert-now", **push.where()):
                with suppress(Exception):  # a rejected line leaves the session in a configuration mode
                    session.end_config(push.connection, push.transcript, settings.command_timeout)
                session.revert_now(push.connection, push.transcript, settings.command_timeout)
                current = push.read_scoped(push.connection)
                if not same_config(current, push.backup):
                    raise PushStepError("revert-now", "device differs from its backup after the revert")
            return Outcome.ROLLED_BACK, running_sha256(current), REVERTED_NOW
        except Exception:  # noqa: S110 - recorded by step(); the reconnecting loop takes over
            pass
    close(push.connection)
    push.connection = None
    started = time.monotonic()
    give_up = started + settings.rollback_for
    delay, attempt = settings.backoff_first, 0
    while True:
        attempt += 1
        connection: Any = None
        try:
            with step(rec, name, "rollback", attempt=attempt, **push.where()):
                connection = open_session(push.job)
                ended = _back_at_backup(push, connection, pending)
            took = f"after {time.monotonic() - started:.1f} s, attempt {attempt}"
            return ended[0], ended[1], f"{ended[2]} ({took})"
        except Exception:  # noqa: S110 - every attempt is recorded by step(); the next one reconnects
            pass
        finally:
            close(connection)
        if time.monotonic() + delay > give_up:
            break
        time.sleep(delay)
        delay = min(delay * 2, settings.backoff_max)
    command = restore_command(rec.run_id, push.target.name)
    backup = push.result.backup or "none taken"
    rec.write(name, "state", "unknown", backup=backup, restore=command)
    return (Outcome.STATE_UNKNOWN, None,
            f"device state unknown: not proven at its backup after {attempt} attempts over "
            f"{time.monotonic() - started:.0f} s; backup {backup}; restore it with: {command}")


def _back_at_backup(push: DevicePush, connection: Any, pending: bool) -> tuple[Outcome, str, str]:
    current = push.read_scoped(connection)
    if same_config(current, push.backup):
        if pending:
            return Outcome.SELF_REVERTED, running_sha256(current), "the device reverted itself (revert timer); " \
                                                                   "verified at backup"
        return Outcome.ROLLED_BACK, running_sha256(current), "verified at backup"
    if pending:
        try:  # the timer has not fired yet: revert now rather than wait for it
            session.revert_now(connection, push.transcript, push.job.settings.command_timeout)
            current = push.read_scoped(connection)
            if same_config(current, push.backup):
                return Outcome.ROLLED_BACK, running_sha256(current), REVERTED_NOW
        except Exception as exc:
            push.transcript.note(f"configure revert now from a new session failed: {describe(exc)}")
    return Outcome.ROLLED_BACK, restore(push, connection, current), "restored from backup, verified"


def restore(push: DevicePush, connection: Any, current: str) -> str:
    """Send the difference from `current` back to the backup, verify; the final running hash.
    Raises on any failure (the caller retries). No revert timer here: if this session were
    lost, a timer would put back the failed change, not the backup."""
    target, settings = push.target, push.job.settings
    lines = compute_diff(target.name, target.hostname, current, push.backup).remediation
    if lines:
        push.transcript.note("restoring the backup: configuration mode without a revert timer")
        connection.config_mode()
        session.apply_lines(connection, lines, transcript=push.transcript, secrets=push.job.secrets,
                            timeout=settings.command_timeout)
        session.end_config(connection, push.transcript, settings.command_timeout)
    now = push.read_scoped(connection)
    if not same_config(now, push.backup):
        raise PushStepError("rollback-verify", "device differs from its backup after the restore")
    return running_sha256(now)
