"""The device model: switch counts, port maps and port-channels derived from a site's counts."""

from __future__ import annotations

import math

import pytest

from estate.build.device_model import PORT_LAYOUTS, PortKind, Role, SiteModel, build_site
from estate.build.sizing import CoreSize, EdgeKind, plan_site
from estate.inventory.inventory import Inventory

EDGE = {PortKind.AP, PortKind.BWV_DOCK, PortKind.PRINTER, PortKind.PHONE, PortKind.DESKTOP}


@pytest.fixture(scope="module")
def prod_models(sample_inventory: Inventory) -> list[SiteModel]:
    return [build_site(sample_inventory, "prod", s) for s in sample_inventory.env_sites("prod")]


def test_every_port_of_every_switch_is_modelled_once(prod_models: list[SiteModel]) -> None:
    for model in prod_models:
        for switch in model.switches:
            names = [p.name for p in switch.ports]
            assert names == list(PORT_LAYOUTS[switch.model].all_ports), switch.hostname


def test_edge_ports_match_the_counts_and_keep_spare(prod_models: list[SiteModel], sample_inventory: Inventory) -> None:
    usable = math.floor(48 * (1 - sample_inventory.estate.switching.spare_ratio))
    for model in prod_models:
        site = model.site
        counts = dict.fromkeys(EDGE, 0)
        for switch in model.switches:
            edge = [p for p in switch.ports if p.kind in EDGE]
            assert len(edge) <= usable, f"{switch.hostname} has no spare ports"
            for port in edge:
                counts[port.kind] += 1
        assert counts[PortKind.PHONE] == site.phones
        assert counts[PortKind.AP] == site.aps
        assert counts[PortKind.BWV_DOCK] == site.bwv_docks
        assert counts[PortKind.PRINTER] == site.printers
        assert counts[PortKind.DESKTOP] == max(0, site.desktops - site.phones)


def test_uplinks_pair_up_as_lacp_port_channels(prod_models: list[SiteModel]) -> None:
    for model in prod_models:
        core_channels = {pc.peer: pc for pc in model.core.port_channels}
        assert len(core_channels) == len(model.access)
        for access in model.access:
            assert access.role is Role.ACCESS
            (uplink,) = access.port_channels
            assert uplink.peer == model.core.hostname
            assert len(uplink.members) == 2
            assert len(core_channels[access.hostname].members) == 2
        assert len(model.core.ports_of(PortKind.WAN)) == 1


def test_small_sites_are_one_switch_and_large_sites_keep_users_off_the_core(sample_inventory: Inventory) -> None:
    switching = sample_inventory.estate.switching
    offices = [s for s in sample_inventory.sites.values() if s.kind == "neighbourhood_office"]
    assert all(plan_site(s, switching).switches == 1 for s in offices)
    hq = build_site(sample_inventory, "prod", sample_inventory.sites["MPS-0001"])
    assert hq.plan.core is CoreSize.LARGE
    assert not [p for p in hq.core.ports if p.kind in EDGE]


def test_aps_are_spread_across_switches(sample_inventory: Inventory) -> None:
    model = build_site(sample_inventory, "prod", sample_inventory.sites["MPS-0001"])
    per_switch = [len(s.ports_of(PortKind.AP)) for s in model.access]
    assert max(per_switch) - min(per_switch) <= 1
    assert model.wlc is not None
    assert len(model.wlc.aps) == model.plan.edge[EdgeKind.AP]
    assert all(ap.name.startswith("MPS-0001-AP") for ap in model.wlc.aps)


def test_guest_follows_kind_unless_overridden(sample_inventory: Inventory) -> None:
    station = next(s for s in sample_inventory.sites.values() if s.kind == "police_station")
    assert sample_inventory.has_guest(station)
    assert not sample_inventory.has_guest(sample_inventory.sites["MPS-0001"])  # sites/MPS-0001.yaml
    office = sample_inventory.sites["MPS-0005"]
    model = build_site(sample_inventory, "prod", office)
    assert model.wlc is not None
    assert [w.name for w in model.wlc.wlans] == ["MPS-CORP"]
