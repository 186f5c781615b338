"""Port profiles: what every kind of port of a site is configured as, decided once per site.

A profile says a port's mode (access, trunk, routed or shut), its VLANs, its network access
control (IBNS 2.0 policy and host mode), its protection (STP guards, DHCP snooping and ARP
inspection trust and rates, IP source guard, storm control, UDLD) and its QoS policies. One
frozen profile per (site, kind) is shared by every port of that kind, so a site's hundreds of
ports cost a handful of objects and templates only print attributes.

Decisions (the why, once):
- Access VLANs come from the VLAN plan (`EstateFile.port_vlan`: the VLAN whose `ports` name the
  kind); nothing assumes a data or BWV VLAN exists. A kind whose VLAN is not carried at the site
  is shut in the parking VLAN rather than guessed into another VLAN (validation reports it).
- NAC: closed mode everywhere. Phones run multi-domain (phone in the voice domain, the PC behind
  it in the data domain); desktops multi-auth (a hot desk's dock and laptop both authenticate);
  printers and BWV docks single-host. Every user port tries 802.1X, then MAB on no answer or
  failure; while RADIUS is dead, hosts are authorised into their own access VLAN (and phones into
  the voice VLAN) by a critical service template per VLAN. AP ports run MAB only, multi-host, on
  a trunk restricted to AP management (native) and the WiFi VLANs switched at the site.
- Protection: DHCP snooping and ARP inspection trust only the fabric (uplinks, downlinks) and AP
  trunks for ARP (a roaming client's binding lives on the switch it joined on); user ports are
  rate-limited and run IP source guard with a device-tracking policy.
- QoS: user ports are the trust boundary (voice from the site's voice subnet by RTP/SIP ports is
  marked, the rest re-marked default); AP ports keep the AP's marking; every switched port queues
  on egress. The WAN is shaped in one place, the edge router's carrier interfaces (`wan_qos`:
  the circuit's rate, voice policed at the capacity model's rate); the core's WAN port is a
  plain routed link to the edge router, with no QoS policy (`wan_facing` stays False for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from estate.build.addressing import SiteAddressing
from estate.build.capacity import CapacitySettings, priority_kbps, site_capacity
from estate.inventory.models import EdgePort, EstateFile, Site, VlanRole


class Mode(StrEnum):
    ACCESS = "access"
    TRUNK = "trunk"
    ROUTED = "routed"
    SHUTDOWN = "shutdown"


class HostMode(StrEnum):
    SINGLE_HOST = "single-host"
    MULTI_AUTH = "multi-auth"
    MULTI_DOMAIN = "multi-domain"
    MULTI_HOST = "multi-host"


# the policy-map and class names the templates print (constant: one policy set per switch)
USER_MARKING = "USER-PORT-MARKING"
EGRESS_QUEUING = "EGRESS-QUEUING"
WAN_SHAPER = "WAN-EDGE-SHAPER"
WAN_QUEUING = "WAN-EDGE-QUEUING"
DEVICE_TRACKING = "DT-USER-PORT"
AP_POLICY = "PMAP_MAB_AP"
VOICE_TEMPLATE = "CRITICAL_VOICE_ACCESS"

# rates in packets per second; storm levels in % of the port's bandwidth
DHCP_RATE_USER = 20
DHCP_RATE_AP = 100
ARP_RATE_USER = 30
STORM_USER = ("1.00", "2.00")
STORM_AP = ("2.00", "5.00")  # an AP carries a whole cell's broadcasts and mDNS


class Errdisable(StrEnum):
    """Causes a profile can err-disable a port for; each gets `errdisable recovery cause`."""

    BPDUGUARD = "bpduguard"
    DHCP_RATE = "dhcp-rate-limit"
    ARP_INSPECTION = "arp-inspection"
    UDLD = "udld"


@dataclass(frozen=True, slots=True)
class Nac:
    policy: str  # `service-policy type control subscriber`
    host_mode: HostMode
    dot1x: bool  # 802.1X authenticator (else MAB only)


@dataclass(frozen=True, slots=True)
class Protection:
    portfast: str | None  # "" edge port, "trunk" edge trunk, None not an edge port
    bpduguard: bool
    root_guard: bool
    udld_aggressive: bool
    storm: tuple[str, str] | None  # broadcast and multicast levels, action trap
    dhcp_trust: bool
    dhcp_rate: int | None
    arp_trust: bool
    arp_rate: int | None
    device_tracking: str | None  # policy attached (IP source guard needs its bindings)
    ip_verify_source: bool

    @property
    def errdisable(self) -> frozenset[Errdisable]:
        causes = set()
        if self.bpduguard:
            causes.add(Errdisable.BPDUGUARD)
        if self.dhcp_rate:
            causes.add(Errdisable.DHCP_RATE)
        if self.arp_rate:
            causes.add(Errdisable.ARP_INSPECTION)
        if self.udld_aggressive:
            causes.add(Errdisable.UDLD)
        return frozenset(causes)


NO_PROTECTION = Protection(None, False, False, False, None, False, None, False, None, None, False)


@dataclass(frozen=True, slots=True)
class PortProfile:
    kind: str  # the PortKind (or "port-channel") it was built for
    mode: Mode
    access_vlan: int | None = None
    voice_vlan: int | None = None
    native_vlan: int | None = None
    allowed_vlans: tuple[int, ...] = ()
    network_policy: int | None = None  # LLDP-MED profile (voice VLAN to phones)
    nac: Nac | None = None
    protection: Protection = NO_PROTECTION
    qos_in: str | None = None
    qos_out: str | None = None
    wan_facing: bool = False  # a switch port that carries the WAN shaper (none since the edge routers shape)
    lacp: bool = False  # member of an LACP port-channel (`channel-group N mode active`)


@dataclass(frozen=True, slots=True)
class CriticalTemplate:
    """A service template the user policies activate while RADIUS is dead."""

    name: str
    vlan: int | None  # `vlan <id>`; None: `voice vlan`


@dataclass(frozen=True, slots=True)
class UserPolicy:
    """A `policy-map type control subscriber` for user ports: dot1x, MAB fallback, critical
    authorisation into `templates` on AAA timeout."""

    name: str
    templates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WanQos:
    shape_bps: int  # parent shaper: the site's circuit
    priority_bps: int  # child LLQ policer: the capacity model's voice rate, stepped up
    voice_kbps: float  # what the capacity model says (kept for tests and docs)


@dataclass(frozen=True, slots=True)
class SiteProfiles:
    """Every profile of a site, built once and shared by its switches."""

    by_kind: dict[str, PortProfile]
    uplink_channel: PortProfile  # access switch's Port-channel to the core
    downlink_channel: PortProfile  # core's Port-channels to access switches
    templates: tuple[CriticalTemplate, ...]
    user_policies: dict[str, UserPolicy]
    client_vlans: tuple[int, ...]  # DHCP snooping and ARP inspection
    wan: WanQos  # what the edge router's carrier interfaces shape and police to


# names come from the VLAN's role (`[a-z][a-z0-9_]*`, schema-checked), never from its free name
def critical_template(role: str) -> str:
    return f"CRITICAL_{role.upper()}_ACCESS"


def user_policy_name(role: str, voice: bool) -> str:
    return f"PMAP_DOT1X_MAB_{role.upper()}{'_VOICE' if voice else ''}"


def wan_qos(site: Site, estate: EstateFile, settings: CapacitySettings | None = None) -> WanQos:
    voice_kbps = site_capacity(site, settings or CapacitySettings()).voice_kbps_ipsec
    policer_bps = priority_kbps(voice_kbps, estate.qos.priority_step_kbps) * 1000
    return WanQos(site.wan_mbps * 1_000_000, policer_bps, voice_kbps)


HOST_MODES: dict[EdgePort, HostMode] = {
    EdgePort.PHONE: HostMode.MULTI_DOMAIN,
    EdgePort.DESKTOP: HostMode.MULTI_AUTH,
    EdgePort.PRINTER: HostMode.SINGLE_HOST,
    EdgePort.BWV_DOCK: HostMode.SINGLE_HOST,
}

_USER_PROTECTION = Protection(
    portfast="", bpduguard=True, root_guard=False, udld_aggressive=False, storm=STORM_USER,
    dhcp_trust=False, dhcp_rate=DHCP_RATE_USER, arp_trust=False, arp_rate=ARP_RATE_USER,
    device_tracking=DEVICE_TRACKING, ip_verify_source=True,
)
_AP_PROTECTION = Protection(
    portfast="trunk", bpduguard=True, root_guard=False, udld_aggressive=False, storm=STORM_AP,
    dhcp_trust=False, dhcp_rate=DHCP_RATE_AP, arp_trust=True, arp_rate=None,
    device_tracking=None, ip_verify_source=False,
)
_FABRIC_MEMBER = Protection(
    portfast=None, bpduguard=False, root_guard=False, udld_aggressive=True, storm=None,
    dhcp_trust=True, dhcp_rate=None, arp_trust=True, arp_rate=None, device_tracking=None,
    ip_verify_source=False,
)
# STP guards go on the port-channel (its members follow it); trust must match on both
_CHANNEL = Protection(None, False, False, False, None, True, None, True, None, None, False)
# the core's downlinks: an access switch never becomes root
_CHANNEL_ROOT_GUARD = Protection(None, False, True, False, None, True, None, True, None, None, False)


def site_profiles(
    site: Site, addressing: SiteAddressing, estate: EstateFile, wifi_vlans: tuple[int, ...],
    settings: CapacitySettings | None = None,
) -> SiteProfiles:
    """The profiles of every port kind at a site. `wifi_vlans`: the WiFi VLANs switched locally
    at the site's APs (from the site's WLC share)."""
    present = {s.role: s for s in addressing.subnets}
    voice = present.get(VlanRole.VOICE)
    ap_mgmt = present.get(VlanRole.AP_MGMT)
    native = estate.native_vlan.id
    parking = estate.parking_vlan.id
    site_vlans = tuple(s.vlan_id for s in addressing.subnets)

    by_kind: dict[str, PortProfile] = {"unused": PortProfile("unused", Mode.SHUTDOWN, access_vlan=parking)}
    templates: dict[str, CriticalTemplate] = {}
    policies: dict[str, UserPolicy] = {}
    for port in EdgePort:
        vlan = estate.port_vlan(port)
        subnet = present.get(vlan.role) if vlan is not None else None
        if vlan is None or subnet is None:
            by_kind[port.value] = PortProfile(port.value, Mode.SHUTDOWN, access_vlan=parking)
            continue
        data_template = critical_template(subnet.role)
        templates.setdefault(data_template, CriticalTemplate(data_template, subnet.vlan_id))
        with_voice = port is EdgePort.PHONE and voice is not None
        names: tuple[str, ...] = (data_template,)
        if with_voice:
            templates.setdefault(VOICE_TEMPLATE, CriticalTemplate(VOICE_TEMPLATE, None))
            names = (data_template, VOICE_TEMPLATE)
        policy_name = user_policy_name(subnet.role, with_voice)
        policy = policies.setdefault(policy_name, UserPolicy(policy_name, names))
        by_kind[port.value] = PortProfile(
            port.value, Mode.ACCESS, access_vlan=subnet.vlan_id,
            voice_vlan=voice.vlan_id if with_voice and voice is not None else None,
            network_policy=10 if with_voice else None,
            nac=Nac(policy.name, HOST_MODES[port], dot1x=True),
            protection=_USER_PROTECTION, qos_in=USER_MARKING, qos_out=EGRESS_QUEUING,
        )
    if ap_mgmt is not None:
        by_kind["ap"] = PortProfile(
            "ap", Mode.TRUNK, native_vlan=ap_mgmt.vlan_id,
            allowed_vlans=tuple(sorted({ap_mgmt.vlan_id, *wifi_vlans})),
            nac=Nac(AP_POLICY, HostMode.MULTI_HOST, dot1x=False),
            protection=_AP_PROTECTION, qos_out=EGRESS_QUEUING,
        )
    else:
        by_kind["ap"] = PortProfile("ap", Mode.SHUTDOWN, access_vlan=parking)
    def fabric(kind: str, protection: Protection, *, member: bool) -> PortProfile:
        return PortProfile(kind, Mode.TRUNK, native_vlan=native, allowed_vlans=site_vlans,
                           protection=protection, qos_out=EGRESS_QUEUING if member else None, lacp=member)

    by_kind["uplink"] = fabric("uplink", _FABRIC_MEMBER, member=True)
    by_kind["downlink"] = fabric("downlink", _FABRIC_MEMBER, member=True)
    by_kind["wan"] = PortProfile("wan", Mode.ROUTED)  # to the edge router, which shapes
    return SiteProfiles(
        by_kind=by_kind,
        uplink_channel=fabric("port-channel", _CHANNEL, member=False),
        downlink_channel=fabric("port-channel", _CHANNEL_ROOT_GUARD, member=False),
        templates=tuple(templates.values()),
        user_policies=policies,
        client_vlans=tuple(s.vlan_id for s in addressing.subnets
                           if s.role not in (VlanRole.MANAGEMENT, VlanRole.AP_MGMT)),
        wan=wan_qos(site, estate, settings),
    )
