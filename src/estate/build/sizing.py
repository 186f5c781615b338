"""How much switching a site needs: edge ports by kind, and the switches that carry them.

The rule (documented in the README):
- a phone's port also carries the desk PC behind it, so only desktops beyond the phone count
  need ports of their own;
- each access switch keeps `spare_ratio` of its ports free for growth and moves;
- small sites (everything fits one switch) get a Catalyst 9300 core that also carries users;
  medium sites a 9300 core with users plus up to three access switches on its uplink module;
  larger sites a 9500 core with every user on access switches (up to 23 port-channels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from estate.inventory.models import Site, Switching

SMALL_CORE_MAX_ACCESS = 3
LARGE_CORE_MAX_ACCESS = 23


class CoreSize(StrEnum):
    SMALL = "small"
    LARGE = "large"


class EdgeKind(StrEnum):
    AP = "ap"
    BWV_DOCK = "bwv_dock"
    PRINTER = "printer"
    PHONE = "phone"
    DESKTOP = "desktop"


@dataclass(frozen=True, slots=True)
class SitePlan:
    edge: dict[EdgeKind, int]
    core: CoreSize
    access_switches: int
    usable_per_switch: int

    @property
    def edge_ports(self) -> int:
        return sum(self.edge.values())

    @property
    def switches(self) -> int:
        return 1 + self.access_switches


class SizingError(ValueError):
    pass


def edge_ports(site: Site) -> dict[EdgeKind, int]:
    return {
        EdgeKind.AP: site.aps,
        EdgeKind.BWV_DOCK: site.bwv_docks,
        EdgeKind.PRINTER: site.printers,
        EdgeKind.PHONE: site.phones,
        EdgeKind.DESKTOP: max(0, site.desktops - site.phones),
    }


def plan_site(site: Site, switching: Switching) -> SitePlan:
    edge = edge_ports(site)
    total = sum(edge.values())
    usable = math.floor(switching.access_ports * (1 - switching.spare_ratio))
    if total <= usable * (1 + SMALL_CORE_MAX_ACCESS):
        access = math.ceil(max(0, total - usable) / usable)
        return SitePlan(edge, CoreSize.SMALL, access, usable)
    access = math.ceil(total / usable)
    if access > LARGE_CORE_MAX_ACCESS:
        raise SizingError(
            f"{total} edge ports need {access} access switches of {usable} usable ports; "
            f"the core can uplink at most {LARGE_CORE_MAX_ACCESS}"
        )
    return SitePlan(edge, CoreSize.LARGE, access, usable)
