"""The WAN plan derived from `estate.yaml`'s `wan:` section: ASNs, PE-CE links, hub routers and
the prefixes each router advertises. Pure functions of the inventory, so every stage (render,
design checks, the stacks' cross-checks, the lab) computes the same numbers.

Stability: a site's ASN and links follow from its site number alone (ASN = site_asn_base + n,
links = the n-th /29 of link_supernet), so adding or removing a site never changes another
site's; the hubs take /29s from the top of link_supernet, by their position in `wan.hubs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network

from estate.build.addressing import site_block, voice_slot
from estate.inventory.inventory import Inventory
from estate.inventory.models import CarrierKind, EdgeModel, EstateFile, Site, WanDesign, WanHub

LINK_PREFIX = 29  # a site's (or hub's) share of link_supernet: two /30s


class LinkRole(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"  # a second MPLS circuit (design `secondary`)
    OVERLAY = "overlay"  # the IKEv2 tunnel to the hub over the cellular backup (design `backup`)


@dataclass(frozen=True, slots=True)
class CarrierLink:
    """One point-to-point /30: the carrier's PE (or, for the overlay, the hub) on .1, us on .2."""

    carrier: str  # the carrier's name (wan.carriers)
    role: LinkRole
    network: IPv4Network
    peer_asn: int | None  # the PE's ASN (MPLS), the hub's (overlay)

    @property
    def peer(self) -> IPv4Address:
        return self.network.network_address + 1

    @property
    def local(self) -> IPv4Address:
        return self.network.network_address + 2


@dataclass(frozen=True, slots=True)
class EnvHub:
    """A hub's router in one environment."""

    name: str
    location: str
    env: str
    public_ip: IPv4Address
    asn: int


class WanPlanError(ValueError):
    """The WAN plan cannot place something (the checks report these before render runs)."""


def _estate(source: Inventory | EstateFile) -> EstateFile:
    return source.estate if isinstance(source, Inventory) else source


def site_asn(estate: EstateFile, site: Site) -> int:
    """RFC 6996 4-byte private ASN: site_asn_base + the site number (MPS-0042: base + 42)."""
    return estate.wan.site_asn_base + site.number


def site_design(estate: EstateFile, site: Site) -> WanDesign:
    return estate.wan.designs[estate.site_kinds[site.kind].wan.design]


def edge_model_name(estate: EstateFile, site: Site) -> str:
    return estate.site_kinds[site.kind].wan.router


def edge_model(estate: EstateFile, site: Site) -> EdgeModel:
    return estate.wan.edge_models[edge_model_name(estate, site)]


def link_slots(estate: EstateFile) -> int:
    """How many /29s link_supernet holds (slot 0 is unused: site numbers start at 1)."""
    return int(2 ** (LINK_PREFIX - estate.wan.link_supernet.prefixlen))


def _slot(estate: EstateFile, index: int) -> IPv4Network:
    supernet = estate.wan.link_supernet
    return IPv4Network((int(supernet.network_address) + index * 2 ** (32 - LINK_PREFIX), LINK_PREFIX))


def site_link_block(estate: EstateFile, site: Site) -> IPv4Network:
    """The site's /29 of link_supernet: the site number's."""
    hubs = len(estate.wan.hubs)
    if not 0 < site.number < link_slots(estate) - hubs:
        raise WanPlanError(f"site number {site.number} has no link /29: link_supernet {estate.wan.link_supernet} "
                           f"holds sites 1-{link_slots(estate) - hubs - 1} (the top {hubs} are the hubs')")
    return _slot(estate, site.number)


def carrier_links(estate: EstateFile, site: Site) -> tuple[CarrierLink, ...]:
    """The site's MPLS circuits, primary first: the first /30 of its /29 for the primary, the
    second for a secondary circuit. A cellular backup has no PE-CE link (see `overlay_link`)."""
    block = site_link_block(estate, site)
    design = site_design(estate, site)
    halves = list(block.subnets(new_prefix=30))
    links = [_mpls(estate, design.primary, LinkRole.PRIMARY, halves[0])]
    if design.secondary is not None:
        links.append(_mpls(estate, design.secondary, LinkRole.SECONDARY, halves[1]))
    return tuple(links)


def _mpls(estate: EstateFile, name: str, role: LinkRole, network: IPv4Network) -> CarrierLink:
    return CarrierLink(name, role, network, estate.wan.carrier(name).asn)


def overlay_link(estate: EstateFile, env: str, site: Site) -> CarrierLink | None:
    """The tunnel to the site's hub over its cellular backup, or None for a design without one:
    the second /30 of the site's /29 (hub .1, site .2), the hub router's ASN as the peer's."""
    design = site_design(estate, site)
    if design.backup is None:
        return None
    hub = site_hub(estate, env, site)
    network = list(site_link_block(estate, site).subnets(new_prefix=30))[1]
    return CarrierLink(design.backup, LinkRole.OVERLAY, network, hub.asn)


def hub_links(estate: EstateFile, hub: WanHub | str) -> tuple[CarrierLink, ...]:
    """The hub's own PE-CE links, one per MPLS carrier (in wan.carriers order, at most two): hub i
    of wan.hubs owns the (i+1)-th /29 from the top of link_supernet. The same in every
    environment, like the sites' links."""
    name = hub if isinstance(hub, str) else hub.name
    index = [h.name for h in estate.wan.hubs].index(name)
    block = _slot(estate, link_slots(estate) - 1 - index)
    mpls = [c for c in estate.wan.carriers if c.kind is CarrierKind.MPLS]
    if len(mpls) > 2:
        raise WanPlanError(f"a /29 holds two PE-CE links; wan.carriers has {len(mpls)} MPLS carriers")
    roles = (LinkRole.PRIMARY, LinkRole.SECONDARY)
    return tuple(CarrierLink(c.name, roles[i], net, c.asn)
                 for i, (c, net) in enumerate(zip(mpls, block.subnets(new_prefix=30), strict=False)))


def env_hubs(estate: EstateFile, env: str) -> tuple[EnvHub, ...]:
    """The hub routers of an environment, in wan.hubs order."""
    return tuple(EnvHub(hub.name, hub.location, env, router.public_ip, router.asn)
                 for hub in estate.wan.hubs if (router := hub.routers.get(env)) is not None)


def site_hub(estate: EstateFile, env: str, site: Site) -> EnvHub:
    """The hub router a site's overlay terminates on: its hub's router in the environment, or,
    where the environment has none at that hub (dev and staging peer at some hubs only, their
    pilot sites elsewhere reach the cloud through another environment's router, as
    validate.hub_problems allows), the hub's router of the first environment (estate.yaml order)
    that has one."""
    hub = estate.wan.hub(site.wan_hub)
    for name in (env, *estate.environments):
        router = hub.routers.get(name)
        if router is not None:
            return EnvHub(hub.name, hub.location, name, router.public_ip, router.asn)
    raise WanPlanError(f"hub {hub.name} has no router")  # unreachable: routers has min_length=1


def edge_hostname(site_id: str) -> str:
    return f"{site_id.lower()}-er01"


def hub_hostname(inventory: Inventory | EstateFile, env: str, hub: WanHub | EnvHub | str) -> str:
    """`<prefix>-<env>-<hub>-r01`, such as mps-prod-hub-east-r01."""
    name = hub if isinstance(hub, str) else hub.name
    return f"{_estate(inventory).site_id_prefix.lower()}-{env}-{name}-r01"


def site_prefixes(inventory: Inventory | EstateFile, env: str, site: Site) -> tuple[IPv4Network, ...]:
    """What the site's edge router advertises to the WAN, exactly: its block of the environment
    supernet and, where the environment has a voice_supernet, its slot of that aggregate. The
    voice subnet lives outside the block (addressing: one aggregate for every phone), so a WAN
    that carried the block alone would leave the site's phones unreachable."""
    estate = _estate(inventory)
    environment = estate.environments[env]
    block_prefix = estate.addressing.site_block_prefix
    prefixes = [site_block(environment.supernet, block_prefix, site.number)]
    if environment.voice_supernet is not None:
        prefixes.append(voice_slot(environment.voice_supernet, environment.supernet, block_prefix, site.number))
    return tuple(prefixes)


def environment_prefixes(inventory: Inventory | EstateFile, env: str) -> tuple[IPv4Network, ...]:
    """The environment's aggregates, what its hubs advertise towards AWS: the site supernet and
    the voice supernet where there is one."""
    environment = _estate(inventory).environments[env]
    return tuple(net for net in (environment.supernet, environment.voice_supernet) if net is not None)


def edge_loopback(core_loopback: IPv4Address) -> IPv4Address:
    """The edge router's Loopback0: the next address of the site's infrastructure /28 after the
    core's loopback (the /28 holds the loopbacks at .1 and .2 and the core-edge /30 at .4)."""
    return core_loopback + 1
