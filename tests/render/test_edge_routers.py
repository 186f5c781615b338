"""The WAN edge routers, stated as rules over the rendered prod configs of the fixture inventory
(README: The WAN): each router advertises exactly its site's prefixes and accepts only a default
route; every BGP session has BFD, prefix filters both ways and a maximum-prefix guard; each
carrier interface shapes to the circuit with the voice LLQ; the second path is de-preferred and,
with a cellular backup, tracked; the core and the edge router agree on their /30. And the plan
is stable: adding a site or a hub changes no other site's ASN or links."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estate.build.device_model import Role, SiteModel, build_site
from estate.build.render import Artifact, render_environment
from estate.build.validate import load_inventory
from estate.build.wan import (
    LinkRole,
    carrier_links,
    edge_hostname,
    environment_prefixes,
    hub_links,
    overlay_link,
    site_asn,
    site_design,
    site_prefixes,
)
from estate.inventory.inventory import Inventory
from estate.inventory.models import HubRouter, Site, WanHub
from tests.fixtures import FIXTURE_INVENTORY
from tests.render.config_tree import Node, parse, sections

ENV = "prod"


@dataclass(frozen=True)
class Edge:
    site: Site
    model: SiteModel
    artifact: Artifact
    tree: Node

    @property
    def name(self) -> str:
        return self.artifact.hostname

    def bgp(self) -> Node:
        found = sections(self.tree, "router bgp ")
        assert len(found) == 1, f"{self.name}: {len(found)} router bgp sections"
        return found[0]

    def af(self) -> Node:
        af = self.bgp().child("address-family ipv4")
        assert af is not None, f"{self.name}: no address-family ipv4"
        return af

    def neighbors(self) -> dict[str, list[str]]:
        """Every neighbour's lines, router- and address-family-level, without `neighbor <ip>`."""
        found: dict[str, list[str]] = {}
        for line in [*self.bgp().lines(), *self.af().lines()]:
            if line.startswith("neighbor "):
                _, address, rest = line.split(" ", 2)
                found.setdefault(address, []).append(rest)
        return found

    def prefix_list(self, name: str) -> list[str]:
        return [line.split(" permit ")[1] for line in self.tree.lines()
                if line.startswith(f"ip prefix-list {name} seq ")]

    def interface(self, name: str) -> Node:
        found = sections(self.tree, f"interface {name}")
        assert len(found) == 1, f"{self.name}: interface {name}"
        return found[0]

    def route_map(self, name: str) -> list[str]:
        found = sections(self.tree, f"route-map {name} permit ")
        assert found, f"{self.name}: route-map {name}"
        return [line for node in found for line in node.lines()]


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(FIXTURE_INVENTORY)


@pytest.fixture(scope="module")
def rendered(inventory: Inventory) -> list[Artifact]:
    return render_environment(inventory, ENV)


@pytest.fixture(scope="module")
def edges(inventory: Inventory, rendered: list[Artifact]) -> list[Edge]:
    found = []
    for artifact in rendered:
        if artifact.role is Role.EDGE:
            site = inventory.sites[str(artifact.site_id)]
            found.append(Edge(site, build_site(inventory, ENV, site), artifact, parse(artifact.text)))
    return found


def _designs(inventory: Inventory, edges: list[Edge], design: str) -> Iterator[Edge]:
    for edge in edges:
        if inventory.estate.site_kinds[edge.site.kind].wan.design == design:
            yield edge


def test_every_site_has_one_edge_router_in_its_folder(inventory: Inventory, edges: list[Edge]) -> None:
    assert len(edges) == len(inventory.env_sites(ENV))
    for edge in edges:
        assert edge.name == edge_hostname(edge.site.site_id) == f"{edge.site.site_id.lower()}-er01"
        assert edge.artifact.relpath == f"{ENV}/{edge.site.site_id}/{edge.name}.cfg"
        assert edge.artifact.template == "ios_xe/edge.j2"
        assert f"hostname {edge.name}" in edge.tree.lines()


def test_every_edge_router_advertises_only_its_own_prefixes(inventory: Inventory, edges: list[Edge]) -> None:
    aggregates = environment_prefixes(inventory, ENV)
    seen: dict[IPv4Network, str] = {}
    for edge in edges:
        own = [str(net) for net in site_prefixes(inventory, ENV, edge.site)]
        # the block and the voice slot (outside the block: without it the phones are unreachable)
        assert len(own) == 2, edge.name
        assert edge.prefix_list("WAN-OUT-SITE") == own, edge.name
        assert edge.prefix_list("WAN-IN-DEFAULT-ONLY") == ["0.0.0.0/0"], edge.name
        networks = [line for line in edge.af().lines() if line.startswith("network ")]
        assert [str(IPv4Network("/".join(n.split()[1::2]))) for n in networks] == own, edge.name
        voice = edge.model.addressing.subnet("voice")
        assert voice is not None and voice.network.subnet_of(IPv4Network(own[1])), edge.name
        for net in map(IPv4Network, own):
            assert any(net.subnet_of(agg) for agg in aggregates), f"{edge.name}: {net} outside the environment"
            clash = [other for prior, other in seen.items() if prior.overlaps(net)]
            assert not clash, f"{edge.name} advertises {net}, which overlaps {clash[0]}'s"
            seen[net] = edge.name
            # what the router advertises it routes to the core (the `network` needs it in the RIB)
            route = f"ip route {net.network_address} {net.netmask} {edge.model.addressing.wan_local} "
            assert any(line.startswith(route) for line in edge.tree.lines()), f"{edge.name}: no {route}"


def test_every_bgp_neighbour_has_bfd_prefix_filters_both_ways_and_a_maximum(edges: list[Edge]) -> None:
    sessions = 0
    for edge in edges:
        neighbors = edge.neighbors()
        assert neighbors, edge.name
        for address, lines in neighbors.items():
            where = f"{edge.name} neighbor {address}"
            assert "fall-over bfd" in lines, where
            assert "activate" in lines, where
            assert "prefix-list WAN-IN-DEFAULT-ONLY in" in lines, where
            assert "prefix-list WAN-OUT-SITE out" in lines, where
            assert any(line.startswith("maximum-prefix ") for line in lines), where
            # BFD runs on the interface the session crosses
            peer = IPv4Address(address)
            facing = [n for n in sections(edge.tree, "interface ")
                      if any(line.startswith("ip address ") and peer in _network(line) for line in n.lines())]
            assert len(facing) == 1, f"{where}: {len(facing)} interfaces face it"
            assert any(line.startswith("bfd interval ") for line in facing[0].lines()), where
            sessions += 1
    assert sessions > len(edges)  # dual and cellular sites have two


def _network(line: str) -> IPv4Network:
    words = line.split()
    if len(words) != 4:  # `ip address negotiated` (the cellular modem)
        return IPv4Network("0.0.0.0/32")
    return IPv4Interface(f"{words[2]}/{words[3]}").network


def test_bgp_asn_and_router_id_follow_the_plan(inventory: Inventory, edges: list[Edge]) -> None:
    asns = set()
    for edge in edges:
        asn = site_asn(inventory.estate, edge.site)
        assert edge.bgp().text == f"router bgp {asn}", edge.name
        assert f"bgp router-id {edge.model.edge.loopback}" in edge.bgp().lines(), edge.name
        assert "bgp log-neighbor-changes" in edge.bgp().lines(), edge.name
        assert 4_200_000_000 <= asn <= 4_294_967_294  # RFC 6996 private 4-byte
        asns.add(asn)
    assert len(asns) == len(edges)


def test_carrier_interfaces_shape_to_the_circuit(edges: list[Edge]) -> None:
    for edge in edges:
        policies = {n.text.removeprefix("policy-map "): n for n in sections(edge.tree, "policy-map ")}
        for circuit in edge.model.edge.mpls:
            port = edge.interface(circuit.interface)
            where = f"{edge.name} {port.text}"
            assert f"ip address {circuit.link.local} 255.255.255.252" in port.lines(), where
            shaper = next(line for line in port.lines() if line.startswith("service-policy output ")).split()[-1]
            default = policies[shaper].child("class class-default")
            assert default is not None and f"shape average {edge.site.wan_mbps * 1_000_000}" in default.lines(), where


def test_dual_sites_have_two_carrier_sessions_and_the_secondary_is_worse(
        inventory: Inventory, edges: list[Edge]) -> None:
    wan = inventory.estate.wan
    dual = list(_designs(inventory, edges, "dual"))
    assert dual
    for edge in dual:
        primary, secondary = carrier_links(inventory.estate, edge.site)
        neighbors = edge.neighbors()
        assert set(neighbors) == {str(primary.peer), str(secondary.peer)}, edge.name
        assert f"remote-as {wan.carrier('carrier-a').asn}" in neighbors[str(primary.peer)], edge.name
        assert f"remote-as {wan.carrier('carrier-b').asn}" in neighbors[str(secondary.peer)], edge.name
        assert not [line for line in neighbors[str(primary.peer)] if line.startswith("route-map ")], edge.name
        _de_preferred(edge, neighbors[str(secondary.peer)], wan.backup_local_pref, wan.backup_prepend)
        assert not sections(edge.tree, "interface Tunnel"), edge.name


def _de_preferred(edge: Edge, lines: list[str], local_pref: int, prepends: int) -> None:
    inbound = next(line.split()[1] for line in lines if line.startswith("route-map ") and line.endswith(" in"))
    outbound = next(line.split()[1] for line in lines if line.startswith("route-map ") and line.endswith(" out"))
    assert f"set local-preference {local_pref}" in edge.route_map(inbound), edge.name
    assert local_pref < 100  # the primary keeps the default local preference
    prepend = f"set as-path prepend {' '.join([str(edge.model.edge.asn)] * prepends)}"
    assert prepend in edge.route_map(outbound), edge.name


def test_cellular_sites_have_the_tunnel_to_their_hub_and_track_the_primary(
        inventory: Inventory, edges: list[Edge]) -> None:
    wan = inventory.estate.wan
    cellular = list(_designs(inventory, edges, "cellular_backup"))
    assert cellular
    for edge in cellular:
        router = edge.model.edge
        assert router.hub is not None and router.hub.name == edge.site.wan_hub, edge.name
        (primary,) = carrier_links(inventory.estate, edge.site)
        overlay = overlay_link(inventory.estate, ENV, edge.site)
        assert overlay is not None and overlay.role is LinkRole.OVERLAY
        tunnel = edge.interface("Tunnel100").lines()
        assert f"tunnel destination {router.hub.public_ip}" in tunnel, edge.name
        assert "tunnel protection ipsec profile WAN-OVERLAY" in tunnel, edge.name
        assert f"ip address {overlay.local} 255.255.255.252" in tunnel, edge.name
        cellular_port = next(c.interface for c in router.circuits if c.link.role is LinkRole.OVERLAY)
        assert f"tunnel source {cellular_port}" in tunnel, edge.name
        assert "ip access-group WAN-CELLULAR-IN in" in edge.interface(cellular_port).lines(), edge.name
        assert "pre-shared-key 0 ${WAN_OVERLAY_PSK}" in edge.artifact.text, edge.name
        neighbors = edge.neighbors()
        assert set(neighbors) == {str(primary.peer), str(overlay.peer)}, edge.name
        assert f"remote-as {router.hub.asn}" in neighbors[str(overlay.peer)], edge.name
        _de_preferred(edge, neighbors[str(overlay.peer)], wan.backup_local_pref, wan.backup_prepend)
        # the probe pings the primary PE out of the primary circuit; its inverse routes over the tunnel
        sla = sections(edge.tree, "ip sla 10")[0].lines()
        assert f"icmp-echo {primary.peer} source-interface {router.circuits[0].interface}" in sla, edge.name
        top = edge.tree.lines()
        assert "ip sla schedule 10 life forever start-time now" in top, edge.name
        assert sections(edge.tree, "track 10 ip sla 10 reachability"), edge.name
        assert "object 10 not" in sections(edge.tree, "track 11 list boolean and")[0].lines(), edge.name
        assert any(line.startswith(f"ip route 0.0.0.0 0.0.0.0 Tunnel100 {overlay.peer} track 11") for line in top)
        assert any(line.startswith(f"ip route {router.hub.public_ip} 255.255.255.255 {cellular_port}")
                   for line in top), f"{edge.name}: the tunnel must ride the cellular underlay"


def test_single_sites_have_one_session_and_no_backup(inventory: Inventory, edges: list[Edge]) -> None:
    single = list(_designs(inventory, edges, "single"))
    assert single
    for edge in single:
        assert len(edge.neighbors()) == 1, edge.name
        assert not sections(edge.tree, "route-map "), edge.name
        assert not sections(edge.tree, "crypto "), edge.name


def test_core_and_edge_agree_on_their_link(inventory: Inventory, rendered: list[Artifact],
                                           edges: list[Edge]) -> None:
    cores = {a.site_id: parse(a.text) for a in rendered if a.role is Role.CORE}
    for edge in edges:
        core = cores[edge.site.site_id]
        routed = [n for n in sections(core, "interface ") if "no switchport" in n.lines()]
        assert len(routed) == 1, edge.site.site_id
        core_ip = next(line for line in routed[0].lines() if line.startswith("ip address "))
        lan = edge.interface(edge.model.edge.lan_interface)
        edge_ip = next(line for line in lan.lines() if line.startswith("ip address "))
        core_if = IPv4Interface("/".join(core_ip.split()[2:]))
        edge_if = IPv4Interface("/".join(edge_ip.split()[2:]))
        where = f"{edge.site.site_id}: core {core_if}, edge {edge_if}"
        assert core_if.network == edge_if.network == edge.model.addressing.wan_network, where
        assert core_if.ip != edge_if.ip, where
        # each points at the other: the core's default, the edge's routes to the site
        assert any(line.startswith(f"ip route 0.0.0.0 0.0.0.0 {edge_if.ip} ") for line in core.lines()), where
        assert any(line.endswith(f"{core_if.ip} name SITE-PREFIX-1") for line in edge.tree.lines()), where
        assert edge.name in routed[0].child("description ").text  # type: ignore[union-attr]


def test_each_edge_router_is_managed_at_its_loopback(inventory: Inventory, edges: list[Edge]) -> None:
    for edge in edges:
        loopback = edge.model.edge.loopback
        assert f"ip address {loopback} 255.255.255.255" in edge.interface("Loopback0").lines(), edge.name
        assert loopback in edge.model.addressing.block  # inside the advertised block: reachable
        assert loopback != edge.model.addressing.loopback  # not the core's
        top = edge.tree.lines()
        for line in ("ip ssh source-interface Loopback0", "logging source-interface Loopback0",
                     "ntp source Loopback0", "snmp-server trap-source Loopback0", "no ip http server"):
            assert line in top, f"{edge.name}: {line}"


def test_links_of_sites_and_hubs_never_overlap(inventory: Inventory) -> None:
    estate = inventory.estate
    networks: dict[IPv4Network, str] = {}
    for site in inventory.env_sites(ENV):
        links = [*carrier_links(estate, site)]
        overlay = overlay_link(estate, ENV, site)
        links += [overlay] if overlay else []
        for link in links:
            assert link.network not in networks, f"{site.site_id} {link.network}: {networks.get(link.network)}"
            assert link.network.subnet_of(estate.wan.link_supernet)
            networks[link.network] = site.site_id
    for hub in estate.wan.hubs:
        for link in hub_links(estate, hub):
            assert link.network not in networks, f"{hub.name} {link.network}: {networks.get(link.network)}"
            networks[link.network] = hub.name


# --- stability: the plan depends on each site alone ----------------------------------------------

def _plan(inventory: Inventory, site: Site) -> tuple[object, ...]:
    estate = inventory.estate
    model = build_site(inventory, ENV, site)
    return (site_asn(estate, site), carrier_links(estate, site), overlay_link(estate, ENV, site),
            site_prefixes(inventory, ENV, site), model.edge, model.addressing.wan_network)


KINDS = ["headquarters", "police_station", "custody_suite", "patrol_base", "neighbourhood_office",
         "control_room", "training_centre", "specialist_unit"]


@dataclass(frozen=True)
class Addition:
    number: int
    kind: str
    hub: str
    add_hub: bool  # a hub appended to wan.hubs too
    watched: tuple[int, ...]  # indexes of the existing sites compared


ADDITIONS = st.builds(Addition, number=st.integers(1, 4000), kind=st.sampled_from(KINDS),
                      hub=st.sampled_from(["hub-east", "hub-north", "hub-south", "hub-west"]), add_hub=st.booleans(),
                      watched=st.lists(st.integers(0, 499), min_size=3, max_size=6, unique=True).map(tuple))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(addition=ADDITIONS)
def test_adding_a_site_or_a_hub_changes_no_other_sites_asn_or_links(inventory: Inventory, addition: Addition) -> None:
    number, kind, hub, add_hub, watched = (addition.number, addition.kind, addition.hub, addition.add_hub,
                                           addition.watched)
    ids = list(inventory.sites)
    site_id = f"MPS-{number:04d}"
    if site_id in inventory.sites:
        return
    template = inventory.sites[ids[0]]
    new = template.model_copy(update={"site_id": site_id, "kind": kind, "wan_hub": hub, "wan_mbps": 100})
    estate = inventory.estate
    if add_hub:  # a hub appended to wan.hubs takes the next /29 down from the top
        extra = WanHub(name="hub-new", location="New hub", routers={ENV: HubRouter(
            public_ip=IPv4Address("203.0.113.99"), asn=65099)})
        estate = estate.model_copy(update={"wan": estate.wan.model_copy(update={"hubs": [*estate.wan.hubs, extra]})})
    grown = dataclasses.replace(inventory, estate=estate, sites=dict(sorted({**inventory.sites, site_id: new}.items())))
    for index in watched:
        site = inventory.sites[ids[index]]
        assert _plan(grown, site) == _plan(inventory, site), site.site_id
    for existing in inventory.estate.wan.hubs:
        assert hub_links(grown.estate, existing) == hub_links(inventory.estate, existing)
    new_links = carrier_links(grown.estate, new)
    block = IPv4Network((int(estate.wan.link_supernet.network_address) + 8 * number, 29))
    assert new_links[0].network == next(iter(block.subnets(new_prefix=30)))
    assert site_design(grown.estate, new).primary == new_links[0].carrier
