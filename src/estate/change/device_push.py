"""One device's change, as a state machine, and the outcome model every device ends in.

connect (failures classified) → read facts, refuse a platform mismatch → operational snapshot
→ backup (secrets kept as `${NAME}` placeholders, 0600) → plan check and risk acknowledgement
→ apply inside an IOS-XE revert session (`configure terminal revert timer N`, each line
verified, `end`) → verify (re-read: nothing left to change) and prove management access over a
fresh session → operational snapshot again (fewer bundled members, neighbours or joined APs
fails the device) → `configure confirm` → `write memory`.

Until the confirm, the device itself holds the way back: any failure is followed by
`configure revert now` over the live session, or, when estate lost the device, by the timer
expiring on the device; `estate.change.recovery` waits for that, proves the device is back at
its backup and, failing that, restores it, retrying with backoff.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from estate.change import checks, session
from estate.change.connections import ConnectFailure, DeviceAccess, classify
from estate.change.diff import compute_diff, running_sha256, to_placeholders
from estate.change.fetch import ConnectSettings, Credentials, connect, show_running
from estate.change.plans import PlanError, PlannedDevice, approved_lines
from estate.change.review import Target, scoped_text
from estate.change.risk import RiskSettings, assess, uplink_interfaces, wan_interfaces
from estate.change.runs import CHANGING_STEPS, RunRecord
from estate.change.transcript import Transcript
from estate.secrets import MASK

INTERRUPTED = "interrupted"


class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already-applied"  # a plan re-run: the device already runs the plan's result
    UNCHANGED = "unchanged"
    NOT_IN_PLAN = "not-in-plan"  # the plan did not approve a change for it: left alone
    REFUSED = "refused"  # stale plan, changed source of truth, risk not accepted, no convergence: untouched
    PLATFORM_MISMATCH = "platform-mismatch"  # the device is not what the inventory says: untouched
    AUTH_FAILED = "auth-failed"
    ENABLE_FAILED = "enable-failed"
    CONNECTION_REFUSED = "connection-refused"
    TIMEOUT = "timeout"
    HOST_KEY_UNKNOWN = "host-key-unknown"
    HOST_KEY_CHANGED = "host-key-changed"
    UNREACHABLE = "unreachable"  # any other failure to connect or back up: untouched
    ROLLED_BACK = "rolled-back"  # the change failed; estate put it back, verified at its backup
    SELF_REVERTED = "self-reverted"  # estate lost the device; its revert timer put it back (verified)
    STATE_UNKNOWN = "state-unknown"  # the change failed and the device could not be proven at its backup
    SKIPPED = "skipped"  # not attempted (site stopped, outside its window, canary failed, budget spent)

    @property
    def failed(self) -> bool:
        return self not in _NOT_FAILED


_NOT_FAILED = frozenset({Outcome.APPLIED, Outcome.ALREADY_APPLIED, Outcome.UNCHANGED, Outcome.NOT_IN_PLAN,
                         Outcome.SKIPPED})
CONNECT_OUTCOMES = {
    ConnectFailure.AUTH_FAILED: Outcome.AUTH_FAILED,
    ConnectFailure.ENABLE_FAILED: Outcome.ENABLE_FAILED,
    ConnectFailure.REFUSED: Outcome.CONNECTION_REFUSED,
    ConnectFailure.TIMEOUT: Outcome.TIMEOUT,
    ConnectFailure.HOST_KEY_UNKNOWN: Outcome.HOST_KEY_UNKNOWN,
    ConnectFailure.HOST_KEY_CHANGED: Outcome.HOST_KEY_CHANGED,
}


@dataclass(frozen=True, slots=True)
class PushSettings:
    connect: ConnectSettings
    canary: int = 0
    max_failures: int = 1
    site_workers: int = 4
    runs_dir: Path = Path("build/runs")
    command_timeout: float = 30.0
    revert_minutes: int = 5  # the device reverts on its own this long after the change began
    rollback_for: float = 300.0  # how long recovery keeps trying before "device state unknown"
    backoff_first: float = 0.5
    backoff_max: float = 15.0
    risk: RiskSettings = field(default_factory=RiskSettings)
    accept_risks: frozenset[str] | None = frozenset()  # None: not checked (a restore from backup)
    operational_checks: bool = True
    rotate: frozenset[str] = frozenset()  # without a plan: secrets to send again (--rotate-secret)

    def __post_init__(self) -> None:
        # zero workers would skip every site; a negative canary count would slice from the end
        if self.canary < 0 or self.max_failures < 1 or self.site_workers < 1:
            raise ValueError(f"push settings out of range: canary {self.canary} (>= 0), max_failures "
                             f"{self.max_failures} (>= 1), site_workers {self.site_workers} (>= 1)")
        if not 1 <= self.revert_minutes <= 120 or self.rollback_for < 0:
            raise ValueError(f"push settings out of range: revert_minutes {self.revert_minutes} (1..120), "
                             f"rollback_for {self.rollback_for} (>= 0)")


@dataclass(slots=True)
class DeviceResult:
    target: str
    site_id: str | None
    outcome: Outcome
    detail: str = ""
    backup_sha256: str | None = None
    final_sha256: str | None = None
    lines: int = 0
    seconds: float = 0.0
    backup: str | None = None  # the backup file, where one was taken
    transcript: str | None = None
    last_line_sent: str | None = None


class PushStepError(Exception):
    """One step of applying a change failed (the push phase's one exception class)."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step


class Interrupt:
    """How a caller stops a run. `request()`: launch nothing new (no site, no device, no apply);
    devices already changing finish or roll back. `abort()`: the caller is about to exit at
    once; the record says so and names the devices in flight."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._record: RunRecord | None = None

    def request(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def attach(self, record: RunRecord | None) -> None:
        self._record = record

    def abort(self) -> RunRecord | None:
        self._event.set()
        if self._record is not None:
            self._record.aborted()
        return self._record


@dataclass
class DeviceJob:
    """What one device's change needs besides the target itself."""

    access: DeviceAccess | None
    credentials: Credentials
    settings: PushSettings
    secrets: Mapping[str, str]
    all_sites: Sequence[str]
    record: RunRecord
    plan: Mapping[str, PlannedDevice] | None
    host_keys: Any  # known_hosts parsed once per run (see fetch.preload_host_keys)
    interrupt: Interrupt


class ConnectError(Exception):
    """Connecting failed, classified (the message names device, address and port)."""

    def __init__(self, failure: ConnectFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure


def describe(exc: BaseException) -> str:
    """One line for the summary: never a traceback, never a blank first line."""
    if isinstance(exc, PushStepError):
        return str(exc.args[0])
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def open_session(job: DeviceJob) -> Any:
    """A privileged session to the job's device; `ConnectError` (classified) on failure."""
    access = job.access
    assert access is not None
    try:
        connection, _ = connect(access, job.credentials, job.settings.connect, job.host_keys)
    except Exception as exc:
        failure, message = classify(exc, access)
        raise ConnectError(failure, message) from exc
    return connection


def close(connection: Any) -> None:
    if connection is None:
        return
    with suppress(Exception):  # a dead session has nothing left to close
        connection.disconnect()


@contextmanager
def step(record: RunRecord, target: str, name: str, **extra: Any) -> Iterator[None]:
    """Record a step: its start (durably, for the steps that send config), its end and time;
    a failure's full detail goes to the run's log, one line to the record."""
    if name in CHANGING_STEPS:
        record.started(target, name, **extra)
    else:
        record.entering(target, name)
    started = time.monotonic()
    try:
        yield
    except Exception as exc:
        record.log(target, name, "".join(traceback.format_exception(exc)))
        record.write(target, name, "failed", time.monotonic() - started, detail=describe(exc), **extra)
        raise
    record.write(target, name, "ok", time.monotonic() - started, **extra)


class DevicePush:
    """One target's change from connect to save, or back to its backup."""

    def __init__(self, target: Target, job: DeviceJob) -> None:
        self.target, self.job = target, job
        self.rec = job.record
        self.result = DeviceResult(target.name, target.site_id, Outcome.UNREACHABLE)
        self.connection: Any = None
        self.backup = ""  # the scoped backup, placeholders for current secrets
        self.transcript = Transcript(job.record.transcript_path(target.name), job.secrets)
        self.result.transcript = str(self.transcript.path)
        self.revert_started: float | None = None  # monotonic time the revert session opened

    def where(self) -> dict[str, Any]:
        """What `estate runs show` needs to name a half-changed device."""
        return {"hostname": self.target.hostname, "site": self.target.site_id}

    def read_scoped(self, connection: Any) -> str:
        raw = show_running(connection, self.job.settings.connect)
        return scoped_text(self.target, raw, self.job.all_sites, self.job.secrets)

    def run(self) -> DeviceResult:
        started = time.monotonic()
        self.rec.device_started(self.target.name)
        try:
            self._run()
        finally:
            close(self.connection)
            self.transcript.close()
            self.result.last_line_sent = self.transcript.last_line_sent
            self.result.seconds = time.monotonic() - started
            self.rec.device_ended(self.target.name)
        return self.result

    def _run(self) -> None:
        if not self._reach():
            return
        before = self._snapshot("snapshot-before")
        if not self._back_up():
            return
        result, job = self.result, self.job
        try:
            with step(self.rec, self.target.name, "plan-check" if job.plan is not None else "diff",
                      running_sha256=result.backup_sha256):
                decided = self._decide()
        except Exception as exc:
            result.outcome, result.detail = Outcome.REFUSED, describe(exc)
            return
        if isinstance(decided, Outcome):
            result.outcome, result.final_sha256 = decided, result.backup_sha256
            return
        result.lines = len(decided)
        if job.interrupt.requested:  # backed up, nothing sent yet: leave it untouched
            result.outcome, result.detail = Outcome.SKIPPED, INTERRUPTED
            result.final_sha256 = result.backup_sha256
            return
        self._change(decided, before)

    def _reach(self) -> bool:
        """Connected to the device the inventory describes; else the result says why."""
        result = self.result
        if self.job.access is None:
            result.detail = "no address for this device"
            self.rec.write(self.target.name, "connect", "failed", detail=result.detail)
            return False
        try:
            with step(self.rec, self.target.name, "connect"):
                self.connection = open_session(self.job)
        except ConnectError as exc:
            result.outcome = CONNECT_OUTCOMES.get(exc.failure, Outcome.UNREACHABLE)
            result.detail = str(exc)
            return False
        try:
            with step(self.rec, self.target.name, "facts"):
                facts = checks.read_facts(self.connection)
        except Exception as exc:  # a device that does not answer `show version` is not reachable enough
            failure, message = classify(exc, self.job.access)
            result.outcome = CONNECT_OUTCOMES.get(failure, Outcome.UNREACHABLE)
            result.detail = f"cannot read show version: {message}"
            return False
        mismatch = checks.platform_mismatch(facts, self.job.access)
        if mismatch is not None:
            self.rec.write(self.target.name, "platform", "mismatch", detail=mismatch)
            result.outcome, result.detail = Outcome.PLATFORM_MISMATCH, mismatch
            return False
        return True

    def _back_up(self) -> bool:
        result, job = self.result, self.job
        try:
            with step(self.rec, self.target.name, "backup"):
                raw = show_running(self.connection, job.settings.connect)
                self.backup = scoped_text(self.target, raw, job.all_sites, job.secrets)
                result.backup_sha256 = running_sha256(self.backup)
                result.backup = str(self.rec.backup(self.target.name, to_placeholders(raw, job.secrets)))
        except Exception as exc:
            result.detail = describe(exc)
            return False
        return True

    def _snapshot(self, name: str) -> checks.Snapshot | None:
        if not self.job.settings.operational_checks:
            return None
        try:
            with step(self.rec, self.target.name, name):
                return checks.snapshot(self.connection, self.target.role.value)
        except Exception:  # recorded by step(); without a before picture there is nothing to compare
            return None

    def _decide(self) -> tuple[str, ...] | Outcome:
        """The lines to send (a fresh diff; with a plan, exactly the approved lines after the
        hash checks), or the outcome that ends the device here."""
        target, job = self.target, self.job
        planned = None if job.plan is None else job.plan.get(target.name)
        # a plan's lines were diffed with its rotations: the fresh diff must be made the same way
        rotate = planned.rotated if planned is not None else job.settings.rotate
        diff = compute_diff(target.name, target.hostname, self.backup, target.intended, rotate=rotate)
        if job.plan is not None:
            if planned is None:
                return Outcome.NOT_IN_PLAN if diff.changed else Outcome.UNCHANGED
            if planned.intended_sha256 != target.intended_sha256:
                raise PushStepError("plan-check", "intended config changed since the plan was reviewed")
            if planned.running_sha256 != running_sha256(self.backup):
                # converged since the review: a rotation always re-sends, so judge without it
                settled = diff if not rotate else compute_diff(target.name, target.hostname, self.backup,
                                                               target.intended)
                if not settled.changed:
                    return Outcome.ALREADY_APPLIED
                raise PushStepError("plan-check", "running config changed since the plan was reviewed "
                                                  "(hash mismatch)")
        if not diff.changed:
            return Outcome.UNCHANGED
        if not (diff.converged and diff.rollback_converged):
            raise PushStepError("diff", "remediation does not converge")
        lines = diff.remediation
        unsendable = [line.strip() for line in lines if MASK in line]
        if unsendable:
            raise PushStepError("diff", f"{len(unsendable)} line(s) hold a masked value estate does not know and "
                                        f"cannot send, first: {unsendable[0]}")
        if planned is not None:
            try:
                lines = approved_lines(planned.remediation, diff.remediation, job.secrets)
            except PlanError as exc:
                raise PushStepError("plan-check", str(exc)) from exc
        self._check_risks(lines, diff.added, diff.removed, planned)
        return lines

    def _check_risks(self, lines: Sequence[str], added: int, removed: int, planned: PlannedDevice | None) -> None:
        accepted = self.job.settings.accept_risks
        if accepted is None:
            return
        both = [*self.backup.splitlines(), *self.target.intended.splitlines()]
        wan = wan_interfaces(both, router=self.target.is_router)
        kinds = {r.kind.value for r in assess(lines, added, removed, self.job.settings.risk, uplink_interfaces(both),
                                              wan=wan)}
        kinds |= set(planned.risks if planned is not None else ())
        missing = sorted(kinds - accepted)
        if missing:
            raise PushStepError("risk", f"risk not accepted: {', '.join(missing)} "
                                        f"(review it, then add --accept-risk {','.join(sorted(kinds))})")

    def _change(self, lines: Sequence[str], before: checks.Snapshot | None) -> None:
        from estate.change.recovery import recover

        job, name, result = self.job, self.target.name, self.result
        try:
            with step(self.rec, name, "revert-session", minutes=job.settings.revert_minutes):
                session.begin_revert_session(self.connection, job.settings.revert_minutes, self.transcript,
                                             job.settings.command_timeout)
                self.revert_started = time.monotonic()
        except Exception as exc:
            # nothing was sent; a half-open session is ended by the revert below if it opened
            result.outcome, result.detail = Outcome.REFUSED, f"no revert session, nothing sent: {describe(exc)}"
            with suppress(Exception):
                session.revert_now(self.connection, self.transcript, job.settings.command_timeout)
            return
        confirmed = False
        try:
            with step(self.rec, name, "apply", lines=len(lines), **self.where()):
                session.apply_lines(self.connection, lines, transcript=self.transcript, secrets=job.secrets,
                                    timeout=job.settings.command_timeout)
                session.end_config(self.connection, self.transcript, job.settings.command_timeout)
            after_text = self._verify()
            self._check_operation(before)
            with step(self.rec, name, "confirm"):
                session.confirm(self.connection, self.transcript, job.settings.command_timeout)
                confirmed = True
            with step(self.rec, name, "save"):
                self.connection.save_config()
        except Exception as exc:
            result.detail = describe(exc)
            if self.transcript.last_line_sent is not None:
                self.rec.write(name, "last-line-sent", "-", line=self.transcript.last_line_sent)
            result.outcome, result.final_sha256, how = recover(self, pending=not confirmed)
            result.detail = f"{result.detail}; {how}"
            return
        result.outcome, result.final_sha256 = Outcome.APPLIED, running_sha256(after_text)

    def _verify(self) -> str:
        """Re-read: nothing left to change; then a fresh session proves management access."""
        with step(self.rec, self.target.name, "verify"):
            after = self.read_scoped(self.connection)
            left = compute_diff(self.target.name, self.target.hostname, after, self.target.intended)
            if left.changed:
                raise PushStepError("verify", f"{len(left.remediation)} lines still differ after the push")
        with step(self.rec, self.target.name, "reconnect"):
            try:
                close(open_session(self.job))
            except ConnectError as exc:
                raise PushStepError("reconnect", f"management access lost after the change: {exc}") from exc
        return after

    def _check_operation(self, before: checks.Snapshot | None) -> None:
        if before is None:
            return
        with step(self.rec, self.target.name, "snapshot-after"):
            after = checks.snapshot(self.connection, self.target.role.value)
            found = checks.regressions(before, after)
            if found:
                raise PushStepError("operational-check", "operational regression: " + "; ".join(found))


def push_device(target: Target, job: DeviceJob) -> DeviceResult:
    return DevicePush(target, job).run()
