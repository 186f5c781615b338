"""What each template receives: plain, precomputed views of the device model.

Everything a template prints is decided here, in Python, as strings, ints and tuples of small
frozen dataclasses. Estate-wide values (`Globals`) are built once per environment; per-device
views once per device. Templates then only loop and print, which keeps them short and keeps
pydantic models and `ipaddress` arithmetic out of the render loop.

Design decisions the configs carry (documented here once):
- Port decisions (VLANs, NAC, protection, QoS) are `estate.build.ports` profiles, one per
  (site, kind), shared by every port of the kind; a port view is its name, description,
  channel and profile.
- QoS: the access port is the trust boundary. User ports run an ingress MQC policy that marks
  SIP signalling and RTP media only when they come from the site's voice subnet, and re-marks
  everything else to default, so a PC behind a phone cannot claim EF. Every switched port
  queues EF in the priority queue; the core's WAN port shapes to the circuit with the voice
  rate of the capacity model as its policed priority class. No `auto qos`: it writes dozens of
  generated lines that would make intended and running configs drift.
- DHCP snooping and dynamic ARP inspection run on every site VLAN but management and AP
  management (derived from the plan, not a role list); the fabric is trusted.
- Trunks carry exactly the site's VLANs; the native VLAN is the estate's unused native VLAN.
- Baseline partials (header, aaa, services, archive, users, logging, snmp, servers, banner,
  lines, ntp, mgmt_acls) see only `g` and `mgmt` (MgmtView), so the C9800 includes them too.
- WAN edge router (`edge_context`, `ios_xe/edge.j2`; README: The WAN): eBGP to each carrier PE
  with BFD, a prefix-list both ways (in: the default route only; out: the site's prefixes
  exactly) and a maximum-prefix guard; the second path (a secondary circuit, or BGP over the
  IKEv2 overlay to the hub across the cellular backup) is de-preferred by local preference in
  and AS-path prepends out. With a cellular backup an IP SLA probe of the primary PE feeds a
  track: when the PE stops answering, a static default over the tunnel takes over at once,
  whatever BGP still believes. The site's prefixes point at the core (static routes), which
  keeps its default to the edge router. Each carrier interface shapes to the circuit with the
  voice LLQ of the capacity model: the only shaper of the site.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from estate.build.addressing import VlanSubnet
from estate.build.device_model import Role, SiteModel, Switch
from estate.build.ports import (
    AP_POLICY,
    CriticalTemplate,
    PortProfile,
    SiteProfiles,
    UserPolicy,
    WanQos,
    site_profiles,
)
from estate.build.wan import site_prefixes
from estate.inventory.inventory import Inventory
from estate.inventory.models import VlanRole

TACACS_GROUP = "AAA-TACACS"
RADIUS_GROUP = "AAA-RADIUS"
MGMT_SVI_SOURCE = "Vlan{}"
VTY_ACL = "MGMT-VTY"
SNMP_ACL = "MGMT-SNMP"
NTP_KEY_ID = 1
RADIUS_PROBE_USER = "estate-radius-probe"
# traps every IOS-XE device of the estate sends (switches add theirs in `switch_traps`)
SNMP_TRAPS = (
    "snmp authentication linkdown linkup coldstart warmstart",
    "config",
    "config-copy",
    "entity",
    "cpu threshold",
    "syslog",
)
# and what only a switch has to say
SWITCH_TRAPS = ("errdisable", "storm-control trap-rate 10", "power-ethernet police")
ERRDISABLE_INTERVAL = 300
LOOPBACK = "Loopback0"
BANNER = (
    "AUTHORISED ACCESS ONLY",
    "This system is the property of the {organisation}.",
    "It may be used only by authorised persons for authorised policing purposes.",
    "Unauthorised access or use is an offence under the Computer Misuse Act 1990.",
    "All activity is monitored and recorded, and may be used as evidence in",
    "criminal, misconduct or disciplinary proceedings.",
    "Disconnect now if you are not authorised.",
)
CLOCK: dict[str, tuple[str, ...]] = {
    "GMT": ("clock timezone GMT 0 0", "clock summer-time BST recurring last Sun Mar 1:00 last Sun Oct 2:00"),
    "UTC": ("clock timezone UTC 0 0",),
}


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class SnmpUserView:
    name: str
    group: str


@dataclass(frozen=True, slots=True)
class VoiceQos:
    rtp_first: int
    rtp_last: int
    sip_port: int
    sip_tls_port: int
    dscp_media: str
    dscp_signalling: str


@dataclass(frozen=True, slots=True)
class VlanView:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Globals:
    """Estate-wide values of one environment, shared by every device."""

    env: str
    tacacs_group: str
    radius_group: str
    organisation: str
    domain: str
    clock: tuple[str, ...]
    banner: tuple[str, ...]
    dns_servers: tuple[str, ...]
    ntp_servers: tuple[str, ...]
    syslog_servers: tuple[str, ...]
    dhcp_servers: tuple[str, ...]
    tacacs_servers: tuple[Server, ...]
    radius_servers: tuple[Server, ...]
    snmp_groups: tuple[str, ...]
    snmp_users: tuple[SnmpUserView, ...]
    snmp_hosts: tuple[str, ...]
    voice: VoiceQos
    parking: VlanView
    native: VlanView
    # management plane (the baseline partials every IOS-XE device includes: switches and C9800)
    mgmt_prefixes: tuple[str, ...]  # "network wildcard" entries of the standard ACLs below
    vty_acl: str  # standard ACL on the VTY lines (and the login quiet-mode exemption)
    snmp_acl: str  # standard ACL on the SNMPv3 group
    ntp_key_id: int  # the key `ntp authentication-key` defines; its value is ${NTP_KEY}
    snmp_traps: tuple[str, ...]  # `snmp-server enable traps <each>` (common to switch and C9800)
    radius_probe_user: str  # `automate-tester` username: ISE rejects it, which proves it alive
    switch_traps: tuple[str, ...]  # switches only (switch_snmp.j2)
    errdisable_interval: int


@dataclass(frozen=True, slots=True)
class MgmtView:
    """What the device-baseline partials (`ios_xe/partials/{header,aaa,services,archive,users,
    logging,snmp,servers,banner,lines,ntp,mgmt_acls}.j2`) need besides `g`: switches and the
    C9800 templates both include those partials with `g` and `mgmt` only."""

    hostname: str
    source_interface: str  # TACACS+, syslog, SNMP traps and NTP leave from here
    location: str  # what `snmp-server location` says
    is_router: bool  # `ip routing`


def mgmt_view(hostname: str, source_interface: str, location: str, *, is_router: bool) -> MgmtView:
    return MgmtView(hostname, source_interface, location, is_router)


@dataclass(frozen=True, slots=True)
class SiteView:
    site_id: str
    name: str
    location: str  # what `snmp-server location` says


@dataclass(frozen=True, slots=True)
class SviView:
    vlan_id: int
    description: str
    address: IPv4Interface
    helpers: bool  # relay DHCP to the estate's DHCP servers


@dataclass(frozen=True, slots=True)
class SwitchVlans:
    """Site-wide VLAN facts the switch-level templates print (the same on every switch)."""

    management: int
    voice: int | None  # the phones' voice VLAN (LLDP-MED network policy)
    site: tuple[int, ...]  # every site VLAN, also what trunks to and from the core allow
    client: tuple[int, ...]  # DHCP snooping and ARP inspection
    voice_source: str | None  # "network wildcard" of the site's voice subnet (QoS trust)


@dataclass(frozen=True, slots=True)
class PortView:
    name: str
    description: str
    channel: int | None
    profile: PortProfile


@dataclass(frozen=True, slots=True)
class PortChannelView:
    number: int
    description: str
    profile: PortProfile


@dataclass(frozen=True, slots=True)
class NacView:
    """The IBNS 2.0 objects a switch's ports use: critical templates and control policies."""

    templates: tuple[CriticalTemplate, ...]
    user_policies: tuple[UserPolicy, ...]
    ap_policy: str | None


@dataclass(frozen=True, slots=True)
class SwitchView:
    hostname: str
    role: str
    model: str
    is_core: bool
    source_interface: str
    vlan_db: tuple[VlanView, ...]  # the site's VLANs plus native and parking, by id
    vlans: SwitchVlans
    ports: tuple[PortView, ...]  # every physical port, in the order IOS lists them
    port_channels: tuple[PortChannelView, ...]
    svis: tuple[SviView, ...]
    nac: NacView | None  # None: no port of the switch runs NAC
    device_tracking: str | None  # the device-tracking policy its user ports attach
    user_marking: bool  # the site's user ports mark voice (ingress policy and its ACLs)
    errdisable: tuple[str, ...]  # causes the site's ports can err-disable for
    default_gateway: IPv4Address | None  # access switches only
    loopback: IPv4Interface | None  # core only
    wan_address: IPv4Interface | None  # core only, on the WAN port
    wan_peer: IPv4Address | None
    wan_qos: WanQos | None  # the shaper on the wan_facing port (core only, today)
    # core: the site's own prefixes routed to Null0, so traffic to an unused address of the site
    # is dropped here instead of bouncing between core and edge router until its TTL runs out
    discard: tuple[IPv4Network, ...] = ()


def build_globals(inventory: Inventory, env: str) -> Globals:
    estate = inventory.estate
    services = estate.services
    voice = estate.voice
    return Globals(
        env=env,
        tacacs_group=TACACS_GROUP,
        radius_group=RADIUS_GROUP,
        organisation=estate.organisation,
        domain=estate.domain,
        clock=CLOCK[estate.timezone],
        banner=tuple(line.format(organisation=estate.organisation) for line in BANNER),
        dns_servers=_strs(services.dns_servers),
        ntp_servers=_strs(services.ntp_servers),
        syslog_servers=_strs(services.syslog_servers),
        dhcp_servers=_strs(services.dhcp_servers),
        tacacs_servers=tuple(Server(s.name, str(s.address)) for s in services.tacacs_servers),
        radius_servers=tuple(Server(s.name, str(s.address)) for s in services.radius_servers),
        snmp_groups=tuple(dict.fromkeys(u.group for u in services.snmp.users)),
        snmp_users=tuple(SnmpUserView(u.name, u.group) for u in services.snmp.users),
        snmp_hosts=_strs(services.snmp.hosts),
        voice=VoiceQos(voice.rtp_ports.first, voice.rtp_ports.last, voice.sip_ports.udp_tcp,
                       voice.sip_ports.tls, voice.dscp_media, voice.dscp_signalling),
        parking=VlanView(estate.parking_vlan.id, estate.parking_vlan.name),
        native=VlanView(estate.native_vlan.id, estate.native_vlan.name),
        mgmt_prefixes=tuple(f"{net.network_address} {net.hostmask}" for net in services.management_prefixes),
        vty_acl=VTY_ACL,
        snmp_acl=SNMP_ACL,
        ntp_key_id=NTP_KEY_ID,
        snmp_traps=SNMP_TRAPS,
        radius_probe_user=RADIUS_PROBE_USER,
        switch_traps=SWITCH_TRAPS,
        errdisable_interval=ERRDISABLE_INTERVAL,
    )


def _strs(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def site_view(model: SiteModel) -> SiteView:
    site = model.site
    return SiteView(site.site_id, site.name, f"{site.site_id} {site.name}, {site.borough}")


def port_profiles(inventory: Inventory, model: SiteModel) -> SiteProfiles:
    """The site's port profiles (shared by its switches and the site documentation)."""
    wifi = tuple(v.vlan_id for v in model.wlc.vlans) if model.wlc is not None else ()
    return site_profiles(model.site, model.addressing, inventory.estate, wifi)


def site_vlans(model: SiteModel, glob: Globals, profiles: SiteProfiles) -> tuple[SwitchVlans, tuple[VlanView, ...]]:
    """The site-wide VLAN facts and the VLAN database: the same on every switch of the site,
    so computed once per site."""
    addressing = model.addressing
    voice = addressing.subnet(VlanRole.VOICE)
    vlans = SwitchVlans(
        management=_management(model).vlan_id,
        voice=voice.vlan_id if voice else None,
        site=tuple(s.vlan_id for s in addressing.subnets),
        client=profiles.client_vlans,
        voice_source=f"{voice.network.network_address} {voice.network.hostmask}" if voice else None,
    )
    vlan_db = tuple(sorted(
        [VlanView(s.vlan_id, s.name) for s in addressing.subnets] + [glob.native, glob.parking],
        key=lambda v: v.id,
    ))
    return vlans, vlan_db


def _management(model: SiteModel) -> VlanSubnet:
    mgmt = model.addressing.subnet(VlanRole.MANAGEMENT)
    assert mgmt is not None  # the plan always carries management (inventory checks)
    return mgmt


def _ports(switch: Switch, profiles: SiteProfiles) -> tuple[PortView, ...]:
    by_kind = profiles.by_kind
    return tuple(PortView(p.name, p.description, p.channel, by_kind[p.kind]) for p in switch.ports)


def _features(ports: tuple[PortView, ...], profiles: SiteProfiles) -> tuple[NacView | None, str | None]:
    """The NAC objects and device-tracking policy the switch's own ports use (a C9500 core
    with no user ports defines none)."""
    used = {id(p.profile): p.profile for p in ports}.values()  # a handful of shared objects
    policies = {p.nac.policy for p in used if p.nac is not None}
    user = [profiles.user_policies[name] for name in sorted(policies) if name in profiles.user_policies]
    nac = None
    if policies:
        wanted = {t for policy in user for t in policy.templates}
        nac = NacView(tuple(t for t in profiles.templates if t.name in wanted), tuple(user),
                      AP_POLICY if AP_POLICY in policies else None)
    tracking = next((p.protection.device_tracking for p in used if p.protection.device_tracking), None)
    return nac, tracking


def _site_features(profiles: SiteProfiles) -> tuple[bool, tuple[str, ...]]:
    """Site-wide: whether the site's user ports mark voice (the ACLs and policy every switch of
    the site defines, so a port moved to any switch finds them), and the err-disable causes
    any port of the site can raise (each recovered on every switch)."""
    every = [*profiles.by_kind.values(), profiles.uplink_channel, profiles.downlink_channel]
    marking = any(p.qos_in for p in every)
    causes = sorted({str(c) for p in every for c in p.protection.errdisable})
    return marking, tuple(causes)


def switch_view(model: SiteModel, switch: Switch, vlans: SwitchVlans, vlan_db: tuple[VlanView, ...],
                profiles: SiteProfiles, *, discard: tuple[IPv4Network, ...] = ()) -> SwitchView:
    addressing = model.addressing
    mgmt = _management(model)
    ports = _ports(switch, profiles)
    nac, tracking = _features(ports, profiles)
    marking, causes = _site_features(profiles)
    is_core = switch.role is Role.CORE
    channel = profiles.downlink_channel if is_core else profiles.uplink_channel
    channels = tuple(PortChannelView(pc.number, pc.description, channel) for pc in switch.port_channels)
    if is_core:
        svis = tuple(SviView(s.vlan_id, s.name, _gateway(s.network), s.role != VlanRole.MANAGEMENT)
                     for s in addressing.subnets)
        wan = any(p.profile.wan_facing for p in ports)
        return SwitchView(
            switch.hostname, switch.role.value, switch.model, True, LOOPBACK, vlan_db, vlans, ports, channels,
            svis, nac, tracking, marking, causes, None, IPv4Interface((int(addressing.loopback), 32)),
            iface(addressing.wan_local, addressing.wan_network), addressing.wan_peer,
            profiles.wan if wan else None, discard,
        )
    svi = SviView(mgmt.vlan_id, mgmt.name, iface(switch.mgmt_ip, mgmt.network), False)
    return SwitchView(
        switch.hostname, switch.role.value, switch.model, False, MGMT_SVI_SOURCE.format(mgmt.vlan_id),
        vlan_db, vlans, ports, channels, (svi,), nac, tracking, marking, causes, mgmt.gateway, None, None, None,
        None,
    )


def _gateway(network: IPv4Network) -> IPv4Interface:
    return IPv4Interface((int(network.network_address) + 1, network.prefixlen))


def iface(address: IPv4Address, network: IPv4Network) -> IPv4Interface:
    # built from ints: ipaddress parses strings (and re-parses addresses) slowly
    return IPv4Interface((int(address), network.prefixlen))


def switch_contexts(views: EnvViews, model: SiteModel) -> list[tuple[Switch, dict[str, Any]]]:
    """The context of `ios_xe/core.j2` and `ios_xe/access.j2` for every switch of the site:
    `g` (Globals), `mgmt` (MgmtView), `site` (SiteView), `switch` (SwitchView)."""
    site = site_view(model)
    profiles = port_profiles(views.inventory, model)
    vlans, vlan_db = site_vlans(model, views.g, profiles)
    contexts = []
    own = site_prefixes(views.inventory, views.g.env, model.site)  # what the edge router advertises
    for switch in model.switches:
        view = switch_view(model, switch, vlans, vlan_db, profiles, discard=own if switch.role is Role.CORE else ())
        mgmt = mgmt_view(view.hostname, view.source_interface, site.location, is_router=view.is_core)
        contexts.append((switch, {"g": views.g, "mgmt": mgmt, "site": site, "switch": view}))
    return contexts


@dataclass(frozen=True, slots=True)
class EnvViews:
    """Built once per environment and shared by every device's context."""

    g: Globals
    inventory: Inventory


def env_views(inventory: Inventory, env: str) -> EnvViews:
    return EnvViews(build_globals(inventory, env), inventory)
