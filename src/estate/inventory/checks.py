"""Checks across the files of the source of truth: references, reuse, and what must agree.

Each check runs on the sections of `estate.yaml` it needs (`EstateParts`), so a problem in one
section never hides what can still be checked with the others.
"""

from __future__ import annotations

from collections.abc import Iterator

from estate.inventory.load import ESTATE_FILE, SITES_FILE, RawEstate, SiteFacts
from estate.inventory.models import NamedVlan, VlanDef, VlanRole
from estate.inventory.partial import EnvParts, EstateParts
from estate.problems import Problem, did_you_mean_id

REQUIRED_ROLES = (VlanRole.MANAGEMENT, VlanRole.DATA, VlanRole.VOICE, VlanRole.AP_MGMT)


def cross_check(raw: RawEstate) -> list[Problem]:
    return [*_vlan_plan(raw), *_ssids(raw), *_environments(raw), *_sites(raw)]


def _line(raw: RawEstate, *path: str | int) -> int | None:
    return None if raw.estate_doc is None else raw.estate_doc.line_of(path)


def _vlan_plan(raw: RawEstate) -> Iterator[Problem]:
    parts = raw.parts
    if parts.vlans is None:
        return
    entries: list[tuple[tuple[str | int, ...], VlanDef | NamedVlan]] = [
        (("vlans", i), v) for i, v in enumerate(parts.vlans)
    ]
    entries += [((name,), vlan) for name, vlan in (("parking_vlan", parts.parking_vlan),
                                                    ("native_vlan", parts.native_vlan)) if vlan is not None]
    seen_ids: dict[int, str] = {}
    seen_names: dict[str, str] = {}
    for path, vlan in entries:
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        if vlan.id in seen_ids:
            yield Problem(ESTATE_FILE, f"VLAN id {vlan.id} is already used by {seen_ids[vlan.id]}",
                          line=_line(raw, *path, "id"), field=f"{where}.id",
                          hint="every VLAN in the plan needs its own id")
        else:
            seen_ids[vlan.id] = where
        if vlan.name in seen_names:
            yield Problem(ESTATE_FILE, f"VLAN name {vlan.name} is already used by {seen_names[vlan.name]}",
                          line=_line(raw, *path, "name"), field=f"{where}.name",
                          hint="every VLAN in the plan needs its own name")
        else:
            seen_names[vlan.name] = where
    roles = [v.role for v in parts.vlans]
    for index, role in enumerate(roles):
        if role in roles[:index]:
            yield Problem(ESTATE_FILE, f"VLAN role {role} is defined twice", line=_line(raw, "vlans", index),
                          field=f"vlans[{index}].role", hint="one VLAN per role")
    for role in REQUIRED_ROLES:
        if role not in roles:
            yield Problem(ESTATE_FILE, f"the VLAN plan has no {role} VLAN", line=_line(raw, "vlans"),
                          field="vlans", hint=f"add a VLAN with role: {role}")


def _ssids(raw: RawEstate) -> Iterator[Problem]:
    parts = raw.parts
    if parts.ssids is None:
        return
    roles = None if parts.vlans is None else {v.role for v in parts.vlans}
    wlan_ids: set[int] = set()
    for index, ssid in enumerate(parts.ssids):
        if roles is not None and ssid.vlan_role not in roles:
            yield Problem(ESTATE_FILE, f"SSID {ssid.name} uses VLAN role {ssid.vlan_role}, which the plan lacks",
                          line=_line(raw, "ssids", index), field=f"ssids[{index}].vlan_role",
                          hint=f"add a VLAN with role: {ssid.vlan_role} to vlans, or map the SSID to a role it has")
        if ssid.wlan_id in wlan_ids:
            yield Problem(ESTATE_FILE, f"WLAN id {ssid.wlan_id} is used twice",
                          line=_line(raw, "ssids", index), field=f"ssids[{index}].wlan_id",
                          hint="give every SSID its own wlan_id")
        wlan_ids.add(ssid.wlan_id)


def _environments(raw: RawEstate) -> Iterator[Problem]:
    for name, env in raw.parts.environments.items():
        yield from _supernet(raw, name, env)
        if not isinstance(env.sites, tuple) or not raw.sites_readable:
            continue
        listed: set[str] = set()
        for index, site_id in env.sites:
            line, field = _line(raw, "environments", name, "sites", index), f"environments.{name}.sites[{index}]"
            if site_id not in raw.site_lines:
                yield Problem(ESTATE_FILE, f"environment '{name}' names site {site_id}, which is not in {SITES_FILE}",
                              line=line, site=site_id, field=field,
                              hint=f"add the site to {SITES_FILE} or correct the id{_close(site_id, raw)}")
            if site_id in listed:
                yield Problem(ESTATE_FILE, f"environment '{name}' lists site {site_id} twice", line=line,
                              site=site_id, field=field, hint="remove the second entry")
            listed.add(site_id)


def _close(site_id: str, raw: RawEstate) -> str:
    return did_you_mean_id(site_id, raw.site_lines)


def _supernet(raw: RawEstate, name: str, env: EnvParts) -> Iterator[Problem]:
    addressing = raw.parts.addressing
    if addressing is None or env.supernet is None:
        return
    block = addressing.site_block_prefix
    if env.supernet.prefixlen > block:
        yield Problem(ESTATE_FILE, f"supernet {env.supernet} is smaller than one site block (/{block})",
                      line=_line(raw, "environments", name, "supernet"), field=f"environments.{name}.supernet",
                      hint=f"use a supernet of /{block} or larger, or raise addressing.site_block_prefix")


def _sites(raw: RawEstate) -> Iterator[Problem]:
    facts = [(site_id, SiteFacts.of(site)) for site_id, site in raw.sites.items()]
    for site_id, fact in sorted([*facts, *raw.rejected.items()]):
        file, line = raw.site_lines[site_id]
        yield from _site(raw.parts, site_id, fact, file, line)


def _site(parts: EstateParts, sid: str, site: SiteFacts, file: str, line: int) -> Iterator[Problem]:
    if parts.kinds is not None and site.kind is not None and site.kind not in parts.kinds:
        yield Problem(file, f"unknown site kind '{site.kind}'", line=line, site=sid, field="kind",
                      hint=f"one of: {', '.join(sorted(parts.kinds))} (or add the kind to estate.yaml site_kinds)")
    prefix = parts.site_id_prefix
    if site.site_id is not None:
        if prefix is not None and not site.site_id.startswith(f"{prefix}-"):
            yield Problem(file, f"site id does not start with the estate prefix {prefix}-", line=line, site=sid,
                          field="site_id", hint=f"site ids look like {prefix}-0042")
        if int(site.site_id.rsplit("-", 1)[1]) == 0:
            yield Problem(file, "site number 0000 is reserved", line=line, site=sid, field="site_id",
                          hint="number sites from 0001 (`estate site add` picks the next free number)")
    if parts.switching is not None and site.bwv_docks is not None and site.bwv_cameras is not None:
        bays = parts.switching.bwv_dock_bays
        if site.bwv_cameras > site.bwv_docks * bays:
            yield Problem(file, f"{site.bwv_cameras} cameras need {-(-site.bwv_cameras // bays)} docks of {bays} "
                          f"bays; the site has {site.bwv_docks}", line=line, site=sid, field="bwv_cameras",
                          hint="add docks or correct the camera count")
