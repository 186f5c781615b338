"""The validated shape of the source of truth: estate-wide standards, environments and sites.

Every model is frozen and rejects unknown fields, so a typo in `estate.yaml` or a site file is
reported instead of silently ignored.
"""

from __future__ import annotations

import re
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from estate.inventory.text import BannerText, NoteText, PlainText, SiteText

VlanId = Annotated[int, Field(ge=2, le=4094)]
Count = Annotated[int, Field(ge=0, le=100_000)]
# Identifier patterns spell their classes out in ASCII: `\d` (in Python's `re` and in pydantic's
# regex alike) also matches Arabic-Indic or full-width digits, which `int()` then reads as another
# site's number.
DNS_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DnsName = Annotated[str, Field(max_length=253, pattern=rf"^(?:{DNS_LABEL}\.)+[a-z]{{2,63}}$")]
ModelName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")]
VlanName = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$")]
SITE_ID_PATTERN = r"^[A-Z]{2,5}-[0-9]{4}$"
SiteId = Annotated[str, Field(pattern=SITE_ID_PATTERN)]
EnvName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,15}$")]
KindName = Annotated[str, Field(pattern=r"^[a-z_]+$")]
HubName = Annotated[str, Field(pattern=r"^[a-z0-9-]{2,32}$")]


def _selection(value: Any) -> str:
    return SITE_LIST if isinstance(value, list) else ALL_SITES


# Tagged so that a bad id is reported once, as `sites[2]`, not once per member of the union;
# the loader drops these tags from the field paths it shows.
ALL_SITES, SITE_LIST = "<all>", "<site ids>"
SiteSelection = Annotated[
    Annotated[Literal["all"], Tag(ALL_SITES)] | Annotated[list[SiteId], Tag(SITE_LIST)],
    Discriminator(_selection),
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VlanRole(StrEnum):
    """The roles the code gives a meaning to. Any other role (`[a-z][a-z0-9_]*`) is a VLAN the
    plan adds: it is sized by its `hosts` rule and used by the ports and SSIDs that name it."""

    MANAGEMENT = "management"  # the switches' SVIs and management addresses
    DATA = "data"
    VOICE = "voice"  # the voice VLAN of phone ports, from the environment's voice_supernet
    WIFI_CORP = "wifi_corp"
    BWV = "bwv"
    AP_MGMT = "ap_mgmt"  # the native VLAN of AP ports, where the APs join the WLC


RoleName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")]


class EdgePort(StrEnum):
    """The user-facing port kinds a site's counts create (sites.csv columns)."""

    PHONE = "phone"
    DESKTOP = "desktop"
    PRINTER = "printer"
    BWV_DOCK = "bwv_dock"


Weight = Annotated[float, Field(ge=0.0, le=1000.0)]


class HostRule(Frozen):
    """How many addresses a VLAN needs at a site: a weighted sum of the site's counts plus a fixed
    number (growth from `addressing.growth` comes on top). A VLAN whose rule gives 0 at a site is
    not carried there."""

    phones: Weight = 0.0
    desktops: Weight = 0.0
    printers: Weight = 0.0
    aps: Weight = 0.0
    bwv_docks: Weight = 0.0
    bwv_cameras: Weight = 0.0
    switches: Weight = 0.0
    fixed: Annotated[int, Field(ge=0, le=10_000)] = 0


class VlanDef(Frozen):
    role: RoleName
    id: VlanId
    name: VlanName
    purpose: PlainText = ""
    hosts: HostRule
    # the site kinds that carry the VLAN (None: every kind)
    site_kinds: list[Annotated[str, Field(pattern=r"^[a-z_]+$")]] | None = None
    # the edge ports whose access VLAN this is (each port kind has at most one such VLAN)
    ports: list[EdgePort] = []


class NamedVlan(Frozen):
    id: VlanId
    name: VlanName


class NamedServer(Frozen):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
    address: IPv4Address


class SnmpUser(Frozen):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
    group: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]


class Snmp(Frozen):
    users: list[SnmpUser] = Field(min_length=1)
    hosts: list[IPv4Address] = Field(min_length=1)


class Services(Frozen):
    dns_servers: list[IPv4Address] = Field(min_length=1)
    ntp_servers: list[IPv4Address] = Field(min_length=1)
    syslog_servers: list[IPv4Address] = Field(min_length=1)
    dhcp_servers: list[IPv4Address] = Field(min_length=1)
    tacacs_servers: list[NamedServer] = Field(min_length=1)
    radius_servers: list[NamedServer] = Field(min_length=1)
    snmp: Snmp
    # where operators and the NMS manage devices from: VTY and SNMP access lists are built from these
    management_prefixes: list[IPv4Network] = Field(min_length=1)


class PortRange(Frozen):
    first: Annotated[int, Field(ge=1024, le=65535)]
    last: Annotated[int, Field(ge=1024, le=65535)]


class SipPorts(Frozen):
    udp_tcp: Annotated[int, Field(ge=1, le=65535)]
    tls: Annotated[int, Field(ge=1, le=65535)]


class Voice(Frozen):
    sip_domain: DnsName
    dscp_media: Literal["ef"]
    dscp_signalling: Literal["cs3", "af31"]
    sip_ports: SipPorts
    rtp_ports: PortRange


class Ssid(Frozen):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
    security: Literal["wpa3-enterprise", "wpa2-enterprise", "web-auth"]
    wlan_id: Annotated[int, Field(ge=1, le=512)]
    # locally switched at the site into this VLAN; a guest SSID has none: it is tunnelled to the
    # guest anchor and never enters a site VLAN
    vlan_role: RoleName | None = None
    guest: bool = False

    @model_validator(mode="after")
    def _one_path(self) -> Ssid:
        if self.guest and self.vlan_role is not None:
            raise ValueError("a guest SSID is tunnelled to the guest anchor: it has no vlan_role")
        if not self.guest and self.vlan_role is None:
            raise ValueError("an SSID switched at the site needs a vlan_role")
        return self


class Models(Frozen):
    core_small: ModelName
    core_large: ModelName
    access: ModelName
    ap: ModelName


class SwitchModel(Frozen):
    """Datasheet figures of a switch model: PoE budget with its shipped supply, and the most one
    port delivers (PoE+ 30 W, UPOE 60 W, UPOE+ 90 W; 0 for no PoE)."""

    poe_budget_w: Annotated[float, Field(ge=0.0, le=10_000.0)]
    poe_port_max_w: Annotated[float, Field(ge=0.0, le=90.0)]


class Poe(Frozen):
    """What each powered device class draws at the switch (its class allocation), and the share
    of every budget kept free."""

    margin: Annotated[float, Field(ge=0.0, le=0.5)]
    draw_w: dict[Literal["phone", "ap", "desktop", "printer", "bwv_dock"], Annotated[float, Field(ge=0.0, le=90.0)]]


class WlcModel(Frozen):
    max_aps: Annotated[int, Field(ge=1, le=100_000)]
    max_clients: Annotated[int, Field(ge=1, le=1_000_000)]


MacAddress = Annotated[str, Field(pattern=r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$")]
DeviceLabel = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,15}$")]


class Wireless(Frozen):
    """Controller capacity (datasheets) and how much of it the design may use."""

    models: dict[ModelName, WlcModel] = Field(min_length=1)
    headroom: Annotated[float, Field(ge=0.0, le=0.9)]  # share of each pair's limits kept free
    # a pair must also carry the APs that fail over to it when another pair is lost
    n_plus_one: bool
    clients_per_ap: Annotated[int, Field(ge=1, le=500)]  # concurrent clients, every SSID together
    mobility_group: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,31}$")]


class WlcUnit(Frozen):
    """One WLC HA pair (SSO: one config, one management address) or the guest anchor."""

    name: DeviceLabel
    address: IPv4Address
    mobility_mac: MacAddress


class GuestAnchor(WlcUnit):
    vlan: NamedVlan  # the DMZ VLAN the anchor puts guests in


class EnvWireless(Frozen):
    model: ModelName
    pairs: list[WlcUnit] = Field(min_length=1)
    guest_anchor: GuestAnchor | None = None


class Qos(Frozen):
    # the priority queue may take at most this share of a site's circuit (Cisco's 33 % LLQ rule)
    priority_max_share: Annotated[float, Field(gt=0.0, le=0.5)]
    # the voice policer is the capacity model's voice rate rounded up to this step
    priority_step_kbps: Annotated[int, Field(ge=8, le=10_000)]


class Switching(Frozen):
    access_ports: Literal[24, 48]
    spare_ratio: Annotated[float, Field(ge=0.0, le=0.5)]
    bwv_dock_bays: Annotated[int, Field(ge=1, le=32)]


class AddressingPolicy(Frozen):
    site_block_prefix: Annotated[int, Field(ge=16, le=24)]
    growth: Annotated[float, Field(ge=0.0, le=4.0)]
    min_prefix: Annotated[int, Field(ge=24, le=29)]


_WINDOW = re.compile(
    r"(?P<days>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:-(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun))?)"
    r" (?P<start>[0-2][0-9]:[0-5][0-9])-(?P<end>[0-2][0-9]:[0-5][0-9])"
)


WanMbps = Annotated[int, Field(ge=2, le=100_000)]


def check_window(value: str) -> str:
    # fullmatch: `$` in Python's `re` also matches before a trailing line break
    match = _WINDOW.fullmatch(value)
    if not match:
        raise ValueError("expected a change window such as 'Sun 02:00-05:00' or 'Mon-Fri 01:00-04:00'")
    for key in ("start", "end"):
        hours, minutes = match[key].split(":")
        if int(hours) > 23 and not (hours == "24" and minutes == "00"):
            raise ValueError(f"{match[key]} is not a time of day")
    return value


ChangeWindow = Annotated[str, AfterValidator(check_window)]


class KindDefaults(Frozen):
    """What a blank cell of `sites.csv` means for a site of this kind; a field left out has no
    default, so a blank cell there is still an error."""

    phones: Count | None = None
    desktops: Count | None = None
    printers: Count | None = None
    aps: Count | None = None
    bwv_docks: Count | None = None
    bwv_cameras: Count | None = None
    wan_mbps: WanMbps | None = None
    change_window: ChangeWindow | None = None


DEFAULTABLE = tuple(KindDefaults.model_fields)


# ---- the WAN: carriers, designs, edge router models, hubs and the ASN plan (README: The WAN) ----

WanName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
Asn = Annotated[int, Field(ge=1, le=4_294_967_294)]
InterfaceName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z-]*[0-9]+(?:/[0-9]+){0,3}$")]
# RFC 6996 4-byte private ASNs; a site's is site_asn_base + its 4-digit number, so the base leaves
# room for MPS-9999
ASN_PRIVATE_4B = (4_200_000_000, 4_294_967_294)
SITE_NUMBERS = 10_000


class CarrierKind(StrEnum):
    MPLS = "mpls"  # MPLS L3VPN: eBGP to the carrier PE over a PE-CE /30
    CELLULAR = "cellular"  # 4G/5G internet underlay: an IKEv2 overlay to the site's hub


class Carrier(Frozen):
    name: WanName
    kind: CarrierKind
    asn: Asn | None = None  # the PE's ASN (MPLS only)

    @model_validator(mode="after")
    def _asn(self) -> Carrier:
        if self.kind is CarrierKind.MPLS and self.asn is None:
            raise ValueError("an MPLS carrier needs the asn its PEs peer from")
        if self.kind is CarrierKind.CELLULAR and self.asn is not None:
            raise ValueError("a cellular carrier is an internet underlay: the overlay peers with the hub, "
                             "not the carrier")
        return self


class WanDesign(Frozen):
    """The circuits of a site: a primary carrier, and a second MPLS circuit (`secondary`) or a
    cellular backup (`backup`), or neither."""

    primary: WanName
    secondary: WanName | None = None
    backup: WanName | None = None

    @model_validator(mode="after")
    def _one_second_path(self) -> WanDesign:
        if self.secondary is not None and self.backup is not None:
            raise ValueError("a design has a secondary circuit or a cellular backup, not both")
        if self.primary in (self.secondary, self.backup):
            raise ValueError("the second path must use another carrier than the primary")
        return self


class EdgeModel(Frozen):
    """Datasheet forwarding figure of an edge router model (with QoS and IPsec), and its ports:
    the LAN port to the core, the carrier ports (primary, secondary) and the cellular module."""

    max_mbps: Annotated[int, Field(ge=1, le=1_000_000)]
    lan_interface: InterfaceName
    carrier_interfaces: list[InterfaceName] = Field(min_length=2, max_length=2)
    cellular_interface: InterfaceName | None = None  # the pluggable/NIM LTE-5G modem, where fitted


class HubRouter(Frozen):
    """A hub's router in one environment: the address it terminates VPNs on and its ASN."""

    public_ip: IPv4Address
    asn: Asn


class WanHub(Frozen):
    """A WAN hub: where sites' circuits land and the environments' VPNs to AWS terminate. The
    hub is one place for every environment; each environment that peers there has its own router
    (`routers`, by environment), as each environment's stack declares its own customer gateway."""

    name: HubName
    location: PlainText
    routers: dict[EnvName, HubRouter] = Field(min_length=1)


class Wan(Frozen):
    site_asn_base: Annotated[int, Field(ge=ASN_PRIVATE_4B[0], le=ASN_PRIVATE_4B[1] - SITE_NUMBERS + 1)]
    # PE-CE links: site n owns the n-th /29 (two /30s: primary, secondary or overlay); the hubs
    # own /29s from the top, hub i (in list order) the (i+1)-th from the top
    link_supernet: IPv4Network
    carriers: list[Carrier] = Field(min_length=1)
    designs: dict[WanName, WanDesign] = Field(min_length=1)
    edge_models: dict[ModelName, EdgeModel] = Field(min_length=1)
    hubs: list[WanHub] = Field(min_length=1)
    # the primary path's local preference is the default 100; the second path's is lower and
    # its advertisements carry the site's ASN this many extra times
    backup_local_pref: Annotated[int, Field(ge=0, le=99)] = 50
    backup_prepend: Annotated[int, Field(ge=1, le=5)] = 3

    @model_validator(mode="after")
    def _link_room(self) -> Wan:
        if self.link_supernet.prefixlen > 29:
            raise ValueError(f"link_supernet {self.link_supernet} holds no /29")
        return self

    def carrier(self, name: str) -> Carrier:
        for carrier in self.carriers:
            if carrier.name == name:
                return carrier
        raise KeyError(name)

    def hub(self, name: str) -> WanHub:
        for hub in self.hubs:
            if hub.name == name:
                return hub
        raise KeyError(name)


class KindWan(Frozen):
    design: WanName  # a key of wan.designs
    router: ModelName  # a key of wan.edge_models


class SiteKind(Frozen):
    guest: bool
    description: PlainText
    wan: KindWan
    defaults: KindDefaults = KindDefaults()


class Environment(Frozen):
    aws_account: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    region: Literal["eu-west-2"]
    supernet: IPv4Network
    sites: SiteSelection
    # Every site's voice subnet comes from this one aggregate (slot = site number), so that a
    # firewall or security group admits all phones with one rule instead of one per site.
    voice_supernet: IPv4Network | None = None
    wireless: EnvWireless

    @model_validator(mode="after")
    def _voice_apart(self) -> Environment:
        if self.voice_supernet is not None and self.voice_supernet.overlaps(self.supernet):
            raise ValueError(f"voice_supernet {self.voice_supernet} overlaps the site supernet {self.supernet}")
        return self


class EstateFile(Frozen):
    """`estate.yaml`: everything that is the same at every site, and the environments."""

    organisation: BannerText
    domain: DnsName
    site_id_prefix: Annotated[str, Field(pattern=r"^[A-Z]{2,5}$")]
    timezone: Literal["GMT", "UTC"]
    vlans: list[VlanDef] = Field(min_length=1)
    parking_vlan: NamedVlan
    native_vlan: NamedVlan
    services: Services
    voice: Voice
    ssids: list[Ssid]
    models: Models
    switch_models: dict[ModelName, SwitchModel] = Field(min_length=1)
    poe: Poe
    wireless: Wireless
    qos: Qos
    switching: Switching
    addressing: AddressingPolicy
    wan: Wan
    site_kinds: dict[KindName, SiteKind] = Field(min_length=1)
    environments: dict[EnvName, Environment] = Field(min_length=1)

    @model_validator(mode="after")
    def _voice_supernets_apart(self) -> EstateFile:
        for name, env in self.environments.items():
            if env.voice_supernet is None:
                continue
            for other_name, other in self.environments.items():
                clash = [net for net in (other.supernet, other.voice_supernet)
                         if net is not None and net.overlaps(env.voice_supernet) and net is not env.voice_supernet]
                if other_name != name and clash:
                    raise ValueError(f"environments.{name}.voice_supernet {env.voice_supernet} overlaps "
                                     f"{clash[0]} of environment {other_name}")
        return self

    def vlan(self, role: str) -> VlanDef:
        for vlan in self.vlans:
            if vlan.role == role:
                return vlan
        raise KeyError(role)

    def port_vlan(self, port: EdgePort) -> VlanDef | None:
        """The VLAN whose `ports` name this port kind (the checks allow at most one)."""
        for vlan in self.vlans:
            if port in vlan.ports:
                return vlan
        return None


class Site(Frozen):
    """One row of `sites.csv`, with its `sites/<SITE-ID>.yaml` overrides applied."""

    site_id: SiteId
    name: SiteText
    kind: KindName
    borough: SiteText
    phones: Count
    desktops: Count
    printers: Count
    aps: Count
    bwv_docks: Count
    bwv_cameras: Count
    wan_mbps: WanMbps
    wan_hub: HubName
    change_window: ChangeWindow
    guest: bool | None = None
    notes: NoteText = ""

    @property
    def number(self) -> int:
        return int(self.site_id.rsplit("-", 1)[1])

    @model_validator(mode="after")
    def _cameras_fit_docks(self) -> Site:
        if self.bwv_cameras and not self.bwv_docks:
            raise ValueError("bwv_cameras are counted but the site has no bwv_docks to charge them")
        return self
