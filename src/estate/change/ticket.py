"""A review as a change ticket a change board approves (markdown): summary, changes grouped
across devices, sites (kind, services affected, next window), why, implementation,
verification, rollback and the plan's sha256.

A *change* is one remediation block (a top-level line with the lines under it). The same block
on N devices, once hostnames and site ids are normalised, is shown once with its devices, and
carries ONE risk flag: the most severe of the kinds its lines raised (the kinds are listed).
Severity per risk kind is data here, in `change.risk`'s vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

from estate.change.provenance import Provenance
from estate.change.review import DeviceReview, Review, Status
from estate.change.risk import EXPLANATION, RiskKind
from estate.change.windows import SITE_TIME_ZONE, WindowError, next_window, parse_window
from estate.inventory.models import VlanRole


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()


SEVERITY: Mapping[RiskKind, Severity] = {
    RiskKind.MANAGEMENT_PATH: Severity.CRITICAL,  # the device may be left unreachable
    RiskKind.MANAGEMENT: Severity.HIGH,
    RiskKind.UPLINK: Severity.HIGH,  # a whole access switch (or site) behind it
    RiskKind.STP_MODE: Severity.HIGH,  # reconverges every port
    RiskKind.AAA: Severity.HIGH,  # logins
    RiskKind.VTY: Severity.MEDIUM,  # remote access; the console stays
    RiskKind.VLAN_REMOVAL: Severity.MEDIUM,
    # the WAN kinds: the site's path to everything else (on a hub, every site's behind it); the
    # revert timer brings a cut device back, so they stay below an unreplaced management path
    RiskKind.BGP_NEIGHBOUR: Severity.HIGH,
    RiskKind.ROUTE_FILTER: Severity.HIGH,
    RiskKind.TUNNEL: Severity.HIGH,
    RiskKind.CRYPTO: Severity.HIGH,
    RiskKind.WAN_INTERFACE: Severity.HIGH,
    RiskKind.LARGE_CHANGE: Severity.LOW,  # not risky in itself: more to read
}
WAN_KINDS = frozenset({RiskKind.BGP_NEIGHBOUR, RiskKind.ROUTE_FILTER, RiskKind.TUNNEL, RiskKind.CRYPTO,
                       RiskKind.WAN_INTERFACE})

SERVICE_OF_ROLE: Mapping[str, str] = {
    VlanRole.MANAGEMENT: "management",
    VlanRole.DATA: "data",
    VlanRole.VOICE: "voice",
    VlanRole.WIFI_CORP: "WiFi",
    VlanRole.AP_MGMT: "WiFi",
    VlanRole.BWV: "BWV docks",
}
DEVICE_SERVICE = "device management"  # global lines: AAA, NTP, SNMP, logging, VTY
WAN_SERVICE = "WAN"  # a block with a WAN risk flag: BGP, route filters, tunnels, crypto, WAN interfaces
# what the engineer on the ticket checks once a site is done, per service touched
SERVICE_CHECKS: Mapping[str, str] = {
    "management": "every device answers on its management address; a TACACS+ login works",
    "data": "a desktop gets a DHCP lease and reaches its services; a printer prints",
    "voice": "a phone registers and a test call both ways has clear audio",
    "WiFi": "the site's APs are joined to the WLC and a laptop connects to the corporate SSID",
    "BWV docks": "the docks show online and a camera's footage starts uploading",
    DEVICE_SERVICE: "TACACS+ login, `show ntp associations` synchronised, syslog arriving at the collectors",
    WAN_SERVICE: "`show ip bgp summary`: every session established (edge: the carriers, with the default route "
                 "learned; hub: both tunnels to AWS up); a call and a file transfer to another site work",
}
_VLAN = re.compile(r"(?i)\bvlan\s*(\d{1,4})\b")
_ALLOWED = re.compile(r"allowed vlan (?:add |remove |except )?([\d,-]+)")


@dataclass(frozen=True, slots=True)
class SiteFacts:
    site_id: str
    name: str
    kind: str
    change_window: str


@dataclass(frozen=True, slots=True)
class TicketContext:
    """What the review does not know: the estate's facts and how this ticket will be pushed."""

    inventory: Path
    runs_dir: Path
    plan_path: Path | None
    plan_sha256: str
    provenance: Provenance
    sites: Sequence[SiteFacts]  # in the inventory's (and so the rollout's) order
    vlan_roles: Mapping[int, str]  # VLAN id -> role (a VlanRole or one the plan adds)
    max_failures: int = 1
    revert_minutes: int = 5


@dataclass
class Change:
    """One remediation block, on every device that gets it."""

    text: tuple[str, ...]  # normalised: {hostname}, {site}
    targets: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    kinds: set[RiskKind] = field(default_factory=set)

    @property
    def flag(self) -> Severity | None:
        return max((SEVERITY[k] for k in self.kinds), default=None)


def blocks(remediation: Iterable[str]) -> list[list[str]]:
    """A top-level line and the indented lines under it."""
    found: list[list[str]] = []
    for line in remediation:
        if not line.strip():
            continue
        if line[:1].isspace() and found:
            found[-1].append(line)
        else:
            found.append([line])
    return found


def normalise(lines: Sequence[str], device: DeviceReview) -> tuple[str, ...]:
    names = [(device.target.hostname, "{hostname}")]
    if device.target.site_id:
        names += [(device.target.site_id, "{site}"), (device.target.site_id.lower(), "{site}")]
    out = []
    for line in lines:
        text = line
        for name, mark in names:
            text = text.replace(name, mark)
        out.append(text)
    return tuple(out)


def _changed(review: Review) -> list[DeviceReview]:
    return [d for d in review.devices if d.status is Status.CHANGED and d.diff is not None]


def group_changes(review: Review) -> list[Change]:
    """The changes of every changed device, the same block on several devices once, in the
    order they first appear."""
    changes: dict[tuple[str, ...], Change] = {}
    for device in _changed(review):
        assert device.diff is not None
        for block in blocks(device.diff.remediation):
            change = changes.setdefault(normalise(block, device), Change(normalise(block, device)))
            change.targets.append(device.target.name)
            site = device.target.site_id or "WLC (estate-wide)"
            if site not in change.sites:
                change.sites.append(site)
            header = block[0].strip()
            change.kinds |= {r.kind for r in device.risks
                             if r.line == header or r.line.startswith(f"{header} / ")}
    return list(changes.values())


def large_changes(review: Review) -> list[str]:
    return [d.target.name for d in _changed(review) if any(r.kind is RiskKind.LARGE_CHANGE for r in d.risks)]


def _vlan_ids(text: str) -> set[int]:
    ids = {int(v) for v in _VLAN.findall(text)}
    for listed in _ALLOWED.findall(text):
        for part in listed.split(","):
            low, _, high = part.partition("-")
            if low.isdigit():
                ids.update(range(int(low), int(high if high.isdigit() else low) + 1))
    return ids


def _section(config: str, header: str) -> str:
    lines = config.splitlines()
    if header not in lines:
        return ""
    start = lines.index(header)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i][:1].isspace()), len(lines))
    return "\n".join(lines[start:end])


def services(device: DeviceReview, roles: Mapping[int, str]) -> set[str]:
    """The services a device's change touches: the roles of the VLANs its blocks name (for an
    interface, also the VLANs the intended port carries); WiFi for a WLC share."""
    if device.target.is_wlc:
        return {"WiFi"}
    found: set[str] = set()
    assert device.diff is not None
    for block in blocks(device.diff.remediation):
        text = "\n".join(block)
        if block[0].startswith("interface "):
            text += "\n" + _section(device.target.intended, block[0])
        header = block[0].strip()
        if any(r.kind in WAN_KINDS and (r.line == header or r.line.startswith(f"{header} / "))
               for r in device.risks):
            found.add(WAN_SERVICE)
            continue
        ids = _vlan_ids(text)
        # a role the plan adds (`printers`, `iot`) is its own service, named by its role
        touched = {SERVICE_OF_ROLE.get(roles[i], roles[i].replace("_", " ")) for i in ids if i in roles}
        found |= touched or {DEVICE_SERVICE}
    return found


def _opening(window: str, now: datetime) -> tuple[datetime | None, str]:
    try:
        opening = next_window(parse_window(window), now)
    except WindowError as exc:
        return None, str(exc)
    if opening.contains(now):
        return opening.start, f"{window}: open now, until {opening.end.astimezone(SITE_TIME_ZONE):%a %H:%M %Z}"
    return opening.start, f"{window}: next {opening.describe()}"


def _push_commands(review: Review, ctx: TicketContext, site_ids: list[str]) -> list[str]:
    """One `estate push` per next window opening (a push refuses sites whose window is closed):
    the earliest first, each with its first site as the canary and accepting only the risk
    kinds of its own sites' devices."""
    facts = {s.site_id: s for s in ctx.sites}
    by_opening: dict[str, list[str]] = {}
    order: dict[str, datetime | None] = {}
    for site in site_ids:
        start, _ = _opening(facts[site].change_window, review.created_at) if site in facts else (None, "")
        key = "" if start is None else start.isoformat()
        by_opening.setdefault(key, []).append(site)
        order[key] = start
    plan = str(ctx.plan_path) if ctx.plan_path is not None else "PLAN"
    out = []
    for key in sorted(by_opening):
        sites = by_opening[key]
        words = ["estate", "push", "--env", review.env, "--inventory", str(ctx.inventory)]
        words += [w for site in sites for w in ("--site", site)]
        words += ["--plan", plan, "--canary", "1", "--max-failures", str(ctx.max_failures)]
        if review.source == "lab":
            words.append("--lab")
        kinds = {r.kind.value for d in _changed(review) if d.target.site_id in sites for r in d.risks}
        if kinds:
            words += ["--accept-risk", ",".join(sorted(kinds))]
        words += ["--runs-dir", str(ctx.runs_dir), "--commit"]
        when = order[key]
        label = f"in the window opening {when.astimezone(SITE_TIME_ZONE):%a %Y-%m-%d %H:%M %Z}" if when else "any time"
        out.append(f"{label} (canary: {sites[0]}):\n\n```\n{' '.join(words)}\n```\n")
    return out


def ticket_markdown(review: Review, ctx: TicketContext) -> str:
    changed = _changed(review)
    changes = group_changes(review)
    large = large_changes(review)
    site_ids = [s.site_id for s in ctx.sites if any(d.target.site_id == s.site_id for d in changed)]
    flags = [c.flag for c in changes if c.flag is not None] + [SEVERITY[RiskKind.LARGE_CHANGE]] * len(large)
    by_severity = ", ".join(f"{sum(1 for f in flags if f is s)} {s}" for s in sorted(Severity, reverse=True)
                            if any(f is s for f in flags)) or "none"
    out = [f"# Change ticket: {review.env}", "",
           f"Reviewed {review.created_at:%Y-%m-%d %H:%M} UTC against running configs from `{review.source}`.", "",
           "## Summary", "",
           f"- sites changed: {len(site_ids)} of {len({d.target.site_id for d in review.devices if d.target.site_id})}",
           f"- devices changed: {len(changed)} of {len(review.devices)}"
           + (f" ({review.count(Status.UNREACHABLE)} unreachable)" if review.count(Status.UNREACHABLE) else "")
           + (f" ({review.count(Status.ERROR)} not reviewable)" if review.count(Status.ERROR) else ""),
           f"- lines: +{review.lines_added} -{review.lines_removed} in {len(changes)} distinct changes",
           f"- risk (one flag per change): {by_severity}",
           f"- plan sha256: `{ctx.plan_sha256}`", ""]
    out += [*(f"> {note}" for note in review.notes), *([""] if review.notes else [])]
    out += _changes_section(changes, large)
    out += _sites_section(review, ctx, changed, site_ids)
    out += _why_section(ctx.provenance, ctx.inventory)
    out += ["## Implementation", ""]
    if ctx.plan_path is None:
        out += ["Save the plan first (`estate review ... --save PLAN`); push exactly that plan:", ""]
    out += _push_commands(review, ctx, site_ids) if site_ids else ["Nothing to push."]
    out += ["Outside a site's window the push refuses it; an emergency adds `--outside-window --reason TEXT` "
            "(recorded with the run).", ""]
    out += _verification(review, ctx, changed, site_ids)
    out += ["## Rollback", "",
            "Each device is backed up before its change to "
            f"`{ctx.runs_dir}/<RUN-ID>/backups/<device>.cfg` (0600); a failed device is rolled back by estate. "
            "To undo a site after the run (dry-run first, without `--commit`):", ""]
    out += ["```", *(f"estate rollback --run <RUN-ID> --site {site} --runs-dir {ctx.runs_dir} --commit"
                     for site in site_ids), "```"]
    out += ["", "The run id is printed by the push and listed by `estate runs`.", "",
            f"Plan sha256: `{ctx.plan_sha256}`"]
    return "\n".join(out) + "\n"


def _changes_section(changes: list[Change], large: list[str]) -> list[str]:
    out = ["## Changes", ""]
    if not changes:
        return [*out, "No device needs a change.", ""]
    for number, change in enumerate(changes, 1):
        flag = f" — risk **{change.flag}** ({', '.join(sorted(k.value for k in change.kinds))})" if change.flag else ""
        out += [f"### {number}. `{change.text[0].strip()}` on {len(change.targets)} "
                f"device{'s' if len(change.targets) > 1 else ''}{flag}", "",
                f"Devices: {', '.join(change.targets)}", ""]
        out += [f"Risk ({kind}): {EXPLANATION[kind]}." for kind in sorted(change.kinds, key=lambda k: k.value)
                if kind in WAN_KINDS]
        out += ["", "```", *change.text, "```", ""] if change.kinds & WAN_KINDS else ["```", *change.text, "```", ""]
    if large:
        out += [f"Large change (risk {SEVERITY[RiskKind.LARGE_CHANGE]}, read in full): {', '.join(large)}", ""]
    return out


def _sites_section(review: Review, ctx: TicketContext, changed: list[DeviceReview], site_ids: list[str]) -> list[str]:
    facts = {s.site_id: s for s in ctx.sites}
    out = ["## Sites", "", "| site | name | kind | devices | services affected | next change window |",
           "|---|---|---|---|---|---|"]
    for site in site_ids:
        devices = [d for d in changed if d.target.site_id == site]
        touched = sorted(set().union(*(services(d, ctx.vlan_roles) for d in devices)))
        fact = facts[site]
        _, window = _opening(fact.change_window, review.created_at)
        out.append(f"| {site} | {fact.name} | {fact.kind} | {', '.join(d.target.name for d in devices)} | "
                   f"{', '.join(touched)} | {window} |")
    return [*out, ""]


def _why_section(prov: Provenance, inventory: Path) -> list[str]:
    out = ["## Why", ""]
    if prov.commit is None:
        out.append(f"- inventory commit: none ({prov.git_note})")
    else:
        out.append(f"- inventory `{inventory}` at commit `{prov.commit}`"
                   + (" **with uncommitted edits** (commit them before approval)" if prov.dirty else " (clean)"))
    if prov.commit is not None and prov.since_commit is None:
        out.append("- inventory changes: no earlier applied plan")
    elif prov.since_commit is not None:
        out += [f"- inventory changes since the last applied plan (run {prov.since_run}, commit "
                f"`{prov.since_commit}`):", "", "```", prov.diff_stat or "(no change under the inventory)", "```"]
    return [*out, ""]


def _verification(review: Review, ctx: TicketContext, changed: list[DeviceReview], site_ids: list[str]) -> list[str]:
    out = ["## Verification", "",
           "estate, after each device (any failure rolls the device back and stops its site):", "",
           f"1. applies the lines inside a revert timer ({ctx.revert_minutes} min): the device undoes them on "
           "its own unless confirmed",
           "2. re-reads the running config and compares it with the intended one",
           "3. opens a new SSH session (the change did not cut management access)",
           "4. compares operational snapshots before and after (port-channels and members, neighbours, "
           "the site's APs on the WLC)",
           "5. confirms (cancels the revert timer) and saves the config", "",
           "The engineer, per site once its devices are done:", ""]
    for site in site_ids:
        touched = sorted(set().union(*(services(d, ctx.vlan_roles) for d in changed if d.target.site_id == site)))
        out += [f"- {site}: " + "; ".join(f"{s}: {SERVICE_CHECKS[s]}" for s in touched)]
    return [*out, ""]


def estate_facts(inventory: Any, env: str) -> tuple[list[SiteFacts], dict[int, VlanRole]]:
    """The environment's sites (inventory order) and the estate's VLAN roles, from an inventory."""
    sites = [SiteFacts(s.site_id, s.name, s.kind, s.change_window) for s in inventory.env_sites(env, None)]
    return sites, {v.id: v.role for v in inventory.estate.vlans}
