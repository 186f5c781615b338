"""Per-site subnets for every VLAN, and management addresses for every device.

Each site owns one block of the environment's supernet, chosen by its site number (MPS-0042
owns block 42), so adding or removing a site never moves another site's addresses. Inside the
block, each VLAN gets the smallest subnet that holds its hosts plus growth, packed largest
first from the start of the block; the last /28 of the block holds the loopback and WAN link.

Where the environment names a `voice_supernet`, the voice VLAN's subnet comes instead from the
site's slot of that aggregate (slot = site number again, one slot per possible site block), so
every phone in the environment sits inside one prefix that a firewall admits with one rule. The
voice subnet keeps its room in the block, unused, so moving voice renumbers no other VLAN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from estate.build.sizing import SitePlan
from estate.inventory.models import AddressingPolicy, EdgePort, EstateFile, Site, VlanRole

INFRA_PREFIX = 28
MGMT_RESERVED = 16  # UPS, PDUs and out-of-band kit that lives on the management VLAN
ACCESS_MGMT_OFFSET = 10  # access switch k answers on .10+k of the management subnet


class AddressingError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class VlanSubnet:
    role: str  # a VlanRole, or a role the plan adds
    vlan_id: int
    name: str
    network: IPv4Network
    hosts_needed: int

    @property
    def gateway(self) -> IPv4Address:
        return self.network.network_address + 1


@dataclass(frozen=True, slots=True)
class SiteAddressing:
    site_id: str
    block: IPv4Network
    subnets: tuple[VlanSubnet, ...]  # in VLAN id order
    loopback: IPv4Address
    wan_network: IPv4Network

    @property
    def wan_local(self) -> IPv4Address:
        return self.wan_network.network_address + 1

    @property
    def wan_peer(self) -> IPv4Address:
        return self.wan_network.network_address + 2

    def subnet(self, role: str) -> VlanSubnet | None:
        for subnet in self.subnets:
            if subnet.role == role:
                return subnet
        return None

    def management_ip(self, index: int) -> IPv4Address:
        """Index 0 is the core switch (the management gateway); k >= 1 is access switch k."""
        mgmt = self.subnet(VlanRole.MANAGEMENT)
        assert mgmt is not None
        if index == 0:
            return mgmt.gateway
        return mgmt.network.network_address + ACCESS_MGMT_OFFSET + index


def site_block(supernet: IPv4Network, block_prefix: int, site_number: int) -> IPv4Network:
    slots = 2 ** (block_prefix - supernet.prefixlen)
    if not 0 < site_number < slots:
        raise AddressingError(
            f"site number {site_number} has no block: supernet {supernet} holds blocks 1-{slots - 1} "
            f"of /{block_prefix}"
        )
    size = 2 ** (32 - block_prefix)
    return IPv4Network((int(supernet.network_address) + site_number * size, block_prefix))


def voice_slot(voice_supernet: IPv4Network, supernet: IPv4Network, block_prefix: int,
               site_number: int) -> IPv4Network:
    """Site `site_number`'s slot of the voice aggregate: as many slots as the supernet has site
    blocks, so every site that can have a block has a slot and no slot ever moves."""
    slot_prefix = voice_supernet.prefixlen + block_prefix - supernet.prefixlen
    if slot_prefix > 30:
        raise AddressingError(
            f"voice_supernet {voice_supernet} is too small: it needs a slot for each of the "
            f"{2 ** (block_prefix - supernet.prefixlen)} site blocks of {supernet}")
    slots = 2 ** (block_prefix - supernet.prefixlen)
    if not 0 < site_number < slots:
        raise AddressingError(f"site number {site_number} has no voice slot in {voice_supernet} "
                              f"(slots 1-{slots - 1})")
    size = 2 ** (32 - slot_prefix)
    return IPv4Network((int(voice_supernet.network_address) + site_number * size, slot_prefix))


def hosts_needed(site: Site, plan: SitePlan, estate: EstateFile) -> dict[str, int]:
    """Addresses each VLAN the site carries needs, by role: the VLAN's `hosts` rule over the
    site's counts. A VLAN is carried where its kind list allows and its rule gives more than 0;
    management, voice and the phones' data VLAN are always carried (every site's LAN has them)."""
    needs: dict[str, int] = {}
    basics = {VlanRole.MANAGEMENT, VlanRole.VOICE}
    for vlan in estate.vlans:
        if vlan.site_kinds is not None and site.kind not in vlan.site_kinds:
            continue
        rule = vlan.hosts
        hosts = math.ceil(
            rule.phones * site.phones + rule.desktops * site.desktops + rule.printers * site.printers
            + rule.aps * site.aps + rule.bwv_docks * site.bwv_docks + rule.bwv_cameras * site.bwv_cameras
            + rule.switches * plan.switches
        )
        if hosts > 0 or vlan.role in basics or EdgePort.PHONE in vlan.ports:
            needs[vlan.role] = hosts + rule.fixed
    return needs


def subnet_prefix(hosts: int, policy: AddressingPolicy) -> int:
    # network, broadcast and gateway come on top of the hosts and their growth
    wanted = math.ceil(hosts * (1 + policy.growth)) + 3
    prefix = 32 - max(0, math.ceil(math.log2(wanted)))
    return min(prefix, policy.min_prefix)


def address_site(
    site: Site, plan: SitePlan, estate: EstateFile, supernet: IPv4Network,
    *, voice_supernet: IPv4Network | None = None,
) -> SiteAddressing:
    policy = estate.addressing
    block = site_block(supernet, policy.site_block_prefix, site.number)
    needs = hosts_needed(site, plan, estate)
    vlans = {v.role: v for v in estate.vlans if v.role in needs}
    order = sorted(needs, key=lambda role: (subnet_prefix(needs[role], policy), vlans[role].id))
    cursor = int(block.network_address)
    infra_start = int(block.broadcast_address) + 1 - 2 ** (32 - INFRA_PREFIX)
    subnets: list[VlanSubnet] = []
    for role in order:
        prefix = subnet_prefix(needs[role], policy)
        network = IPv4Network((cursor, prefix))
        cursor += network.num_addresses
        if role == VlanRole.VOICE and voice_supernet is not None:
            network = _voice_subnet(site, prefix, voice_supernet, supernet, policy.site_block_prefix)
        subnets.append(VlanSubnet(role, vlans[role].id, vlans[role].name, network, needs[role]))
    if cursor > infra_start:
        used = cursor - int(block.network_address)
        raise AddressingError(
            f"the site needs {used} addresses for its VLANs; its /{policy.site_block_prefix} block "
            f"has {infra_start - int(block.network_address)} after the infrastructure /{INFRA_PREFIX}"
        )
    subnets.sort(key=lambda s: s.vlan_id)
    return SiteAddressing(
        site_id=site.site_id,
        block=block,
        subnets=tuple(subnets),
        loopback=IPv4Address(infra_start + 1),
        wan_network=IPv4Network((infra_start + 4, 30)),
    )


def _voice_subnet(site: Site, prefix: int, voice_supernet: IPv4Network, supernet: IPv4Network,
                  block_prefix: int) -> IPv4Network:
    slot = voice_slot(voice_supernet, supernet, block_prefix, site.number)
    if prefix < slot.prefixlen:
        raise AddressingError(
            f"the site's {site.phones} phones need a /{prefix} voice subnet; the voice slots of "
            f"voice_supernet {voice_supernet} are /{slot.prefixlen}")
    return IPv4Network((int(slot.network_address), prefix))
