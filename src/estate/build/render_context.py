"""What each template receives: plain, precomputed views of the device model.

Everything a template prints is decided here, in Python, as strings, ints and tuples of small
frozen dataclasses. Estate-wide values (`Globals`) are built once per environment; per-device
views once per device. Templates then only loop and print, which keeps them short and keeps
pydantic models and `ipaddress` arithmetic out of the render loop.

Design decisions the configs carry (documented here once):
- QoS: the access port is the trust boundary. User ports (phone, desktop, printer) run an
  ingress MQC policy that marks SIP signalling CS3 and RTP media EF by the estate's SIP and
  RTP ports and re-marks everything else to default, so a PC behind a phone cannot claim EF.
  Uplinks, downlinks and the WAN port queue EF in the priority queue. No `auto qos`: it writes
  dozens of generated lines that would make intended and running configs drift.
- DHCP snooping and dynamic ARP inspection run on the client VLANs (data, voice, BWV, WiFi
  client VLANs), never on management or AP management; uplinks and downlinks are trusted.
- Trunks carry exactly the site's VLANs; the native VLAN is the estate's unused native VLAN.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from estate.build.device_model import Port, PortChannel, Role, SiteModel, Switch
from estate.inventory.inventory import Inventory
from estate.inventory.models import VlanRole

CLIENT_VLAN_ROLES = (VlanRole.DATA, VlanRole.VOICE, VlanRole.BWV, VlanRole.WIFI_CORP, VlanRole.GUEST)
GUEST_ACL = "GUEST-IN"
TACACS_GROUP = "AAA-TACACS"
RADIUS_GROUP = "AAA-RADIUS"
MGMT_SVI_SOURCE = "Vlan{}"
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
    acl_in: str | None = None  # the guest VLAN may reach DHCP, DNS and the internet only


@dataclass(frozen=True, slots=True)
class SwitchVlans:
    """The VLAN ids a switch's port profiles use (None where the site has no such VLAN)."""

    management: int
    data: int
    voice: int
    bwv: int | None
    ap_mgmt: int | None
    site: tuple[int, ...]  # every site VLAN: what trunks to and from the core allow
    ap_trunk: tuple[int, ...]  # AP management plus the WiFi VLANs switched at the site
    client: tuple[int, ...]  # DHCP snooping and ARP inspection


@dataclass(frozen=True, slots=True)
class SwitchView:
    hostname: str
    role: str
    model: str
    is_core: bool
    source_interface: str
    vlan_db: tuple[VlanView, ...]  # the site's VLANs plus native and parking, by id
    vlans: SwitchVlans
    ports: tuple[Port, ...]  # every physical port; `kind` is a PortKind (a str)
    port_channels: tuple[PortChannel, ...]
    svis: tuple[SviView, ...]
    guest_acl: bool  # core of a site with a guest VLAN
    default_gateway: IPv4Address | None  # access switches only
    loopback: IPv4Interface | None  # core only
    wan_address: IPv4Interface | None  # core only, on the WAN port
    wan_peer: IPv4Address | None


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
    )


def _strs(values: Iterable[object]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def site_view(model: SiteModel) -> SiteView:
    site = model.site
    return SiteView(site.site_id, site.name, f"{site.site_id} {site.name}, {site.borough}")


def site_vlans(model: SiteModel, glob: Globals) -> tuple[SwitchVlans, tuple[VlanView, ...]]:
    """The VLAN ids the port profiles use, and the VLAN database: the same on every switch of
    the site, so computed once per site."""
    addressing = model.addressing
    by_role = {s.role: s for s in addressing.subnets}
    wifi_ids = tuple(v.vlan_id for v in model.wlc.vlans) if model.wlc is not None else ()
    ap_mgmt = by_role.get(VlanRole.AP_MGMT)
    bwv = by_role.get(VlanRole.BWV)
    vlans = SwitchVlans(
        management=by_role[VlanRole.MANAGEMENT].vlan_id,
        data=by_role[VlanRole.DATA].vlan_id,
        voice=by_role[VlanRole.VOICE].vlan_id,
        bwv=bwv.vlan_id if bwv else None,
        ap_mgmt=ap_mgmt.vlan_id if ap_mgmt else None,
        site=tuple(s.vlan_id for s in addressing.subnets),
        ap_trunk=tuple(sorted({ap_mgmt.vlan_id, *wifi_ids})) if ap_mgmt else (),
        client=tuple(s.vlan_id for s in addressing.subnets if s.role in CLIENT_VLAN_ROLES),
    )
    vlan_db = tuple(sorted(
        [VlanView(s.vlan_id, s.name) for s in addressing.subnets] + [glob.native, glob.parking],
        key=lambda v: v.id,
    ))
    return vlans, vlan_db


def switch_view(model: SiteModel, switch: Switch, vlans: SwitchVlans, vlan_db: tuple[VlanView, ...]) -> SwitchView:
    addressing = model.addressing
    mgmt = addressing.subnets[0] if addressing.subnets[0].role is VlanRole.MANAGEMENT else next(
        s for s in addressing.subnets if s.role is VlanRole.MANAGEMENT)
    # the model's ports and port-channels are already plain frozen dataclasses: no copies
    if switch.role is Role.CORE:
        svis = tuple(
            SviView(s.vlan_id, s.name, _gateway(s.network), s.role is not VlanRole.MANAGEMENT,
                    GUEST_ACL if s.role is VlanRole.GUEST else None)
            for s in addressing.subnets
        )
        return SwitchView(
            switch.hostname, switch.role.value, switch.model, True, LOOPBACK, vlan_db, vlans,
            switch.ports, switch.port_channels, svis, any(s.acl_in for s in svis), None,
            IPv4Interface((int(addressing.loopback), 32)), _iface(addressing.wan_local, addressing.wan_network),
            addressing.wan_peer,
        )
    svi = SviView(mgmt.vlan_id, mgmt.name, _iface(switch.mgmt_ip, mgmt.network), False)
    return SwitchView(
        switch.hostname, switch.role.value, switch.model, False, MGMT_SVI_SOURCE.format(mgmt.vlan_id),
        vlan_db, vlans, switch.ports, switch.port_channels, (svi,), False, mgmt.gateway, None, None, None,
    )


def _gateway(network: IPv4Network) -> IPv4Interface:
    return IPv4Interface((int(network.network_address) + 1, network.prefixlen))


def _iface(address: IPv4Address, network: IPv4Network) -> IPv4Interface:
    # built from ints: ipaddress parses strings (and re-parses addresses) slowly
    return IPv4Interface((int(address), network.prefixlen))


def switch_contexts(views: EnvViews, model: SiteModel) -> list[tuple[Switch, dict[str, Any]]]:
    """The context of `ios_xe/core.j2` and `ios_xe/access.j2` for every switch of the site:
    `g` (Globals), `site` (SiteView), `switch` (SwitchView)."""
    site = site_view(model)
    vlans, vlan_db = site_vlans(model, views.g)
    return [
        (switch, {"g": views.g, "site": site, "switch": switch_view(model, switch, vlans, vlan_db)})
        for switch in model.switches
    ]


@dataclass(frozen=True, slots=True)
class EnvViews:
    """Built once per environment and shared by every device's context."""

    g: Globals


def env_views(inventory: Inventory, env: str) -> EnvViews:
    return EnvViews(build_globals(inventory, env))
