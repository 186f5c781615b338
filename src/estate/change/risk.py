"""Risk flags on a remediation: lines that can cut management access or service.

A flag tells the reviewer (and the change board) where to look; a push of a flagged plan needs
the flag's kind accepted explicitly. Rules read the push lines with their section, so
`shutdown` under the management SVI is flagged and the same word under an edge port is not.
`management-path` marks a removal of a management-path line (`estate.change.rules`) that the
change does not replace: the device could be left unreachable, so it is never implied.

The WAN kinds (BGP neighbours, route filters, tunnels, crypto, the WAN-facing interfaces) are
what a router's change risks: the site's (or, on a hub, every site's) path to the rest of the
estate. Each kind says in plain words what it may do (`EXPLANATION`); the ticket adds its
severity (`estate.change.ticket.SEVERITY`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from estate.change.rules import SEPARATOR, management_key


class RiskKind(StrEnum):
    MANAGEMENT_PATH = "management-path"  # removes the management address, default route or VTY access, no replacement
    MANAGEMENT = "management"  # management VLAN, SVI or default gateway
    UPLINK = "uplink"  # port-channels, their members, trunks
    AAA = "aaa"  # AAA, TACACS+, RADIUS, local users, enable secret
    VTY = "vty"  # line vty / console access
    VLAN_REMOVAL = "vlan-removal"
    STP_MODE = "stp-mode"
    BGP_NEIGHBOUR = "bgp-neighbour"  # a BGP neighbour (or the process, or its router id)
    ROUTE_FILTER = "route-filter"  # prefix lists, route maps, distribute lists, what BGP advertises
    TUNNEL = "tunnel"  # a tunnel interface (the VPN to AWS, the cellular overlay)
    CRYPTO = "crypto"  # IKEv2 / IPsec: proposals, keyrings, profiles, transform sets
    WAN_INTERFACE = "wan-interface"  # the carrier, cellular or core-to-edge interfaces
    LARGE_CHANGE = "large-change"


# What each kind may do, said the way a change board reads it.
EXPLANATION: Mapping[RiskKind, str] = {
    RiskKind.MANAGEMENT_PATH: "the device may be left unreachable: a management path goes with no replacement",
    RiskKind.MANAGEMENT: "may cut management access: the management VLAN, its SVI or the default route",
    RiskKind.UPLINK: "may isolate an access switch: its port-channel, members or trunk",
    RiskKind.AAA: "may lock out logins: AAA, TACACS+/RADIUS or local users",
    RiskKind.VTY: "may block remote access (the console stays)",
    RiskKind.VLAN_REMOVAL: "the VLAN's ports lose their service",
    RiskKind.STP_MODE: "every port reconverges: a short outage of the whole switch",
    RiskKind.BGP_NEIGHBOUR: "may drop the site's WAN: BGP session reset, routes withdrawn until it re-establishes",
    RiskKind.ROUTE_FILTER: "changes which routes are advertised or accepted: a wrong filter black-holes the "
                           "site's traffic",
    RiskKind.TUNNEL: "may drop the VPN tunnel and the BGP session over it until IKE/IPsec renegotiates",
    RiskKind.CRYPTO: "IKE/IPsec renegotiates: the tunnels that use it drop until they come back up",
    RiskKind.WAN_INTERFACE: "may drop the site's WAN: the interface towards the carrier or between core and edge "
                            "router",
    RiskKind.LARGE_CHANGE: "not risky in itself: more to read",
}


@dataclass(frozen=True, slots=True)
class Risk:
    kind: RiskKind
    line: str  # the flagged line with its section, e.g. "interface Vlan10 / shutdown"

    def __str__(self) -> str:
        return f"{self.kind}: {self.line}"

    @property
    def explanation(self) -> str:
        return EXPLANATION[self.kind]


@dataclass(frozen=True, slots=True)
class RiskSettings:
    management_vlan: int | None = None
    large_change_lines: int = 150  # added + removed lines above which a change is "large"


_AAA = re.compile(r"^(no )?(aaa |tacacs|radius|ip tacacs|ip radius|username |enable secret|enable password)")
_VRF_DEFAULT = re.compile(r"ip route vrf \S+ 0\.0\.0\.0 0\.0\.0\.0 ")
_CHANNEL = re.compile(r"^(no )?(channel-group|switchport mode trunk|switchport trunk )")
# the rules of the WAN kinds, as data: patterns on a section header, or on a line of a section
_BGP = re.compile(r"^router bgp ")
_BGP_FILTER = re.compile(r"^(neighbor \S+ (prefix-list|route-map|distribute-list|filter-list) |distribute-list |"
                         r"network |aggregate-address |redistribute )")
_BGP_SESSION = re.compile(r"^(neighbor |bgp router-id )")
_FILTER_SECTION = re.compile(r"^(ip|ipv6) prefix-list |^route-map |^ip as-path access-list ")
# a tunnel interface, or what a hub's overlay gives each site's tunnel (its address, by AAA)
_TUNNEL = re.compile(r"^(interface (Tunnel|Virtual-Template|Virtual-Access)|aaa attribute list )")
_CRYPTO = re.compile(r"^crypto (ikev2|ipsec|isakmp|map) ")
_CRYPTO_LINE = re.compile(r"^(crypto map |tunnel protection )")
# the interfaces a router reaches its carrier (or the core) by: from the intended config's
# descriptions, plus the cellular families whatever they are called
WAN_DESCRIPTION = re.compile(r"(?i)\b(wan|carrier|circuit|mpls|cellular|lte|4g|5g)\b")
_WAN_FAMILIES = ("interface Cellular", "interface Dialer", "controller Cellular")
_DESCRIPTION = re.compile(r"^description (.*)$")
_PHYSICAL = re.compile(r"[A-Za-z]*(Ethernet|GigE)\d")


def _sections(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(section header or "", line) for each push line; `exit` lines are dropped."""
    section = ""
    for raw in lines:
        line = raw.strip()
        if not line or line == "exit":
            continue
        if raw[:1].isspace():
            yield section, line
        else:
            section = line
            yield "", line


def uplink_interfaces(config_lines: Iterable[str]) -> set[str]:
    """Interfaces that carry port-channel membership or trunks, from any config text's lines."""
    found: set[str] = set()
    for section, line in _sections(config_lines):
        if section.startswith("interface ") and _CHANNEL.match(line):
            found.add(section)
        if line.startswith("interface Port-channel") or section.startswith("interface Port-channel"):
            found.add(section or line)
    return found


def wan_interfaces(config_lines: Iterable[str], *, router: bool = False) -> set[str]:
    """The WAN-facing interfaces of a device, from any config text's lines: a description that
    names the WAN (the core's routed port to the edge router, a router's carrier port), the
    cellular families; on a `router` (an edge or hub router: every routed port is on the path
    between the site and the rest of the estate) every physical interface."""
    found: set[str] = set()
    for section, line in _sections(config_lines):
        header = section or line
        if not header.startswith(("interface ", "controller ")):
            continue
        if header.startswith(_WAN_FAMILIES):
            found.add(header)
        elif section and (described := _DESCRIPTION.match(line)) and WAN_DESCRIPTION.search(described.group(1)):
            found.add(section)
        elif router and not section and _physical(header):
            found.add(header)
    return found


def _physical(header: str) -> bool:
    name = header.split(" ", 1)[1] if " " in header else ""
    return bool(_PHYSICAL.match(name))


def assess(
    remediation: Iterable[str],
    added: int,
    removed: int,
    settings: RiskSettings,
    uplinks: set[str] | None = None,
    *,
    wan: set[str] | None = None,
) -> tuple[Risk, ...]:
    """Every risky line of a remediation (in push order), plus a large-change flag."""
    uplinks = uplinks or set()
    lines = list(_sections(remediation))
    replaced = _management_additions(lines, settings.management_vlan)
    risks: list[Risk] = []
    for section, line in lines:
        kind = _classify(section, line, settings.management_vlan, uplinks, wan or set())
        if line.startswith("no "):
            key = management_key(SEPARATOR.join(filter(None, (section, line))), settings.management_vlan)
            if key is not None and key not in replaced:
                kind = RiskKind.MANAGEMENT_PATH
        if kind is not None:
            risks.append(Risk(kind, f"{section} / {line}" if section else line))
    if added + removed > settings.large_change_lines:
        risks.append(Risk(RiskKind.LARGE_CHANGE, f"{added} lines added, {removed} removed"))
    return tuple(risks)


def _management_additions(lines: Iterable[tuple[str, str]], mgmt: int | None) -> set[str]:
    """The management-path groups that the change adds a line to (a new route, address, VTY
    access): a removal in such a group has its replacement, which goes in first."""
    found = set()
    listed = list(lines)
    for index, (section, line) in enumerate(listed):
        header = not section and index + 1 < len(listed) and listed[index + 1][0] == line
        if not header and not line.startswith(("no ", "default ")):
            key = management_key(SEPARATOR.join(filter(None, (section, line))), mgmt)
            if key is not None:
                found.add(key)
    return found


def _classify(section: str, line: str, mgmt: int | None, uplinks: set[str], wan: set[str]) -> RiskKind | None:
    header = section or line
    bare = line.removeprefix("no ").removeprefix("default ")
    bare_header = header.removeprefix("no ").removeprefix("default ")
    management = {f"interface Vlan{mgmt}", f"vlan {mgmt}"} if mgmt is not None else set()
    in_bgp = bool(section) and bool(_BGP.match(section))
    # first match wins: the order puts what cuts access before what degrades service
    rules = (
        (RiskKind.MANAGEMENT, header in management or bare in management
         or bare.startswith(("ip default-gateway ", "ip route 0.0.0.0 0.0.0.0 ")) or bool(_VRF_DEFAULT.match(bare))),
        (RiskKind.VLAN_REMOVAL, line.startswith("no vlan ")),
        (RiskKind.STP_MODE, bare.startswith("spanning-tree mode")),
        (RiskKind.TUNNEL, bool(_TUNNEL.match(bare_header))),
        (RiskKind.CRYPTO, bool(_CRYPTO.match(bare_header)) or (bool(section) and bool(_CRYPTO_LINE.match(bare)))),
        (RiskKind.ROUTE_FILTER, bool(_FILTER_SECTION.match(bare_header)) or (in_bgp and bool(_BGP_FILTER.match(bare)))),
        (RiskKind.BGP_NEIGHBOUR, (in_bgp and bool(_BGP_SESSION.match(bare)))
         or (not section and line.startswith("no router bgp "))),
        (RiskKind.WAN_INTERFACE, bare_header in wan or bare_header.startswith(_WAN_FAMILIES)),
        (RiskKind.UPLINK, header.startswith("interface Port-channel") or header in uplinks
         or (section.startswith("interface ") and bool(_CHANNEL.match(line)))),
        (RiskKind.VTY, header.startswith(("line vty", "line con"))),
        (RiskKind.AAA, bool(_AAA.match(header))),
    )
    return next((kind for kind, hit in rules if hit), None)
