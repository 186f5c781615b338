"""The rules of the site design, each broken once in a copy of the test inventory: the VLAN plan
(roles, one access VLAN per edge port kind, known site kinds), SSIDs and the guest anchor, WLC
models and units, switch models' PoE figures, and the derived rules (PoE per switch, voice
peak within the priority share). Each test finds its problem by where it points and what it
says; `error_cases.yaml` holds the whole reports of some of them as goldens."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.build.capacity import CapacitySettings, priority_kbps, site_capacity
from estate.build.design_checks import poe_problems, voice_problems
from estate.build.device_model import EDGE_KINDS, build_site
from estate.build.poe import draw, usable_budget
from estate.build.validate import load_inventory
from estate.inventory.inventory import Inventory
from estate.inventory.load import read_inventory
from estate.problems import InventoryError, Problem
from tests.fixtures import FIXTURE_INVENTORY

Edit = tuple[str, str, str]  # file, find, replace


def problems(root: Path, *edits: Edit) -> list[Problem]:
    for file, find, replace in edits:
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert find in text, f"edit does not apply to {file}: {find!r}"
        path.write_text(text.replace(find, replace, 1), encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        load_inventory(root)
    return list(caught.value.problems)


def found(reported: list[Problem], field: str, text: str) -> Problem:
    matches = [p for p in reported if p.field == field and text in p.message]
    assert matches, f"no problem at {field} saying {text!r}; got:\n" + "\n".join(p.render() for p in reported)
    return matches[0]


ESTATE = "estate.yaml"
SITES = "sites.csv"


def test_vlan_roles_are_unique(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "  - role: wifi_corp\n", "  - role: bwv\n"))
    found(reported, "vlans[4].role", "VLAN role bwv is defined twice")


def test_management_voice_and_ap_mgmt_must_exist(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "  - role: ap_mgmt\n", "  - role: ap_management\n"))
    assert found(reported, "vlans", "the VLAN plan has no ap_mgmt VLAN").hint == "add a VLAN with role: ap_mgmt"


def test_data_is_a_role_like_any_other(inventory_copy: Path) -> None:
    """The VLAN that phones, desktops and printers use may be called anything."""
    reported = problems(inventory_copy, (ESTATE, "  - role: data\n", "  - role: users\n"),
                        (SITES, "Brent Neighbourhood Office 005,neighbourhood_office",
                         "Brent Neighbourhood Office 005,neighbourhood_ofice"))
    assert not [p for p in reported if p.file == ESTATE and (p.field or "").startswith("vlans")]


def test_two_vlans_claiming_one_port_kind_name_both(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "    ports: [bwv_dock]", "    ports: [bwv_dock, printer]"))
    problem = found(reported, "vlans[4].ports", "printer ports are claimed by two VLANs")
    assert "DATA (vlans[1]) and BWV-DOCKS (vlans[4])" in problem.message
    assert problem.line is not None


def test_every_user_port_kind_needs_its_vlan(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "    ports: [phone, desktop, printer]", "    ports: [phone, desktop]"))
    found(reported, "vlans", "no VLAN of the plan is the access VLAN of printer ports")


def test_bwv_docks_need_their_vlan_where_sites_have_docks(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "    ports: [bwv_dock]\n", ""))
    found(reported, "vlans", "no VLAN of the plan is the access VLAN of bwv_dock ports (")


def test_vlan_site_kinds_must_be_known(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "    hosts: {aps: 15}\n",
                                         "    hosts: {aps: 15}\n    site_kinds: [police_station, police_stations]\n"))
    problem = found(reported, "vlans[3].site_kinds[1]", "site kind 'police_stations', which is not known")
    assert "did you mean police_station?" in (problem.hint or "")


def test_ssid_vlan_role_must_be_in_the_plan(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "vlan_role: bwv, wlan_id: 2", "vlan_role: bodycam, wlan_id: 2"))
    found(reported, "ssids[1].vlan_role", "SSID MPS-BWV uses VLAN role bodycam, which the plan lacks")


def anchor(env: str, address: str, mac: str) -> str:
    return (f"      guest_anchor: {{name: wlcgw01, address: {address}, mobility_mac: {mac},\n"
            "                     vlan: {id: 70, name: GUEST-DMZ}}\n")


def test_guest_ssid_needs_an_anchor_where_sites_offer_guest(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, anchor("prod", "172.20.12.30", "00a0.c9d0.03f1"), ""))
    problem = found(reported, "environments.prod.wireless", "guest SSID MPS-GUEST has no guest anchor")
    assert "offer guest WiFi" in problem.message


def test_no_anchor_needed_without_guest_sites(inventory_copy: Path) -> None:
    """dev holds a police station (guest); without guest WiFi there, dev needs no anchor."""
    reported = problems(inventory_copy, (ESTATE, anchor("dev", "172.20.12.10", "00a0.c9d0.01f1"), ""),
                        (ESTATE, "  police_station:\n    guest: true", "  police_station:\n    guest: false"),
                        (ESTATE, "  training_centre:\n    guest: true", "  training_centre:\n    guest: false"),
                        (SITES, "Brent Neighbourhood Office 005,neighbourhood_office",
                         "Brent Neighbourhood Office 005,neighbourhood_ofice"))
    assert not [p for p in reported if p.field == "environments.dev.wireless"]


def test_guest_dmz_vlan_must_not_be_a_site_vlan(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "mobility_mac: 00a0.c9d0.03f1,\n                     vlan: {id: 70,",
                                         "mobility_mac: 00a0.c9d0.03f1,\n                     vlan: {id: 20,"))
    found(reported, "environments.prod.wireless.guest_anchor.vlan.id",
          "the guest anchor's DMZ VLAN id 20 is also site VLAN DATA")


def test_wlc_model_must_be_known(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "      model: C9800-L\n", "      model: C9800-LL\n"))
    problem = found(reported, "environments.dev.wireless.model", "WLC model C9800-LL is not in wireless.models")
    assert "did you mean C9800-L?" in (problem.hint or "")


def test_wlc_units_have_their_own_names_and_addresses(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "{name: wlc02, address: 172.20.9.30,",
                                         "{name: wlc01, address: 172.20.8.30,"))
    found(reported, "environments.prod.wireless.pairs[1].name", "WLC name wlc01 is already used by pairs[0]")
    found(reported, "environments.prod.wireless.pairs[1].address", "WLC address 172.20.8.30 is already used")


def test_switch_models_need_poe_figures(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "  access: C9300-48P", "  access: C9300-48T"))
    found(reported, "models.access", "switch model C9300-48T (models.access) has no entry in switch_models")


def test_a_device_may_not_draw_more_than_a_port_delivers(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, "ap: 30.0,", "ap: 45.0,"))
    found(reported, "poe.draw_w.ap", "each ap draws 45 W; one port of C9300-48P delivers at most 30 W")


# --- derived: PoE and voice -------------------------------------------------------------------

def test_poe_over_budget_names_switch_draw_budget_and_margin(inventory_copy: Path) -> None:
    # a one-switch office with 20 APs: 20 x 30 W + 7 phones x 7 W on a 437 W supply
    reported = problems(inventory_copy, (SITES, "Brent Neighbourhood Office 005,neighbourhood_office,Brent,7,16,1,3,",
                                         "Brent Neighbourhood Office 005,neighbourhood_office,Brent,7,16,1,20,"))
    problem = found(reported, "aps/phones", "mps-0005-cs01 (C9300-48P) draws 649 W of PoE for 20 aps, 7 phones")
    assert "budget is 393.3 W (437 W less the 10% margin)" in problem.message
    assert problem.site == "MPS-0005" and problem.file == SITES and problem.line == 6
    assert "C9300-48U" in (problem.hint or "")


def test_every_switch_of_the_sample_is_within_its_poe_budget(sample_inventory: Inventory) -> None:
    """Whatever the dealing does, the rule holds on the sample (and the check agrees)."""
    estate = sample_inventory.estate
    for site in sample_inventory.env_sites("prod"):
        for switch in build_site(sample_inventory, "prod", site).switches:
            kinds = [p.kind for p in switch.ports if p.kind in EDGE_KINDS]
            assert draw(kinds, estate) <= usable_budget(switch.model, estate), switch.hostname
    assert list(poe_problems(read_inventory(FIXTURE_INVENTORY), sample_inventory, set())) == []


def test_voice_peak_over_priority_share(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (SITES, "Hackney,104,83,9,15,15,110,1000,", "Hackney,104,83,9,15,15,110,5,"))
    problem = found(reported, "wan_mbps", "needs 1984 kb/s of priority queue")
    assert problem.site == "MPS-0006" and problem.file == SITES
    assert "the priority share (33%) of the 5 Mb/s circuit is 1650 kb/s" in problem.message
    assert "at least 7 Mb/s" in (problem.hint or "")


def test_voice_figure_is_estate_capacitys(sample_inventory: Inventory) -> None:
    site = sample_inventory.sites["MPS-0006"]
    capacity = site_capacity(site, CapacitySettings())
    assert capacity.voice_kbps_ipsec == capacity.channels * 109.0  # G.711 in IPsec, what `estate capacity` prints
    assert priority_kbps(capacity.voice_kbps_ipsec, 64) == 1984
    assert priority_kbps(1984.0, 64) == 1984 and priority_kbps(0.0, 64) == 64
    assert list(voice_problems(read_inventory(FIXTURE_INVENTORY), sample_inventory, set())) == []


PRINTERS_VLAN = ("  - role: voice\n", "  - role: printers\n    id: 25\n    name: PRINTERS\n    hosts: {printers: 1}\n"
                 "    site_kinds: [police_station, headquarters]\n    ports: [printer]\n  - role: voice\n")


def test_ports_whose_vlan_a_site_does_not_carry_are_an_error(inventory_copy: Path) -> None:
    """Printers on a VLAN that only stations and headquarters carry: a custody suite's printers
    would have no VLAN (their ports shut), so validation names the site and the way out."""
    reported = problems(inventory_copy, (ESTATE, "    ports: [phone, desktop, printer]", "    ports: [phone, desktop]"),
                        (ESTATE, *PRINTERS_VLAN))
    problem = found(reported, "printers", "printer port(s) but not their VLAN PRINTERS (its site_kinds leave out "
                                          "custody_suite)")
    assert problem.site == "MPS-0003" and problem.file == SITES
    assert "add custody_suite to vlans[" in (problem.hint or "")


def test_a_printers_vlan_everywhere_is_accepted(inventory_copy: Path) -> None:
    everywhere = PRINTERS_VLAN[1].replace("    site_kinds: [police_station, headquarters]\n", "")
    edits = [(ESTATE, "    ports: [phone, desktop, printer]", "    ports: [phone, desktop]"),
             (ESTATE, PRINTERS_VLAN[0], everywhere)]
    for file, find, replace in edits:
        path = inventory_copy / file
        path.write_text(path.read_text(encoding="utf-8").replace(find, replace, 1), encoding="utf-8")
    inventory = load_inventory(inventory_copy)
    model = build_site(inventory, "dev", inventory.sites["MPS-0004"])
    assert any(s.name == "PRINTERS" and s.vlan_id == 25 for s in model.addressing.subnets)
