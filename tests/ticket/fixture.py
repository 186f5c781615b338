"""The ticket tests' estate: a 3-site dev inventory under tests/ (copied from the sample) and
running configs derived from its render with fixed edits, so the expected change is known:

- every core switch lacks the NTP server line (one change on 3 devices);
- every access switch has an old VTY block (two lines, one vty risk flag, on 4 devices);
- mps-0004-as01's BWV dock port sits in the data VLAN (a BWV-docks change at one site).
"""

from __future__ import annotations

from pathlib import Path

from estate.build.render import render_environment
from estate.build.validate import load_inventory

INVENTORY = Path(__file__).parent / "fixtures" / "inventory"
NTP = "ntp server 172.20.0.123 key 1\n"
VTY_NEW = ("line vty 0 4\n access-class MGMT-VTY in vrf-also\n exec-timeout 10 0\n logging synchronous\n"
           " transport input ssh\n")
VTY_OLD = ("line vty 0 4\n access-class MGMT-VTY in vrf-also\n exec-timeout 30 0\n logging synchronous\n"
           " transport input telnet ssh\n")
DOCK_NEW = "interface GigabitEthernet1/0/5\n description BWV dock 06\n switchport access vlan 50\n"
DOCK_OLD = "interface GigabitEthernet1/0/5\n description BWV dock 06\n switchport access vlan 20\n"


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, f"the fixture's edit no longer applies: {old!r}"
    return text.replace(old, new, 1)


def running_folder(folder: Path) -> Path:
    """Write every dev device's running config (the WLC whole) under `folder`."""
    inventory = load_inventory(INVENTORY)
    wlc: dict[str, list[str]] = {}
    for artifact in render_environment(inventory, "dev"):
        text = artifact.text
        if artifact.role.value.startswith("wlc"):
            wlc.setdefault(artifact.hostname, []).append(text)
            continue
        core = artifact.hostname.endswith("-cs01")
        text = _edit(text, NTP, "") if core else _edit(text, VTY_NEW, VTY_OLD)
        if artifact.hostname == "mps-0004-as01":
            text = _edit(text, DOCK_NEW, DOCK_OLD)
        (folder / f"{artifact.hostname}.cfg").write_text(text, encoding="utf-8")
    for hostname, parts in wlc.items():
        (folder / f"{hostname}.cfg").write_text("".join(parts), encoding="utf-8")
    return folder
