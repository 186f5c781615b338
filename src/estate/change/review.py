"""Change review: for every device (and every site's share of the WLC) of a selection, what
the device would get: remediation, rollback, convergence, risk flags. Never changes a device.

Inputs are the rendered artefacts and the running configs (read over SSH by `fetch`, or from a
folder); the output is a `Review` that renders as a terminal summary, markdown for a change
ticket, JSON, and a plan file that `push --plan` applies exactly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from estate.build.device_model import Role
from estate.build.render import Artifact
from estate.change.diff import DeviceDiff, DiffError, compute_diff, running_sha256, split_wlc, surely_unchanged
from estate.change.fetch import FetchResult
from estate.change.plans import PlanError, PlannedDevice, approved_lines, load_plan, plan_document, save_plan
from estate.change.risk import Risk, RiskSettings, assess, uplink_interfaces, wan_interfaces
from estate.change.windows import describe_next
from estate.secrets import SecretBook, mask, mask_positions, placeholders_in

# the plan's names, where callers have always found them
__all__ = ["PlanError", "PlannedDevice", "approved_lines", "load_plan", "plan_document", "save_plan"]
# below this many diffs that need the parser (devices already in their intended state never
# reach it) one process is quicker: a 900-line switch's diff takes ~0.1 s, a pool ~0.2 s to start
PARALLEL_THRESHOLD = 16


class Status(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    UNREACHABLE = "unreachable"
    ERROR = "error"  # reached, but the diff failed (unparsable, or does not converge)


@dataclass(frozen=True, slots=True)
class Target:
    """One thing reviewed and pushed as a unit: a switch, a router, or one site's share of the WLC."""

    name: str  # hostname, or hostname@SITE for a WLC site share
    hostname: str
    site_id: str | None
    role: Role
    intended: str
    intended_sha256: str

    @property
    def is_wlc(self) -> bool:
        return self.role in {Role.WLC_SITE, Role.WLC_GLOBAL}

    @property
    def is_router(self) -> bool:
        """A WAN router (a site's edge, a hub): every routed port is on the WAN path."""
        return self.role in {Role.EDGE, Role.HUB}


def targets_from(artifacts: Iterable[Artifact]) -> list[Target]:
    found: list[Target] = []
    for artifact in artifacts:
        name = f"{artifact.hostname}@{artifact.site_id}" if artifact.role is Role.WLC_SITE else artifact.hostname
        found.append(Target(name, artifact.hostname, artifact.site_id, artifact.role, artifact.text, artifact.sha256))
    return found


@dataclass(frozen=True, slots=True)
class DeviceReview:
    target: Target
    status: Status
    diff: DeviceDiff | None = None
    risks: tuple[Risk, ...] = ()
    error: str | None = None
    source: str = "ssh"


@dataclass(frozen=True)
class Review:
    env: str
    created_at: datetime
    devices: tuple[DeviceReview, ...]
    source: str  # "ssh", "lab", or the folder the running configs came from
    notes: tuple[str, ...] = field(default=())
    windows: tuple[tuple[str, str], ...] = field(default=())  # (site id, change window) of the sites reviewed

    def window_notes(self) -> dict[str, str]:
        """Each site's change window and when it next opens, as of the review."""
        return {site: describe_next(window, self.created_at) for site, window in self.windows}

    def count(self, status: Status) -> int:
        return sum(1 for d in self.devices if d.status is status)

    @property
    def lines_added(self) -> int:
        return sum(d.diff.added for d in self.devices if d.diff)

    @property
    def lines_removed(self) -> int:
        return sum(d.diff.removed for d in self.devices if d.diff)

    @property
    def ok(self) -> bool:
        return self.count(Status.UNREACHABLE) == 0 and self.count(Status.ERROR) == 0


def scoped_running(targets: Sequence[Target], running: Mapping[str, FetchResult],
                   all_site_ids: Iterable[str]) -> dict[str, FetchResult]:
    """Each target's running text: a switch's whole config; a WLC share's objects only (the
    WLC config is split once for every site of the environment)."""
    site_ids = sorted(set(all_site_ids))
    splits: dict[str, tuple[str, dict[str, str]]] = {}
    scoped: dict[str, FetchResult] = {}
    for target in targets:
        result = running.get(target.hostname) or FetchResult(target.hostname, None, "not read")
        if not target.is_wlc or result.text is None:
            scoped[target.name] = result
            continue
        if target.hostname not in splits:
            splits[target.hostname] = split_wlc(result.text, site_ids)
        rest, shares = splits[target.hostname]
        text = shares.get(target.site_id or "", "") if target.role is Role.WLC_SITE else rest
        scoped[target.name] = FetchResult(target.name, text, None, result.attempts, result.seconds, result.source)
    return scoped


DiffJob = tuple[str, str, str, str, frozenset[str]]  # name, hostname, running, intended, rotate


def _diff_one(job: DiffJob) -> DeviceDiff | str:
    name, hostname, running, intended, rotate = job
    try:
        return compute_diff(name, hostname, running, intended, rotate=rotate)
    except DiffError as exc:
        return str(exc)


def review_targets(
    env: str,
    targets: Sequence[Target],
    running: Mapping[str, FetchResult],
    *,
    secrets: Mapping[str, str],
    risk: RiskSettings,
    source: str,
    all_site_ids: Iterable[str] = (),
    processes: int | None = None,
    rotate: frozenset[str] = frozenset(),
    progress: Callable[[int, int], None] | None = None,
) -> Review:
    """Diff every target against its running config (scoped for WLC shares). Running texts
    have current secret values swapped for placeholders first; older values stay (the diff must
    see them to change them) and a `SecretBook` learns them, so every output can mask them.
    `progress(done, total)` follows the diffs as they finish (from this process)."""
    return review_compared(env, targets, running, secrets=secrets, risk=risk, source=source,
                           all_site_ids=all_site_ids, processes=processes, rotate=rotate, progress=progress)[0]


def review_compared(
    env: str,
    targets: Sequence[Target],
    running: Mapping[str, FetchResult],
    *,
    secrets: Mapping[str, str],
    risk: RiskSettings,
    source: str,
    all_site_ids: Iterable[str] = (),
    processes: int | None = None,
    rotate: frozenset[str] = frozenset(),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Review, dict[str, str | None]]:
    """`review_targets`, plus the text each target was compared on (None: not read), so that
    compliance classifies the very texts the review diffed without splitting the WLC again."""
    scoped = scoped_running(targets, running, all_site_ids)
    compared: dict[str, str | None] = {}
    jobs: list[DiffJob] = []
    for target in targets:
        result = scoped[target.name]
        compared[target.name] = None
        if result.text is not None:
            text = compared[target.name] = comparable(target.intended, result.text, secrets)
            jobs.append((target.name, target.hostname, text, target.intended, rotate))
    diffs = _run_diffs(jobs, processes, progress)
    devices = []
    for target in targets:
        result = scoped[target.name]
        if result.text is None:
            error = mask(result.error or "unreachable", secrets)
            devices.append(DeviceReview(target, Status.UNREACHABLE, error=error, source=result.source))
            continue
        outcome = diffs[target.name]
        if isinstance(outcome, str):
            devices.append(DeviceReview(target, Status.ERROR, error=outcome, source=result.source))
            continue
        # uplinks and WAN ports only name the risky lines of a remediation: none in an empty one
        uplinks: set[str] = set()
        wan: set[str] = set()
        if outcome.remediation:
            both = [*result.text.splitlines(), *target.intended.splitlines()]
            uplinks, wan = uplink_interfaces(both), wan_interfaces(both, router=target.is_router)
        risks = assess(outcome.remediation, outcome.added, outcome.removed, risk, uplinks, wan=wan)
        if not (outcome.converged and outcome.rollback_converged):
            which = "remediation" if not outcome.converged else "rollback"
            devices.append(DeviceReview(target, Status.ERROR, outcome, risks,
                                        f"{which} does not converge: refusing to push this device", result.source))
            continue
        status = Status.CHANGED if outcome.changed else Status.UNCHANGED
        devices.append(DeviceReview(target, status, outcome, risks, source=result.source))
    return Review(env, datetime.now(UTC), tuple(devices), source), compared


def _run_diffs(jobs: list[DiffJob], processes: int | None,
               progress: Callable[[int, int], None] | None = None) -> dict[str, DeviceDiff | str]:
    """Every job's diff. A device already in its intended state (`surely_unchanged`: the texts
    equal but for what the diff's parser ignores) gets the diff's own "nothing to change"
    answer without parsing: on a compliant estate that is most of them, WLC shares included.
    The rest go to a process pool when there are enough to pay for it."""
    done: dict[str, DeviceDiff | str] = {}
    rest: list[DiffJob] = []
    for job in jobs:
        name, hostname, running_text, intended, rotate = job
        if not rotate & placeholders_in(intended) and surely_unchanged(running_text, intended):
            done[name] = DeviceDiff(target=name, hostname=hostname, running_sha256=running_sha256(running_text),
                                    remediation=(), rollback=(), converged=True, rollback_converged=True,
                                    added=0, removed=0, unified=())
        else:
            rest.append(job)
    workers = processes if processes is not None else (os.cpu_count() or 1)
    tick = progress or (lambda done, total: None)
    tick(len(done), len(jobs))
    if workers <= 1 or len(rest) < PARALLEL_THRESHOLD:
        for job in rest:
            done[job[0]] = _diff_one(job)
            tick(len(done), len(jobs))
        return done
    with ProcessPoolExecutor(max_workers=workers) as pool:
        outcomes = pool.map(_diff_one, rest, chunksize=max(1, len(rest) // (workers * 8)))
        # map yields in order as results arrive in this process: a tick per finished job
        for job, outcome in zip(rest, outcomes, strict=True):
            done[job[0]] = outcome
            tick(len(done), len(jobs))
        return done


def comparable(intended: str, running_text: str, secrets: Mapping[str, str]) -> str:
    """A running config as it is compared with `intended`: current secret values become their
    placeholders; every other value standing where `intended` has a placeholder is an older
    value of that secret, learned by a `SecretBook` so that `mask` hides it everywhere."""
    from estate.change.diff import to_placeholders

    text = to_placeholders(running_text, secrets)
    if isinstance(secrets, SecretBook):
        secrets.learn_from(intended, text)
    return text


def review_json(review: Review, detail: bool = True) -> dict[str, Any]:
    return {
        "env": review.env,
        "created_at": review.created_at.isoformat(),
        "source": review.source,
        "windows": review.window_notes(),
        "summary": {
            "devices": len(review.devices),
            **{status.value: review.count(status) for status in Status},
            "lines_added": review.lines_added,
            "lines_removed": review.lines_removed,
            "risks": sum(len(d.risks) for d in review.devices),
        },
        "devices": [_device_json(d, detail) for d in review.devices],
    }


def _device_json(device: DeviceReview, detail: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "target": device.target.name,
        "hostname": device.target.hostname,
        "site_id": device.target.site_id,
        "role": device.target.role.value,
        "status": device.status.value,
        "source": device.source,
        "error": None if device.error is None else mask_positions(device.error),
        "risks": [{"kind": r.kind.value, "line": mask_positions(r.line)} for r in device.risks],
    }
    if device.diff is not None:
        row.update(running_sha256=device.diff.running_sha256, added=device.diff.added, removed=device.diff.removed,
                   converged=device.diff.converged)
        if detail:
            row.update(remediation=[mask_positions(line) for line in device.diff.remediation],
                       rollback=[mask_positions(line) for line in device.diff.rollback],
                       kept=[mask_positions(str(k)) for k in device.diff.kept], rotated=sorted(device.diff.rotated))
    return row


def scoped_text(target: Target, running_text: str, all_site_ids: Iterable[str], secrets: Mapping[str, str]) -> str:
    """What a target is compared on, exactly as `review_targets` does (push re-checks hashes
    with this): placeholders for current secrets, a WLC share cut out of the WLC config; older
    secret values in it are learned by a `SecretBook` (so masked backups hide them)."""
    scoped = scoped_running([target], {target.hostname: FetchResult(target.hostname, running_text)}, all_site_ids)
    return comparable(target.intended, scoped[target.name].text or "", secrets)


@dataclass(frozen=True, slots=True)
class Selection:
    """What to review and where the running configs come from."""

    env: str
    sites: list[str] | None = None
    devices: list[str] | None = None
    running_from: Path | None = None
    # where devices answer when not at their inventory address (the lab's loopback addresses):
    # the CLI reads them from their source and hands them in; `via` names that source
    addresses: Mapping[str, tuple[str, int]] | None = None
    via: str = "ssh"
    rotate: frozenset[str] = frozenset()  # secrets whose lines are sent again even where present
    # the stack's outputs (`estate.build.stack_outputs`): with them the hub routers are targets
    # too (all of them; with sites, the hubs those sites reach the cloud through)
    stack_outputs: Path | None = None


def read_running(selection: Selection, targets: Sequence[Target], endpoints: Mapping[str, Any],
                 credentials: Any, settings: Any, *,
                 progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, FetchResult], str]:
    """Running configs for the targets' devices: from the folder, else over SSH."""
    from estate.change.fetch import fetch_running, read_running_dir

    hostnames = sorted({t.hostname for t in targets})
    if selection.running_from is not None:
        return read_running_dir(selection.running_from, hostnames), str(selection.running_from)
    results = fetch_running([endpoints[h] for h in hostnames if h in endpoints], credentials, settings,
                            progress=progress)
    for name in hostnames:
        if name not in endpoints:
            results[name] = FetchResult(name, None, f"no address for this device ({selection.via})")
    return results, selection.via


def prepare(inventory: Any, selection: Selection) -> tuple[list[Target], list[str]]:
    """Render the selection and return its targets and every site id of the environment (the
    WLC split needs them all, even when one site is reviewed)."""
    from estate.build.render import render_environment

    artifacts = render_environment(inventory, selection.env, selection.sites, devices=selection.devices)
    if selection.stack_outputs is not None:
        artifacts += _hub_artifacts(inventory, selection)
    all_sites = [site.site_id for site in inventory.env_sites(selection.env, None)]
    return targets_from(artifacts), all_sites


def _hub_artifacts(inventory: Any, selection: Selection) -> list[Artifact]:
    """The environment's hub routers as rendered from the stack's outputs; for named sites, the
    hubs they reach the cloud through (each site's `wan_hub` router in the environment)."""
    from estate.build.hubs import hub_artifacts
    from estate.build.stack_outputs import load_stack_outputs
    from estate.build.wan import hub_hostname, site_hub

    assert selection.stack_outputs is not None
    hubs = hub_artifacts(inventory, selection.env, load_stack_outputs(selection.stack_outputs))
    wanted = set(selection.devices) if selection.devices else None
    if selection.sites is not None:
        routers = (site_hub(inventory.estate, selection.env, site)
                   for site in inventory.env_sites(selection.env, selection.sites))
        serving = {hub_hostname(inventory, selection.env, r.name) for r in routers if r.env == selection.env}
        wanted = serving if wanted is None else serving & wanted
    return [a for a in hubs if wanted is None or a.hostname in wanted]


def endpoints_for(inventory: Any, selection: Selection, targets: Sequence[Target]) -> dict[str, Any]:
    """Each device's way in (`DeviceAccess`): the inventory's settings (access.yaml over the
    derived management addresses, with the platform the device must be); where the selection
    carries addresses (a lab), those replace the address and port, the rest (platform, train)
    still holds, and a device without one has no way in."""
    from dataclasses import replace

    from estate.change.connections import access_for

    hostnames = sorted({t.hostname for t in targets})
    found = access_for(inventory, selection.env, hostnames)
    if selection.addresses is None:
        return found
    return {name: replace(found[name], host=host, port=port)
            for name, (host, port) in selection.addresses.items() if name in found}


def review_environment(
    inventory: Any,
    selection: Selection,
    *,
    credentials: Any,
    settings: Any,
    secrets: Mapping[str, str],
    risk: RiskSettings,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    diff_progress: Callable[[int, int], None] | None = None,
) -> Review:
    """The whole dry-run: render, read running configs, diff, flag. Touches no device's config.
    `progress(done, total)` follows the devices read (the slow part over SSH), `diff_progress`
    the diffs."""
    targets, all_sites = prepare(inventory, selection)
    endpoints = {} if selection.running_from is not None else endpoints_for(inventory, selection, targets)
    running, source = read_running(selection, targets, endpoints, credentials, settings, progress=progress)
    review = review_targets(selection.env, targets, running, secrets=secrets, risk=risk, source=source,
                            all_site_ids=all_sites, processes=processes, rotate=selection.rotate,
                            progress=diff_progress)
    from estate.secrets import SECRET_NAMES, placeholders_in

    windows = tuple((site.site_id, site.change_window)
                    for site in inventory.env_sites(selection.env, selection.sites)
                    if any(t.site_id == site.site_id for t in targets))
    notes: tuple[str, ...] = ()
    missing = sorted({n for t in targets for n in placeholders_in(t.intended)} - set(secrets))
    if missing:
        notes = (f"secret values not set ({', '.join(n for n in missing if n in SECRET_NAMES)}): lines holding "
                 "them compare as changed; export ESTATE_SECRET_<NAME> before a push",)
    return Review(review.env, review.created_at, review.devices, review.source, notes, windows)
