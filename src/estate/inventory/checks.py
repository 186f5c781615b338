"""Checks across the files of the source of truth: references, reuse, and what must agree.

Each check runs on the sections of `estate.yaml` it needs (`EstateParts`), so a problem in one
section never hides what can still be checked with the others.
"""

from __future__ import annotations

from collections.abc import Iterator

from estate.inventory.load import ESTATE_FILE, SITES_FILE, RawEstate, SiteFacts
from estate.inventory.models import SITE_NUMBERS, CarrierKind, EdgePort, NamedVlan, Site, VlanDef, VlanRole, WlcUnit
from estate.inventory.partial import EnvParts, EstateParts, WanParts
from estate.problems import Problem, did_you_mean_id

# the roles the code gives a meaning to: switch SVIs, the phones' voice VLAN, the APs' native VLAN
REQUIRED_ROLES = (VlanRole.MANAGEMENT, VlanRole.VOICE, VlanRole.AP_MGMT)
# edge ports every site can have: each needs exactly one access VLAN (bwv_dock only where docks are)
REQUIRED_PORTS = (EdgePort.PHONE, EdgePort.DESKTOP, EdgePort.PRINTER)
# the site count behind each powered device class of `poe.draw_w`
DEVICE_COUNTS = {"phone": "phones", "ap": "aps", "desktop": "desktops", "printer": "printers",
                 "bwv_dock": "bwv_docks"}


def cross_check(raw: RawEstate) -> list[Problem]:
    return [*_vlan_plan(raw), *_ssids(raw), *_switch_models(raw), *_wireless(raw), *_environments(raw),
            *_wan(raw), *_sites(raw)]


def blocks_build(raw: RawEstate) -> bool:
    """Whether the estate lacks what building a site's devices relies on (a required VLAN role,
    one access VLAN per edge port kind, the PoE figures of the switch models used), so the
    derived checks must wait for it to be fixed."""
    vlans, models, switch_models = raw.parts.vlans, raw.parts.models, raw.parts.switch_models
    if vlans is None or models is None or switch_models is None:
        return True
    if any(model not in switch_models for model in (models.core_small, models.core_large, models.access)):
        return True
    roles = {v.role for v in vlans}
    if any(role not in roles for role in REQUIRED_ROLES):
        return True
    return any(len(_claimants(vlans, port)) != 1 for port in REQUIRED_PORTS) or (
        len(_claimants(vlans, EdgePort.BWV_DOCK)) > 1)


def _claimants(vlans: list[VlanDef], port: EdgePort) -> list[int]:
    return [index for index, vlan in enumerate(vlans) if port in vlan.ports]


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
    yield from _port_vlans(raw, parts.vlans)
    yield from _vlan_kinds(raw, parts.vlans, parts.kinds)


def _vlan_kinds(raw: RawEstate, vlans: list[VlanDef], kinds: frozenset[str] | None) -> Iterator[Problem]:
    if kinds is None:
        return
    for index, vlan in enumerate(vlans):
        for position, kind in enumerate(vlan.site_kinds or []):
            if kind not in kinds:
                yield Problem(ESTATE_FILE, f"VLAN {vlan.name} is carried at site kind '{kind}', which is not known",
                              line=_line(raw, "vlans", index, "site_kinds", position),
                              field=f"vlans[{index}].site_kinds[{position}]",
                              hint=f"one of: {', '.join(sorted(kinds))}{did_you_mean_id(kind, kinds)}")


def _port_vlans(raw: RawEstate, vlans: list[VlanDef]) -> Iterator[Problem]:
    """Every edge port kind is the `ports` of one VLAN: its access VLAN."""
    docks = sum(site.bwv_docks for site in raw.sites.values())
    for port in EdgePort:
        claimants = _claimants(vlans, port)
        if len(claimants) > 1:
            first, *others = claimants
            for index in others:
                yield Problem(ESTATE_FILE, f"{port} ports are claimed by two VLANs: {vlans[first].name} "
                              f"(vlans[{first}]) and {vlans[index].name} (vlans[{index}])",
                              line=_line(raw, "vlans", index, "ports"), field=f"vlans[{index}].ports",
                              hint=f"an edge port has one access VLAN: remove {port} from the ports of one of them")
        elif not claimants and (port in REQUIRED_PORTS or docks):
            why = f" ({docks} BWV docks in {SITES_FILE})" if port is EdgePort.BWV_DOCK else ""
            yield Problem(ESTATE_FILE, f"no VLAN of the plan is the access VLAN of {port} ports{why}",
                          line=_line(raw, "vlans"), field="vlans",
                          hint=f"add {port} to the ports of the VLAN those devices belong in")


def _ssids(raw: RawEstate) -> Iterator[Problem]:
    parts = raw.parts
    if parts.ssids is None:
        return
    roles = None if parts.vlans is None else {v.role for v in parts.vlans}
    wlan_ids: set[int] = set()
    for index, ssid in enumerate(parts.ssids):
        if roles is not None and ssid.vlan_role is not None and ssid.vlan_role not in roles:
            yield Problem(ESTATE_FILE, f"SSID {ssid.name} uses VLAN role {ssid.vlan_role}, which the plan lacks",
                          line=_line(raw, "ssids", index), field=f"ssids[{index}].vlan_role",
                          hint=f"add a VLAN with role: {ssid.vlan_role} to vlans, or map the SSID to a role it has")
        if ssid.wlan_id in wlan_ids:
            yield Problem(ESTATE_FILE, f"WLAN id {ssid.wlan_id} is used twice",
                          line=_line(raw, "ssids", index), field=f"ssids[{index}].wlan_id",
                          hint="give every SSID its own wlan_id")
        wlan_ids.add(ssid.wlan_id)


def _switch_models(raw: RawEstate) -> Iterator[Problem]:
    """Every switch model the sites use has its PoE figures, and no powered device class draws
    more than one port of those models delivers."""
    parts = raw.parts
    if parts.models is None or parts.switch_models is None:
        return
    known = parts.switch_models
    for role in ("core_small", "core_large", "access"):
        model = getattr(parts.models, role)
        if model not in known:
            yield Problem(ESTATE_FILE, f"switch model {model} (models.{role}) has no entry in switch_models",
                          line=_line(raw, "models", role), field=f"models.{role}",
                          hint=f"add {model}: {{poe_budget_w: ..., poe_port_max_w: ...}} to switch_models "
                          f"(its datasheet PoE budget), or use one of: {', '.join(sorted(known))}")
    if parts.poe is None:
        return
    # the small core carries users as well; the large core has no user ports
    user_models = dict.fromkeys((parts.models.access, parts.models.core_small))
    for device, watts in parts.poe.draw_w.items():
        count = DEVICE_COUNTS[device]
        if not watts or not any(getattr(site, count) for site in raw.sites.values()):
            continue
        for model in user_models:
            spec = known.get(model)
            if spec is not None and watts > spec.poe_port_max_w:
                label = device.replace("_", " ")
                yield Problem(ESTATE_FILE, f"each {label} draws {watts:g} W; one port of {model} delivers at "
                              f"most {spec.poe_port_max_w:g} W", line=_line(raw, "poe", "draw_w", device),
                              field=f"poe.draw_w.{device}",
                              hint=f"use a switch model whose ports deliver {watts:g} W (UPOE: 60 W) in models, "
                              f"or correct the draw")


def _wireless(raw: RawEstate) -> Iterator[Problem]:
    """Each environment's WLC model is known, its units have their own names and addresses, a
    guest SSID has an anchor wherever a site offers guest WiFi, and the anchor's DMZ VLAN is
    none of the site VLANs."""
    parts = raw.parts
    guest_ssids = [ssid.name for ssid in parts.ssids or [] if ssid.guest]
    site_vlans = _site_vlan_ids(parts)
    for name, env in parts.environments.items():
        wireless = env.wireless
        if wireless is None:
            continue
        where = ("environments", name, "wireless")
        field = f"environments.{name}.wireless"
        if parts.wireless is not None and wireless.model not in parts.wireless.models:
            models = parts.wireless.models
            yield Problem(ESTATE_FILE, f"WLC model {wireless.model} is not in wireless.models",
                          line=_line(raw, *where, "model"), field=f"{field}.model",
                          hint=f"one of: {', '.join(sorted(models))}{did_you_mean_id(wireless.model, models)}, "
                          "or add the model's datasheet limits to wireless.models")
        yield from _units(raw, name, env)
        if guest_ssids and wireless.guest_anchor is None:
            offering = [site.site_id for site in _held(raw, env) if _offers_guest(parts, site)]
            if offering:
                more = f" and {len(offering) - 1} more" if len(offering) > 1 else ""
                yield Problem(ESTATE_FILE, f"guest SSID {guest_ssids[0]} has no guest anchor in environment "
                              f"'{name}', where {offering[0]}{more} offer guest WiFi",
                              line=_line(raw, *where), field=field,
                              hint="add guest_anchor: {name, address, mobility_mac, vlan: {id, name}} (the DMZ "
                              "WLC guests are tunnelled to), or turn guest WiFi off for those sites")
        anchor = wireless.guest_anchor
        if anchor is not None and anchor.vlan.id in site_vlans:
            yield Problem(ESTATE_FILE, f"the guest anchor's DMZ VLAN id {anchor.vlan.id} is also site VLAN "
                          f"{site_vlans[anchor.vlan.id]}", line=_line(raw, *where, "guest_anchor", "vlan", "id"),
                          field=f"{field}.guest_anchor.vlan.id",
                          hint="give the DMZ VLAN an id no site uses, so guest traffic can never meet a site VLAN")


def _site_vlan_ids(parts: EstateParts) -> dict[int, str]:
    found = {v.id: v.name for v in parts.vlans or []}
    for vlan in (parts.parking_vlan, parts.native_vlan):
        if vlan is not None:
            found.setdefault(vlan.id, vlan.name)
    return found


def _units(raw: RawEstate, name: str, env: EnvParts) -> Iterator[Problem]:
    """The HA pairs and the guest anchor of one environment: names, addresses and mobility MACs
    each used once (a WLC's hostname and its mobility peering are built from them)."""
    assert env.wireless is not None
    units: list[tuple[tuple[str | int, ...], str, WlcUnit]] = [
        (("pairs", i), f"pairs[{i}]", unit) for i, unit in enumerate(env.wireless.pairs)]
    if env.wireless.guest_anchor is not None:
        units.append((("guest_anchor",), "guest_anchor", env.wireless.guest_anchor))
    for key in ("name", "address", "mobility_mac"):
        seen: dict[str, str] = {}
        for path, label, unit in units:
            value = str(getattr(unit, key))
            if value in seen:
                yield Problem(ESTATE_FILE, f"WLC {key.replace('_', ' ')} {value} is already used by {seen[value]}",
                              line=_line(raw, "environments", name, "wireless", *path, key),
                              field=f"environments.{name}.wireless.{label}.{key}",
                              hint=f"every WLC pair and the guest anchor of an environment need their own {key}")
            else:
                seen[value] = label


def _held(raw: RawEstate, env: EnvParts) -> list[Site]:
    if env.sites == "all":
        return list(raw.sites.values())
    if env.sites is None:
        return []
    return [raw.sites[site_id] for _, site_id in env.sites if site_id in raw.sites]


def _offers_guest(parts: EstateParts, site: Site) -> bool:
    return site.guest if site.guest is not None else parts.kind_guest.get(site.kind, False)


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


# ---- the WAN (README: The WAN) ----

LINK_PREFIX = 29  # each site's (and hub's) share of wan.link_supernet
# the design field, and the kind of carrier it must name
DESIGN_PATHS = {"primary": CarrierKind.MPLS, "secondary": CarrierKind.MPLS, "backup": CarrierKind.CELLULAR}


def _wan(raw: RawEstate) -> Iterator[Problem]:
    wan = raw.parts.wan
    if wan is None:
        return
    yield from _carriers(raw, wan)
    yield from _designs(raw, wan)
    yield from _kind_wans(raw, wan)
    yield from _hubs(raw, wan)
    yield from _link_room(raw, wan)
    yield from _site_hubs(raw, wan)


def _carriers(raw: RawEstate, wan: WanParts) -> Iterator[Problem]:
    if wan.carriers is None:
        return
    seen: set[str] = set()
    for index, carrier in enumerate(wan.carriers):
        if carrier.name in seen:
            yield Problem(ESTATE_FILE, f"carrier {carrier.name} is listed twice",
                          line=_line(raw, "wan", "carriers", index, "name"), field=f"wan.carriers[{index}].name",
                          hint="one entry per carrier")
        seen.add(carrier.name)
    mpls = [i for i, c in enumerate(wan.carriers) if c.kind is CarrierKind.MPLS]
    if len(mpls) > 2:
        yield Problem(ESTATE_FILE, f"{len(mpls)} MPLS carriers: a site's or hub's /{LINK_PREFIX} of link_supernet "
                      "holds two PE-CE links", line=_line(raw, "wan", "carriers", mpls[2]),
                      field=f"wan.carriers[{mpls[2]}]", hint="use at most two MPLS carriers")


def _designs(raw: RawEstate, wan: WanParts) -> Iterator[Problem]:
    """Every carrier a design names is known and of the right kind: circuits are MPLS, the backup
    is cellular."""
    if wan.carriers is None:
        return
    carriers = {c.name: c for c in wan.carriers}
    for name, design in wan.designs.items():
        for key, kind in DESIGN_PATHS.items():
            value = getattr(design, key)
            if value is None:
                continue
            where, line = f"wan.designs.{name}.{key}", _line(raw, "wan", "designs", name, key)
            carrier = carriers.get(value)
            if carrier is None:
                yield Problem(ESTATE_FILE, f"WAN design {name} uses carrier '{value}', which is not in wan.carriers",
                              line=line, field=where,
                              hint=f"one of: {', '.join(sorted(carriers))}{did_you_mean_id(value, carriers)}")
            elif carrier.kind is not kind:
                what = "a cellular backup" if kind is CarrierKind.CELLULAR else f"an MPLS {key} circuit"
                yield Problem(ESTATE_FILE, f"WAN design {name}: {key} is {what}, but carrier {value} is "
                              f"{carrier.kind}", line=line, field=where,
                              hint=f"name a carrier of kind {kind} here")


def _kind_wans(raw: RawEstate, wan: WanParts) -> Iterator[Problem]:
    """Each site kind's WAN design and edge router are known, and the router has the cellular
    module its design's backup needs."""
    for kind, kind_wan in sorted(raw.parts.kind_wan.items()):
        path = ("site_kinds", kind, "wan")
        if kind_wan.design not in wan.design_names:
            yield Problem(ESTATE_FILE, f"site kind {kind} uses WAN design '{kind_wan.design}', which is not in "
                          "wan.designs", line=_line(raw, *path, "design"), field=f"site_kinds.{kind}.wan.design",
                          hint=f"one of: {', '.join(sorted(wan.design_names))}"
                          f"{did_you_mean_id(kind_wan.design, wan.design_names)}")
        if kind_wan.router not in wan.edge_model_names:
            yield Problem(ESTATE_FILE, f"site kind {kind} uses edge router '{kind_wan.router}', which is not in "
                          "wan.edge_models", line=_line(raw, *path, "router"), field=f"site_kinds.{kind}.wan.router",
                          hint=f"one of: {', '.join(sorted(wan.edge_model_names))}"
                          f"{did_you_mean_id(kind_wan.router, wan.edge_model_names)}, or add the model's "
                          "datasheet figures and ports to wan.edge_models")
        design, model = wan.designs.get(kind_wan.design), wan.edge_models.get(kind_wan.router)
        if design is not None and design.backup is not None and model is not None and model.cellular_interface is None:
            yield Problem(ESTATE_FILE, f"site kind {kind}: design {kind_wan.design} has a cellular backup; edge "
                          f"router {kind_wan.router} has no cellular_interface", line=_line(raw, *path, "router"),
                          field=f"site_kinds.{kind}.wan.router",
                          hint="use a router model with an LTE/5G module, or give the model its cellular_interface")


def _hubs(raw: RawEstate, wan: WanParts) -> Iterator[Problem]:
    """Hub names once; each router's public address once across the environments, its ASN once
    per environment, outside the sites' ASN range and none of a carrier's (an AS path that holds
    our own ASN is dropped); routers only for known environments."""
    envs = raw.parts.environments
    carrier_asns = {c.asn: c.name for c in wan.carriers or [] if c.asn is not None}
    names: dict[str, int] = {}
    addresses: dict[str, str] = {}
    asns: dict[tuple[str, int], str] = {}
    for index, hub in wan.hubs:
        base = f"wan.hubs[{index}]"
        if hub.name in names:
            yield Problem(ESTATE_FILE, f"hub {hub.name} is already wan.hubs[{names[hub.name]}]",
                          line=_line(raw, "wan", "hubs", index, "name"), field=f"{base}.name",
                          hint="one entry per hub; its routers list every environment that peers there")
        names.setdefault(hub.name, index)
        for env, router in hub.routers.items():
            path, label = ("wan", "hubs", index, "routers", env), f"{base}.routers.{env}"
            if envs and env not in envs:
                yield Problem(ESTATE_FILE, f"hub {hub.name} has a router for environment '{env}', which is not known",
                              line=_line(raw, *path), field=label,
                              hint=f"one of: {', '.join(sorted(envs))}{did_you_mean_id(env, envs)}")
            address = str(router.public_ip)
            if address in addresses:
                yield Problem(ESTATE_FILE, f"hub router address {address} is already {addresses[address]}'s",
                              line=_line(raw, *path, "public_ip"), field=f"{label}.public_ip",
                              hint="every hub router terminates its VPNs on its own public address")
            addresses.setdefault(address, f"{hub.name} ({env})")
            if (env, router.asn) in asns:
                yield Problem(ESTATE_FILE, f"hub ASN {router.asn} is already {asns[env, router.asn]}'s in "
                              f"environment {env}", line=_line(raw, *path, "asn"), field=f"{label}.asn",
                              hint="give every hub router of an environment its own ASN")
            asns.setdefault((env, router.asn), hub.name)
            base_asn = wan.site_asn_base
            if base_asn is not None and base_asn < router.asn < base_asn + SITE_NUMBERS:
                yield Problem(ESTATE_FILE, f"hub ASN {router.asn} is site {router.asn - base_asn:04d}'s "
                              f"(sites are {base_asn + 1}-{base_asn + SITE_NUMBERS - 1})",
                              line=_line(raw, *path, "asn"), field=f"{label}.asn",
                              hint="use an ASN outside the sites' range, such as a 2-byte private ASN (64512-65534)")
            if router.asn in carrier_asns:
                yield Problem(ESTATE_FILE, f"hub ASN {router.asn} is carrier {carrier_asns[router.asn]}'s",
                              line=_line(raw, *path, "asn"), field=f"{label}.asn",
                              hint="a route whose AS path holds our own ASN is dropped: use another ASN")


def _link_room(raw: RawEstate, wan: WanParts) -> Iterator[Problem]:
    """link_supernet holds a /29 for each site number an environment uses, and the hubs' at the
    top; it overlaps no environment's addresses."""
    supernet = wan.link_supernet
    if supernet is None:
        return
    line, field = _line(raw, "wan", "link_supernet"), "wan.link_supernet"
    slots = 2 ** (LINK_PREFIX - supernet.prefixlen) if supernet.prefixlen <= LINK_PREFIX else 0
    hubs = len(wan.hub_names or ())
    for name, env in raw.parts.environments.items():
        numbers = [site.number for site in _held(raw, env)]
        if numbers and max(numbers) >= slots - hubs:
            top = max(numbers)
            needed = LINK_PREFIX - (top + hubs).bit_length()
            yield Problem(ESTATE_FILE, f"link_supernet {supernet} holds {slots} /{LINK_PREFIX}s; environment "
                          f"'{name}' has site number {top} and there are {hubs} hubs",
                          line=line, field=field, hint=f"use a /{max(needed, 0)} or larger")
        for label, net in (("supernet", env.supernet), ("voice_supernet", env.voice_supernet)):
            if net is not None and net.overlaps(supernet):
                yield Problem(ESTATE_FILE, f"link_supernet {supernet} overlaps environment '{name}' {label} {net}",
                              line=line, field=field, hint="take the PE-CE links from space no environment uses")


def _site_hubs(raw: RawEstate, wan: WanParts) -> Iterator[Problem]:
    if wan.hub_names is None:
        return
    for site_id, site in sorted(raw.sites.items()):
        if site.wan_hub not in wan.hub_names:
            file, line = raw.site_lines[site_id]
            yield Problem(file, f"WAN hub '{site.wan_hub}' is not in wan.hubs of {ESTATE_FILE}", line=line,
                          site=site_id, field="wan_hub",
                          hint=f"one of: {', '.join(sorted(wan.hub_names))}"
                          f"{did_you_mean_id(site.wan_hub, wan.hub_names)}")
