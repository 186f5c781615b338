"""Which WLC HA pair serves each site, and what each pair then carries.

Sites are assigned by rendezvous (highest-random-weight) hashing of the site id against the pair
names: each site goes to the pair whose hash with it is highest, and its backup (where its APs
fail over when the pair is lost) is the pair ranked second. The assignment depends only on the
site id and the pair names, so adding or removing a site moves no other site, and adding a pair
moves only the sites that now rank it first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from estate.inventory.inventory import Inventory
from estate.inventory.models import EnvWireless, Site, WlcModel, WlcUnit


@dataclass(frozen=True, slots=True)
class PairChoice:
    primary: WlcUnit
    backup: WlcUnit | None  # None when the environment has a single pair


@dataclass(frozen=True, slots=True)
class PairLoad:
    """One pair's load: its own sites, and what lands on it when another pair fails."""

    pair: WlcUnit
    hostname: str
    sites: tuple[str, ...]
    aps: int
    clients: int
    failover_aps: int  # the most APs it takes over when any one other pair is lost
    failover_clients: int


def _weight(site_id: str, pair: str) -> int:
    digest = hashlib.blake2b(f"{site_id}/{pair}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def choose_pair(site_id: str, wireless: EnvWireless) -> PairChoice:
    ranked = sorted(wireless.pairs, key=lambda pair: (_weight(site_id, pair.name), pair.name), reverse=True)
    return PairChoice(ranked[0], ranked[1] if len(ranked) > 1 else None)


def pair_hostname(inventory: Inventory, env: str, unit: WlcUnit) -> str:
    return f"{inventory.estate.site_id_prefix.lower()}-{env}-{unit.name}"


def site_clients(site: Site, clients_per_ap: int) -> int:
    return site.aps * clients_per_ap


def pair_loads(inventory: Inventory, env: str, sites: list[Site]) -> list[PairLoad]:
    """Each pair's APs and clients, own and on failover, for the sites given (those with APs)."""
    wireless = inventory.environment(env).wireless
    per_ap = inventory.estate.wireless.clients_per_ap
    own: dict[str, list[Site]] = {pair.name: [] for pair in wireless.pairs}
    # failover[p][q]: what pair p takes when pair q is lost
    failover: dict[str, dict[str, list[Site]]] = {pair.name: {} for pair in wireless.pairs}
    for site in sites:
        if not site.aps:
            continue
        choice = choose_pair(site.site_id, wireless)
        own[choice.primary.name].append(site)
        if choice.backup is not None:
            failover[choice.backup.name].setdefault(choice.primary.name, []).append(site)
    loads = []
    for pair in wireless.pairs:
        worst = max(failover[pair.name].values(), key=lambda lost: sum(s.aps for s in lost), default=[])
        loads.append(PairLoad(
            pair=pair,
            hostname=pair_hostname(inventory, env, pair),
            sites=tuple(s.site_id for s in own[pair.name]),
            aps=sum(s.aps for s in own[pair.name]),
            clients=sum(site_clients(s, per_ap) for s in own[pair.name]),
            failover_aps=sum(s.aps for s in worst),
            failover_clients=sum(site_clients(s, per_ap) for s in worst),
        ))
    return loads


@dataclass(frozen=True, slots=True)
class PairLimit:
    aps: int
    clients: int


def usable(model: WlcModel, headroom: float) -> PairLimit:
    """What a pair of this model may carry once the headroom is kept free."""
    return PairLimit(int(model.max_aps * (1 - headroom)), int(model.max_clients * (1 - headroom)))
