"""Design rules that only show once the sites are derived: WLC pairs within their limits (and,
with N+1, within the datasheet when another pair is lost), every switch's PoE draw within its
budget, every site's voice peak within the priority share of its circuit, every user port's
VLAN carried where there are such ports, and every site's circuit within what its edge router
forwards (datasheet, with QoS and IPsec).

These run after the per-site derivation (`validate.derived_problems`) on the site models it
cached, and skip the sites that already have problems of their own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from estate.build.capacity import CapacitySettings, priority_kbps, site_capacity
from estate.build.device_model import EDGE_KINDS, SiteModel, Switch, build_site
from estate.build.poe import draw, port_draw, usable_budget
from estate.build.wlc_pairs import PairLoad, choose_pair, pair_loads, site_clients, usable
from estate.inventory.inventory import Inventory
from estate.inventory.load import ESTATE_FILE, RawEstate
from estate.inventory.models import Site, WlcModel
from estate.problems import Problem

# the site count behind each edge port kind, as sites.csv names it
COUNT_OF_PORT = {"ap": "aps", "phone": "phones", "desktop": "desktops", "printer": "printers",
                 "bwv_dock": "bwv_docks"}


def design_problems(raw: RawEstate, inventory: Inventory, skip: set[str]) -> list[Problem]:
    """Every design rule broken, for the sites not in `skip` (those whose own problems stop them
    being derived). WLC loads count every valid site: a site with a problem still has its APs."""
    return [*wlc_problems(raw, inventory), *poe_problems(raw, inventory, skip),
            *voice_problems(raw, inventory, skip), *port_vlan_problems(raw, inventory, skip),
            *edge_problems(raw, inventory, skip)]


def _env_sites(inventory: Inventory, env: str) -> list[Site]:
    # not Inventory.env_sites: an environment may name a site that failed validation (reported)
    selection = inventory.environment(env).sites
    ids = list(inventory.sites) if selection == "all" else sorted(selection)
    return [inventory.sites[site_id] for site_id in ids if site_id in inventory.sites]


def _line(raw: RawEstate, *path: str | int) -> int | None:
    return None if raw.estate_doc is None else raw.estate_doc.line_of(path)


# --- WLC capacity -------------------------------------------------------------------------------

def wlc_problems(raw: RawEstate, inventory: Inventory) -> Iterator[Problem]:
    wireless = inventory.estate.wireless
    for env_name, env in inventory.estate.environments.items():
        model = wireless.models.get(env.wireless.model)
        if model is None:
            continue  # an unknown model is reported by the inventory checks
        sites = _env_sites(inventory, env_name)
        loads = pair_loads(inventory, env_name, sites)
        for index, load in enumerate(loads):
            line = _line(raw, "environments", env_name, "wireless", "pairs", index)
            yield from _over_usable(env_name, load, name=env.wireless.model, model=model,
                                    headroom=wireless.headroom, line=line)
            if wireless.n_plus_one and (load.failover_aps or load.failover_clients):
                yield from _over_on_failover(inventory, env_name, sites, load, name=env.wireless.model, model=model,
                                             line=line)


def _over_usable(env: str, load: PairLoad, *, name: str, model: WlcModel, headroom: float,
                 line: int | None) -> Iterator[Problem]:
    limit = usable(model, headroom)
    over = []
    if load.aps > limit.aps:
        over.append(f"{load.aps} APs, over the {limit.aps} it may carry ({model.max_aps} less {headroom:.0%} headroom)")
    if load.clients > limit.clients:
        over.append(f"{load.clients} clients, over the {limit.clients} it may carry "
                    f"({model.max_clients} less {headroom:.0%} headroom)")
    if over:
        yield Problem(ESTATE_FILE, f"WLC pair {load.hostname} ({name}) of environment '{env}' serves "
                      f"{len(load.sites)} sites with {' and '.join(over)}", line=line,
                      field=f"environments.{env}.wireless",
                      hint="add a pair to the environment's wireless.pairs (only the sites that rank it "
                      "first move to it), or choose a bigger model from wireless.models")


def _over_on_failover(inventory: Inventory, env: str, sites: list[Site], load: PairLoad, *, name: str,
                      model: WlcModel, line: int | None) -> Iterator[Problem]:
    over = []
    if load.aps + load.failover_aps > model.max_aps:
        over.append(f"{load.aps} + {load.failover_aps} = {load.aps + load.failover_aps} APs, over its "
                    f"{model.max_aps}")
    if load.clients + load.failover_clients > model.max_clients:
        over.append(f"{load.clients} + {load.failover_clients} = {load.clients + load.failover_clients} clients, "
                    f"over its {model.max_clients}")
    if not over:
        return
    lost = _worst_loss(inventory, env, sites, load)
    yield Problem(ESTATE_FILE, f"losing WLC pair {lost} of environment '{env}' overloads pair {load.hostname}: "
                  f"it would carry {' and '.join(over)} ({name} datasheet)", line=line,
                  field=f"environments.{env}.wireless",
                  hint="wireless.n_plus_one needs every pair to take over the sites of a lost one: add a pair, "
                  "or choose a bigger model from wireless.models")


def _worst_loss(inventory: Inventory, env: str, sites: list[Site], load: PairLoad) -> str:
    """The hostname of the pair whose loss sends `load`'s pair the most APs."""
    wireless = inventory.environment(env).wireless
    per_ap = inventory.estate.wireless.clients_per_ap
    taken: dict[str, tuple[int, int]] = {}
    for site in sites:
        choice = choose_pair(site.site_id, wireless)
        if site.aps and choice.backup is not None and choice.backup.name == load.pair.name:
            aps, clients = taken.get(choice.primary.name, (0, 0))
            taken[choice.primary.name] = (aps + site.aps, clients + site_clients(site, per_ap))
    lost = max(taken, key=lambda pair: (taken[pair], pair))
    return f"{inventory.estate.site_id_prefix.lower()}-{env}-{lost}"


# --- PoE ----------------------------------------------------------------------------------------

def _site_models(raw: RawEstate, inventory: Inventory, skip: set[str]) -> Iterator[SiteModel]:
    """One model per site (PoE and voice do not depend on the environment), from the cache that
    the derivation filled."""
    seen: set[str] = set()
    for env_name in inventory.estate.environments:
        for site in _env_sites(inventory, env_name):
            if site.site_id in skip or site.site_id in seen or site.site_id not in raw.site_lines:
                continue
            seen.add(site.site_id)
            yield build_site(inventory, env_name, site)


def poe_problems(raw: RawEstate, inventory: Inventory, skip: set[str]) -> Iterator[Problem]:
    estate = inventory.estate
    for model in _site_models(raw, inventory, skip):
        for switch in model.switches:
            if switch.model not in estate.switch_models:
                continue  # reported by the inventory checks
            kinds = [port.kind for port in switch.ports if port.kind in EDGE_KINDS]
            watts, budget = draw(kinds, estate), usable_budget(switch.model, estate)
            if watts > budget:
                yield _poe_problem(raw, inventory, model.site, switch, kinds=kinds, watts=watts, budget=budget)


def _poe_problem(raw: RawEstate, inventory: Inventory, site: Site, switch: Switch, *, kinds: Iterable[str],
                 watts: float, budget: float) -> Problem:
    estate = inventory.estate
    powered: dict[str, int] = {}
    for kind in kinds:
        if port_draw(kind, estate):
            powered[kind] = powered.get(kind, 0) + 1
    devices = ", ".join(f"{count} {kind.replace('_', ' ')}{'s' if count != 1 else ''}"
                        for kind, count in sorted(powered.items()))
    full = estate.switch_models[switch.model].poe_budget_w
    bigger = sorted((spec.poe_budget_w, name) for name, spec in estate.switch_models.items()
                    if spec.poe_budget_w > full)
    supply = f", or a model with a bigger supply ({bigger[0][1]}: {bigger[0][0]:g} W)" if bigger else ""
    file, line = raw.site_lines[site.site_id]
    return Problem(file, f"{switch.hostname} ({switch.model}) draws {watts:g} W of PoE for {devices}; its budget "
                   f"is {budget:g} W ({full:g} W less the {estate.poe.margin:.0%} margin)", line=line,
                   site=site.site_id, field="/".join(COUNT_OF_PORT[k] for k in sorted(powered)),
                   hint=f"put fewer powered devices on each switch (more access switches){supply}")


# --- every user port has its VLAN at the site ------------------------------------------------------

def port_vlan_problems(raw: RawEstate, inventory: Inventory, skip: set[str]) -> Iterator[Problem]:
    """A site with devices of a port kind whose VLAN (the one whose `ports` name the kind) the site
    does not carry, because of its `site_kinds` or a `hosts` rule giving 0 there: those ports would
    be shut in the parking VLAN."""
    estate = inventory.estate
    for model in _site_models(raw, inventory, skip):
        carried = {subnet.role for subnet in model.addressing.subnets}
        for port, count in sorted({kind.value: n for kind, n in model.plan.edge.items()}.items()):
            if not count or port == "ap":
                continue
            vlan = next((v for v in estate.vlans if port in v.ports), None)
            if vlan is None or vlan.role in carried:
                continue  # a kind with no VLAN at all is the inventory checks' problem
            index = estate.vlans.index(vlan)
            file, line = raw.site_lines[model.site.site_id]
            why = (f"its site_kinds leave out {model.site.kind}" if vlan.site_kinds is not None
                   and model.site.kind not in vlan.site_kinds else "its hosts rule gives 0 here")
            yield Problem(file, f"the site has {count} {port.replace('_', ' ')} port(s) but not their VLAN "
                          f"{vlan.name} ({why}); the ports would be shut", line=line, site=model.site.site_id,
                          field=COUNT_OF_PORT[port],
                          hint=f"add {model.site.kind} to vlans[{index}].site_kinds in {ESTATE_FILE}, or give "
                          f"the site's {port.replace('_', ' ')}s another VLAN through `ports`")


# --- voice priority share -----------------------------------------------------------------------

def voice_problems(raw: RawEstate, inventory: Inventory, skip: set[str]) -> Iterator[Problem]:
    """A site whose voice peak (what `estate capacity` prints as its WAN voice bandwidth, inside
    IPsec) needs more priority queue than `qos.priority_max_share` of its circuit."""
    qos, settings = inventory.estate.qos, CapacitySettings()
    for site_id, site in inventory.sites.items():
        if site_id in skip or site_id not in raw.site_lines:
            continue
        capacity = site_capacity(site, settings)
        needed = priority_kbps(capacity.voice_kbps_ipsec, qos.priority_step_kbps)
        share_kbps = site.wan_mbps * 1000 * qos.priority_max_share
        if needed > share_kbps:
            file, line = raw.site_lines[site_id]
            least = math.ceil(needed / qos.priority_max_share / 1000)
            yield Problem(file, f"the voice peak of {capacity.channels} calls needs {needed} kb/s of priority queue "
                          f"({capacity.voice_mbps_ipsec:.2f} Mb/s in IPsec, rounded up to {qos.priority_step_kbps} "
                          f"kb/s); the priority share ({qos.priority_max_share:.0%}) of the {site.wan_mbps} Mb/s "
                          f"circuit is {share_kbps:g} kb/s", line=line, site=site_id, field="wan_mbps",
                          hint=f"a circuit of at least {least} Mb/s, or a larger qos.priority_max_share in "
                          f"{ESTATE_FILE}")


# --- WAN edge router throughput -----------------------------------------------------------------

def edge_problems(raw: RawEstate, inventory: Inventory, skip: set[str]) -> Iterator[Problem]:
    """A site whose circuit is faster than its kind's edge router forwards: the router, not the
    carrier, would then be the bottleneck, and its shaper would promise what it cannot do."""
    estate = inventory.estate
    models = estate.wan.edge_models
    for site_id, site in inventory.sites.items():
        if site_id in skip or site_id not in raw.site_lines:
            continue
        kind = estate.site_kinds.get(site.kind)
        name = kind.wan.router if kind is not None else None
        model = models.get(name) if name is not None else None
        if model is None or site.wan_mbps <= model.max_mbps:
            continue  # an unknown kind or model is reported by the inventory checks
        file, line = raw.site_lines[site_id]
        bigger = sorted((m.max_mbps, n) for n, m in models.items() if m.max_mbps >= site.wan_mbps)
        instead = f"a {site.kind} edge router that does (such as {bigger[0][1]}) in site_kinds.{site.kind}.wan.router" \
            if bigger else "a faster router model in wan.edge_models"
        yield Problem(file, f"the {site.wan_mbps} Mb/s circuit is faster than the site's edge router {name} forwards "
                      f"({model.max_mbps} Mb/s with QoS and IPsec)", line=line, site=site_id, field="wan_mbps",
                      hint=f"a circuit of at most {model.max_mbps} Mb/s, or {instead} of {ESTATE_FILE}")
