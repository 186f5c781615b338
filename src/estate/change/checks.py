"""Knowing the device before touching it, and how it runs before and after a change.

Owns `read_facts` (`show version` parsed by netmiko's TextFSM support with ntc-templates, not by
regexes of ours), `platform_mismatch` (model family and software train against the access
settings), and per-role operational snapshots (`snapshot`) compared by `regressions`: config
that converged can still lose a port-channel member, a neighbour or the site's APs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from estate.change.connections import DeviceAccess, model_family

SWITCH_ROLES = frozenset({"core", "access"})
WLC_ROLES = frozenset({"wlc", "wlc_global", "wlc_site"})  # device_model.Role values (and a lab spec's "wlc")
_AP_SITE = re.compile(r"^(?P<site>.+?)-AP\d+$", re.IGNORECASE)
# the image names of IOS-XE: CAT9K_IOSXE, C9800_IOSXE-K9 on switches and WLCs; on Catalyst 8000
# and ISR 4000 routers IOSd's own, X86_64_LINUX_IOSD-UNIVERSALK9-M
_IOS_XE_IMAGE = re.compile(r"XE|LINUX_IOSD")


class FactsError(Exception):
    """`show version` gave nothing estate can read: the device is not checked, so not touched."""


@dataclass
class DeviceFacts:
    hostname: str
    platform: str  # the software image family, e.g. CAT9K_IOSXE
    model: str  # e.g. C9300-48P
    version: str  # e.g. 17.9.4a
    serial: str


Parser = Callable[[str], list[dict[str, Any]]]


def structured(connection: Any, command: str) -> list[dict[str, Any]]:
    """`command`'s output as ntc-templates rows; a device whose output no template reads gives
    a string back from netmiko, which is an empty result here."""
    rows = connection.send_command(command, use_textfsm=True)
    return rows if isinstance(rows, list) else []


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def read_facts(connection: Any) -> DeviceFacts:
    rows = structured(connection, "show version")
    if not rows:
        raise FactsError("`show version` could not be parsed (no ntc-templates row): the platform is not known")
    row = rows[0]
    facts = DeviceFacts(hostname=_first(row.get("hostname")), platform=_first(row.get("software_image")),
                        model=_first(row.get("hardware")), version=_first(row.get("version")),
                        serial=_first(row.get("serial")))
    if not facts.model or not facts.version:
        raise FactsError("`show version` names no model or no version: the platform is not known")
    return facts


def platform_mismatch(facts: DeviceFacts, access: DeviceAccess) -> str | None:
    """Why this device is not the one the inventory describes, or None. Checked: the model
    family (C9300 vs a C9200L that answers at the same address), the software train, and
    that a `cisco_xe` device runs IOS-XE."""
    found: list[str] = []
    if access.platform and model_family(facts.model) != access.platform.upper():
        found.append(f"model {facts.model} is not a {access.platform}")
    if access.software_train and not facts.version.startswith(access.software_train):
        found.append(f"software {facts.version} is not on the {access.software_train.rstrip('.')} train")
    if access.device_type == "cisco_xe" and facts.platform and not _IOS_XE_IMAGE.search(facts.platform.upper()):
        found.append(f"software image {facts.platform} is not IOS-XE")
    if not found:
        return None
    return (f"{access.hostname}: {'; '.join(found)} (the inventory expects "
            f"{access.platform or 'any model'} on {access.software_train or 'any'} {access.device_type}); "
            "not touched")


@dataclass
class Snapshot:
    """What a device's operation looks like at one moment (per role; empty where not asked)."""

    role: str
    bundled: dict[str, int] = field(default_factory=dict)  # port-channel -> bundled members
    neighbours: int | None = None
    poe_powered: int | None = None  # ports delivering power
    poe_watts: float | None = None
    aps_per_site: dict[str, int] = field(default_factory=dict)
    bgp_established: int | None = None
    errors: list[str] = field(default_factory=list)


def bundled_members(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Port-channel → members in state P (bundled), from `show etherchannel summary` rows."""
    result: dict[str, int] = {}
    for row in rows:
        name = str(row.get("bundle_name") or f"Po{row.get('group')}")
        statuses = row.get("member_interface_status") or []
        result[name] = sum(1 for status in statuses if "P" in str(status))
    return result


def aps_per_site(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Registered APs per site, the site read from the AP name (`<SITE>-APnn`)."""
    result: dict[str, int] = {}
    for row in rows:
        if str(row.get("state", "")).lower() not in {"registered", "joined"}:
            continue
        found = _AP_SITE.match(str(row.get("ap_name", "")))
        site = found.group("site").upper() if found else "unassigned"
        result[site] = result.get(site, 0) + 1
    return result


def snapshot(connection: Any, role: str) -> Snapshot:
    taken = Snapshot(role)
    if role in SWITCH_ROLES:
        taken.bundled = bundled_members(structured(connection, "show etherchannel summary"))
        cdp = structured(connection, "show cdp neighbors")
        taken.neighbours = len(cdp) if cdp else len(structured(connection, "show lldp neighbors"))
        power = structured(connection, "show power inline")
        taken.poe_powered = sum(1 for row in power if str(row.get("operational_status", "")).lower() == "on")
        taken.poe_watts = round(sum(float(row.get("power") or 0.0) for row in power), 1)
    elif role in WLC_ROLES:
        taken.aps_per_site = aps_per_site(structured(connection, "show ap summary"))
    return taken


def regressions(before: Snapshot, after: Snapshot) -> list[str]:
    """Human lines, each with the before and after figures, for whatever got worse."""
    found: list[str] = []
    for name, members in sorted(before.bundled.items()):
        now = after.bundled.get(name, 0)
        if now < members:
            found.append(f"{name}: bundled members {members} -> {now}")
    if before.neighbours is not None and (after.neighbours or 0) < before.neighbours:
        found.append(f"CDP/LLDP neighbours {before.neighbours} -> {after.neighbours or 0}")
    if before.poe_powered is not None and (after.poe_powered or 0) < before.poe_powered:
        found.append(f"PoE powered ports {before.poe_powered} -> {after.poe_powered or 0} "
                     f"({before.poe_watts or 0:g} W -> {after.poe_watts or 0:g} W)")
    for site, count in sorted(before.aps_per_site.items()):
        now = after.aps_per_site.get(site, 0)
        if now < count:
            found.append(f"joined APs at {site}: {count} -> {now}")
    if before.bgp_established is not None and (after.bgp_established or 0) < before.bgp_established:
        found.append(f"BGP sessions established {before.bgp_established} -> {after.bgp_established or 0}")
    return found
