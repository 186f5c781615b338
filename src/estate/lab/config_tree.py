"""The simulator's running config: IOS text parsed into a tree of lines (children indented by
one space per level, banners kept verbatim) and the edits that configuration mode makes to it.

Edit rules, chosen to match what IOS shows after the same commands:

* Re-entering an existing line is a no-op; a new line goes after the last sibling of the same
  kind (same first word, or first two for ``ip``/``ipv6``/``no``/``aaa``/``snmp-server``/...),
  otherwise at the end of its section (or of the config).
* A line whose key is in :data:`SINGLE_VALUED` replaces its sibling with the same key in place
  (``description``, ``switchport access vlan``, ``hostname`` ...). Everything else may repeat
  (``ntp server``, ``logging host``, ``ip helper-address`` ...).
* ``no X`` removes the sibling equal to X, else every sibling whose words start with X's words
  (``no snmp-server community public`` removes ``snmp-server community public RO``). When
  nothing matches and X is on by default (:data:`DEFAULT_ON`), IOS shows ``no X``: it is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from estate.lab.modes import section_mode

# Commands that hold one value per section: (words that form the key, words to skip if present
# at the end that make the line additive instead).
SINGLE_VALUED: tuple[tuple[str, ...], ...] = (
    ("hostname",),
    ("description",),
    ("name",),
    ("switchport", "mode"),
    ("switchport", "access", "vlan"),
    ("switchport", "voice", "vlan"),
    ("switchport", "trunk", "native", "vlan"),
    ("switchport", "trunk", "allowed", "vlan"),
    ("switchport", "trunk", "encapsulation"),
    ("ip", "address"),
    ("ipv6", "address"),
    ("spanning-tree", "mode"),
    ("spanning-tree", "portfast"),
    ("spanning-tree", "loopguard", "default"),
    ("channel-group",),
    ("speed",),
    ("duplex",),
    ("mtu",),
    ("power", "inline"),
    ("exec-timeout",),
    ("session-timeout",),
    ("transport", "input"),
    ("transport", "output"),
    ("login", "authentication"),
    ("ip", "domain", "name"),
    ("ip", "domain-name"),
    ("ip", "default-gateway"),
    ("ip", "ssh", "version"),
    ("ip", "ssh", "time-out"),
    ("ip", "ssh", "authentication-retries"),
    ("ip", "tftp", "source-interface"),
    ("ip", "tacacs", "source-interface"),
    ("ip", "radius", "source-interface"),
    ("ntp", "source"),
    ("logging", "source-interface"),
    ("logging", "buffered"),
    ("logging", "trap"),
    ("snmp-server", "location"),
    ("snmp-server", "contact"),
    ("snmp-server", "trap-source"),
    ("clock", "timezone"),
    ("clock", "summer-time"),
    ("vtp", "mode"),
    ("vtp", "domain"),
    ("vtp", "version"),
    ("enable", "secret"),
    ("enable", "password"),
    ("authentication", "port-control"),
    ("version",),
    ("errdisable", "recovery", "interval"),
    ("udld", "port"),
    ("storm-control", "action"),
    ("load-interval",),
)
# Single-valued only inside a section (at the top level these words mean something else).
SINGLE_VALUED_NESTED: tuple[tuple[str, ...], ...] = (
    ("native-vlan-id",),
    ("vlan-id",),
    ("vlan",),  # wireless policy profile
    ("flex-profile",),
    ("ap-profile",),
    ("state",),
    ("key",),
    ("address", "ipv4"),
    ("timeout",),
    # a router's interfaces: BFD timers, MTU and MSS, the tunnel's ends, mode, VRF and protection
    ("bfd", "interval"),
    ("ip", "mtu"),
    ("ip", "tcp", "adjust-mss"),
    ("tunnel", "source"),
    ("tunnel", "destination"),
    ("tunnel", "mode"),
    ("tunnel", "protection"),
    ("tunnel", "vrf"),
    ("vrf", "forwarding"),
    ("bandwidth",),
    # BGP, route maps, IP SLA and tracking: one value each per process, entry or object
    ("bgp", "router-id"),
    ("maximum-paths",),
    ("set", "local-preference"),
    ("set", "as-path", "prepend"),
    ("frequency",),
    ("threshold",),
    ("delay",),
    # IKEv2 and IPsec: one value per proposal, profile, keyring peer or IPsec profile
    ("encryption",),
    ("integrity",),
    ("prf",),
    ("group",),
    ("dpd",),
    ("lifetime",),
    ("mode",),
    ("keyring", "local"),
    ("identity", "local"),
    ("match", "fvrf"),
    ("virtual-template",),
    ("pre-shared-key", "local"),
    ("pre-shared-key", "remote"),
    ("pre-shared-key",),
    ("address",),
    ("set", "pfs"),
    ("set", "transform-set"),
    ("set", "ikev2-profile"),
    ("set", "security-association", "lifetime"),
)

# One line per object, the object named inside the line: the matched text is the key (a new
# `ntp server 10.0.0.1 key 1` replaces `ntp server 10.0.0.1`, a new NTP key 1 the old one), and
# `no <line>` removes the line with the same key whatever else it says (`no ntp
# authentication-key 1 md5 x` removes key 1 shown as type 7).
SINGLE_VALUED_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"ntp server (?:vrf \S+ )?\S+",
        r"ntp peer (?:vrf \S+ )?\S+",
        r"ntp authentication-key \d+",
        r"mgmtuser username",  # one AP management user per AP profile
        r"capwap backup (?:primary|secondary)",
        r"automate-tester",
        r"login block-for",
        r"login quiet-mode access-class",
        r"ip (?:dhcp snooping|arp inspection) limit rate",
        r"storm-control (?:broadcast|multicast|unicast) level",
        r"shape average",
        r"police",
        r"service-policy(?: type \S+ \S+)?(?= \S+$)",
        r"service-policy (?:input|output)",
        r"access-session host-mode",
        r"access-session port-control",
        r"authentication critical recovery delay",
        r"snmp-server group \S+ v3 \S+",
        r"wireless mobility group name",
        r"wireless mobility mac-address",
        r"wireless mobility group member mac-address \S+",
        r"neighbor \S+ remote-as",  # one value per BGP neighbour
        r"neighbor \S+ description",
        r"neighbor \S+ maximum-prefix",
        r"neighbor \S+ timers",
    )
)

# Lines whose default is "on": `no X` is what the running config shows when X is off.
DEFAULT_ON: frozenset[str] = frozenset(
    {
        "ip domain lookup",
        "ip domain-lookup",
        "ip http server",
        "ip http secure-server",
        "ip source-route",
        "ip gratuitous-arps",
        "ip bootp server",
        "ip finger",
        "ip forward-protocol nd",
        "ip igmp snooping",
        "ip icmp rate-limit unreachable",
        "service pad",
        "service config",
        "service dhcp",
        "cdp run",
        "cdp enable",
        "logging console",
        "logging monitor",
        "switchport",
        "ip redirects",
        "ip unreachables",
        "ip proxy-arp",
        "ip route-cache",
        "keepalive",
        "mop enabled",
        "mop sysid",
        "negotiation auto",
        "vstack",
        "lldp transmit",
        "lldp receive",
        "snmp trap link-status",
        "shutdown",  # under wlan / wireless policy profile the default is shut
        "local-site",
        "central switching",
        "central dhcp",
        "central association",
        "central authentication",
        "central-switching",  # the C9800 17.x spelling of the four above
        "central-dhcp",
        "central-association",
        "central-authentication",
        "security wpa wpa2 ciphers aes",
        "broadcast-ssid",
        "security wpa",
        "security wpa wpa2",
        "security wpa akm dot1x",
        "security ft",
        "security dot1x authentication-list",
        "device-classification",
        "password encryption aes",
        "ip dhcp snooping information option",  # option 82 insertion: on by default
        "protocol udp",  # device-tracking (SISF) policy: gleaning from every protocol is on
        "protocol arp",
        "protocol dhcp4",
        "protocol dhcp6",
        "protocol ndp",
        "bgp default ipv4-unicast",  # IOS-XE activates every neighbour for IPv4 unless told not to
    }
)

# Sections where IOS shows both X and `no X` (a C9800 WLAN or policy profile is created shut:
# `shutdown` and `no shutdown` both show), though X is otherwise a default that is not shown.
SHOWN_NEGATED: dict[str, tuple[str, ...]] = {"shutdown": ("wlan ", "wireless profile policy ")}

_GROUP_TWO_WORDS = frozenset({"ip", "ipv6", "no", "aaa", "snmp-server", "crypto", "wireless", "spanning-tree", "ap"})
_WORD = re.compile(r"\S+")


@dataclass
class Node:
    """One config line and its children; a banner keeps its exact lines in ``raw``."""

    text: str
    children: list[Node] = field(default_factory=list)
    raw: list[str] | None = None

    def copy(self) -> Node:
        return Node(
            self.text,
            [child.copy() for child in self.children],
            None if self.raw is None else list(self.raw),
        )


def words(line: str) -> list[str]:
    return _WORD.findall(line)


def shown_form(parts: list[str]) -> list[str]:
    """A typed line as IOS prints it back: storm-control levels with two decimals
    (`storm-control broadcast level 1` shows as `level 1.00`)."""
    if len(parts) >= 4 and parts[0] == "storm-control" and parts[2] == "level":
        try:
            return [*parts[:3], *(f"{float(value):.2f}" for value in parts[3:])]
        except ValueError:
            return parts
    return parts


def single_key(line: str, nested: bool) -> tuple[str, ...] | None:
    """The key under which ``line`` replaces a sibling, or None if the command may repeat."""
    parts = words(line)
    if parts and parts[-1] in {"secondary", "add", "remove", "except"}:
        return None
    keyed = pattern_key(line)
    if keyed is not None:
        return keyed
    if len(parts) > 2 and parts[0] == "username":
        return ("username", parts[1])
    table = SINGLE_VALUED + SINGLE_VALUED_NESTED if nested else SINGLE_VALUED
    lowered = tuple(part.lower() for part in parts)
    for prefix in table:
        if lowered[: len(prefix)] == prefix and len(parts) > len(prefix):
            return prefix
    return None


def pattern_key(line: str) -> tuple[str, ...] | None:
    """The key of a line of :data:`SINGLE_VALUED_PATTERNS` (its object's words), or None."""
    text = " ".join(words(line))
    for pattern in SINGLE_VALUED_PATTERNS:
        found = pattern.match(text)
        if found is not None and (found.end() == len(text) or text[found.end()] == " "):
            return tuple(found.group(0).split())
    return None


def group_key(line: str) -> tuple[str, ...]:
    parts = words(line)
    if parts and parts[0] in _GROUP_TWO_WORDS:
        return tuple(parts[:2])
    return tuple(parts[:1])


def banner_delimiter(rest: str) -> str:
    """IOS takes the first character after the banner type as its delimiter; ``^C`` typed as
    two characters is the conventional spelling of Ctrl-C and counts as one delimiter."""
    stripped = rest.lstrip()
    if stripped.startswith("^C"):
        return "^C"
    return stripped[:1]


def banner_parts(line: str) -> tuple[str, str, str] | None:
    """Split ``banner <type> <delim>text`` into (type, delimiter, text after the delimiter)."""
    parts = line.split(None, 2)
    if len(parts) < 3 or parts[0] != "banner":
        return None
    delim = banner_delimiter(parts[2])
    if not delim:
        return None
    after = parts[2].lstrip()[len(delim) :]
    return parts[1], delim, after


class ConfigTree:
    """Ordered top-level nodes; rendered the way ``show running-config`` prints them."""

    def __init__(self, nodes: list[Node] | None = None) -> None:
        self.nodes: list[Node] = nodes if nodes is not None else []

    @classmethod
    def parse(cls, text: str) -> ConfigTree:
        root = Node("")
        stack: list[tuple[int, Node]] = [(-1, root)]
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        index = 0
        while index < len(lines):
            line = lines[index].rstrip()
            index += 1
            stripped = line.strip()
            indent = len(line) - len(line.lstrip(" "))
            if _skip_line(stripped, indent):
                if indent == 0 and stripped == "end":
                    break
                continue
            if indent == 0 and stripped.startswith("banner "):
                raw, index = _read_banner(line, lines, index)
                root.children.append(Node(stripped, raw=raw))
                stack = [(-1, root)]
                continue
            while stack[-1][0] >= indent:
                stack.pop()
            node = Node(stripped)
            stack[-1][1].children.append(node)
            stack.append((indent, node))
        return cls(root.children)

    def copy(self) -> ConfigTree:
        return ConfigTree([node.copy() for node in self.nodes])

    def render(self, hide: tuple[str, ...] = ()) -> str:
        """The config as ``show running-config`` prints it; top-level lines starting with one
        of ``hide`` are held but not shown (IOS's write-only lines)."""
        out: list[str] = []
        for node in self.nodes:
            if hide and node.text.startswith(hide):
                continue
            section = node.raw is not None or bool(node.children) or _is_header(node.text)
            if section and out and out[-1] != "!":
                out.append("!")
            if node.raw is not None:
                out.extend(node.raw)
            else:
                out.extend(_render_node(node, 0))
            if section:
                out.append("!")
        return "\n".join(out) + "\n" if out else ""

    def lines(self) -> Iterator[str]:
        yield from self.render().splitlines()

    def children_at(self, path: Sequence[str]) -> list[Node] | None:
        """The child list of the section at ``path`` (headers from the top), or None."""
        nodes = self.nodes
        for header in path:
            node = _find(nodes, header)
            if node is None:
                return None
            nodes = node.children
        return nodes

    def find(self, path: Sequence[str]) -> Node | None:
        if not path:
            return None
        siblings = self.children_at(path[:-1])
        return None if siblings is None else _find(siblings, path[-1])

    def hostname(self) -> str | None:
        for node in self.nodes:
            parts = words(node.text)
            if len(parts) == 2 and parts[0] == "hostname":
                return parts[1]
        return None

    def add(self, path: Sequence[str], line: str, header: bool = False) -> Node:
        """Apply ``line`` inside the section at ``path`` (which must exist).

        ``header`` marks a line that opens a section: it is found or appended, never replaces.
        """
        siblings = self.children_at(path)
        if siblings is None:
            raise KeyError(" / ".join(path))
        existing = _find(siblings, line)
        if existing is not None:
            return existing
        negated = _find(siblings, "no " + line)
        if negated is not None:
            siblings.remove(negated)
            if line in DEFAULT_ON and not (path and path[0].startswith(SHOWN_NEGATED.get(line, ()))):
                return negated
        key = None if header else single_key(line, nested=bool(path))
        if key is not None:
            for node in siblings:
                if node.raw is None and single_key(node.text, nested=bool(path)) == key:
                    node.text = line
                    return node
        if line.startswith("switchport trunk allowed vlan add "):
            return self._extend_allowed(siblings, line)
        node = Node(line)
        _insert(siblings, node, top_level=not path)
        return node

    def add_banner(self, raw: list[str]) -> None:
        kind = words(raw[0])[1]
        for position, node in enumerate(self.nodes):
            if node.raw is not None and words(node.text)[1:2] == [kind]:
                self.nodes[position] = Node(raw[0], raw=raw)
                return
        _insert(self.nodes, Node(raw[0], raw=raw))

    def remove(self, path: Sequence[str], negated: str) -> bool:
        """Apply ``no <negated>`` inside the section at ``path``; True if something changed."""
        siblings = self.children_at(path)
        if siblings is None:
            return False
        target = words(negated)
        if target[:1] == ["banner"] and len(target) >= 2:
            kept = [n for n in siblings if not (n.raw is not None and words(n.text)[1] == target[1])]
            changed = len(kept) != len(siblings)
            siblings[:] = kept
            return changed
        exact = [node for node in siblings if words(node.text) == target]
        if exact:
            siblings.remove(exact[0])
            joined = " ".join(target)
            if path and path[0].startswith(SHOWN_NEGATED.get(joined, ())):
                siblings.append(Node("no " + joined))
            return True
        if _remove_matching(siblings, target):
            return True
        if " ".join(target) in DEFAULT_ON:
            self.add(path, "no " + " ".join(target))
            return True
        return False

    def reset_section(self, path: Sequence[str]) -> bool:
        node = self.find(path)
        if node is None:
            return False
        node.children.clear()
        return True

    @staticmethod
    def _extend_allowed(siblings: list[Node], line: str) -> Node:
        extra = line.rsplit(maxsplit=1)[-1]
        for node in siblings:
            if node.text.startswith("switchport trunk allowed vlan "):
                node.text = f"{node.text},{extra}"
                return node
        node = Node(f"switchport trunk allowed vlan {extra}")
        _insert(siblings, node)
        return node


def _remove_matching(siblings: list[Node], target: list[str]) -> bool:
    """Remove the siblings whose words start with ``target`` or, failing that, those of the same
    :data:`SINGLE_VALUED_PATTERNS` object; True if any went."""
    gone = [n for n in siblings if words(n.text)[: len(target)] == target]
    if not gone:
        keyed = pattern_key(" ".join(target))
        gone = [n for n in siblings if keyed is not None and n.raw is None and pattern_key(n.text) == keyed]
    siblings[:] = [node for node in siblings if node not in gone]
    return bool(gone)


def _skip_line(stripped: str, indent: int) -> bool:
    if not stripped or stripped.startswith("!"):
        return True
    if indent == 0 and stripped == "end":
        return True
    return stripped.startswith(("Building configuration", "Current configuration"))


def _read_banner(first: str, lines: list[str], index: int) -> tuple[list[str], int]:
    parts = banner_parts(first.strip())
    raw = [first.strip()]
    if parts is None or parts[1] in parts[2]:
        return raw, index
    delim = parts[1]
    while index < len(lines):
        line = lines[index].rstrip("\r")
        index += 1
        raw.append(line)
        if delim in line:
            break
    return raw, index


def _render_node(node: Node, depth: int) -> list[str]:
    out = [" " * depth + node.text]
    for child in node.children:
        out.extend(_render_node(child, depth + 1))
    return out


def _is_header(text: str) -> bool:
    return section_mode(words(text), "config") is not None


def _find(nodes: list[Node], text: str) -> Node | None:
    target = words(text)
    for node in nodes:
        if node.text == text or words(node.text) == target:
            return node
    return None


def _insert(siblings: list[Node], node: Node, top_level: bool = False) -> None:
    """Place a new line after its closest relatives, the way IOS groups its output."""
    if node.text.startswith("description "):
        siblings.insert(0, node)
        return
    parts = words(node.text)
    for key in (group_key(node.text), tuple(parts[:1])):
        for position in range(len(siblings) - 1, -1, -1):
            if tuple(words(siblings[position].text)[: len(key)]) == key:
                siblings.insert(position + 1, node)
                return
    if top_level:
        for position, sibling in enumerate(siblings):
            if sibling.raw is not None or sibling.text.startswith("line "):
                siblings.insert(position, node)
                return
    siblings.append(node)


def canonical_config(text: str) -> str:
    """``text`` as the simulator would hold and print it (no header, no ``end``)."""
    return ConfigTree.parse(text).render()
