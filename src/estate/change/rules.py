"""Line rules as data: what estate never negates, which lines carry the management path while a
change is going in, which lines a device shows in another form (encrypted secrets), and which
it never shows at all (write-only). hier_config keeps its driver's rules the same way.

A rule is (kind, pattern, reason). A pattern is a regular expression that must match a line's
whole *path*: the section lines above it and the line itself, joined by " / " (`line vty 0 4 /
transport input ssh`). `{mgmt}` in a pattern stands for the management VLAN (any VLAN when it is
not known). `apply_rules` applies the table to a running/intended pair before hier_config
compares them, so remediation, rollback and the convergence checks all see the same rules:

- never-remove: a line the running config has and the intended lacks is kept (copied into the
  intended) instead of negated; the same for the rollback. Reported as `KeptLine`s.
- presence: an intended line in clear-text form (`key 0 ${TACACS_KEY}`) is satisfied by the
  running line with the same identity in any stored form (`key 6 <ciphertext>`; an NTP key as
  `<ciphertext> 7`, an AP management user as `password 8 <hash> secret 8 <hash>`). A masked
  value (`<secret>`, what a backup holds where it could not keep the device's form) is
  satisfied the same way: there is nothing to put back.
- write-only: an intended line the device never shows (`snmp-server user`) counts as present
  when the object it belongs to (its anchor, e.g. the SNMP group) is there; it is never removed
  by a rollback, which cannot know its previous value.
- management-path: negations are ordered after every addition (`order_management_last`), and
  `estate.change.risk` flags one that has no replacement in the change.

Rotating a secret is explicit: lines carrying a rotated placeholder bypass the presence and
write-only rules and are sent even when the device already has them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from hier_config import HConfig, HConfigChild

from estate.secrets import MASK

__all__ = [
    "IDEMPOTENT",
    "IDEMPOTENT_NESTED",
    "IDEMPOTENT_NESTED_REGEX",
    "IDEMPOTENT_REGEX",
    "RULES",
    "SHOWN_BOTH_WAYS",
    "KeptLine",
    "LineRule",
    "RuleAdjusted",
    "RuleKind",
    "apply_rules",
    "keep_shown_forms",
    "management_key",
    "matching_rule",
    "order_management_last",
    "path_text",
]

SEPARATOR = " / "
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
_LAST = 500  # above every ordering weight hier_config's IOS driver uses (200 at most)


class RuleKind(StrEnum):
    NEVER_REMOVE = "never-remove"
    MANAGEMENT_PATH = "management-path"
    PRESENCE = "presence"
    WRITE_ONLY = "write-only"


@dataclass(frozen=True, slots=True)
class LineRule:
    kind: RuleKind
    pattern: str  # fullmatch on the line's path; named groups: id, type, secret, scope, ...
    reason: str
    anchor: str | None = None  # write-only: a top-level running line (regex; {group} fills in) proving the object
    group: str | None = None  # management path: lines of one group (and scope) replace each other


def _never(pattern: str, reason: str) -> LineRule:
    return LineRule(RuleKind.NEVER_REMOVE, pattern, reason)


def _mgmt(group: str, pattern: str, reason: str) -> LineRule:
    return LineRule(RuleKind.MANAGEMENT_PATH, pattern, reason, group=group)


_ENCRYPTED = ("the device stores the key encrypted (type 6 with `password encryption aes`, else 7) and shows a "
              "ciphertext that differs per device")

RULES: tuple[LineRule, ...] = (
    _never(r"vlan 1", "VLAN 1 is the default VLAN: IOS refuses to delete it and the apply would stop there"),
    _never(r"vlan 100[2-5]", "VLANs 1002-1005 are IOS defaults that cannot be deleted"),
    _never(r"interface Vlan1", "interface Vlan1 always exists on a switch: shut it, never delete it"),
    _never(r"interface GigabitEthernet0/0", "the out-of-band management port: defaulting it drops its VRF and address"),
    _never(r"vrf definition Mgmt-vrf", "the built-in VRF of the out-of-band management port"),
    _never(r"crypto pki (trustpoint|certificate chain) (TP-self-signed-\d+|SLA-TrustPoint)",
           "a trustpoint the device made or shipped with (self-signed HTTPS certificate, licensing)"),
    _never(r"license .+", "licensing belongs to the device's entitlement, not to estate"),
    _never(r"version .+", "the software version line is the device's own"),
    _never(r"boot-start-marker|boot-end-marker|boot .+", "the boot image and its markers are the device's own"),
    _never(r"switch \d+ provision .+", "stack member provisioning follows the hardware"),
    _never(r"aaa new-model", "turning AAA off mid-change changes how this very session logs in"),
    _never(r"aaa session-id common", "an IOS-XE default under aaa new-model"),
    _never(r"enable secret .+", "without it privileged EXEC cannot be reached over SSH"),
    _never(r"key config-key .+", "the master key of type-6 secrets: without it every encrypted key is unreadable"),
    _never(r"password encryption aes", "type-6 encryption of the shared keys that estate renders in clear text"),
    _never(r"archive", "the revert timer needs the archive: removing it disables lock-out protection"),
    _never(r"line con 0|line vty 0 4", "IOS cannot delete the console or the first five VTY lines"),
    _never(r"service call-home|call-home", "IOS-XE default (Smart Licensing reporting)"),
    _never(r"control-plane|redundancy|spanning-tree extend system-id|diagnostic bootup level \S+"
           r"|transceiver type all|memory free low-watermark processor \d+", "an IOS-XE default object"),
    _never(r"(wireless (profile|tag) \S+|ap profile) default-\S+", "a Catalyst 9800 default object: it cannot go"),
    _never(r"parameter-map type webauth global", "the Catalyst 9800's global web-auth parameter map cannot be deleted"),
    _mgmt("address", r"interface Vlan{mgmt}( / ip address .+)?", "the management SVI and its address"),
    _mgmt("default-route", r"ip default-gateway \S+", "the management default gateway"),
    _mgmt("default-route", r"ip route (?P<scope>vrf \S+ )?0\.0\.0\.0 0\.0\.0\.0 .+", "the default route"),
    _mgmt("vty-access", r"(?P<scope>line vty \d+(?: \d+)?) / (ipv6 )?access-class .+", "who may reach the VTY lines"),
    _mgmt("vty-transport", r"(?P<scope>line vty \d+(?: \d+)?) / transport input .+", "how the VTY lines are reached"),
    LineRule(RuleKind.PRESENCE, r"(tacacs|radius) server \S+ / (?P<id>key) (?P<type>[0-9]) (?P<secret>\S+)",
             _ENCRYPTED),
    LineRule(RuleKind.PRESENCE, r"aaa server radius dynamic-author / (?P<id>client \S+(?: vrf \S+)? server-key) "
             r"(?P<type>[0-9]) (?P<secret>\S+)", _ENCRYPTED),
    LineRule(RuleKind.PRESENCE, r"(?P<id>ntp authentication-key \d+ \S+) (?P<secret>\S+)(?: (?P<type>[0-9]))?",
             "IOS stores an NTP key encrypted and shows it type 7 (`<ciphertext> 7`), whatever form it was typed in"),
    LineRule(RuleKind.PRESENCE, r"ap profile \S+ / (?P<id>mgmtuser username \S+) password (?P<type>[0-9]) "
             r"(?P<secret>\S+)(?: .+)?",
             "the Catalyst 9800 stores the AP management user's password and secret hashed (type 8), salted per "
             "device"),
    LineRule(RuleKind.PRESENCE, r"crypto ikev2 keyring \S+ / peer \S+ / (?P<id>pre-shared-key(?: local| remote)?) "
             r"(?:(?P<type>[0-9]) )?(?P<secret>\S+)",
             "IOS stores an IKEv2 pre-shared key encrypted (type 6 with `password encryption aes`) and shows a "
             "ciphertext that differs per device"),
    LineRule(RuleKind.WRITE_ONLY, r"(?P<id>snmp-server user \S+ (?P<group>\S+)) .+",
             "IOS never shows SNMPv3 users in the running config", anchor=r"snmp-server group {group} .*"),
    LineRule(RuleKind.WRITE_ONLY, r"(?P<id>key config-key password-encrypt)( .+)?", "the master key is never shown"),
)

# One value per section on IOS-XE: a new value replaces the old one, so the remediation sets the
# new value without negating the old (that is what the device does, and what `future` must
# predict). Keyed by the section the command lives in ("" = global); a regex (with groups that
# name the object) where one section holds one value per object.
IDEMPOTENT: dict[str, tuple[str, ...]] = {
    "": (
        "hostname ", "ip domain name ", "ip domain-name ", "ip default-gateway ", "spanning-tree mode ",
        "vtp mode ", "vtp domain ", "vtp version ", "snmp-server location ", "snmp-server contact ",
        "snmp-server trap-source ", "logging source-interface ", "logging buffered ", "logging trap ",
        "ntp source ", "clock timezone ", "clock summer-time ", "ip ssh version ", "ip ssh time-out ",
        "ip ssh authentication-retries ", "ip tacacs source-interface ", "ip radius source-interface ",
        "enable secret ", "banner motd ", "banner login ", "banner exec ",
    ),
    "interface ": (
        "switchport access vlan ", "switchport voice vlan ", "switchport trunk native vlan ",
        "switchport trunk allowed vlan ", "channel-group ", "speed ", "duplex ", "mtu ", "power inline ",
        "load-interval ", "authentication port-control ", "storm-control action ",
        "service-policy input ", "service-policy output ", "service-policy type control subscriber ",
        # a router's interfaces: BFD timers, tunnel ends and sizes are one value each
        "bfd interval ", "ip mtu ", "ip tcp adjust-mss ", "tunnel source ", "tunnel destination ",
        "tunnel mode ", "tunnel protection ", "bandwidth ",
    ),
    "router bgp ": ("bgp router-id ",),
    "route-map ": ("set local-preference ", "set as-path prepend ", "set metric "),
    "track ": ("delay ",),
    "ip sla ": ("frequency ", "threshold ", "timeout "),
    "crypto ikev2 proposal ": ("encryption ", "integrity ", "prf ", "group "),
    "crypto ikev2 profile ": ("dpd ", "identity local ", "keyring local ", "lifetime "),
    "crypto ipsec profile ": ("set transform-set ", "set pfs ", "set ikev2-profile ", "set security-association "),
    "line ": ("exec-timeout ", "session-timeout ", "transport input ", "transport output ", "login authentication "),
    # a shared key: `key 0 NEW` replaces `key 6 <old ciphertext>` (a rotation, or a restore)
    "tacacs server ": ("key ",),
    "radius server ": ("key ", "automate-tester "),
    # one AP management user per AP profile (a rotation replaces the device's type-8 hashes)
    "ap profile ": ("mgmtuser ", "capwap backup primary ", "capwap backup secondary "),
    # a C9800 WLAN or policy profile is created shut: `no shutdown` replaces `shutdown` (and back)
    "wlan ": ("shutdown",),
    "wireless profile policy ": ("shutdown",),
}
# Settings a device shows in both forms in these sections (a C9800 WLAN or policy profile is
# created shut: `shutdown` and `no shutdown` both stay in the running config). hier_config's
# `future` drops a negation together with the line it negates, and a line together with its
# shown negation; the form typed last is put back, so that enabling or disabling one converges.
SHOWN_BOTH_WAYS: dict[str, tuple[str, ...]] = {
    "wlan ": ("shutdown",),
    "wireless profile policy ": ("shutdown",),
}

# The same for settings deeper than one section: (section, sub-section, ..., command) prefixes.
IDEMPOTENT_NESTED: tuple[tuple[str, ...], ...] = (
    # one pre-shared key per keyring peer (direction-specific keys replace their own direction)
    ("crypto ikev2 keyring ", "peer ", "pre-shared-key local "),
    ("crypto ikev2 keyring ", "peer ", "pre-shared-key remote "),
    ("crypto ikev2 keyring ", "peer ", "address "),
    # a shaper's rate and a class's share: the WAN's QoS follows the circuit
    ("policy-map ", "class ", "shape average "),
    ("policy-map ", "class ", "bandwidth remaining percent "),
)
# ... and with a regex for the command (groups name the object it is one value of)
IDEMPOTENT_NESTED_REGEX: tuple[tuple[str, ...], ...] = (
    ("crypto ikev2 keyring ", "peer ", r"^pre-shared-key (?!local |remote )"),
    ("router bgp ", "address-family ", r"^neighbor (\S+) maximum-prefix "),
)

IDEMPOTENT_REGEX: dict[str, tuple[str, ...]] = {
    # one entry per NTP server (`ntp server X key 1` replaces `ntp server X`) and per NTP key
    # number (a rotated key replaces the device's type-7 form of the old one)
    "": (r"^ntp server ((?:vrf \S+ )?\S+)(?: |$)", r"^ntp authentication-key (\d+) "),
    "aaa server radius dynamic-author": (r"^client (\S+(?: vrf \S+)?) server-key ",),
    # one value per BGP neighbour: a new ASN or description replaces the old (no session removal)
    "router bgp ": (r"^neighbor (\S+) remote-as ", r"^neighbor (\S+) description "),
}


@dataclass(frozen=True, slots=True)
class KeptLine:
    """A negation estate did not propose: the line stays as the device (or the intended) has it."""

    line: str  # the line's path
    reason: str
    rollback: bool = False  # kept out of the rollback (else out of the remediation)

    def __str__(self) -> str:
        where = " (rollback)" if self.rollback else ""
        return f"kept: never removed{where}: {self.line} ({self.reason})"


@lru_cache(maxsize=64)
def _compiled(kind: RuleKind, management_vlan: int | None) -> tuple[tuple[LineRule, re.Pattern[str]], ...]:
    mgmt = str(management_vlan) if management_vlan is not None else r"\d+"
    return tuple((rule, re.compile(rule.pattern.replace("{mgmt}", mgmt)))
                 for rule in RULES if rule.kind is kind)


def matching_rule(kind: RuleKind, path: str,
                  management_vlan: int | None = None) -> tuple[LineRule, re.Match[str]] | None:
    """The first rule of `kind` whose pattern matches the whole path, with its match."""
    for rule, pattern in _compiled(kind, management_vlan):
        if found := pattern.fullmatch(path):
            return rule, found
    return None


def path_text(node: HConfigChild) -> str:
    return SEPARATOR.join(node.path())


def management_key(path: str, management_vlan: int | None = None) -> str | None:
    """The replacement group of a management-path line (`default-route|vrf Mgmt-vrf`), or None.
    A negated line is looked up without its `no `."""
    last = path.rsplit(SEPARATOR, 1)
    last[-1] = last[-1].removeprefix("no ")
    hit = matching_rule(RuleKind.MANAGEMENT_PATH, SEPARATOR.join(last), management_vlan)
    if hit is None:
        return None
    rule, found = hit
    scope = (found.groupdict().get("scope") or "").strip()
    return f"{rule.group}|{scope}"


def _is_negation(node: HConfigChild) -> bool:
    return node.text.startswith(("no ", "default "))


def order_management_last(config: HConfig) -> None:
    """Put every negation of a management-path line after the additions (the new route, address
    or VTY access is in before the old one goes), by raising its order weight and its
    sections'. Leaves are what a change adds or removes; section headers only carry them."""
    for node in config.all_children():
        if node.children or not _is_negation(node) or management_key(path_text(node)) is None:
            continue
        for step in node.lineage():
            step.order_weight = max(step.order_weight, _LAST)


def keep_shown_forms(future: HConfig, change: HConfig) -> HConfig:
    """`future` (a config after `change`) with the form of each :data:`SHOWN_BOTH_WAYS` setting
    that `change` typed in place of the other one; returns `future`."""
    for section in change.children:
        shown = next((lines for parent, lines in SHOWN_BOTH_WAYS.items() if section.text.startswith(parent)), ())
        for child in section.children:
            setting = child.text.removeprefix("no ")
            if setting not in shown:
                continue
            target = future.children.get(section.text) or future.add_child(section.text)
            other = setting if child.text.startswith("no ") else f"no {setting}"
            if (stale := target.children.get(other)) is not None:
                stale.delete()
            if target.children.get(child.text) is None:
                target.add_child(child.text)
    return future


@dataclass
class RuleAdjusted:
    """A config pair after the rules: compare `running` with `intended` for the remediation,
    `intended` with `rollback_target` for the rollback."""

    running: HConfig
    intended: HConfig
    rollback_target: HConfig
    kept: list[KeptLine] = field(default_factory=list)
    resend: list[HConfigChild] = field(default_factory=list)  # intended lines of a rotated secret already present


def _find(root: HConfig, texts: Iterable[str]) -> HConfig | HConfigChild | None:
    node: HConfig | HConfigChild | None = root
    for text in texts:
        if node is None:
            return None
        node = node.children.get(text)
    return node


def _identity(node: HConfigChild, rule: LineRule) -> str | None:
    hit = matching_rule(rule.kind, path_text(node))
    if hit is None or hit[0] is not rule:
        return None
    return hit[1].group("id")


def _anchored(rule: LineRule, found: re.Match[str], running: HConfig) -> bool:
    if rule.anchor is None:
        return True
    values = {k: re.escape(v) for k, v in found.groupdict().items() if v is not None}
    anchor = re.compile(re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), rule.anchor))
    return any(anchor.fullmatch(child.text) for child in running.children)


@lru_cache(maxsize=8)
def _leaf_hint(kinds: tuple[RuleKind, ...]) -> re.Pattern[str]:
    """One regex for the last path segment of every rule of `kinds`: most lines of a config are
    ruled out by it without building their path."""
    segments = {re.sub(r"\(\?P<\w+>", "(?:", rule.pattern.rsplit(SEPARATOR, 1)[-1])
                for rule in RULES if rule.kind in kinds}
    return re.compile("|".join(f"(?:{segment})" for segment in sorted(segments)))


def _secret_lines(intended: HConfig) -> Iterator[tuple[HConfigChild, LineRule, re.Match[str]]]:
    hint = _leaf_hint((RuleKind.PRESENCE, RuleKind.WRITE_ONLY))
    for node in intended.all_children():
        if node.children or not hint.fullmatch(node.text):
            continue
        path = path_text(node)
        hit = matching_rule(RuleKind.PRESENCE, path) or matching_rule(RuleKind.WRITE_ONLY, path)
        if hit is not None:
            yield node, *hit


def _clear_form(rule: LineRule, found: re.Match[str]) -> bool:
    """Presence applies to a key the device will encrypt: type 0, or a placeholder. An intended
    ciphertext (a backup being restored) is compared as text, so a restore puts it back; a
    masked value (a backup could not keep a clear-text or type-7 value) is satisfied by any
    value the device holds, since there is nothing to put back."""
    if rule.kind is RuleKind.WRITE_ONLY:
        return True
    groups = found.groupdict()
    secret = groups.get("secret") or ""
    return groups.get("type") == "0" or bool(_PLACEHOLDER.fullmatch(secret)) or secret == MASK


def _absent(source: HConfig | HConfigChild, target: HConfig | HConfigChild,
            deep: bool) -> Iterator[tuple[HConfigChild, HConfig | HConfigChild]]:
    """(source child, target section) for each source line the target lacks; with `deep`, also
    inside the sections both have."""
    for child in source.children:
        other = target.children.get(child.text)
        if other is None:
            yield child, target
        elif deep and child.children:
            yield from _absent(child, other, deep)


def _never_removed(source: HConfig, target: HConfig) -> Iterator[tuple[HConfigChild, HConfig | HConfigChild, str]]:
    """(source line, target section, reason) for each never-remove line of `source` that
    hier_config would negate to reach `target` (not one an idempotent target line replaces)."""
    deep = any(SEPARATOR in rule.pattern for rule in RULES if rule.kind is RuleKind.NEVER_REMOVE)
    for child, section in list(_absent(source, target, deep)):
        hit = matching_rule(RuleKind.NEVER_REMOVE, path_text(child))
        if hit is not None and not child.is_idempotent_command(section.children):
            yield child, section, hit[0].reason


def _secret_rules(adjusted: RuleAdjusted, rotate: frozenset[str]) -> list[tuple[HConfigChild, str]]:
    """Presence and write-only lines: make the running side satisfy them (changing the running
    tree), note rotated lines to re-send; returns the intended lines a rollback must keep."""
    running, keep = adjusted.running, []
    for node, rule, found in _secret_lines(adjusted.intended):
        section = _find(running, tuple(node.path())[:-1])
        if section is None:  # a new section: its lines are added with it
            continue
        first_word = found.group("id").split(" ", 1)[0]
        same = next((c for c in section.children
                     if c.text.startswith(first_word) and _identity(c, rule) == found.group("id")), None)
        write_only_present = same is None and rule.kind is RuleKind.WRITE_ONLY and _anchored(rule, found, running)
        if set(_PLACEHOLDER.findall(node.text)) & rotate:
            if section.children.get(node.text) is not None:
                adjusted.resend.append(node)
            elif write_only_present:
                keep.append((node, rule.reason + "; its previous value cannot be restored"))
        elif same is not None and _clear_form(rule, found):
            if same.text != node.text:
                same.text = node.text
        elif write_only_present:
            section.add_child(node.text)
    return keep


def apply_rules(running: HConfig, intended: HConfig, rotate: frozenset[str] = frozenset()) -> RuleAdjusted:
    """Apply the rule table to a parsed pair (both trees are changed in place and returned)."""
    adjusted = RuleAdjusted(running, intended, running)
    keep = _secret_rules(adjusted, rotate)
    for child, section, reason in list(_never_removed(running, intended)):
        section.add_deep_copy_of(child)
        adjusted.kept.append(KeptLine(path_text(child), reason))
    keep.extend((child, reason) for child, _section, reason in _never_removed(intended, running))
    if keep:
        target = running.deep_copy()
        for child, reason in keep:
            base: HConfig | HConfigChild = target
            for text in tuple(child.path())[:-1]:
                base = base.children.get(text) or base.add_child(text)
            base.add_deep_copy_of(child)
            adjusted.kept.append(KeptLine(path_text(child), reason, rollback=True))
        adjusted.rollback_target = target
    return adjusted
