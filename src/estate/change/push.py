"""Committing changes to devices, safely: backup → (plan hash check) → apply → verify → save,
and on any failure roll back and prove the device is back at its backup.

The site is the unit of a rollout. Within a site: access switches first, then the core, then
the site's share of the WLC. An access switch's change cannot cut the core off from the rest
of the site, and the core (whose port-channels the access uplinks land on) is changed only
once every access switch took its change cleanly; a failure stops the site there. Canary sites
run first and the run waits for them (any canary failure stops the run); then sites run in
parallel until the failure budget is spent. The shared WLC is changed by one site at a time.

One committed run per environment at a time (`estate.change.lock`). An `Interrupt` stops the
run from launching anything new (sites, devices, applies) while devices already changing finish
or roll back; the record names every device whose change started (`estate.change.runs`).

Everything written (run record, summary, backups) is masked; plans and diffs hold placeholders,
resolved into secret values only in memory, just before lines are sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from estate.change.diff import compute_diff, push_blocks, running_sha256, same_config
from estate.change.fetch import (
    ConnectSettings,
    Credentials,
    Endpoint,
    connect,
    describe_error,
    preload_host_keys,
    show_running,
)
from estate.change.lock import EnvironmentLock, LockOwner
from estate.change.review import PlanError, PlannedDevice, Target, approved_lines, scoped_text
from estate.change.runs import CHANGING_STEPS, RunRecord, new_run_id
from estate.device_model import Role
from estate.secrets import resolve

ERROR_PATTERN = r"% Invalid|% Incomplete|% Ambiguous|% Unknown"
ROLLBACK_ATTEMPTS = 3
INTERRUPTED = "interrupted"
_ROLE_ORDER = {Role.ACCESS: 0, Role.CORE: 1, Role.WLC_SITE: 2, Role.WLC_GLOBAL: 3}


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    NOT_IN_PLAN = "not-in-plan"  # the plan did not approve a change for it: left alone
    REFUSED = "refused"  # stale plan hash, changed source of truth, no convergence: untouched
    UNREACHABLE = "unreachable"  # could not connect or back up: untouched
    ROLLED_BACK = "rolled-back"  # the change failed; the device is verified back at its backup
    ROLLBACK_FAILED = "rollback-failed"  # the change failed and the device is NOT at its backup
    SKIPPED = "skipped"  # not attempted (site stopped, canary failed, budget spent)

    @property
    def failed(self) -> bool:
        return self in {Outcome.REFUSED, Outcome.UNREACHABLE, Outcome.ROLLED_BACK, Outcome.ROLLBACK_FAILED}


@dataclass(frozen=True, slots=True)
class PushSettings:
    connect: ConnectSettings
    canary: int = 0
    max_failures: int = 1
    site_workers: int = 4
    runs_dir: Path = Path("build/runs")
    command_timeout: float = 30.0

    def __post_init__(self) -> None:
        # zero workers would skip every site; a negative canary count would slice from the end
        if self.canary < 0 or self.max_failures < 1 or self.site_workers < 1:
            raise ValueError(f"push settings out of range: canary {self.canary} (>= 0), max_failures "
                             f"{self.max_failures} (>= 1), site_workers {self.site_workers} (>= 1)")


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


@dataclass(slots=True)
class UnitResult:
    name: str  # a site id, or "<env>:wlc-global"
    devices: list[DeviceResult] = field(default_factory=list)
    canary: bool = False

    @property
    def failed(self) -> bool:
        return any(d.outcome.failed for d in self.devices)


@dataclass(slots=True)
class RunResult:
    run_id: str
    run_dir: Path
    units: list[UnitResult]
    stopped: str | None = None  # why the run stopped launching sites, if it did
    interrupted: bool = False
    takeover: LockOwner | None = None  # the dead run whose stale lock this run took over

    @property
    def ok(self) -> bool:
        return self.stopped is None and not self.interrupted and not any(u.failed for u in self.units)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for u in self.units for d in u.devices if d.outcome is outcome)


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
class _Job:
    """What one device push needs besides the target itself."""

    endpoint: Endpoint | None
    credentials: Credentials
    settings: PushSettings
    secrets: Mapping[str, str]
    all_sites: Sequence[str]
    record: RunRecord
    plan: Mapping[str, PlannedDevice] | None
    lock: threading.Lock
    host_keys: Any  # known_hosts parsed once per run (see fetch.preload_host_keys)
    interrupt: Interrupt


@contextmanager
def _step(record: RunRecord, target: str, step: str, **extra: Any) -> Iterator[None]:
    if step in CHANGING_STEPS:
        record.started(target, step, **extra)
    else:
        record.entering(target, step)
    started = time.monotonic()
    try:
        yield
    except Exception as exc:
        detail = exc.args[0] if isinstance(exc, PushStepError) else describe_error(exc)
        record.write(target, step, "failed", time.monotonic() - started, detail=str(detail), **extra)
        raise
    record.write(target, step, "ok", time.monotonic() - started, **extra)


def _send(connection: Any, lines: Sequence[str], secrets: Mapping[str, str], timeout: float) -> None:
    """Send push lines: banners without echo verification, everything else with it; any IOS
    error message is a failure (netmiko leaves earlier lines applied: the caller rolls back)."""
    import re

    text = resolve("\n".join(lines), secrets)
    for is_banner, block in push_blocks(text.split("\n")):
        if is_banner:
            output = connection.send_config_set(block, cmd_verify=False, read_timeout=timeout)
            if re.search(ERROR_PATTERN, output):
                raise PushStepError("apply", f"banner rejected: {block[0]}")
        else:
            connection.send_config_set(block, error_pattern=ERROR_PATTERN, read_timeout=timeout)


def _remediation(target: Target, scoped: str, job: _Job) -> tuple[str, ...] | Outcome:
    """The lines to apply: a fresh diff, which with a plan must (masked) be exactly the approved
    lines after the hash checks. Sending the fresh lines rather than the plan's own matters where
    a device held an older secret value: the plan shows it masked, which cannot be sent."""
    planned = None
    if job.plan is not None:
        planned = job.plan.get(target.name)
        if planned is None:
            return Outcome.NOT_IN_PLAN
        if planned.running_sha256 != running_sha256(scoped):
            raise PushStepError("plan-check", "running config changed since the plan was reviewed (hash mismatch)")
        if planned.intended_sha256 != target.intended_sha256:
            raise PushStepError("plan-check", "intended config changed since the plan was reviewed")
    diff = compute_diff(target.name, target.hostname, scoped, target.intended)
    if not (diff.converged and diff.rollback_converged):
        raise PushStepError("diff", "remediation does not converge")
    if planned is None:
        return diff.remediation
    try:
        return approved_lines(planned.remediation, diff.remediation, job.secrets)
    except PlanError as exc:
        raise PushStepError("plan-check", str(exc)) from exc


def push_device(target: Target, job: _Job) -> DeviceResult:
    started = time.monotonic()
    result = DeviceResult(target.name, target.site_id, Outcome.UNREACHABLE)
    connection: Any = None
    job.record.device_started(target.name)
    try:
        connection, backup = _connect_and_back_up(target, job, result)
        if connection is None:
            return result
        try:
            with _step(job.record, target.name, "plan-check" if job.plan is not None else "diff",
                       running_sha256=result.backup_sha256):
                lines = _remediation(target, backup, job)
        except Exception as exc:
            result.outcome, result.detail = Outcome.REFUSED, str(exc)
            return result
        if isinstance(lines, Outcome) or not lines:
            result.outcome = lines if isinstance(lines, Outcome) else Outcome.UNCHANGED
            result.final_sha256 = result.backup_sha256
            return result
        result.lines = len(lines)
        if job.interrupt.requested:  # backed up, nothing sent yet: leave it untouched
            result.outcome, result.detail = Outcome.SKIPPED, INTERRUPTED
            result.final_sha256 = result.backup_sha256
            return result
        try:
            result.final_sha256 = _apply_verify_save(connection, target, lines, job)
            result.outcome = Outcome.APPLIED
        except Exception as exc:
            result.detail = str(exc.args[0]) if isinstance(exc, PushStepError) else describe_error(exc)
            _close(connection)
            connection = None
            result.outcome, result.final_sha256 = _roll_back(target, backup, job)
        return result
    finally:
        _close(connection)
        result.seconds = time.monotonic() - started
        job.record.device_ended(target.name)


def _where(target: Target) -> dict[str, Any]:
    """What `estate runs show` needs to name a half-changed device."""
    return {"hostname": target.hostname, "site": target.site_id}


def _connect_and_back_up(target: Target, job: _Job, result: DeviceResult) -> tuple[Any, str]:
    """(connection, scoped backup text), or (None, "") with the result saying why."""
    rec = job.record
    if job.endpoint is None:
        result.detail = "no address for this device"
        rec.write(target.name, "connect", "failed", detail=result.detail)
        return None, ""
    connection: Any = None
    try:
        with _step(rec, target.name, "connect"):
            connection, _ = connect(job.endpoint, job.credentials, job.settings.connect, job.host_keys)
        with _step(rec, target.name, "backup"):
            backup_raw = show_running(connection, job.settings.connect)
            backup = scoped_text(target, backup_raw, job.all_sites, job.secrets)
            result.backup_sha256 = running_sha256(backup)
            rec.backup(target.name, backup_raw)
    except Exception as exc:
        result.detail = describe_error(exc)
        _close(connection)
        return None, ""
    return connection, backup


def _apply_verify_save(connection: Any, target: Target, lines: Sequence[str], job: _Job) -> str:
    rec, cs = job.record, job.settings.connect
    with _step(rec, target.name, "apply", lines=len(lines), **_where(target)):
        _send(connection, lines, job.secrets, job.settings.command_timeout)
    with _step(rec, target.name, "verify"):
        after = scoped_text(target, show_running(connection, cs), job.all_sites, job.secrets)
        left = compute_diff(target.name, target.hostname, after, target.intended)
        if left.changed:
            raise PushStepError("verify", f"{len(left.remediation)} lines still differ after the push")
    with _step(rec, target.name, "save"):
        connection.save_config()
    return running_sha256(after)


def _roll_back(target: Target, backup: str, job: _Job) -> tuple[Outcome, str | None]:
    """Bring the device back to its backup from wherever the failed push left it: diff the
    device's current config against the backup and apply that (a partial push, a dropped
    session and a rejected line all end up here). A few attempts, each reconnecting."""
    rec, cs = job.record, job.settings.connect
    assert job.endpoint is not None
    for attempt in range(1, ROLLBACK_ATTEMPTS + 1):
        connection: Any = None
        try:
            with _step(rec, target.name, "rollback", attempt=attempt, **_where(target)):
                connection, _ = connect(job.endpoint, job.credentials, cs, job.host_keys)
                current = scoped_text(target, show_running(connection, cs), job.all_sites, job.secrets)
                restore = compute_diff(target.name, target.hostname, current, backup).remediation
                if restore:
                    _send(connection, restore, job.secrets, job.settings.command_timeout)
            with _step(rec, target.name, "rollback-verify", attempt=attempt):
                now = scoped_text(target, show_running(connection, cs), job.all_sites, job.secrets)
                if not same_config(now, backup):
                    raise PushStepError("rollback-verify", "device differs from its backup")
            return Outcome.ROLLED_BACK, running_sha256(now)
        except Exception:  # noqa: S112 - every attempt is recorded; the next one reconnects
            continue
        finally:
            _close(connection)
    return Outcome.ROLLBACK_FAILED, None


def _close(connection: Any) -> None:
    if connection is None:
        return
    with suppress(Exception):  # a dead session has nothing left to close
        connection.disconnect()


def site_order(targets: Sequence[Target]) -> list[Target]:
    """Access switches first (by name), then the core, then the WLC share."""
    return sorted(targets, key=lambda t: (_ROLE_ORDER[t.role], t.hostname))


def _push_unit(unit: UnitResult, targets: Sequence[Target], make_job: Callable[[Target], _Job],
               wlc_lock: threading.Lock) -> UnitResult:
    stopped_by: str | None = None
    for target in site_order(targets):
        job = make_job(target)
        if stopped_by is not None or job.interrupt.requested:
            reason = f"site stopped after {stopped_by} failed" if stopped_by is not None else INTERRUPTED
            unit.devices.append(DeviceResult(target.name, target.site_id, Outcome.SKIPPED, reason))
            continue
        if target.is_wlc:
            with wlc_lock:  # one site at a time on the shared controller
                result = push_device(target, job)
        else:
            result = push_device(target, job)
        unit.devices.append(result)
        job.record.write(target.name, "result", result.outcome.value, result.seconds, detail=result.detail,
                         backup_sha256=result.backup_sha256, final_sha256=result.final_sha256)
        if result.outcome.failed:
            stopped_by = target.name
    return unit


def push_environment(
    env: str,
    targets: Sequence[Target],
    endpoints: Mapping[str, Endpoint],
    *,
    credentials: Credentials,
    settings: PushSettings,
    secrets: Mapping[str, str],
    all_sites: Sequence[str],
    plan: Mapping[str, PlannedDevice] | None = None,
    interrupt: Interrupt | None = None,
    command: Sequence[str] = (),
) -> RunResult:
    """Commit the targets' changes, site by site (see the module docstring for the order),
    holding the environment's lock; raises `LockHeldError` if another live run holds it."""
    interrupt = interrupt or Interrupt()
    run_id = new_run_id()
    lock = EnvironmentLock(settings.runs_dir, env).acquire(LockOwner.current(run_id, command))
    try:
        record = RunRecord(settings.runs_dir, run_id, secrets, credentials.values())
        interrupt.attach(record)
        try:
            run = _run(env, targets, endpoints, record=record, interrupt=interrupt, takeover=lock.taken_over,
                       command=command, credentials=credentials, settings=settings, secrets=secrets,
                       all_sites=all_sites, plan=plan)
        finally:
            interrupt.attach(None)
            record.close()
    finally:
        lock.release()
    return run


def _run(
    env: str,
    targets: Sequence[Target],
    endpoints: Mapping[str, Endpoint],
    *,
    record: RunRecord,
    interrupt: Interrupt,
    takeover: LockOwner | None,
    command: Sequence[str],
    credentials: Credentials,
    settings: PushSettings,
    secrets: Mapping[str, str],
    all_sites: Sequence[str],
    plan: Mapping[str, PlannedDevice] | None,
) -> RunResult:
    wlc_lock = threading.Lock()
    host_keys = preload_host_keys(settings.connect)
    units: dict[str, list[Target]] = {}
    for target in targets:
        units.setdefault(target.site_id or f"{env}:wlc-global", []).append(target)
    order = list(units)
    global_units = [u for u in order if u.endswith(":wlc-global")]
    site_units = [u for u in order if u not in global_units]
    canaries = site_units[: settings.canary]
    rest = global_units + site_units[settings.canary:]

    def make_job(target: Target) -> _Job:
        return _Job(endpoints.get(target.hostname), credentials, settings, secrets, all_sites, record, plan,
                    threading.Lock(), host_keys, interrupt)

    def run_unit(name: str, canary: bool) -> UnitResult:
        return _push_unit(UnitResult(name, canary=canary), units[name], make_job, wlc_lock)

    results: dict[str, UnitResult] = {}
    record.write("-", "run", "start", durable=True, env=env, units=len(order), canary=canaries,
                 plan=plan is not None, max_failures=settings.max_failures, command=" ".join(command),
                 lock_takeover=asdict(takeover) if takeover is not None else None)
    if takeover is not None:
        record.write("-", "lock", "taken-over", detail=f"stale lock of a dead run: {takeover.describe()}")
    with ThreadPoolExecutor(max_workers=settings.site_workers) as pool:
        launch = _Launcher(pool, run_unit, settings.site_workers, interrupt, results)
        # any canary failure stops the run: a budget of one failure for the canaries
        failures, _ = launch(canaries, canary=True, budget=1)
        stopped: str | None = None
        if failures:
            stopped = f"canary site {next(u.name for u in results.values() if u.failed)} failed"
        elif not interrupt.requested:
            failures, left = launch(rest, canary=False, budget=settings.max_failures)
            if left:
                stopped = f"{failures} failed sites reached --max-failures {settings.max_failures}"
    if interrupt.requested:
        stopped = INTERRUPTED
    for name in order:
        if name not in results:
            results[name] = UnitResult(name, [DeviceResult(t.name, t.site_id, Outcome.SKIPPED, stopped or "")
                                              for t in units[name]])
    run = RunResult(record.run_id, record.dir, [results[n] for n in order], stopped, interrupt.requested, takeover)
    end = INTERRUPTED if run.interrupted else "ok" if run.ok else "failed"
    record.write_text("summary.json", json.dumps(summary_document(run), indent=1) + "\n")
    record.write_text("summary.txt", summary_text(run))
    record.write("-", "run", end, durable=True, stopped=stopped)
    return run


@dataclass
class _Launcher:
    """Starts units on the pool, at most `workers` at a time, until the list is done, `budget`
    units have failed or an interrupt is requested; waits for every unit it started.
    Returns (failed units, whether some were never started)."""

    pool: ThreadPoolExecutor
    run_unit: Callable[[str, bool], UnitResult]
    workers: int
    interrupt: Interrupt
    results: dict[str, UnitResult]

    def __call__(self, names: Sequence[str], *, canary: bool, budget: int) -> tuple[int, bool]:
        queue = list(names)
        failures = 0
        running: dict[Future[UnitResult], None] = {}
        while queue or running:
            while queue and len(running) < self.workers and failures < budget and not self.interrupt.requested:
                running[self.pool.submit(self.run_unit, queue.pop(0), canary)] = None
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                running.pop(future)
                unit = future.result()
                self.results[unit.name] = unit
                failures += unit.failed
        return failures, bool(queue)


def summary_document(run: RunResult) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "ok": run.ok,
        "interrupted": run.interrupted,
        "stopped": run.stopped,
        "lock_takeover": asdict(run.takeover) if run.takeover is not None else None,
        "counts": {o.value: run.count(o) for o in Outcome},
        "units": [{"name": u.name, "canary": u.canary, "failed": u.failed,
                   "devices": [{**asdict(d), "outcome": d.outcome.value} for d in u.devices]} for u in run.units],
    }


def summary_text(run: RunResult) -> str:
    counts = ", ".join(f"{run.count(o)} {o.value}" for o in Outcome if run.count(o))
    state = "INTERRUPTED" if run.interrupted else "OK" if run.ok else "FAILED"
    out = [f"run {run.run_id}: {state} ({counts})"]
    if run.takeover is not None:
        out.append(f"took over the stale lock of a dead run: {run.takeover.describe()}")
    if run.stopped:
        out.append(f"stopped launching sites: {run.stopped}")
    for unit in run.units:
        mark = "FAILED" if unit.failed else "ok"
        out.append(f"{unit.name}{' (canary)' if unit.canary else ''}: {mark}")
        for d in unit.devices:
            extra = f" ({d.lines} lines)" if d.lines else ""
            out.append(f"  {d.target:<28} {d.outcome.value:<15}{extra} {d.detail}".rstrip())
    out.append(f"records, backups and this summary: {run.run_dir}")
    return "\n".join(out) + "\n"
