"""Risk flags on a remediation: lines that can cut management access or service.

A flag tells the reviewer (and the change board) where to look; a push of a flagged plan needs
the flag's kind accepted explicitly. Rules read the push lines with their section, so
`shutdown` under the management SVI is flagged and the same word under an edge port is not.
`management-path` marks a removal of a management-path line (`estate.change.rules`) that the
change does not replace: the device could be left unreachable, so it is never implied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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
    LARGE_CHANGE = "large-change"


@dataclass(frozen=True, slots=True)
class Risk:
    kind: RiskKind
    line: str  # the flagged line with its section, e.g. "interface Vlan10 / shutdown"

    def __str__(self) -> str:
        return f"{self.kind}: {self.line}"


@dataclass(frozen=True, slots=True)
class RiskSettings:
    management_vlan: int | None = None
    large_change_lines: int = 150  # added + removed lines above which a change is "large"


_AAA = re.compile(r"^(no )?(aaa |tacacs|radius|ip tacacs|ip radius|username |enable secret|enable password)")
_VRF_DEFAULT = re.compile(r"ip route vrf \S+ 0\.0\.0\.0 0\.0\.0\.0 ")
_CHANNEL = re.compile(r"^(no )?(channel-group|switchport mode trunk|switchport trunk )")


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


def assess(
    remediation: Iterable[str],
    added: int,
    removed: int,
    settings: RiskSettings,
    uplinks: set[str] | None = None,
) -> tuple[Risk, ...]:
    """Every risky line of a remediation (in push order), plus a large-change flag."""
    uplinks = uplinks or set()
    lines = list(_sections(remediation))
    replaced = _management_additions(lines, settings.management_vlan)
    risks: list[Risk] = []
    for section, line in lines:
        kind = _classify(section, line, settings.management_vlan, uplinks)
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


def _classify(section: str, line: str, mgmt: int | None, uplinks: set[str]) -> RiskKind | None:
    header = section or line
    bare = line.removeprefix("no ").removeprefix("default ")
    management = {f"interface Vlan{mgmt}", f"vlan {mgmt}"} if mgmt is not None else set()
    # first match wins: the order puts what cuts access before what degrades service
    rules = (
        (RiskKind.MANAGEMENT, header in management or bare in management
         or bare.startswith(("ip default-gateway ", "ip route 0.0.0.0 0.0.0.0 ")) or bool(_VRF_DEFAULT.match(bare))),
        (RiskKind.VLAN_REMOVAL, line.startswith("no vlan ")),
        (RiskKind.STP_MODE, bare.startswith("spanning-tree mode")),
        (RiskKind.UPLINK, header.startswith("interface Port-channel") or header in uplinks
         or (section.startswith("interface ") and bool(_CHANNEL.match(line)))),
        (RiskKind.VTY, header.startswith(("line vty", "line con"))),
        (RiskKind.AAA, bool(_AAA.match(header))),
    )
    return next((kind for kind, hit in rules if hit), None)
