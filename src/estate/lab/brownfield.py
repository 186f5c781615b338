"""Turn a device's intended config into a *brownfield* start state: the same device as it was
configured under an older standard, with deliberate drift for the review to find.

Every change only rewrites, removes or repeats lines of the intended config (or adds a VLAN in
the syntax the config already uses), so the simulator accepts the result; every physical
interface stays. The drift is seeded from the hostname: the same input gives the same output.

Drift applied, where the intended config has the lines it needs:

* NTP and syslog servers moved to the old addresses (last octet shifted);
* SNMPv3 groups/users replaced by a v2c read-only community, v3 trap hosts by v2c ones;
* the global ``ip dhcp snooping`` / ``ip arp inspection`` lines missing;
* a few access ports with a stale description, the wrong access VLAN or no BPDU guard;
* one extra VLAN that the new standard removed;
* ``transport input telnet ssh`` on the vty lines.
"""

from __future__ import annotations

import hashlib
import random
import re

from pydantic import BaseModel, ConfigDict

from estate.lab.config_tree import ConfigTree, Node, words

LEGACY_COMMUNITY = "estate-legacy-ro"
_IPV4 = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")


class Brownfield(BaseModel):
    """The brownfield config text and a human-readable note per drift applied."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    drift: tuple[str, ...]


def make_brownfield(intended: str, hostname: str, edge_ports: int = 3) -> Brownfield:
    rng = random.Random(int(hashlib.sha256(hostname.encode()).hexdigest()[:16], 16))
    tree = ConfigTree.parse(intended)
    notes: list[str] = []
    notes += _old_servers(tree)
    notes += _snmp_v2c(tree)
    notes += _drop_globals(tree)
    notes += _edge_port_drift(tree, rng, edge_ports)
    notes += _extra_vlan(tree, rng)
    notes += _telnet_on_vty(tree)
    return Brownfield(text=tree.render(), drift=tuple(notes))


def brownfield_config(intended: str, hostname: str) -> str:
    return make_brownfield(intended, hostname).text


def _old_address(match: re.Match[str]) -> str:
    octets = [int(part) for part in match.groups()]
    octets[3] = (octets[3] + 50) % 250 + 1
    return ".".join(str(octet) for octet in octets)


def _old_servers(tree: ConfigTree) -> list[str]:
    notes = []
    for node in tree.nodes:
        if node.text.startswith(("ntp server ", "logging host ")):
            old = _IPV4.sub(_old_address, node.text, count=1)
            if old != node.text:
                notes.append(f"{node.text!r} was {old!r}")
                node.text = old
    return notes


def _snmp_v2c(tree: ConfigTree) -> list[str]:
    v3 = [
        node
        for node in tree.nodes
        if node.text.startswith(("snmp-server group ", "snmp-server user "))
        and " v3" in node.text
    ]
    if not v3:
        return []
    position = tree.nodes.index(v3[0])
    tree.nodes[:] = [node for node in tree.nodes if node not in v3]
    tree.nodes.insert(position, Node(f"snmp-server community {LEGACY_COMMUNITY} RO"))
    for node in tree.nodes:
        if node.text.startswith("snmp-server host ") and " version 3 " in node.text:
            parts = words(node.text)
            at = parts.index("version")
            node.text = " ".join([*parts[:at], "version", "2c", LEGACY_COMMUNITY])
    return ["SNMPv3 replaced by a v2c community"]


def _drop_globals(tree: ConfigTree) -> list[str]:
    dropped = [
        node.text
        for node in tree.nodes
        if node.text.startswith(("ip dhcp snooping", "ip arp inspection")) and not node.children
    ]
    tree.nodes[:] = [node for node in tree.nodes if node.text not in dropped]
    return [f"missing {text!r}" for text in dropped]


def _access_ports(tree: ConfigTree) -> list[Node]:
    return [
        node
        for node in tree.nodes
        if node.text.startswith("interface ")
        and any(child.text == "switchport mode access" for child in node.children)
    ]


def _vlan_ids(tree: ConfigTree) -> list[int]:
    ids = []
    for node in tree.nodes:
        parts = words(node.text)
        if len(parts) == 2 and parts[0] == "vlan" and parts[1].isdigit():
            ids.append(int(parts[1]))
    return ids


def _edge_port_drift(tree: ConfigTree, rng: random.Random, count: int) -> list[str]:
    ports = _access_ports(tree)
    if not ports:
        return []
    chosen = rng.sample(ports, min(count, len(ports)))
    vlans = _vlan_ids(tree)
    notes = []
    for index, port in enumerate(chosen):
        kind = index % 3
        if kind == 0:
            _set_child(port, "description ", "description OLD-DESK-" + str(rng.randint(100, 999)))
            notes.append(f"{port.text}: stale description")
        elif kind == 1 and len(vlans) > 1:
            current = next(
                (c for c in port.children if c.text.startswith("switchport access vlan ")), None
            )
            if current is not None:
                now = int(words(current.text)[-1])
                wrong = rng.choice([vlan for vlan in vlans if vlan != now])
                current.text = f"switchport access vlan {wrong}"
                notes.append(f"{port.text}: access VLAN {wrong} instead of {now}")
        else:
            before = len(port.children)
            port.children[:] = [
                c for c in port.children if c.text != "spanning-tree bpduguard enable"
            ]
            if len(port.children) != before:
                notes.append(f"{port.text}: no BPDU guard")
    return notes


def _set_child(node: Node, prefix: str, text: str) -> None:
    for child in node.children:
        if child.text.startswith(prefix):
            child.text = text
            return
    node.children.insert(0, Node(text))


def _extra_vlan(tree: ConfigTree, rng: random.Random) -> list[str]:
    ids = _vlan_ids(tree)
    if not ids:
        return []
    candidates = [vlan for vlan in range(900, 1000) if vlan not in ids]
    vlan = rng.choice(candidates)
    last = max(i for i, node in enumerate(tree.nodes) if words(node.text)[:1] == ["vlan"])
    tree.nodes.insert(last + 1, Node(f"vlan {vlan}", [Node(f"name LEGACY-{vlan}")]))
    return [f"extra vlan {vlan}"]


def _telnet_on_vty(tree: ConfigTree) -> list[str]:
    notes = []
    for node in tree.nodes:
        if node.text.startswith("line vty"):
            for child in node.children:
                if child.text == "transport input ssh":
                    child.text = "transport input telnet ssh"
                    notes.append(f"{node.text}: telnet allowed")
    return notes
