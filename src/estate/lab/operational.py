"""Operational ``show`` commands answered from the configuration, in IOS-XE's layout (each one
parses with the ntc-templates template of the same command):

* ``show etherchannel summary`` — every port-channel and its ``channel-group`` members;
* ``show cdp neighbors`` — peers named by port descriptions: ``Uplink to <host>`` /
  ``Downlink to <host>`` (the peer's port is its own port described as facing this host, paired
  in order; when the peer is not in the lab, the same port name), ``AP <name>`` (an access
  point) and ``Phone ...`` (an IP phone);
* ``show power inline`` — PoE draw on the ports that carry an AP or a phone;
* ``show interfaces status``;
* ``show ap summary`` (WLC) — the APs on the lab's access ports plus the spec's ``aps``.

A port is up when it is not ``shutdown``, has a description other than ``Unused``, and has not
been dropped by the ``drop_after_change`` fault; a link is up only when both its ends are up.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from estate.lab.config_tree import words
from estate.lab.modes import PHYSICAL_FAMILIES, interface_family

if TYPE_CHECKING:
    from estate.lab.ios_cli import DeviceState

_SHORT = {
    "GigabitEthernet": ("Gi", "Gig"),
    "TenGigabitEthernet": ("Te", "Ten"),
    "TwoGigabitEthernet": ("Tw", "Two"),
    "FiveGigabitEthernet": ("Fi", "Fiv"),
    "TwentyFiveGigE": ("Twe", "Twe"),
    "FortyGigabitEthernet": ("Fo", "For"),
    "HundredGigE": ("Hu", "Hun"),
    "AppGigabitEthernet": ("Ap", "App"),
    "Port-channel": ("Po", "Por"),
}
_LINK = re.compile(r"^(?:Uplink|Downlink) to (\S+)")
_AP = re.compile(r"^AP (\S+)")
_PHONE = re.compile(r"^Phone\b")
AP_MODEL = "C9130AXI-E"
AP_WATTS, AP_CLASS = 25.5, 4
PHONE_MODEL = "IP Phone 8865"
PHONE_WATTS, PHONE_CLASS = 6.3, 3
# PoE budget per model (datasheet, one power supply); boxes not listed have no PoE.
POE_BUDGET = {"C9300-48P": 437.0, "C9300-24P": 437.0, "C9300-48U": 822.0, "C9200CX-12P": 240.0,
              "C9200-48P": 370.0, "C9200-24P": 370.0}


@dataclass(frozen=True)
class Port:
    name: str
    description: str
    shutdown: bool
    trunk: bool
    routed: bool
    vlan: str
    channel: int | None
    channel_mode: str
    poe_off: bool

    @property
    def physical(self) -> bool:
        return interface_family(self.name) in PHYSICAL_FAMILIES

    @property
    def cabled(self) -> bool:
        return bool(self.description) and self.description != "Unused"


def short(name: str, cdp: bool = False) -> str:
    family = interface_family(name)
    forms = _SHORT.get(family)
    if forms is None:
        return name
    number = name[len(family) :]
    return f"{forms[1]} {number}" if cdp else forms[0] + number


def ports(device: DeviceState) -> list[Port]:
    found = []
    for node in device.running.nodes:
        parts = words(node.text)
        if len(parts) != 2 or parts[0] != "interface" or parts[1].startswith(("Vlan", "Loopback", "Tunnel")):
            continue
        lines = [child.text for child in node.children]
        channel = next((words(line) for line in lines if line.startswith("channel-group ")), None)
        access = next((line.split()[-1] for line in lines if line.startswith("switchport access vlan ")), "1")
        description = next((line[len("description ") :] for line in lines if line.startswith("description ")), "")
        found.append(
            Port(
                name=parts[1],
                description=description,
                shutdown="shutdown" in lines,
                trunk="switchport mode trunk" in lines,
                routed="no switchport" in lines or parts[1] == "GigabitEthernet0/0",
                vlan=access,
                channel=int(channel[1]) if channel and len(channel) > 1 and channel[1].isdigit() else None,
                channel_mode=channel[3] if channel and len(channel) > 3 else "on",
                poe_off="power inline never" in lines,
            )
        )
    return found


def port_up(device: DeviceState, port: Port) -> bool:
    return port.cabled and not port.shutdown and port.name not in device.dropped_ports()


def _peer_port(device: DeviceState, port: Port, peer_name: str) -> tuple[DeviceState | None, str]:
    """The peer device (when it is in the lab) and the port facing us, paired in order."""
    peer = device.peers.get(peer_name)
    if peer is None or peer is device:
        return None, port.name
    mine = [p.name for p in _facing(ports(device), peer_name)]
    with peer.lock:
        theirs = _facing(ports(peer), device.hostname)
    index = mine.index(port.name)
    if index >= len(theirs):
        return None, port.name
    far = theirs[index]
    return (peer, far.name) if port_up(peer, far) else (peer, "")


def _facing(candidates: list[Port], hostname: str) -> list[Port]:
    """The physical ports described as links to ``hostname``, in config order."""
    found = []
    for port in candidates:
        link = _LINK.match(port.description)
        if port.physical and link is not None and link.group(1) == hostname:
            found.append(port)
    return found


@dataclass(frozen=True)
class Neighbour:
    local: str
    device_id: str
    capabilities: str
    platform: str
    port: str


def neighbours(device: DeviceState) -> list[Neighbour]:
    found = []
    for port in ports(device):
        if not port.physical or not port_up(device, port):
            continue
        if (link := _LINK.match(port.description)) is not None:
            peer, far = _peer_port(device, port, link.group(1))
            if far:
                platform = peer.model if peer is not None else "C9300-48P"
                found.append(Neighbour(port.name, link.group(1) + _domain(peer or device), "R S I", platform, far))
        elif (ap := _AP.match(port.description)) is not None:
            found.append(Neighbour(port.name, ap.group(1), "R T B I", AP_MODEL, "GigabitEthernet0"))
        elif _PHONE.match(port.description):
            found.append(Neighbour(port.name, "SEP" + _mac(device.hostname + port.name).replace(".", "").upper(),
                                   "H P M", PHONE_MODEL, "Port 1"))
    return found


def _domain(device: DeviceState) -> str:
    for node in device.running.nodes:
        parts = words(node.text)
        if parts[:3] == ["ip", "domain", "name"] and len(parts) == 4:
            return "." + parts[3]
    return ""


def _mac(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[0:4]}.{digest[4:8]}.{digest[8:12]}"


def show_cdp_neighbors(device: DeviceState) -> str:
    rows = [
        "Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge",
        "                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone, ",
        "                  D - Remote, C - CVTA, M - Two-port Mac Relay ",
        "",
        "Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID",
    ]
    found = neighbours(device)
    for entry in found:
        tail = f"{short(entry.local, cdp=True):<17} {151:<11}{entry.capabilities:>11} {entry.platform:<9} " \
               f"{short(entry.port, cdp=True) if entry.port != 'Port 1' else entry.port}"
        if len(entry.device_id) > 16:
            rows += [entry.device_id, " " * 17 + tail]
        else:
            rows.append(f"{entry.device_id:<17}{tail}")
    rows += ["", f"Total cdp entries displayed : {len(found)}"]
    return "\n".join(rows)


def show_etherchannel_summary(device: DeviceState) -> str:
    all_ports = ports(device)
    groups = sorted({p.channel for p in all_ports if p.channel is not None}
                    | {int(p.name[len("Port-channel"):]) for p in all_ports if p.name.startswith("Port-channel")})
    rows = [
        "Flags:  D - down        P - bundled in port-channel",
        "        I - stand-alone s - suspended",
        "        H - Hot-standby (LACP only)",
        "        R - Layer3      S - Layer2",
        "        U - in use      f - failed to allocate aggregator",
        "",
        "        M - not in use, minimum links not met",
        "        u - unsuitable for bundling",
        "        w - waiting to be aggregated",
        "        d - default port",
        "",
        "        A - formed by Auto LAG",
        "",
        "",
        f"Number of channel-groups in use: {len(groups)}",
        f"Number of aggregators:           {len(groups)}",
        "",
        "Group  Port-channel  Protocol    Ports",
        "------+-------------+-----------+-----------------------------------------------",
    ]
    for group in groups:
        members = [p for p in all_ports if p.channel == group]
        flags = [f"{short(p.name)}({'P' if _bundled(device, p) else 'D'})" for p in members]
        protocol = _protocol(members[0].channel_mode) if members else "-"
        state = ("R" if any(p.routed for p in members) else "S") + ("U" if "P)" in "".join(flags) else "D")
        head = f"{group:<7}{f'Po{group}({state})':<16}{protocol:<12}"
        chunks = [flags[index : index + 4] for index in range(0, len(flags), 4)] or [[]]
        rows.append((head + "  ".join(chunks[0])).rstrip())
        rows += [" " * 46 + "  ".join(chunk) for chunk in chunks[1:]]
    return "\n".join(rows) + "\n"


def _bundled(device: DeviceState, port: Port) -> bool:
    if not port_up(device, port):
        return False
    link = _LINK.match(port.description)
    return link is None or bool(_peer_port(device, port, link.group(1))[1])


def _protocol(mode: str) -> str:
    return {"active": "LACP", "passive": "LACP", "desirable": "PAgP", "auto": "PAgP"}.get(mode, "-")


def show_interfaces_status(device: DeviceState) -> str:
    rows = ["", "Port         Name               Status       Vlan       Duplex  Speed Type"]
    all_ports = ports(device)
    for port in all_ports:
        if port.name.startswith("Port-channel"):
            members = [p for p in all_ports if p.channel == int(port.name[len("Port-channel"):])]
            up = any(_bundled(device, p) for p in members)
            speed, kind = ("a-10G" if up else "auto"), ""
        else:
            up = _bundled(device, port) if port.channel is not None else port_up(device, port)
            ten = interface_family(port.name) != "GigabitEthernet"
            speed = ("a-10G" if ten else "a-1000") if up else "auto"
            kind = "SFP-10GBase-SR" if ten else "10/100/1000BaseTX"
        status = "disabled" if port.shutdown else "connected" if up else "notconnect"
        vlan = "routed" if port.routed else "trunk" if port.trunk else port.vlan
        duplex = "a-full" if up else "auto"
        rows.append(f"{short(port.name):<12} {port.description[:18]:<18} {status:<12} {vlan:<10} "
                    f"{duplex:>6} {speed:>6} {kind}".rstrip())
    return "\n".join(rows) + "\n"


def show_power_inline(device: DeviceState) -> str:
    budget = POE_BUDGET.get(device.shown_model)
    rows = ["", "Module   Available     Used     Remaining", "          (Watts)     (Watts)    (Watts) ",
            "------   ---------   --------   ---------"]
    table: list[str] = []
    used, powered = 0.0, 0
    for port in ports(device) if budget is not None else []:
        if interface_family(port.name) != "GigabitEthernet" or not port.name.startswith("GigabitEthernet1/0/"):
            continue
        watts, kind, klass = _draw(device, port)
        used += watts
        powered += watts > 0
        state = "on" if watts > 0 else "off"
        table.append(f"{short(port.name):<9} {'off' if port.poe_off else 'auto':<6} {state:<10} {watts:<7.1f} "
                     f"{kind:<19} {klass:<5} 30.0")
    total = budget or 0.0
    rows.append(f"{1:<11}{total:>6.1f}{used:>11.1f}{total - used:>12.1f}")
    rows += ["Interface Admin  Oper       Power   Device              Class Max",
             "                            (Watts)                            ",
             "--------- ------ ---------- ------- ------------------- ----- ----", *table]
    return "\n".join(rows) + "\n"


def _draw(device: DeviceState, port: Port) -> tuple[float, str, str]:
    if port.poe_off or not port_up(device, port):
        return 0.0, "n/a", "n/a"
    if _AP.match(port.description):
        return AP_WATTS, AP_MODEL, str(AP_CLASS)
    if _PHONE.match(port.description):
        return PHONE_WATTS, PHONE_MODEL, str(PHONE_CLASS)
    return 0.0, "n/a", "n/a"


def joined_aps(device: DeviceState) -> list[tuple[str, str]]:
    """(AP name, site tag) for every AP joined to this WLC, in name order."""
    names = set(device.extra_aps)
    for peer in device.peers.values():
        if peer is device:
            continue
        with peer.lock:
            names |= {m.group(1) for p in ports(peer) if (m := _AP.match(p.description)) and port_up(peer, p)}
    filters = _ap_filters(device)
    joined = []
    for name in sorted(names):
        tag = next((site for regex, site in filters if re.search(regex, name)), "default-site-tag")
        joined.append((name, tag))
    leaving = device.drop_fault.aps if device.drop_fault is not None and device.dropped_active() else 0
    return joined[: len(joined) - leaving] if leaving else joined


def _ap_filters(device: DeviceState) -> list[tuple[str, str]]:
    found = []
    for node in device.running.nodes:
        if not node.text.startswith("ap filter name "):
            continue
        lines = [words(child.text) for child in node.children]
        regex = next((parts[2] for parts in lines if parts[:2] == ["ap", "name-regex"] and len(parts) > 2), None)
        site = next((parts[2] for parts in lines if parts[:2] == ["tag", "site"] and len(parts) > 2), None)
        if regex and site:
            found.append((regex, site))
    return found


def show_ap_summary(device: DeviceState) -> str:
    joined = joined_aps(device)
    rows = [f"Number of APs: {len(joined)}", "", "CC = Country Code", "RD = Regulatory Domain", "",
            "AP Name                          Slots AP Model             Ethernet MAC   Radio MAC      CC   RD  "
            " IP Address                                State        Location",
            "-" * 170]
    for name, _tag in joined:
        digest = hashlib.sha256(name.encode()).digest()
        address = f"10.{digest[0]}.{digest[1]}.{digest[2] % 250 + 2}"
        rows.append(f"{name:<32} {2:<5} {AP_MODEL:<20} {_mac(name):<14} {_mac(name + 'radio'):<14} GB   -E   "
                    f"{address:<41} Registered   default location")
    return "\n".join(rows) + "\n"


def show_ap_tag_summary(device: DeviceState) -> str:
    joined = joined_aps(device)
    rows = [f"Number of APs: {len(joined)}", "",
            "AP Name                           AP Mac           Site Tag Name                     Policy Tag Name",
            "-" * 100]
    rows += [f"{name:<33} {_mac(name):<16} {tag:<33} default-policy-tag" for name, tag in joined]
    return "\n".join(rows) + "\n"


SHOW_COMMANDS: tuple[tuple[tuple[str, ...], Callable[[DeviceState], str]], ...] = (
    (("etherchannel", "summary"), show_etherchannel_summary),
    (("cdp", "neighbors"), show_cdp_neighbors),
    (("power", "inline"), show_power_inline),
    (("interfaces", "status"), show_interfaces_status),
    (("ap", "summary"), show_ap_summary),
    (("ap", "tag", "summary"), show_ap_tag_summary),
)
