"""What the cloud tiers are sized to, derived from `estate.build.capacity` over the inventory: the
stacks never hard-code a count that the inventory knows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from ipaddress import IPv4Network, collapse_addresses

from estate.build.capacity import CapacityReport, plan_capacity
from estate.build.device_model import build_site
from estate.cloud.settings import SettingsError
from estate.inventory.inventory import Inventory
from estate.inventory.models import VlanRole

GB = 1000**3
# a security group holds 60 rules per direction and each voice range costs up to three of them
MAX_VOICE_RANGES = 4


@dataclass(frozen=True, slots=True)
class Fleet:
    """Instances per AZ: N to carry the AZ's share of the load, plus one spare (N+1 per AZ)."""

    per_az: int
    az_count: int

    @property
    def desired(self) -> int:
        return self.per_az * self.az_count

    @property
    def maximum(self) -> int:
        return self.desired + self.az_count  # room to replace one instance per AZ in a refresh


def fleet(load: int, per_instance: int, az_count: int) -> Fleet:
    carrying = math.ceil(load / az_count / per_instance) if load else 0
    return Fleet(per_az=max(carrying, 1) + 1, az_count=az_count)


@dataclass(frozen=True, slots=True)
class SiteVoiceSubnet:
    site_id: str
    network: IPv4Network


@dataclass(frozen=True, slots=True)
class StackSizes:
    capacity: CapacityReport
    sbc: Fleet
    call_control: Fleet
    voice_subnets: tuple[SiteVoiceSubnet, ...]
    voice_ranges: tuple[IPv4Network, ...]  # what the security groups admit: every voice subnet

    @property
    def concurrent_calls(self) -> int:
        return self.capacity.totals.channels

    @property
    def ingest_retained_bytes(self) -> int:
        return int(self.capacity.totals.ingest_retained_tb * 1000 * GB)


def voice_subnets(inventory: Inventory, env: str) -> tuple[SiteVoiceSubnet, ...]:
    """Each site's voice subnet, from the same addressing the switch configs are rendered from."""
    found = []
    for site in inventory.env_sites(env):
        subnet = build_site(inventory, env, site).addressing.subnet(VlanRole.VOICE)
        if subnet is not None and site.phones:
            found.append(SiteVoiceSubnet(site.site_id, subnet.network))
    return tuple(found)


def voice_ranges(inventory: Inventory, env: str, subnets: tuple[SiteVoiceSubnet, ...]) -> tuple[IPv4Network, ...]:
    """The few prefixes that cover every site's voice subnet: the environment's voice aggregate
    (the addressing puts every voice subnet in it), or, without one, the subnets collapsed."""
    aggregate = inventory.environment(env).voice_supernet
    ranges = (aggregate,) if aggregate is not None else tuple(collapse_addresses(s.network for s in subnets))
    stray = [s for s in subnets if not any(s.network.subnet_of(r) for r in ranges)]
    if stray:  # the addressing guarantees this; a stack must never be declared without it
        raise SettingsError(f"voice subnet {stray[0].network} of {stray[0].site_id} is outside {ranges[0]}")
    if len(ranges) > MAX_VOICE_RANGES:
        raise SettingsError(
            f"environment {env} has no voice_supernet in the inventory and its {len(subnets)} voice subnets "
            f"collapse to {len(ranges)} prefixes (at most {MAX_VOICE_RANGES} fit the security groups): "
            f"add environments.{env}.voice_supernet to estate.yaml")
    return ranges


def stack_sizes(inventory: Inventory, env: str, report: CapacityReport | None = None, *,
                az_count: int, channels_per_sbc: int, calls_per_call_control: int) -> StackSizes:
    capacity = report or plan_capacity(inventory, env)
    calls = capacity.totals.channels
    subnets = voice_subnets(inventory, env)
    return StackSizes(
        capacity=capacity,
        sbc=fleet(calls, channels_per_sbc, az_count),
        call_control=fleet(calls, calls_per_call_control, az_count),
        voice_subnets=subnets,
        voice_ranges=voice_ranges(inventory, env, subnets),
    )
