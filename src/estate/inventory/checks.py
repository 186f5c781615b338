"""Checks across the files of the source of truth: references, reuse, and what must agree."""

from __future__ import annotations

from collections.abc import Iterator

from estate.inventory.load import ESTATE_FILE, RawEstate
from estate.inventory.models import EstateFile, Site, VlanRole
from estate.problems import Problem

REQUIRED_ROLES = (VlanRole.MANAGEMENT, VlanRole.DATA, VlanRole.VOICE, VlanRole.AP_MGMT)


def cross_check(raw: RawEstate) -> list[Problem]:
    if raw.estate is None:
        return []
    return [*_vlan_plan(raw), *_ssids(raw), *_environments(raw), *_sites(raw)]


def _line(raw: RawEstate, *path: str | int) -> int | None:
    return None if raw.estate_doc is None else raw.estate_doc.line_of(path)


def _vlan_plan(raw: RawEstate) -> Iterator[Problem]:
    estate = raw.estate
    assert estate is not None
    entries: list[tuple[tuple[str | int, ...], int, str]] = [
        (("vlans", i), v.id, v.name) for i, v in enumerate(estate.vlans)
    ]
    entries += [(("parking_vlan",), estate.parking_vlan.id, estate.parking_vlan.name)]
    entries += [(("native_vlan",), estate.native_vlan.id, estate.native_vlan.name)]
    seen_ids: dict[int, str] = {}
    seen_names: dict[str, str] = {}
    for path, vlan_id, name in entries:
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        if vlan_id in seen_ids:
            yield Problem(ESTATE_FILE, f"VLAN id {vlan_id} is already used by {seen_ids[vlan_id]}",
                          line=_line(raw, *path, "id"), field=f"{where}.id",
                          hint="every VLAN in the plan needs its own id")
        else:
            seen_ids[vlan_id] = where
        if name in seen_names:
            yield Problem(ESTATE_FILE, f"VLAN name {name} is already used by {seen_names[name]}",
                          line=_line(raw, *path, "name"), field=f"{where}.name")
        else:
            seen_names[name] = where
    roles = [v.role for v in estate.vlans]
    for index, role in enumerate(roles):
        if role in roles[:index]:
            yield Problem(ESTATE_FILE, f"VLAN role {role} is defined twice", line=_line(raw, "vlans", index),
                          field=f"vlans[{index}].role", hint="one VLAN per role")
    for role in REQUIRED_ROLES:
        if role not in roles:
            yield Problem(ESTATE_FILE, f"the VLAN plan has no {role} VLAN", line=_line(raw, "vlans"),
                          field="vlans", hint=f"add a VLAN with role: {role}")


def _ssids(raw: RawEstate) -> Iterator[Problem]:
    estate = raw.estate
    assert estate is not None
    roles = {v.role for v in estate.vlans}
    wlan_ids: set[int] = set()
    for index, ssid in enumerate(estate.ssids):
        if ssid.vlan_role not in roles:
            yield Problem(ESTATE_FILE, f"SSID {ssid.name} uses VLAN role {ssid.vlan_role}, which the plan lacks",
                          line=_line(raw, "ssids", index), field=f"ssids[{index}].vlan_role")
        if ssid.wlan_id in wlan_ids:
            yield Problem(ESTATE_FILE, f"WLAN id {ssid.wlan_id} is used twice",
                          line=_line(raw, "ssids", index), field=f"ssids[{index}].wlan_id")
        wlan_ids.add(ssid.wlan_id)


def _environments(raw: RawEstate) -> Iterator[Problem]:
    estate = raw.estate
    assert estate is not None
    block = estate.addressing.site_block_prefix
    for name, env in estate.environments.items():
        if env.supernet.prefixlen > block:
            yield Problem(ESTATE_FILE, f"supernet {env.supernet} is smaller than one site block (/{block})",
                          line=_line(raw, "environments", name, "supernet"),
                          field=f"environments.{name}.supernet")
        if env.sites == "all" or not raw.sites_readable:
            continue
        for index, site_id in enumerate(env.sites):
            if site_id not in raw.site_lines:
                yield Problem(ESTATE_FILE, f"environment '{name}' names site {site_id}, which is not in sites.csv",
                              line=_line(raw, "environments", name, "sites", index), site=site_id,
                              field=f"environments.{name}.sites[{index}]",
                              hint="add the site to sites.csv or correct the id")
        for index, site_id in enumerate(env.sites):
            if site_id in env.sites[:index]:
                yield Problem(ESTATE_FILE, f"environment '{name}' lists site {site_id} twice",
                              line=_line(raw, "environments", name, "sites", index), site=site_id,
                              field=f"environments.{name}.sites[{index}]")


def _sites(raw: RawEstate) -> Iterator[Problem]:
    estate = raw.estate
    assert estate is not None
    kinds = sorted(estate.site_kinds)
    prefix = estate.site_id_prefix
    for site_id, site in raw.sites.items():
        file, line = raw.site_lines[site_id]
        yield from _site(estate, site, file, line, kinds=kinds, prefix=prefix)


def _site(estate: EstateFile, site: Site, file: str, line: int, *, kinds: list[str], prefix: str) -> Iterator[Problem]:
    sid = site.site_id
    if site.kind not in estate.site_kinds:
        yield Problem(file, f"unknown site kind '{site.kind}'", line=line, site=sid, field="kind",
                      hint=f"one of: {', '.join(kinds)} (or add the kind to estate.yaml site_kinds)")
    if not sid.startswith(f"{prefix}-"):
        yield Problem(file, f"site id does not start with the estate prefix {prefix}-", line=line, site=sid,
                      field="site_id")
    bays = estate.switching.bwv_dock_bays
    if site.bwv_cameras > site.bwv_docks * bays:
        yield Problem(file, f"{site.bwv_cameras} cameras need {-(-site.bwv_cameras // bays)} docks of {bays} bays; "
                      f"the site has {site.bwv_docks}", line=line, site=sid, field="bwv_cameras",
                      hint="add docks or correct the camera count")
    if site.number == 0:
        yield Problem(file, "site number 0000 is reserved", line=line, site=sid, field="site_id")
