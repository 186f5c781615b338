"""Cross-checks between the two halves of the WAN: the stack's outputs (what AWS was asked for)
and the inventory (what the routers are rendered from). A mismatch names both sides: the file
and key of the outputs, the `estate.yaml` field (or the rendered hub config).

- every customer gateway of the stack has the inventory's hub router with the same public
  address and ASN, and every hub router of the environment has a customer gateway;
- every VPN's inside CIDRs are the hub config's tunnel addresses: distinct /30s on the router,
  clear of its other links, and printed as such in the rendered config (`check_hub_configs`);
- the sites' supernets the stack routes to the Transit Gateway are exactly the prefixes the hubs
  advertise (`wan.environment_prefixes`), and they cover every site's `site_prefixes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from estate.build.render import Artifact
from estate.build.stack_outputs import EXPORT, StackOutputs
from estate.build.wan import env_hubs, environment_prefixes, hub_hostname, hub_links, overlay_link, site_prefixes
from estate.inventory.inventory import Inventory


@dataclass(frozen=True)
class WanMismatch:
    stack_side: str  # FILE: wanHubs.<hub>.<key> = value
    inventory_side: str  # estate.yaml field = value, or the rendered config
    message: str

    def render(self) -> str:
        return f"{self.stack_side}: {self.message} (inventory: {self.inventory_side})"


class WanMismatchError(ValueError):
    def __init__(self, mismatches: Iterable[WanMismatch]) -> None:
        self.mismatches = tuple(mismatches)
        super().__init__("\n".join(m.render() for m in self.mismatches))


def _router_field(inventory: Inventory, hub: str, env: str, field: str) -> str:
    index = [h.name for h in inventory.estate.wan.hubs].index(hub)
    return f"estate.yaml wan.hubs[{index}] ({hub}).routers.{env}.{field}"


def check_gateways(inventory: Inventory, env: str, outputs: StackOutputs) -> list[WanMismatch]:
    """Customer gateways against the environment's hub routers, both ways."""
    found: list[WanMismatch] = []
    routers = {hub.name: hub for hub in env_hubs(inventory.estate, env)}
    for name, declared in outputs.hubs.items():
        where = outputs.line_of(name)
        hub = routers.get(name)
        if hub is None:
            found.append(WanMismatch(
                f"{where}.customerGatewayAddress = {declared.customer_gateway_address}",
                f"estate.yaml wan.hubs has no router for environment {env} at '{name}' "
                f"(routers of {env}: {', '.join(sorted(routers)) or 'none'})",
                "a customer gateway with no hub router"))
            continue
        if declared.customer_gateway_address != hub.public_ip:
            found.append(WanMismatch(
                f"{where}.customerGatewayAddress = {declared.customer_gateway_address}",
                f"{_router_field(inventory, name, env, 'public_ip')} = {hub.public_ip}",
                "the customer gateway's address is not the hub router's public address"))
        if declared.customer_gateway_asn != hub.asn:
            found.append(WanMismatch(
                f"{where}.customerGatewayAsn = {declared.customer_gateway_asn}",
                f"{_router_field(inventory, name, env, 'asn')} = {hub.asn}",
                "the customer gateway's ASN is not the hub router's"))
    for name in sorted(set(routers) - set(outputs.hubs)):
        found.append(WanMismatch(
            f"{outputs.path}: {EXPORT} has no '{name}'",
            f"{_router_field(inventory, name, env, 'public_ip')} = {routers[name].public_ip}",
            "a hub router with no customer gateway in the stack (add it to the stack's vpnHubs)"))
    return found


def check_tunnels(inventory: Inventory, env: str, outputs: StackOutputs) -> list[WanMismatch]:
    """Each hub router's tunnel /30s: distinct, and clear of its carrier links and overlays."""
    found: list[WanMismatch] = []
    estate = inventory.estate
    for name, declared in outputs.hubs.items():
        if name not in {h.name for h in estate.wan.hubs}:
            continue  # check_gateways reports it
        used: dict[IPv4Network, str] = {}
        for link in hub_links(estate, name):
            used[link.network] = f"wan.hub_links({name}) {link.carrier} PE-CE link {link.network}"
        for site in inventory.env_sites(env):
            overlay = overlay_link(estate, env, site)
            if overlay is not None and site.wan_hub == name:
                used[overlay.network] = f"overlay /30 {overlay.network} of site {site.site_id}"
        for n, tunnel in enumerate(declared.tunnels):
            key = f"{outputs.line_of(name)}.tunnels[{n}].insideCidr = {tunnel.inside_cidr}"
            clash = next((what for net, what in used.items() if net.overlaps(tunnel.inside_cidr)), None)
            if clash is not None:
                found.append(WanMismatch(key, f"hub router {hub_hostname(inventory, env, name)}: {clash}",
                                         "the tunnel's inside /30 overlaps another interface of the hub router"))
            used[tunnel.inside_cidr] = f"{EXPORT}.{name}.tunnels[{n}].insideCidr {tunnel.inside_cidr}"
    return found


def check_supernets(inventory: Inventory, env: str, outputs: StackOutputs) -> list[WanMismatch]:
    """What the VPC routes to the sites against what the hubs advertise and the sites own."""
    found: list[WanMismatch] = []
    advertised = set(environment_prefixes(inventory, env))
    fields = f"estate.yaml environments.{env}.supernet/voice_supernet = {', '.join(map(str, sorted(advertised)))}"
    for name, declared in outputs.hubs.items():
        routed = set(declared.site_supernets)
        key = f"{outputs.line_of(name)}.siteSupernets = {', '.join(map(str, sorted(routed)))}"
        if routed != advertised:
            missing = ", ".join(map(str, sorted(advertised - routed))) or "none"
            extra = ", ".join(map(str, sorted(routed - advertised))) or "none"
            found.append(WanMismatch(key, fields, f"the stack routes other site supernets than the hubs advertise "
                                                  f"(not routed: {missing}; routed, not advertised: {extra})"))
            continue
        for site in inventory.env_sites(env):
            for prefix in site_prefixes(inventory, env, site):
                if not any(prefix.subnet_of(net) for net in routed):
                    found.append(WanMismatch(key, f"site {site.site_id} advertises {prefix}",
                                             "a site prefix outside every supernet the stack routes"))
    return found


def check_stack_outputs(inventory: Inventory, env: str, outputs: StackOutputs) -> None:
    """Every cross-check; raises `WanMismatchError` with all mismatches."""
    found = [*check_gateways(inventory, env, outputs), *check_tunnels(inventory, env, outputs),
             *check_supernets(inventory, env, outputs)]
    if found:
        raise WanMismatchError(found)


_TUNNEL = re.compile(r"^interface Tunnel(\d+)\n((?: .*\n)*)", re.MULTILINE)
_ADDRESS = re.compile(r"^ ip address (\S+) (\S+)$", re.MULTILINE)


def tunnel_addresses(config: str) -> set[IPv4Network]:
    """The /30s a rendered config's `interface TunnelN` carry, as `ip address` lines state them."""
    found = set()
    for match in _TUNNEL.finditer(config):
        address = _ADDRESS.search(match.group(2))
        if address is not None:
            found.add(IPv4Network(f"{IPv4Address(address.group(1))}/{address.group(2)}", strict=False))
    return found


def check_hub_configs(artifacts: Iterable[Artifact], outputs: StackOutputs) -> None:
    """The rendered hub configs carry exactly the stack's tunnel /30s, each at the customer
    gateway's inside address (a template or view that lost or changed one fails here, before
    anything is written)."""
    found: list[WanMismatch] = []
    for artifact in artifacts:
        hub = next((name for name in outputs.hubs if artifact.hostname.endswith(f"-{name}-r01")), None)
        if hub is None:
            continue
        declared = outputs.hubs[hub].tunnels
        wanted = {t.inside_cidr for t in declared}
        rendered = tunnel_addresses(artifact.text)
        cgw = {f" ip address {t.cgw_inside_address} {t.inside_cidr.netmask}" for t in declared}
        missing_lines = [line for line in sorted(cgw) if f"{line}\n" not in artifact.text]
        if rendered != wanted or missing_lines:
            found.append(WanMismatch(
                f"{outputs.line_of(hub)}.tunnels[*].insideCidr = {', '.join(map(str, sorted(wanted)))}",
                f"rendered {artifact.relpath}: Tunnel interfaces on {', '.join(map(str, sorted(rendered))) or 'none'}",
                "the hub config's tunnel addresses are not the VPN's inside addresses"))
    if found:
        raise WanMismatchError(found)
