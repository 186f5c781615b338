"""IOS-XE configuration vocabulary the simulator knows: which lines open a sub-mode (and its
prompt name), which words are valid at the top level and inside the strict sub-modes, and how
interface names are expanded.

The simulator is deliberately permissive (any plausible line of the project's rendered configs
must apply) but not blind: a top-level line must start with a known keyword, and lines typed in
``interface``/``vlan``/``line`` mode must start with a word that is valid there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(text.split())


GLOBAL_KEYWORDS: frozenset[str] = _vocabulary(
    """
    aaa access-list access-session alias ap archive authentication auto avc banner bfd bfd-template boot
    call-home cdp chat-script class-map clock control-plane controller crypto default device-sensor
    device-tracking dialer dialer-list
    diagnostic dot1x enable energywise epm errdisable ethernet event fabric file flow hostname
    hw-module identity interface ip ipv6 key lacp license line lldp location logging login mab
    mac macro management memory monitor mls multilink netconf-yang network-policy nmsp no ntp
    object-group parameter-map password platform policy policy-map port-channel power process
    qos radius radius-server redundancy restconf rmon route-map router sampler security service
    service-template snmp snmp-server spanning-tree stack-mac subscriber switch system
    table-map tacacs tacacs-server telemetry template track transceiver udld username version
    vlan vrf vstack vtp wireless wlan wsma
    """
)

# Words valid as the first word of a line inside the strict sub-modes.
INTERFACE_WORDS: frozenset[str] = _vocabulary(
    """
    access-session arp authentication auto bandwidth bfd carrier-delay cdp channel-group
    channel-protocol crypto dampening delay description device-tracking dialer dialer-group
    dot1x duplex encapsulation errdisable flowcontrol hold-queue ip ipv6 keepalive lacp link
    lldp load-interval logging mab macro media-type mls mtu negotiation network-policy nmsp
    pagp power priority-queue ptp pulse-time qos queue-set service-policy shutdown small-frame
    snmp source spanning-tree speed srr-queue standby storm-control switchport trust tunnel
    udld vrf vrrp
    """
)
VLAN_WORDS: frozenset[str] = frozenset({"name", "state", "shutdown", "remote-span", "media"})
LINE_WORDS: frozenset[str] = _vocabulary(
    """
    access-class accounting authorization escape-character exec exec-timeout history ipv6
    length logging login logout-warning monitor password privilege session-timeout speed
    stopbits transport width
    """
)

# Second words of `ip ...` / `ipv6 ...` that belong to an interface; anything else is global.
INTERFACE_IP_WORDS: frozenset[str] = _vocabulary(
    """
    access-group address admission arp authentication dhcp device directed-broadcast flow
    helper-address igmp mask-reply mtu nat nbar ospf pim policy proxy-arp redirects route-cache
    summary-address tcp unnumbered unreachables verify virtual-reassembly vrf
    """
)
INTERFACE_IPV6_WORDS: frozenset[str] = _vocabulary(
    """
    address destination-guard dhcp enable mld mtu nd ospf pim snooping source-guard
    traffic-filter verify
    """
)
# Within `ip dhcp snooping X` / `ip arp inspection X`, the words that make it an interface line.
INTERFACE_SNOOPING_WORDS: frozenset[str] = frozenset({"trust", "limit"})

# Words a sub-mode claims even though they are also top-level keywords (so a non-indented
# `vlan 20` typed in a wireless policy profile stays in the profile, as on a real WLC). An entry
# of two words claims only lines starting with both (`logging enable` belongs to the archive's
# `log config`, `logging host` is still global).
CLAIMED_WORDS: dict[str, frozenset[str]] = {
    "config-wireless-policy": frozenset({"vlan", "description", "service-policy", "ipv4"}),
    "config-policy-tag": frozenset({"wlan", "description"}),
    "config-site-tag": frozenset({"ap-profile", "flex-profile", "description"}),
    "config-wlan": frozenset({"security", "radio", "description"}),
    "config-wireless-flex-profile": frozenset({"vlan-name", "description", "native-vlan-id"}),
    "config-ap-profile": frozenset({"description", "ssh", "mgmtuser", "ntp ip"}),
    "config-service-template": frozenset({"vlan", "description"}),
    "config-archive-log-cfg": frozenset({"logging enable", "logging size", "hidekeys", "notify"}),
    "config-ap-filter": frozenset({"ap", "tag"}),
    "config-sg-tacacs+": frozenset({"server", "ip"}),
    "config-sg-radius": frozenset({"server", "ip"}),
    "config-server-tacacs": frozenset({"address", "key", "timeout"}),
    "config-radius-server": frozenset({"address", "key", "timeout", "automate-tester"}),
    "config-pmap-c": frozenset({"police", "set", "priority", "bandwidth", "service-policy", "queue-limit"}),
    "config-router": frozenset({"network", "router-id", "neighbor", "redistribute", "bfd"}),
    "config-router-af": frozenset({"network", "neighbor", "redistribute"}),
    "config-route-map": frozenset({"match", "set", "description"}),
    "config-ip-sla-echo": frozenset({"vrf", "frequency", "threshold", "timeout"}),
    "config-ikev2-profile": frozenset({"match", "identity", "authentication", "keyring", "dpd", "lifetime", "aaa",
                                       "virtual-template"}),
    "config-ikev2-author-policy": frozenset({"aaa"}),
    "config-ikev2-name-mangler": frozenset({"fqdn", "email"}),
    "config-attr-list": frozenset({"attribute"}),
    "config-ikev2-keyring-peer": frozenset({"address", "identity", "pre-shared-key", "description"}),
    "config-ikev2-proposal": frozenset({"encryption", "integrity", "prf", "group"}),
    "config-ikev2-policy": frozenset({"proposal", "match"}),
    "cfg-crypto-trans": frozenset({"mode"}),
    "ipsec-profile": frozenset({"set"}),
    "config-controller": frozenset({"lte"}),
    "dhcp-config": frozenset({"network", "default-router", "dns-server", "domain-name"}),
}

# Lines that start with a word valid in a strict sub-mode but exist only at the top level: typed
# in the sub-mode, IOS runs them globally (`login block-for` in line mode, `authentication
# critical recovery delay` in interface mode).
GLOBAL_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {
        ("login", "block-for"),
        ("login", "quiet-mode"),
        ("login", "delay"),
        ("login", "on-failure"),
        ("login", "on-success"),
        ("authentication", "critical"),
        ("authentication", "mac-move"),
        ("dot1x", "critical"),
        ("dot1x", "system-auth-control"),
        ("errdisable", "recovery"),
        ("errdisable", "detect"),
        ("access-session", "mac-move"),
        ("logging", "host"),
        ("crypto", "ikev2"),
        ("crypto", "ipsec"),
        ("crypto", "pki"),
        ("crypto", "key"),
        ("bfd", "slow-timers"),
        ("dialer", "watch-list"),
    }
)

STRICT_MODES: dict[str, frozenset[str]] = {
    "config-if": INTERFACE_WORDS,
    "config-vlan": VLAN_WORDS,
    "config-line": LINE_WORDS,
}

_VLAN_LIST = re.compile(r"^\d[\d,\-]*$")

INTERFACE_PREFIXES: tuple[tuple[str, str], ...] = (
    # longest abbreviations first so "Te" is not read as "T..." of another family
    ("appgigabitethernet", "AppGigabitEthernet"),
    ("hundredgige", "HundredGigE"),
    ("fortygigabitethernet", "FortyGigabitEthernet"),
    ("twentyfivegige", "TwentyFiveGigE"),
    ("tengigabitethernet", "TenGigabitEthernet"),
    ("twogigabitethernet", "TwoGigabitEthernet"),
    ("fivegigabitethernet", "FiveGigabitEthernet"),
    ("gigabitethernet", "GigabitEthernet"),
    ("fastethernet", "FastEthernet"),
    ("port-channel", "Port-channel"),
    ("loopback", "Loopback"),
    ("vlan", "Vlan"),
    ("tunnel", "Tunnel"),
    ("cellular", "Cellular"),
    ("virtual-template", "Virtual-Template"),
    ("dialer", "Dialer"),
)
_ABBREVIATIONS: dict[str, str] = {
    "gi": "GigabitEthernet",
    "g": "GigabitEthernet",
    "te": "TenGigabitEthernet",
    "tw": "TwoGigabitEthernet",
    "twe": "TwentyFiveGigE",
    "fi": "FiveGigabitEthernet",
    "fo": "FortyGigabitEthernet",
    "hu": "HundredGigE",
    "fa": "FastEthernet",
    "po": "Port-channel",
    "lo": "Loopback",
    "vl": "Vlan",
    "tu": "Tunnel",
    "ap": "AppGigabitEthernet",
}
PHYSICAL_FAMILIES: frozenset[str] = frozenset(
    {
        "GigabitEthernet",
        "TenGigabitEthernet",
        "TwoGigabitEthernet",
        "FiveGigabitEthernet",
        "TwentyFiveGigE",
        "FortyGigabitEthernet",
        "HundredGigE",
        "FastEthernet",
        "AppGigabitEthernet",
        "Cellular",  # the router's LTE/5G modem: there when the module is fitted, never created
    }
)
_IFNAME = re.compile(r"^([A-Za-z\-]+)\s*(\d[\d/.:]*)$")


def normalize_interface(name: str) -> str | None:
    """Expand an interface name as IOS does (``Gi1/0/3`` → ``GigabitEthernet1/0/3``).

    Returns None when the name is not a recognisable interface.
    """
    match = _IFNAME.match(name.strip())
    if match is None:
        return None
    family, number = match.group(1).lower(), match.group(2)
    if family in _ABBREVIATIONS:
        return f"{_ABBREVIATIONS[family]}{number}"
    for full_lower, full in INTERFACE_PREFIXES:
        if full_lower.startswith(family):
            return f"{full}{number}"
    return None


def interface_family(name: str) -> str:
    match = _IFNAME.match(name)
    return match.group(1) if match else name


def section_mode(words: Sequence[str], parent_mode: str) -> str | None:
    """The sub-mode a config line opens, or None when it is a plain command.

    ``parent_mode`` is the mode the line is typed in (``config`` at the top level).
    """
    if not words:
        return None
    lowered = [word.lower() for word in words]
    if parent_mode == "config":
        return _top_section_mode(lowered)
    if len(lowered) < 2:
        return None
    first, second = lowered[0], lowered[1]
    special = {
        # `10 class always do-until-failure`
        "config-class-control-policymap": first.isdigit() and second == "class",
        "config-archive": (first, second) == ("log", "config"),
        # `police cir 2000000` without its actions asks for them
        "config-pmap-c": first == "police" and not _ACTIONS & set(lowered),
    }
    if special.get(parent_mode):
        return _SPECIAL_NESTED[parent_mode]
    return _NESTED.get((parent_mode, first))


_ACTIONS = frozenset({"conform-action", "exceed-action", "violate-action"})
_SPECIAL_NESTED: dict[str, str] = {
    "config-class-control-policymap": "config-action-control-policymap",
    "config-archive": "config-archive-log-cfg",
    "config-pmap-c": "config-pmap-c-police",
}
_NESTED: dict[tuple[str, str], str] = {
    ("config-pmap", "class"): "config-pmap-c",
    ("config-router", "address-family"): "config-router-af",
    ("config-ikev2-keyring", "peer"): "config-ikev2-keyring-peer",
    ("config-vrf", "address-family"): "config-vrf-af",
    ("config-wireless-flex-profile", "vlan-name"): "config-wireless-flex-profile-vlan",
    # IBNS 2.0: policy-map type control subscriber → event → numbered class → numbered actions
    ("config-event-control-policymap", "event"): "config-class-control-policymap",
}
# `<first> type <kind> ...` sections: (first, kind, subtype or "*") → mode.
_TYPED_SECTIONS: dict[tuple[str, str, str], str] = {
    ("class-map", "control", "subscriber"): "config-filter-control-classmap",
    ("policy-map", "control", "subscriber"): "config-event-control-policymap",
    ("class-map", "*", "*"): "config-cmap",
    ("policy-map", "*", "*"): "config-pmap",
}


_SINGLE_WORD_SECTIONS = frozenset({"redundancy", "control-plane", "archive", "call-home"})
_FIRST_WORD_SECTIONS: dict[str, str] = {
    "interface": "config-if",
    "line": "config-line",
    "router": "config-router",
    "class-map": "config-cmap",
    "policy-map": "config-pmap",
    "wlan": "config-wlan",
    "track": "config-track",
    "object-group": "config-object-group",
    "parameter-map": "config-params-parameter-map",
    "service-template": "config-service-template",
    "route-map": "config-route-map",
    "bfd-template": "config-bfd",
    "controller": "config-controller",
}
_PAIR_SECTIONS: dict[tuple[str, str], str] = {
    ("ipv6", "access-list"): "config-ipv6-acl",
    ("ip", "sla"): "config-ip-sla",
    ("ip", "vrf"): "config-vrf",
    ("vrf", "definition"): "config-vrf",
    ("ap", "profile"): "config-ap-profile",
    ("ap", "filter"): "config-ap-filter",
    ("tacacs", "server"): "config-server-tacacs",
    ("radius", "server"): "config-radius-server",
    ("key", "chain"): "config-keychain",
    ("network-policy", "profile"): "config-network-policy",
    ("device-tracking", "policy"): "config-device-tracking",
    ("flow", "record"): "config-flow-record",
    ("flow", "exporter"): "config-flow-exporter",
    ("flow", "monitor"): "config-flow-monitor",
}
# (first, second, third) → mode; "*" as third matches anything.
_TRIPLE_SECTIONS: dict[tuple[str, str, str], str] = {
    ("ip", "access-list", "standard"): "config-std-nacl",
    ("ip", "access-list", "extended"): "config-ext-nacl",
    ("ip", "access-list", "*"): "config-nacl",
    ("ip", "dhcp", "pool"): "dhcp-config",
    ("ipv6", "dhcp", "pool"): "config-dhcpv6",
    ("crypto", "pki", "trustpoint"): "ca-trustpoint",
    ("crypto", "ikev2", "proposal"): "config-ikev2-proposal",
    ("crypto", "ikev2", "policy"): "config-ikev2-policy",
    ("crypto", "ikev2", "keyring"): "config-ikev2-keyring",
    ("crypto", "ikev2", "profile"): "config-ikev2-profile",
    ("crypto", "ipsec", "transform-set"): "cfg-crypto-trans",
    ("crypto", "ipsec", "profile"): "ipsec-profile",
    ("crypto", "ikev2", "name-mangler"): "config-ikev2-name-mangler",
    ("crypto", "ikev2", "authorization"): "config-ikev2-author-policy",
    ("aaa", "attribute", "list"): "config-attr-list",
    ("event", "manager", "applet"): "config-applet",
    ("spanning-tree", "mst", "configuration"): "config-mst",
    ("aaa", "group", "server"): "config-sg-tacacs+",  # refined by aaa_group_mode
    ("aaa", "server", "radius"): "config-locsvr-da-radius",  # aaa server radius dynamic-author (CoA)
    ("wireless", "profile", "flex"): "config-wireless-flex-profile",
    ("wireless", "profile", "policy"): "config-wireless-policy",
    ("wireless", "profile", "*"): "config-wireless-profile",
    ("wireless", "tag", "site"): "config-site-tag",
    ("wireless", "tag", "policy"): "config-policy-tag",
    ("wireless", "tag", "*"): "config-tag",
}


def _top_section_mode(lowered: Sequence[str]) -> str | None:
    count = len(lowered)
    first, second, third = [*lowered, "", "", ""][:3]
    if count < 2:
        return "config-" + first if first in _SINGLE_WORD_SECTIONS else None
    if first == "interface" and second == "range":
        return "config-if-range"
    # `vlan 10` opens a VLAN, `vlan internal ...` does not; `ip sla 10` opens an operation,
    # `ip sla schedule|responder|...` are global lines
    if first == "vlan" or (first, second) == ("ip", "sla"):
        opens = _VLAN_LIST.match(second) if first == "vlan" else third.isdigit()
        return ("config-vlan" if first == "vlan" else "config-ip-sla") if opens else None
    if second == "type" and count > 2:
        subtype = lowered[3] if count > 3 else ""
        typed = _TYPED_SECTIONS.get((first, third, subtype)) or _TYPED_SECTIONS.get((first, "*", "*"))
        if typed is not None:
            return typed
    found = _FIRST_WORD_SECTIONS.get(first) or _PAIR_SECTIONS.get((first, second))
    if found is not None:
        return found
    return _TRIPLE_SECTIONS.get((first, second, third)) or (
        _TRIPLE_SECTIONS.get((first, second, "*")) if count > 2 else None
    )


# Lines that turn the section they are typed in into a more specific mode instead of opening one
# below it: an IP SLA operation's type. IOS shows the type's settings beside the type line
# (`ip sla 10` / ` icmp-echo X` / ` frequency 5`), typed in the type's mode, and `exit` from
# that mode returns to global configuration.
REFINING: dict[tuple[str, str], str] = {
    ("config-ip-sla", "icmp-echo"): "config-ip-sla-echo",
    ("config-ip-sla", "udp-jitter"): "config-ip-sla-jitter",
    ("config-ip-sla", "tcp-connect"): "config-ip-sla-tcp",
}


def refined_mode(words: Sequence[str], parent_mode: str) -> str | None:
    """The mode a line turns its section into (`REFINING`), or None."""
    return REFINING.get((parent_mode, words[0].lower())) if words else None


def aaa_group_mode(words: Sequence[str]) -> str:
    """`aaa group server radius X` → config-sg-radius, tacacs+ → config-sg-tacacs+."""
    kind = words[3].lower() if len(words) > 3 else "tacacs+"
    return "config-sg-radius" if kind == "radius" else "config-sg-tacacs+"


def generic_mode(words: Sequence[str]) -> str:
    """Mode name for a line that has children in the config but no entry in the table."""
    return "config-" + words[0].lower()


def mode_for(words: Sequence[str], parent_mode: str) -> str | None:
    mode = section_mode(words, parent_mode)
    if mode == "config-sg-tacacs+":
        return aaa_group_mode(words)
    return mode
