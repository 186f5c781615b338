"""WLC pairs: a site's pair depends on its id and the pair names alone (adding a site moves no
other, removing a pair moves only its own sites), the loads add up, and the capacity rule holds
the audit's finding: prod's 3,022 APs fit two C9800-80 pairs with N+1, not one C9800-40 pair."""

from __future__ import annotations

import dataclasses
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estate.build.design_checks import wlc_problems
from estate.build.validate import load_inventory
from estate.build.wlc_pairs import choose_pair, pair_loads, usable
from estate.inventory.inventory import Inventory
from estate.inventory.load import read_inventory
from estate.inventory.models import EnvWireless, Site, WlcUnit
from estate.problems import InventoryError
from tests.fixtures import FIXTURE_INVENTORY

SITE_IDS = st.integers(1, 9999).map(lambda n: f"MPS-{n:04d}")


def unit(number: int) -> WlcUnit:
    return WlcUnit(name=f"wlc{number:02d}", address=IPv4Address(f"172.20.8.{number}"),
                   mobility_mac=f"00a0.c9d0.{number:04x}")


def wireless(pairs: list[int], model: str = "C9800-80") -> EnvWireless:
    return EnvWireless(model=model, pairs=[unit(n) for n in pairs])


PAIRS = st.lists(st.integers(1, 40), min_size=1, max_size=6, unique=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(SITE_IDS, min_size=1, max_size=60, unique=True), SITE_IDS, PAIRS)
def test_adding_a_site_moves_no_other_site(sites: list[str], new: str, pairs: list[int]) -> None:
    env = wireless(pairs)
    before = {site: choose_pair(site, env) for site in sites}
    after = {site: choose_pair(site, env) for site in {*sites, new}}
    for site, choice in before.items():
        assert after[site] == choice, site  # primary and backup alike


@settings(max_examples=200, deadline=None)
@given(st.lists(SITE_IDS, min_size=1, max_size=60, unique=True), PAIRS.filter(lambda p: len(p) >= 2), st.data())
def test_removing_a_pair_moves_only_its_sites(sites: list[str], pairs: list[int], data: st.DataObject) -> None:
    removed = data.draw(st.sampled_from(pairs))
    before = {site: choose_pair(site, wireless(pairs)) for site in sites}
    after = {site: choose_pair(site, wireless([p for p in pairs if p != removed])) for site in sites}
    for site in sites:
        if before[site].primary.name != f"wlc{removed:02d}":
            assert after[site].primary == before[site].primary, site
        else:  # its sites go where their APs fail over to: the backup becomes the primary
            assert after[site].primary == before[site].backup, site


def generated_site(number: int, aps: int) -> Site:
    return Site(site_id=f"MPS-{number:04d}", name=f"Site {number}", kind="police_station", borough="Camden",
                phones=0, desktops=0, printers=0, aps=aps, bwv_docks=0, bwv_cameras=0, wan_mbps=100,
                wan_hub="hub-north", change_window="Sun 02:00-05:00")


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(1, 1023), st.integers(0, 60), min_size=1, max_size=80), PAIRS)
def test_loads_sum_to_the_environments_aps(sample_inventory: Inventory, aps: dict[int, int],
                                           pairs: list[int]) -> None:
    sites = [generated_site(number, count) for number, count in sorted(aps.items())]
    inventory = with_wireless(sample_inventory, wireless(pairs))
    loads = pair_loads(inventory, "prod", sites)
    per_ap = inventory.estate.wireless.clients_per_ap
    assert sum(load.aps for load in loads) == sum(aps.values())
    assert sum(load.clients for load in loads) == sum(aps.values()) * per_ap
    assert sorted(s for load in loads for s in load.sites) == sorted(s.site_id for s in sites if s.aps)
    if len(pairs) == 1:
        assert loads[0].failover_aps == 0
    for load in loads:  # what a pair takes over never exceeds what the others carry
        assert load.failover_aps <= sum(other.aps for other in loads if other is not load)


def with_wireless(inventory: Inventory, env_wireless: EnvWireless) -> Inventory:
    environments = dict(inventory.estate.environments)
    environments["prod"] = environments["prod"].model_copy(update={"wireless": env_wireless})
    estate = inventory.estate.model_copy(update={"environments": environments})
    return dataclasses.replace(inventory, estate=estate)


def test_prod_sample_fits_two_c9800_80_pairs_with_n_plus_one(sample_inventory: Inventory) -> None:
    prod = sample_inventory.environment("prod").wireless
    assert prod.model == "C9800-80" and len(prod.pairs) == 2
    assert sample_inventory.estate.wireless.n_plus_one
    raw = read_inventory(FIXTURE_INVENTORY)
    assert list(wlc_problems(raw, sample_inventory)) == []
    loads = pair_loads(sample_inventory, "prod", sample_inventory.env_sites("prod"))
    assert sum(load.aps for load in loads) == 3022
    assert all(load.aps > 1000 for load in loads)  # both pairs carry a share


def test_prod_sample_would_not_fit_one_c9800_40_pair(sample_inventory: Inventory) -> None:
    """The audit's finding: one Catalyst 9800-40 pair (2,000 APs, 32,000 clients) for all 3,022."""
    inventory = with_wireless(sample_inventory, wireless([1], model="C9800-40"))
    limit = usable(inventory.estate.wireless.models["C9800-40"], inventory.estate.wireless.headroom)
    problems = list(wlc_problems(read_inventory(FIXTURE_INVENTORY), inventory))
    assert [p.field for p in problems] == ["environments.prod.wireless"]
    assert "mps-prod-wlc01 (C9800-40)" in problems[0].message
    assert f"3022 APs, over the {limit.aps} it may carry (2000 less 20% headroom)" in problems[0].message
    assert "add a pair" in (problems[0].hint or "")


def test_n_plus_one_names_the_pair_whose_loss_overloads(sample_inventory: Inventory) -> None:
    """Two C9800-40 pairs under N+1: either pair alone would carry all 3,022 APs, over 2,000."""
    inventory = with_wireless(sample_inventory, wireless([1, 2], model="C9800-40"))
    problems = [p for p in wlc_problems(read_inventory(FIXTURE_INVENTORY), inventory) if "losing" in p.message]
    assert len(problems) == 2
    assert "losing WLC pair mps-prod-wlc02 of environment 'prod' overloads pair mps-prod-wlc01" in problems[0].message
    assert "= 3022 APs, over its 2000" in problems[0].message
    unplanned = inventory.estate.model_copy(update={"wireless": inventory.estate.wireless.model_copy(
        update={"n_plus_one": False})})
    relaxed = dataclasses.replace(inventory, estate=unplanned)
    assert not [p for p in wlc_problems(read_inventory(FIXTURE_INVENTORY), relaxed) if "losing" in p.message]


def test_validation_reports_wlc_capacity(inventory_copy: Path) -> None:
    """Wired into load_inventory: the error reaches `estate validate`."""
    path = inventory_copy / "estate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("      model: C9800-80", "      model: C9800-L"),
                    encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        load_inventory(inventory_copy)
    assert any("mps-prod-wlc01 (C9800-L)" in p.message for p in caught.value.problems)
