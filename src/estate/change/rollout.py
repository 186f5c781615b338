"""A run across sites: order, canaries, the failure budget, change windows, the lock.

The site is the unit of a rollout. Within a site: access switches first, then the core, then
the site's share of the WLC, then the site's edge router. An access switch's change cannot cut
the core off from the rest of the site, and the core (whose port-channels the access uplinks
land on) is changed only once every access switch took its change cleanly; the edge router
goes last because its change can cut the path to every other device of the site (estate
reaches them over the site's WAN), so nothing else of the site is left waiting behind it. A
failure stops the site there; every device is changed inside its revert timer. Canary sites
run first and the run waits for them (any canary failure stops the run); then sites run in
parallel until the failure budget is spent. The shared WLC is changed by one site at a time.

Hub routers (environment-wide, like the WLC pairs) go in their own step, last, once every site
is done and only if the run was not stopped: a hub carries the cloud path of every site behind
it, the largest blast radius of the run, so it goes where a failure elsewhere has already
stopped it. Hubs go one at a time; the first is the canary: a failed hub stops the rest.
A site whose change window is closed when its turn comes is skipped (unless the run was
allowed outside its windows, with a reason the record keeps).

One run per environment at a time (`estate.change.lock`). An `Interrupt` stops the run from
launching anything new (sites, devices, applies) while devices already changing finish or roll
back; the record names every device whose change started (`estate.change.runs`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from estate.build.device_model import Role
from estate.change.connections import DeviceAccess
from estate.change.device_push import (
    INTERRUPTED,
    DeviceJob,
    DeviceResult,
    Interrupt,
    Outcome,
    PushSettings,
    push_device,
)
from estate.change.fetch import Credentials, Ticker, preload_host_keys
from estate.change.lock import EnvironmentLock, LockOwner
from estate.change.plans import PlannedDevice
from estate.change.review import Target
from estate.change.runs import RunRecord, new_run_id
from estate.change.windows import ChangeWindow, current_time, next_window

_ROLE_ORDER = {Role.ACCESS: 0, Role.CORE: 1, Role.WLC_SITE: 2, Role.EDGE: 3, Role.WLC_GLOBAL: 4, Role.HUB: 5}
WLC_UNIT = "wlc-global"  # `<env>:wlc-global`: the WLC pairs' own parts
HUB_UNIT = "hubs"  # `<env>:hubs`: the hub routers, one after the other


def unit_of(target: Target, env: str) -> str:
    """The unit a target is pushed in: its site, or the environment's WLC or hub step."""
    if target.site_id:
        return target.site_id
    return f"{env}:{HUB_UNIT if target.role is Role.HUB else WLC_UNIT}"


@dataclass(frozen=True)
class WindowGate:
    """Each site's change window; `outside_reason` set: the run may change sites outside
    them (the reason is recorded)."""

    windows: Mapping[str, ChangeWindow] = field(default_factory=dict)
    outside_reason: str | None = None
    clock: Callable[[], datetime] = current_time

    def closed(self, site_id: str | None, *, ignore_reason: bool = False) -> str | None:
        """Why the site may not be changed now, or None."""
        window = self.windows.get(site_id or "")
        if window is None or (self.outside_reason is not None and not ignore_reason):
            return None
        now = self.clock()
        opening = next_window(window, now)
        if opening.contains(now):
            return None
        return f"outside its change window {window.text} (next: {opening.describe()})"


@dataclass(slots=True)
class UnitResult:
    name: str  # a site id, "<env>:wlc-global" or "<env>:hubs"
    devices: list[DeviceResult] = field(default_factory=list)
    canary: bool = False

    @property
    def failed(self) -> bool:
        return any(d.outcome.failed for d in self.devices)

    @property
    def state(self) -> str:
        if self.failed:
            return "FAILED"
        if self.devices and all(d.outcome is Outcome.SKIPPED for d in self.devices):
            return "skipped"
        if any(d.outcome is Outcome.SKIPPED for d in self.devices):
            return "partly skipped"
        return "ok"


@dataclass(slots=True)
class RunResult:
    run_id: str
    run_dir: Path
    units: list[UnitResult]
    stopped: str | None = None  # why the run stopped launching sites, if it did
    interrupted: bool = False
    takeover: LockOwner | None = None  # the dead run whose stale lock this run took over
    kind: str = "push"

    @property
    def ok(self) -> bool:
        # a skipped device is work not done: never reported as success
        return (self.stopped is None and not self.interrupted
                and all(u.state == "ok" for u in self.units))

    def count(self, outcome: Outcome) -> int:
        return sum(1 for u in self.units for d in u.devices if d.outcome is outcome)


def site_order(targets: Sequence[Target]) -> list[Target]:
    """Access switches first (by name), then the core, then the WLC share, the edge router last
    (hubs, in their own unit, by name)."""
    return sorted(targets, key=lambda t: (_ROLE_ORDER[t.role], t.hostname))


@dataclass
class Rollout:
    """Everything a run shares between its units."""

    env: str
    credentials: Credentials
    settings: PushSettings
    secrets: Mapping[str, str]
    all_sites: Sequence[str]
    access: Mapping[str, DeviceAccess]
    plan: Mapping[str, PlannedDevice] | None = None
    gate: WindowGate = field(default_factory=WindowGate)
    kind: str = "push"
    order: Callable[[Sequence[Target]], list[Target]] = site_order

    def job(self, target: Target, record: RunRecord, host_keys: Any, interrupt: Interrupt) -> DeviceJob:
        return DeviceJob(self.access.get(target.hostname), self.credentials, self.settings, self.secrets,
                         self.all_sites, record, self.plan, host_keys, interrupt)


def push_environment(rollout: Rollout, targets: Sequence[Target], *, interrupt: Interrupt | None = None,
                     command: Sequence[str] = (), progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Run the targets' changes, site by site (see the module docstring for the order),
    holding the environment's lock; raises `LockHeldError` if another live run holds it.
    `progress(done, total)` counts devices finished (skipped ones too), from any thread."""
    interrupt = interrupt or Interrupt()
    run_id = new_run_id()
    lock = EnvironmentLock(rollout.settings.runs_dir, rollout.env).acquire(LockOwner.current(run_id, command))
    try:
        record = RunRecord(rollout.settings.runs_dir, run_id, rollout.secrets, rollout.credentials.values())
        interrupt.attach(record)
        try:
            shared = _Shared(record, preload_host_keys(rollout.settings.connect), interrupt,
                             Ticker(len(targets), progress))
            run = _run(rollout, targets, shared, lock.taken_over, command)
        finally:
            interrupt.attach(None)
            record.close()
    finally:
        lock.release()
    return run


@dataclass
class _Shared:
    """What the units of one run share while it runs."""

    record: RunRecord
    host_keys: Any
    interrupt: Interrupt
    ticker: Ticker = field(default_factory=lambda: Ticker(0, None))
    wlc_lock: threading.Lock = field(default_factory=threading.Lock)


def _push_unit(rollout: Rollout, unit: UnitResult, targets: Sequence[Target], shared: _Shared) -> UnitResult:
    record, interrupt = shared.record, shared.interrupt
    closed = rollout.gate.closed(unit.name)
    stopped_by: str | None = None
    for target in rollout.order(targets):
        reason = closed
        if reason is None and stopped_by is not None:
            reason = f"site stopped after {stopped_by} failed"
        if reason is None and interrupt.requested:
            reason = INTERRUPTED
        if reason is not None:
            result = DeviceResult(target.name, target.site_id, Outcome.SKIPPED, reason)
        elif target.is_wlc:
            with shared.wlc_lock:  # one site at a time on the shared controller
                result = push_device(target, rollout.job(target, record, shared.host_keys, interrupt))
        else:
            result = push_device(target, rollout.job(target, record, shared.host_keys, interrupt))
        unit.devices.append(result)
        record.write(target.name, "result", result.outcome.value, result.seconds, detail=result.detail,
                     site=target.site_id, hostname=target.hostname, backup=result.backup,
                     backup_sha256=result.backup_sha256, final_sha256=result.final_sha256,
                     last_line_sent=result.last_line_sent)
        shared.ticker.tick()
        if result.outcome.failed:
            stopped_by = target.name
    return unit


def _run(rollout: Rollout, targets: Sequence[Target], shared: _Shared, takeover: LockOwner | None,
         command: Sequence[str]) -> RunResult:
    from estate.change.report import summary_document, summary_text

    settings, record, interrupt = rollout.settings, shared.record, shared.interrupt
    units: dict[str, list[Target]] = {}
    for target in targets:
        units.setdefault(unit_of(target, rollout.env), []).append(target)
    hubs = f"{rollout.env}:{HUB_UNIT}"
    order = [u for u in units if u != hubs] + ([hubs] if hubs in units else [])
    global_units = [u for u in order if u.endswith(f":{WLC_UNIT}")]
    site_units = [u for u in order if u not in global_units and u != hubs]
    canaries = site_units[: settings.canary]
    rest = global_units + site_units[settings.canary:]

    def run_unit(name: str, canary: bool) -> UnitResult:
        return _push_unit(rollout, UnitResult(name, canary=canary), units[name], shared)

    results: dict[str, UnitResult] = {}
    gate = rollout.gate
    outside = ({"reason": gate.outside_reason, "sites": [s for s in site_units if gate.closed(s, ignore_reason=True)]}
               if gate.outside_reason is not None else None)
    record.write("-", "run", "start", durable=True, env=rollout.env, kind=rollout.kind, units=len(order),
                 canary=canaries, plan=rollout.plan is not None, max_failures=settings.max_failures,
                 command=" ".join(command), revert_minutes=settings.revert_minutes, outside_window=outside,
                 accepted_risks=sorted(settings.accept_risks) if settings.accept_risks is not None else None,
                 lock_takeover=asdict(takeover) if takeover is not None else None)
    if takeover is not None:
        record.write("-", "lock", "taken-over", detail=f"stale lock of a dead run: {takeover.describe()}")
    hub_skipped: str | None = None
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
        if hubs in units and stopped is None and not interrupt.requested:
            # after every site, and only when all of them went well: see the module docstring
            failed = [u.name for u in results.values() if u.failed]
            if failed:
                hub_skipped = f"hubs not changed: {len(failed)} unit(s) of the run failed ({', '.join(failed)})"
            else:
                launch([hubs], canary=False, budget=1)
    if interrupt.requested:
        stopped = INTERRUPTED
    for name in order:
        if name not in results:
            why = (hub_skipped if name == hubs else None) or stopped or ""
            results[name] = UnitResult(name, [DeviceResult(t.name, t.site_id, Outcome.SKIPPED, why)
                                              for t in units[name]])
            for _ in units[name]:
                shared.ticker.tick()  # never started: finished all the same, the bar ends full
    run = RunResult(record.run_id, record.dir, [results[n] for n in order], stopped, interrupt.requested, takeover,
                    rollout.kind)
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
