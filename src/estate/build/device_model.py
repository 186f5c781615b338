"""From a site's counts and addresses to its devices: switches, port maps, port-channels, and
the site's share of the central WLC configuration.

Everything a template needs is decided here, in Python; templates only loop over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network

from estate.build.addressing import SiteAddressing, VlanSubnet, address_site
from estate.build.poe import port_draw, port_max, usable_budget
from estate.build.sizing import CoreSize, EdgeKind, SitePlan, plan_site
from estate.build.wan import (
    CarrierLink,
    EnvHub,
    LinkRole,
    WanPlanError,
    carrier_links,
    edge_hostname,
    edge_loopback,
    edge_model,
    edge_model_name,
    overlay_link,
    site_asn,
    site_hub,
    site_prefixes,
)
from estate.build.wlc_pairs import choose_pair, pair_hostname
from estate.inventory.inventory import Inventory
from estate.inventory.models import EstateFile, Site, SiteKind, Ssid, VlanRole, WlcUnit


class Role(StrEnum):
    CORE = "core"
    ACCESS = "access"
    WLC_SITE = "wlc_site"
    WLC_GLOBAL = "wlc_global"
    EDGE = "edge"  # the site's WAN edge router (a device of its site, after the core in its order)
    HUB = "hub"  # a WAN hub router (environment-wide, like the WLC pairs)


class PortKind(StrEnum):
    AP = "ap"
    BWV_DOCK = "bwv_dock"
    PRINTER = "printer"
    PHONE = "phone"
    DESKTOP = "desktop"
    UPLINK = "uplink"  # access switch member of its port-channel to the core
    DOWNLINK = "downlink"  # core member of a port-channel to an access switch
    WAN = "wan"
    UNUSED = "unused"


EDGE_KINDS = {PortKind.AP, PortKind.BWV_DOCK, PortKind.PRINTER, PortKind.PHONE, PortKind.DESKTOP}


@dataclass(frozen=True, slots=True)
class PortLayout:
    """The physical ports of a switch model, in the order IOS lists them."""

    edge: tuple[str, ...]  # user-facing ports, in fill order
    fabric: tuple[str, ...]  # uplink-capable ports, in fill order

    @property
    def all_ports(self) -> tuple[str, ...]:
        return self.edge + self.fabric


def _ports(prefix: str, first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for n in range(first, last + 1))


PORT_LAYOUTS: dict[str, PortLayout] = {
    "C9300-48P": PortLayout(_ports("GigabitEthernet1/0/", 1, 48), _ports("TenGigabitEthernet1/1/", 1, 8)),
    "C9300-24P": PortLayout(_ports("GigabitEthernet1/0/", 1, 24), _ports("TenGigabitEthernet1/1/", 1, 8)),
    "C9500-48Y4C": PortLayout((), _ports("TwentyFiveGigE1/0/", 1, 48) + _ports("HundredGigE1/0/", 49, 52)),
}


class ModelError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Port:
    name: str
    kind: PortKind
    description: str
    channel: int | None = None
    peer: str | None = None  # the AP or switch at the other end


@dataclass(frozen=True, slots=True)
class PortChannel:
    number: int
    description: str
    members: tuple[str, ...]
    peer: str


@dataclass(frozen=True, slots=True)
class Switch:
    hostname: str
    role: Role
    model: str
    site_id: str
    index: int  # 0 for the core, k for access switch k
    mgmt_ip: IPv4Address
    ports: tuple[Port, ...]
    port_channels: tuple[PortChannel, ...]

    def ports_of(self, kind: PortKind) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.kind == kind)


@dataclass(frozen=True, slots=True)
class AccessPoint:
    name: str
    switch: str
    port: str


@dataclass(frozen=True, slots=True)
class WlcSite:
    """The site's share of its WLC pair: only objects named for this site."""

    site_id: str
    wlc_hostname: str  # the pair that serves the site (`build.wlc_pairs`)
    backup: WlcUnit | None  # the pair its APs fail over to
    site_tag: str
    flex_profile: str
    policy_tag: str
    ap_profile: str
    ap_filter: str
    ap_name_regex: str
    native_vlan: VlanSubnet
    vlans: tuple[VlanSubnet, ...]  # the WiFi VLANs switched locally at the site
    wlans: tuple[Ssid, ...]  # local SSIDs, then the guest SSID where the site offers guest WiFi
    aps: tuple[AccessPoint, ...]


@dataclass(frozen=True, slots=True)
class WlanProfile:
    """A WLAN with the policy profile that switches it locally into its VLAN (by name, so the
    one policy profile serves every site; each site's flex profile maps the name to an id)."""

    ssid: Ssid
    vlan_name: str
    policy_profile: str


@dataclass(frozen=True, slots=True)
class WlcGlobal:
    """The environment-wide part of the central WLC: RADIUS, WLANs, policy profiles, RF tag."""

    hostname: str
    rf_tag: str
    wlans: tuple[WlanProfile, ...]


@dataclass(frozen=True, slots=True)
class Circuit:
    """One WAN path of the edge router: an MPLS circuit on a carrier port, or the cellular
    modem under the overlay tunnel (then `link` is the tunnel's inside /30, hub .1, us .2)."""

    interface: str  # the carrier port, or the cellular interface
    link: CarrierLink
    backup: bool  # the second path: routes de-preferred in, prepended out


@dataclass(frozen=True, slots=True)
class EdgeRouter:
    """The site's WAN edge router (`build.wan` for the numbers): LAN port to the core on the
    site's WAN /30 (core .1 = wan_local, edge .2 = wan_peer), its circuits, and BGP."""

    hostname: str
    model: str
    site_id: str
    loopback: IPv4Address
    lan_interface: str
    asn: int
    circuits: tuple[Circuit, ...]  # primary first; MPLS circuits, then the cellular overlay
    hub: EnvHub | None  # the hub router the overlay terminates on (cellular backup only)
    prefixes: tuple[IPv4Network, ...]  # what it advertises: the site block, the voice slot

    @property
    def mpls(self) -> tuple[Circuit, ...]:
        return tuple(c for c in self.circuits if c.link.role is not LinkRole.OVERLAY)

    @property
    def overlay(self) -> Circuit | None:
        return next((c for c in self.circuits if c.link.role is LinkRole.OVERLAY), None)


@dataclass(frozen=True, slots=True)
class SiteModel:
    site: Site
    kind: SiteKind
    guest: bool
    plan: SitePlan
    addressing: SiteAddressing
    core: Switch
    access: tuple[Switch, ...]
    wlc: WlcSite | None
    edge: EdgeRouter

    @property
    def switches(self) -> tuple[Switch, ...]:
        return (self.core, *self.access)


def switch_hostname(site_id: str, role: Role, index: int) -> str:
    return f"{site_id.lower()}-{'cs' if role is Role.CORE else 'as'}{max(index, 1):02d}"


def wlc_hostnames(inventory: Inventory, env: str) -> tuple[str, ...]:
    """Every WLC of the environment: its HA pairs, then its guest anchor."""
    wireless = inventory.environment(env).wireless
    units = [*wireless.pairs, *([wireless.guest_anchor] if wireless.guest_anchor else [])]
    return tuple(pair_hostname(inventory, env, unit) for unit in units)


def wlc_global(inventory: Inventory, env: str, unit: WlcUnit) -> WlcGlobal:
    estate = inventory.estate
    wlans = tuple(
        WlanProfile(ssid, estate.vlan(ssid.vlan_role).name if ssid.vlan_role else "", f"PP-{ssid.name}")
        for ssid in sorted(estate.ssids, key=lambda s: s.wlan_id)
    )
    return WlcGlobal(pair_hostname(inventory, env, unit), f"RT-{estate.site_id_prefix}", wlans)


def ap_name(site_id: str, number: int) -> str:
    return f"{site_id}-AP{number:02d}"


def layout(model: str) -> PortLayout:
    try:
        return PORT_LAYOUTS[model]
    except KeyError:
        raise ModelError(f"no port layout for switch model {model} (known: {', '.join(PORT_LAYOUTS)})") from None


def build_site(inventory: Inventory, env: str, site: Site) -> SiteModel:
    cached: SiteModel | None = inventory.model_cache.get((env, site.site_id))
    if cached is not None and cached.site is site:
        return cached
    model = _build_site(inventory, env, site)
    inventory.model_cache[(env, site.site_id)] = model
    return model


def _build_site(inventory: Inventory, env: str, site: Site) -> SiteModel:
    estate = inventory.estate
    guest = inventory.has_guest(site)
    plan = plan_site(site, estate.switching)
    environment = inventory.environment(env)
    addressing = address_site(site, plan, estate, environment.supernet,
                              voice_supernet=environment.voice_supernet)
    core_model = estate.models.core_small if plan.core is CoreSize.SMALL else estate.models.core_large
    core_layout, access_layout = layout(core_model), layout(estate.models.access)
    core_name = switch_hostname(site.site_id, Role.CORE, 0)
    access_names = [switch_hostname(site.site_id, Role.ACCESS, k) for k in range(1, plan.access_switches + 1)]

    user_switches = ([(core_name, core_layout, core_model)] if plan.core is CoreSize.SMALL else []) + [
        (name, access_layout, estate.models.access) for name in access_names]
    edge_by_switch = _distribute(site, plan, user_switches, estate)

    edge = _edge_router(inventory, env, site, addressing.loopback)
    core_fabric = _core_fabric(core_layout, plan, access_names, edge)
    core = _switch(hostname=core_name, role=Role.CORE, model=core_model, site=site, index=0,
                   addressing=addressing, port_layout=core_layout, edge=edge_by_switch.get(core_name, []),
                   fabric=core_fabric)
    access = tuple(
        _switch(hostname=name, role=Role.ACCESS, model=estate.models.access, site=site, index=k,
                addressing=addressing, port_layout=access_layout, edge=edge_by_switch.get(name, []),
                fabric=_access_fabric(access_layout, core_name, k))
        for k, name in enumerate(access_names, start=1)
    )
    return SiteModel(
        site=site,
        kind=estate.site_kinds[site.kind],
        guest=guest,
        plan=plan,
        addressing=addressing,
        core=core,
        access=access,
        wlc=_wlc_site(inventory, env, site, addressing, guest=guest, aps=_access_points(core, access)),
        edge=edge,
    )


def _edge_router(inventory: Inventory, env: str, site: Site, core_loopback: IPv4Address) -> EdgeRouter:
    estate = inventory.estate
    try:
        model = edge_model(estate, site)
        links = carrier_links(estate, site)
        overlay = overlay_link(estate, env, site)
    except WanPlanError as exc:
        raise ModelError(str(exc)) from None
    except KeyError as exc:  # an unknown design, model or carrier: reported by the inventory checks
        raise ModelError(f"the site's WAN design names {exc}, which wan: does not define") from None
    circuits = [Circuit(port, link, link.role is not LinkRole.PRIMARY)
                for port, link in zip(model.carrier_interfaces, links, strict=False)]
    hub = None
    if overlay is not None:
        if model.cellular_interface is None:
            raise ModelError(f"edge router {edge_model_name(estate, site)} has no cellular_interface for the "
                             "design's cellular backup")
        circuits.append(Circuit(model.cellular_interface, overlay, True))
        hub = site_hub(estate, env, site)
    return EdgeRouter(
        hostname=edge_hostname(site.site_id), model=edge_model_name(estate, site), site_id=site.site_id,
        loopback=edge_loopback(core_loopback), lan_interface=model.lan_interface, asn=site_asn(estate, site),
        circuits=tuple(circuits), hub=hub, prefixes=site_prefixes(estate, env, site),
    )


def _distribute(site: Site, plan: SitePlan, switches: list[tuple[str, PortLayout, str]],
                estate: EstateFile) -> dict[str, list[Port]]:
    """Deal the edge devices round-robin across the user switches (hostname, port layout,
    model), kind by kind, so every switch carries a fair share of APs and phones and losing one
    switch never darkens a site. A powered device skips a switch whose PoE budget it would
    exceed (`build.poe`: usable budget, the model's per-port maximum) or whose edge ports are
    full; when no switch has room, it goes where plain round-robin puts it (validation reports
    the overdraw). The ports have no names yet: `_switch` lays them onto the edge ports in order."""
    by_switch: dict[str, list[Port]] = {name: [] for name, _, _ in switches}
    labels = {
        EdgeKind.BWV_DOCK: "BWV dock {:02d}",
        EdgeKind.PRINTER: "Printer {:02d}",
        EdgeKind.PHONE: "Phone {:03d}",
        EdgeKind.DESKTOP: "Desktop {:03d}",
    }
    lists = [by_switch[name] for name, _, _ in switches]
    room = [len(port_layout.edge) for _, port_layout, _ in switches]
    budget = [usable_budget(model, estate) if model in estate.switch_models else 0.0 for _, _, model in switches]
    per_port = [port_max(model, estate) for _, _, model in switches]
    used = [0.0] * len(switches)
    count_of = len(lists)
    turn = 0
    for kind, count in plan.edge.items():
        port_kind = PortKind(kind.value)  # once per kind: this loop runs for every edge port
        label = labels.get(kind, "")
        watts = port_draw(kind.value, estate)
        for number in range(1, count + 1):
            if kind is EdgeKind.AP:
                name = ap_name(site.site_id, number)
                port = Port("", port_kind, f"AP {name}", peer=name)
            else:
                port = Port("", port_kind, label.format(number))
            chosen = turn % count_of
            for step in range(count_of):
                k = (turn + step) % count_of
                if len(lists[k]) < room[k] and (
                        watts == 0 or (watts <= per_port[k] and used[k] + watts <= budget[k])):
                    chosen = k
                    break
            lists[chosen].append(port)
            used[chosen] += watts
            turn = chosen + 1
    return by_switch


def _core_fabric(core_layout: PortLayout, plan: SitePlan, access_names: list[str], edge: EdgeRouter) -> list[Port]:
    fabric = list(core_layout.fabric)
    # a plain routed link to the edge router, which shapes and routes the circuits
    ports = [Port(fabric[0], PortKind.WAN, f"WAN: routed link to {edge.hostname} {edge.lan_interface}",
                  peer=edge.hostname)]
    # the second fabric port stays free: a second WAN circuit or a temporary migration link
    members = fabric[2:]
    for k, peer in enumerate(access_names, start=1):
        for name in members[2 * (k - 1) : 2 * k]:
            ports.append(Port(name, PortKind.DOWNLINK, f"Downlink to {peer} Po1", channel=k, peer=peer))
    return ports


def _access_fabric(access_layout: PortLayout, core_name: str, k: int) -> list[Port]:
    return [
        Port(name, PortKind.UPLINK, f"Uplink to {core_name} Po{k}", channel=1, peer=core_name)
        for name in access_layout.fabric[:2]
    ]


def _switch(
    *,
    hostname: str,
    role: Role,
    model: str,
    site: Site,
    index: int,
    addressing: SiteAddressing,
    port_layout: PortLayout,
    edge: list[Port],
    fabric: list[Port],
) -> Switch:
    if len(edge) > len(port_layout.edge):
        raise ModelError(f"{hostname} needs {len(edge)} edge ports; model {model} has {len(port_layout.edge)}")
    used = {p.name: p for p in fabric}
    for name, port in zip(port_layout.edge, edge, strict=False):
        used[name] = Port(name, port.kind, port.description, peer=port.peer)
    ports = tuple(used.get(name) or Port(name, PortKind.UNUSED, "Unused") for name in port_layout.all_ports)
    channels: dict[int, list[Port]] = {}
    for port in ports:
        if port.channel is not None:
            channels.setdefault(port.channel, []).append(port)
    direction = "Downlink" if role is Role.CORE else "Uplink"
    port_channels = tuple(
        PortChannel(number, f"{direction} to {members[0].peer}", tuple(m.name for m in members),
                    members[0].peer or "")
        for number, members in sorted(channels.items())
    )
    return Switch(hostname, role, model, site.site_id, index, addressing.management_ip(index), ports, port_channels)


def _access_points(core: Switch, access: tuple[Switch, ...]) -> tuple[AccessPoint, ...]:
    found = [
        AccessPoint(port.peer, switch.hostname, port.name)
        for switch in (core, *access)
        for port in switch.ports_of(PortKind.AP)
        if port.peer
    ]
    return tuple(sorted(found, key=lambda ap: ap.name))


def _wlc_site(
    inventory: Inventory, env: str, site: Site, addressing: SiteAddressing, *, guest: bool,
    aps: tuple[AccessPoint, ...],
) -> WlcSite | None:
    native = addressing.subnet(VlanRole.AP_MGMT)
    if native is None:
        return None
    wlans = tuple(
        ssid for ssid in inventory.estate.ssids
        if (ssid.vlan_role is not None and addressing.subnet(ssid.vlan_role) is not None) or (ssid.guest and guest)
    )
    vlans = tuple(s for s in addressing.subnets if s.role in {w.vlan_role for w in wlans})
    sid = site.site_id
    choice = choose_pair(sid, inventory.environment(env).wireless)
    return WlcSite(
        site_id=sid,
        wlc_hostname=pair_hostname(inventory, env, choice.primary),
        backup=choice.backup,
        site_tag=f"ST-{sid}",
        flex_profile=f"FP-{sid}",
        policy_tag=f"PT-{sid}",
        ap_profile=f"AJP-{sid}",
        ap_filter=f"AF-{sid}",
        ap_name_regex=f"^{sid}-AP[0-9]+$",
        native_vlan=native,
        vlans=vlans,
        wlans=wlans,
        aps=aps,
    )
