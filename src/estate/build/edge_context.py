"""What `ios_xe/edge.j2` receives: the site's WAN edge router as plain views (circuits, BGP
neighbours with their filters, the hierarchical shaper, the cellular overlay and its tracking),
decided here from the device model; the shared baseline comes from `render_context`."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Interface
from typing import Any

from estate.build.device_model import Circuit, EdgeRouter, PortKind, SiteModel
from estate.build.ports import WAN_QUEUING, WAN_SHAPER, WanQos, wan_qos
from estate.build.render_context import LOOPBACK, EnvViews, iface, mgmt_view, site_view
from estate.build.wan import hub_hostname

PREFIX_IN = "WAN-IN-DEFAULT-ONLY"  # what the edge router accepts from any WAN peer
PREFIX_OUT = "WAN-OUT-SITE"  # what it advertises: the site's prefixes, exactly
BACKUP_IN = "WAN-BACKUP-IN"  # the second path: lower local preference...
BACKUP_OUT = "WAN-BACKUP-OUT"  # ...and the site's ASN prepended
MAXIMUM_PREFIX = 10  # the session is reset past this (restart after RESTART_MINUTES): one default is expected
MAXIMUM_PREFIX_WARNING = 80  # percent of the maximum logged first
RESTART_MINUTES = 5
BFD_MPLS = (300, 300, 3)  # interval, min_rx (ms), multiplier: under a second on a carrier circuit
BFD_OVERLAY = (1000, 1000, 5)  # cellular jitter: looser, or the backup flaps
TUNNEL = "Tunnel100"
OVERLAY = "WAN-OVERLAY"  # the IKEv2 proposal, policy, keyring, profile and IPsec objects
CELLULAR_ACL = "WAN-CELLULAR-IN"
OVERLAY_MTU = 1400  # IPsec in tunnel mode over a cellular bearer
OVERLAY_MSS = 1360
SLA_ID = 10  # the probe of the primary PE
TRACK_PRIMARY = 10  # up while the primary PE answers
TRACK_BACKUP = 11  # its inverse: up while it does not (the tunnel's static default)
BACKUP_DISTANCE = 250  # the floating default over the tunnel, behind every learned default


@dataclass(frozen=True, slots=True)
class PrefixView:
    cidr: str  # ip prefix-list form
    network: str
    mask: str


@dataclass(frozen=True, slots=True)
class NeighborView:
    address: str
    remote_as: int
    description: str
    backup: bool  # the second path: BACKUP_IN / BACKUP_OUT route-maps too


@dataclass(frozen=True, slots=True)
class CircuitView:
    """An MPLS circuit: the carrier port, shaped, eBGP to the PE."""

    interface: str
    description: str
    address: IPv4Interface
    neighbor: NeighborView


@dataclass(frozen=True, slots=True)
class OverlayView:
    """The cellular backup: the modem's interface and the IKEv2 static VTI to the hub over it."""

    cellular: str
    cellular_description: str
    tunnel: str
    tunnel_description: str
    address: IPv4Interface  # the tunnel's inside address (site .2)
    hub_name: str  # the IKEv2 keyring's peer
    hub_public_ip: str  # the tunnel's destination and IKEv2 peer
    local_identity: str  # IKEv2 FQDN identity: a cellular address is negotiated, often behind CGNAT
    neighbor: NeighborView  # BGP to the hub's tunnel address (.1)
    sla_target: str  # the primary PE the probe pings...
    sla_source: str  # ...out of the primary circuit


@dataclass(frozen=True, slots=True)
class EdgeView:
    hostname: str
    model: str
    asn: int
    router_id: str
    loopback: IPv4Interface
    lan_interface: str
    lan_description: str
    lan_address: IPv4Interface  # the site's WAN /30, edge end (wan_peer)
    core_address: str  # the core's end (wan_local): next hop of the site's prefixes
    circuits: tuple[CircuitView, ...]  # MPLS circuits, primary first
    overlay: OverlayView | None
    neighbors: tuple[NeighborView, ...]  # every BGP neighbour, primary first
    prefixes: tuple[PrefixView, ...]
    qos: WanQos
    backup_local_pref: int
    backup_prepend: str  # the site's ASN, repeated
    prefix_in: str = PREFIX_IN
    prefix_out: str = PREFIX_OUT
    backup_in: str = BACKUP_IN
    backup_out: str = BACKUP_OUT
    shaper: str = WAN_SHAPER
    queuing: str = WAN_QUEUING
    maximum_prefix: int = MAXIMUM_PREFIX
    maximum_prefix_warning: int = MAXIMUM_PREFIX_WARNING
    restart_minutes: int = RESTART_MINUTES
    bfd: tuple[int, int, int] = BFD_MPLS
    bfd_overlay: tuple[int, int, int] = BFD_OVERLAY
    overlay_name: str = OVERLAY
    cellular_acl: str = CELLULAR_ACL
    overlay_mtu: int = OVERLAY_MTU
    overlay_mss: int = OVERLAY_MSS
    sla_id: int = SLA_ID
    track_primary: int = TRACK_PRIMARY
    track_backup: int = TRACK_BACKUP
    backup_distance: int = BACKUP_DISTANCE


def _neighbor(circuit: Circuit, what: str) -> NeighborView:
    link = circuit.link
    assert link.peer_asn is not None  # MPLS carriers have an ASN (schema); the overlay has the hub's
    return NeighborView(str(link.peer), link.peer_asn, what, circuit.backup)


def edge_view(views: EnvViews, model: SiteModel) -> EdgeView:
    inventory = views.inventory
    estate = inventory.estate
    edge: EdgeRouter = model.edge
    addressing = model.addressing
    circuits = tuple(
        CircuitView(c.interface, f"WAN {c.link.role.value}: {c.link.carrier} circuit, {model.site.wan_mbps} Mb/s",
                    iface(c.link.local, c.link.network),
                    _neighbor(c, f"{c.link.carrier} PE ({c.link.role.value})"))
        for c in edge.mpls)
    overlay = None
    backup = edge.overlay
    if backup is not None and edge.hub is not None:
        hub = edge.hub
        hub_name = hub_hostname(estate, hub.env, hub.name)
        primary = edge.mpls[0]
        overlay = OverlayView(
            cellular=backup.interface,
            cellular_description=f"WAN backup: {backup.link.carrier} 4G/5G, underlay of {TUNNEL}",
            tunnel=TUNNEL,
            tunnel_description=f"WAN backup: IKEv2 overlay to {hub_name} ({hub.name}) over {backup.interface}",
            address=iface(backup.link.local, backup.link.network),
            hub_name=hub.name,
            hub_public_ip=str(hub.public_ip),
            local_identity=f"{edge.hostname}.{estate.domain}",
            neighbor=_neighbor(backup, f"{hub_name} over the cellular overlay (backup)"),
            sla_target=str(primary.link.peer),
            sla_source=primary.interface,
        )
    neighbors = tuple(c.neighbor for c in circuits) + ((overlay.neighbor,) if overlay else ())
    core_port = next(p.name for p in model.core.ports if p.kind is PortKind.WAN)
    prefixes = tuple(PrefixView(str(net), str(net.network_address), str(net.netmask)) for net in edge.prefixes)
    return EdgeView(
        hostname=edge.hostname, model=edge.model, asn=edge.asn, router_id=str(edge.loopback),
        loopback=IPv4Interface((int(edge.loopback), 32)), lan_interface=edge.lan_interface,
        lan_description=f"LAN: routed link to {model.core.hostname} {core_port}",
        lan_address=iface(addressing.wan_peer, addressing.wan_network), core_address=str(addressing.wan_local),
        circuits=circuits, overlay=overlay, neighbors=neighbors, prefixes=prefixes,
        qos=wan_qos(model.site, estate),
        backup_local_pref=estate.wan.backup_local_pref,
        backup_prepend=" ".join([str(edge.asn)] * estate.wan.backup_prepend),
    )


def edge_context(views: EnvViews, model: SiteModel) -> dict[str, Any]:
    """The context of `ios_xe/edge.j2`: `g`, `mgmt` (Loopback0 as the management source), `site`,
    `edge` (EdgeView)."""
    site = site_view(model)
    view = edge_view(views, model)
    return {"g": views.g, "mgmt": mgmt_view(view.hostname, LOOPBACK, site.location, is_router=True),
            "site": site, "edge": view}
