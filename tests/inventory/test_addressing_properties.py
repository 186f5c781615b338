"""Addressing invariants, over generated estates: nothing overlaps (voice subnets, drawn from
the environment's voice aggregate, included), and a site's addresses depend on that site alone
(adding or removing another site moves nothing)."""

from __future__ import annotations

import dataclasses
import itertools
from ipaddress import IPv4Network

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from estate.build.addressing import AddressingError, SiteAddressing, voice_slot
from estate.build.device_model import build_site
from estate.build.sizing import SizingError
from estate.inventory.inventory import Inventory
from estate.inventory.models import Environment, EstateFile, Site, VlanRole

SUPERNET, VOICE_SUPERNET = IPv4Network("10.0.0.0/9"), IPv4Network("100.64.0.0/12")
KINDS = ["headquarters", "police_station", "custody_suite", "patrol_base", "neighbourhood_office"]


@st.composite
def sites(draw: st.DrawFn, number: int) -> Site:
    docks = draw(st.integers(0, 20))
    return Site(
        site_id=f"MPS-{number:04d}",
        name=f"Site {number}",
        kind=draw(st.sampled_from(KINDS)),
        borough="Camden",
        phones=draw(st.integers(0, 400)),
        desktops=draw(st.integers(0, 400)),
        printers=draw(st.integers(0, 20)),
        aps=draw(st.integers(0, 40)),
        bwv_docks=docks,
        bwv_cameras=draw(st.integers(0, docks * 8)),
        wan_mbps=100,
        wan_hub="hub-north",
        change_window="Sun 02:00-05:00",
    )


@st.composite
def estates(draw: st.DrawFn) -> list[Site]:
    numbers = draw(st.lists(st.integers(1, 1023), min_size=2, max_size=12, unique=True))
    return [draw(sites(n)) for n in numbers]


def with_sites(base: Inventory, chosen: list[Site]) -> Inventory:
    environments = {"prod": Environment(aws_account="333333333333", region="eu-west-2", supernet=SUPERNET,
                                       sites="all", voice_supernet=VOICE_SUPERNET,
                                       wireless=base.estate.environments["prod"].wireless)}
    estate = base.estate.model_copy(update={"environments": environments})
    ordered = sorted(chosen, key=lambda s: s.site_id)
    return dataclasses.replace(base, estate=estate, sites={s.site_id: s for s in ordered})


def addresses(inventory: Inventory) -> dict[str, SiteAddressing]:
    result = {}
    for site in inventory.env_sites("prod"):
        try:
            result[site.site_id] = build_site(inventory, "prod", site).addressing
        except (SizingError, AddressingError):
            continue  # validation reports these; they get no addresses
    return result


def all_networks(addressing: SiteAddressing) -> list[IPv4Network]:
    return [s.network for s in addressing.subnets] + [addressing.wan_network, IPv4Network(addressing.loopback)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates())
def test_nothing_overlaps(sample_inventory: Inventory, chosen: list[Site]) -> None:
    plan = addresses(with_sites(sample_inventory, chosen))
    networks = [(sid, net) for sid, a in plan.items() for net in all_networks(a)]
    for (site_a, a), (site_b, b) in itertools.combinations(networks, 2):
        assert not a.overlaps(b), f"{site_a} {a} overlaps {site_b} {b}"
    for sid, site_plan in plan.items():
        voice = site_plan.subnet(VlanRole.VOICE)
        in_block = [net for net in all_networks(site_plan) if voice is None or net != voice.network]
        assert all(net.subnet_of(site_plan.block) for net in in_block), sid
        assert all(s.network.num_addresses - 3 >= s.hosts_needed for s in site_plan.subnets), sid
        if voice is not None:
            number = int(sid.rsplit("-", 1)[1])
            assert voice.network.subnet_of(voice_slot(VOICE_SUPERNET, SUPERNET, 19, number)), sid
            assert not voice.network.overlaps(SUPERNET), sid


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates(), st.data())
def test_adding_or_removing_a_site_moves_no_other_site(
    sample_inventory: Inventory, chosen: list[Site], data: st.DataObject
) -> None:
    before = addresses(with_sites(sample_inventory, chosen))
    removed = data.draw(st.sampled_from(chosen))
    after_removal = addresses(with_sites(sample_inventory, [s for s in chosen if s is not removed]))
    taken = {s.number for s in chosen}
    new_number = data.draw(st.integers(1, 1023).filter(lambda n: n not in taken))
    after_adding = addresses(with_sites(sample_inventory, [*chosen, data.draw(sites(new_number))]))
    for sid, addressing in after_removal.items():
        assert before[sid] == addressing
    for sid, addressing in before.items():
        assert after_adding[sid] == addressing


def test_sample_prod_estate_has_unique_management_addresses(sample_inventory: Inventory) -> None:
    seen: dict[str, str] = {}
    for site in sample_inventory.env_sites("prod"):
        model = build_site(sample_inventory, "prod", site)
        for switch in model.switches:
            ip = str(switch.mgmt_ip)
            assert ip not in seen, f"{switch.hostname} and {seen[ip]} share {ip}"
            seen[ip] = switch.hostname
            mgmt = model.addressing.subnet(VlanRole.MANAGEMENT)
            assert mgmt is not None
            assert switch.mgmt_ip in mgmt.network


def test_voice_subnets_from_the_aggregate_in_the_sample(sample_inventory: Inventory) -> None:
    """Every prod phone is inside prod's voice aggregate, and no voice subnet touches another
    site's data, management or Wi-Fi subnets, another environment, or another voice subnet."""
    estate = sample_inventory.estate
    prod = estate.environments["prod"]
    assert prod.voice_supernet is not None
    voice: list[IPv4Network] = []
    other: list[IPv4Network] = []
    for site in sample_inventory.env_sites("prod"):
        addressing = build_site(sample_inventory, "prod", site).addressing
        for subnet in addressing.subnets:
            (voice if subnet.role == VlanRole.VOICE else other).append(subnet.network)
    assert voice and all(v.subnet_of(prod.voice_supernet) for v in voice)
    assert all(not a.overlaps(b) for a, b in itertools.combinations(voice, 2))
    supernets = [e.supernet for e in estate.environments.values()]
    supernets += [e.voice_supernet for n, e in estate.environments.items() if n != "prod" and e.voice_supernet]
    assert not any(v.overlaps(n) for v in voice for n in [*other, *supernets])


def test_voice_slots_are_fixed_by_site_number() -> None:
    assert voice_slot(VOICE_SUPERNET, SUPERNET, 19, 1) == IPv4Network("100.64.4.0/22")
    assert voice_slot(VOICE_SUPERNET, SUPERNET, 19, 1023) == IPv4Network("100.79.252.0/22")
    with pytest.raises(AddressingError, match="no voice slot"):
        voice_slot(VOICE_SUPERNET, SUPERNET, 19, 1024)
    with pytest.raises(AddressingError, match="too small"):
        voice_slot(IPv4Network("100.64.0.0/22"), SUPERNET, 19, 1)


def test_voice_supernet_must_stand_apart(sample_inventory: Inventory) -> None:
    estate = sample_inventory.estate.model_dump()
    estate["environments"]["dev"]["voice_supernet"] = "10.0.0.0/12"  # inside prod's site supernet
    with pytest.raises(ValidationError, match=r"dev\.voice_supernet 10\.0\.0\.0/12 overlaps 10\.0\.0\.0/9"):
        EstateFile.model_validate(estate)
    estate["environments"]["dev"]["voice_supernet"] = "10.128.0.0/13"  # its own site supernet
    with pytest.raises(ValidationError, match=r"overlaps the site supernet 10\.128\.0\.0/10"):
        EstateFile.model_validate(estate)
