"""The WAN section of the source of truth, each rule broken in a copy of the test inventory and
all of them at once: every problem is reported, with its file, line and field (README: The WAN)."""

from __future__ import annotations

from pathlib import Path

from tests.inventory.test_design_checks import ESTATE, SITES, found, problems

DESIGN = "    cellular_backup: {primary: carrier-a, backup: cellular}"
SINGLE_KIND = "wan: {design: single, router: C8200L-1N-4T}"
HUB_SOUTH = "        prod: {public_ip: 203.0.113.12, asn: 65003}"


def test_every_wan_problem_is_reported_at_once(inventory_copy: Path) -> None:
    reported = problems(
        inventory_copy,
        (ESTATE, DESIGN, "    cellular_backup: {primary: carrier-x, backup: carrier-b}"),
        (ESTATE, SINGLE_KIND, "wan: {design: singel, router: C8200L-1N-5T}"),
        (ESTATE, HUB_SOUTH, "        prod: {public_ip: 203.0.113.11, asn: 4200000042}"),
        (ESTATE, "link_supernet: 172.30.0.0/16", "link_supernet: 172.30.0.0/21"),
        (SITES, ",hub-west,", ",hub-wset,"),
    )
    primary = found(reported, "wan.designs.cellular_backup.primary",
                    "carrier 'carrier-x', which is not in wan.carriers")
    assert "did you mean carrier-a" in (primary.hint or "") and primary.line is not None
    found(reported, "wan.designs.cellular_backup.backup", "backup is a cellular backup, but carrier carrier-b is mpls")
    found(reported, "site_kinds.neighbourhood_office.wan.design", "WAN design 'singel', which is not in wan.designs")
    found(reported, "site_kinds.neighbourhood_office.wan.router", "edge router 'C8200L-1N-5T'")
    found(reported, "wan.hubs[2].routers.prod.public_ip", "203.0.113.11 is already hub-north (prod)'s")
    found(reported, "wan.hubs[2].routers.prod.asn", "hub ASN 4200000042 is site 0042's")
    room = found(reported, "wan.link_supernet", "holds 256 /29s; environment 'prod' has site number 500")
    assert room.hint == "use a /20 or larger"
    site = found(reported, "wan_hub", "WAN hub 'hub-wset' is not in wan.hubs")
    assert site.file == SITES and site.site is not None and site.line is not None


def test_hub_asns_repeat_only_across_environments(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, HUB_SOUTH, "        prod: {public_ip: 203.0.113.12, asn: 65002}"),
                        (ESTATE, "        staging: {public_ip: 198.51.100.21, asn: 65021}",
                         "        staging: {public_ip: 198.51.100.21, asn: 65100}"))
    found(reported, "wan.hubs[2].routers.prod.asn", "hub ASN 65002 is already hub-north's in environment prod")
    found(reported, "wan.hubs[1].routers.staging.asn", "hub ASN 65100 is carrier carrier-a's")
    assert not [p for p in reported if p.field == "wan.hubs[2].routers.prod.public_ip"]


def test_a_hub_router_needs_a_known_environment_and_a_cellular_design_a_modem(inventory_copy: Path) -> None:
    reported = problems(inventory_copy, (ESTATE, HUB_SOUTH, "        qa: {public_ip: 203.0.113.12, asn: 65003}"),
                        (ESTATE, "                   cellular_interface: Cellular0/1/0}\n    C8300-1N1S",
                         "                   }\n    C8300-1N1S"),
                        (ESTATE, SINGLE_KIND, "wan: {design: cellular_backup, router: C8200L-1N-4T}"))
    found(reported, "wan.hubs[2].routers.qa", "router for environment 'qa', which is not known")
    found(reported, "site_kinds.neighbourhood_office.wan.router", "has no cellular_interface")


def test_a_circuit_faster_than_its_edge_router_is_a_design_problem(inventory_copy: Path) -> None:
    # MPS-0005 is a neighbourhood office: a C8200L forwards 500 Mb/s
    reported = problems(inventory_copy, (SITES, "neighbourhood_office,Brent,7,16,1,3,0,0,100,",
                                         "neighbourhood_office,Brent,7,16,1,3,0,0,1000,"))
    problem = found(reported, "wan_mbps", "the 1000 Mb/s circuit is faster than the site's edge router C8200L-1N-4T")
    assert "C8300-1N1S-4T2X" in (problem.hint or "") and problem.site == "MPS-0005"
