"""`estate rollback`: put back what a run changed, from the backups that run took.

The devices a run changed (applied, or left in an unknown state) are restored to their backup
through the same path as a push (platform check, backup of what they run now, a revert session,
each line verified, re-read, reconnect, operational check, confirm, save), in each site in the
reverse of the order the run changed them (the edge router first, then the WLC share, the core
and the access switches: each step back is a state the push went through). A backup holds
`${NAME}` placeholders where the device had the current secret values, so it can be sent; a
line holding a value estate never knew (`<secret>`) cannot be, and such a device is refused
rather than half-restored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from estate.build.device_model import Role
from estate.change.device_push import Outcome
from estate.change.review import Target
from estate.change.runs import RunInfo
from estate.secrets import MASK

RESTORABLE = {Outcome.APPLIED.value, Outcome.STATE_UNKNOWN.value}


class RollbackError(Exception):
    """A rollback that cannot be built from the run's folder (nothing to restore, no backup)."""


@dataclass(frozen=True, slots=True)
class RestoreTarget:
    target: Target
    backup_path: str


def changed_devices(info: RunInfo, sites: Sequence[str] | None = None,
                    devices: Sequence[str] | None = None) -> list[str]:
    """The targets the run changed, in the order it changed them (then those whose change
    started and never ended: a killed or aborted run), narrowed to `sites` and `devices` (a
    hostname selects its WLC shares too)."""
    half_done = [step.target for step in info.open_steps if step.target not in info.outcomes]
    for step in info.open_steps:
        info.sites.setdefault(step.target, step.site)
    chosen = []
    for name in [*info.order, *half_done]:
        if name not in half_done and info.outcomes.get(name) not in RESTORABLE:
            continue
        if sites and info.sites.get(name) not in sites:
            continue
        if devices and name not in devices and name.split("@", 1)[0] not in devices:
            continue
        chosen.append(name)
    return chosen


def restore_targets(info: RunInfo, names: Sequence[str], roles: dict[str, Role],
                    all_sites: Sequence[str]) -> list[Target]:
    """One target per device to restore, whose intended config is its backup (for the WLC,
    the part of it the target covers). `roles`: each target's role, from the current render;
    `all_sites`: every site of the environment (the WLC's config is split by all of them)."""
    from estate.change.diff import split_wlc

    found = []
    for name in names:
        path = info.backup_path(name)
        if not path.is_file():
            raise RollbackError(f"{name}: no backup in {path.parent}: it cannot be restored from this run")
        text = path.read_text(encoding="utf-8")
        hostname, _, site = name.partition("@")
        role = roles.get(name, Role.WLC_SITE if site else Role.CORE)
        if role in {Role.WLC_SITE, Role.WLC_GLOBAL}:
            rest, shares = split_wlc(text, sorted(set(all_sites)))
            text = shares.get(site, "") if role is Role.WLC_SITE else rest
        found.append(Target(name, hostname, info.sites.get(name), role, text,
                            hashlib.sha256(text.encode()).hexdigest()))
    return found


def masked_lines(target: Target) -> list[str]:
    """Backup lines holding a value that was masked: they cannot be sent back as written."""
    return [line.strip() for line in target.intended.splitlines() if MASK in line]


def reverse_order(targets: Sequence[Target]) -> list[Target]:
    """A site's devices are given in the order the run changed them: undo from the last."""
    return list(reversed(targets))
