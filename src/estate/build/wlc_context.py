"""What the C9800 templates receive: plain views of the WLC HA pairs, the guest anchor and each
site's share (see `estate.build.render_context` for the shared `Globals` and `MgmtView`).

Design decisions the WLC configs carry (documented here once):
- Each SSO pair is one device (one config, one management address). A site's objects (site tag,
  flex profile, policy tag, AP join profile, AP filter) live only on the pair `wlc_pairs`
  chose for it; its AP join profile names that pair as primary and the backup pair as
  secondary controller, so the APs fail over to the backup pair (N+1) when their pair is lost.
- Corporate SSIDs are FlexConnect locally switched into site VLANs. The guest SSID is centrally
  switched: the pair tunnels it (mobility, export foreign) to the guest anchor in the DMZ, which
  alone puts guests into a VLAN, the DMZ one; no site VLAN and no site core ever carries guest
  traffic. Pairs and the anchor are peers of one mobility group, both ways.
- Peer-to-peer blocking (`peer-blocking drop`) on every WLAN: guests must never reach each
  other, and the force's WiFi clients (managed laptops, body-worn cameras) talk to servers,
  never to a neighbour on the same AP: blocking that stops lateral movement at the edge.
- The pairs and the anchor carry the same device baseline as the switches (the shared
  `ios_xe/partials`), managed in-band on `Vlan<estate management VLAN id>`: the data centres'
  management VLAN shares the estate plan's management id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from estate.build.device_model import SiteModel, WlcSite, wlc_global
from estate.build.render_context import EnvViews, VlanView, mgmt_view, site_view
from estate.build.wlc_pairs import pair_hostname
from estate.inventory.inventory import Inventory
from estate.inventory.models import VlanRole, WlcUnit

AP_MGMT_USER = "estate-ap"  # the AP's local console/SSH user; its password and secret are secrets
ANCHOR_POLICY_TAG = "PT-GUEST-ANCHOR"  # maps the guest WLAN to its export-anchor policy profile


@dataclass(frozen=True, slots=True)
class WlanView:
    name: str
    wlan_id: int
    security: str  # wpa3-enterprise | wpa2-enterprise | web-auth
    policy_profile: str
    peer_blocking: bool


@dataclass(frozen=True, slots=True)
class PolicyProfileView:
    name: str
    description: str
    aaa_override: bool
    local_switching: bool  # FlexConnect: switched and addressed at the site, not at the WLC
    vlan_name: str | None  # None: the WLC never bridges these clients itself (anchored guests)
    anchor: str | None  # export foreign: the guest anchor's address
    export_anchor: bool  # this WLC is the guest anchor


@dataclass(frozen=True, slots=True)
class MobilityPeerView:
    hostname: str
    mac: str
    address: str


@dataclass(frozen=True, slots=True)
class WlcGlobalView:
    """A WLC's own part: a pair's (without its site shares), or the guest anchor's."""

    hostname: str
    name: str  # the pair's or anchor's name in the inventory
    address: str
    is_anchor: bool
    management_interface: str
    mobility_group: str
    mobility_mac: str
    peers: tuple[MobilityPeerView, ...]  # every other WLC of the environment
    rf_tag: str | None  # pairs only: the anchor serves no AP
    vlans: tuple[VlanView, ...]  # the anchor's DMZ VLAN; pairs bridge no VLAN themselves
    wlans: tuple[WlanView, ...]
    policy_profiles: tuple[PolicyProfileView, ...]
    policy_tag: str | None  # the anchor's WLAN-to-policy map (no AP carries it)


@dataclass(frozen=True, slots=True)
class Controller:
    hostname: str
    address: str


@dataclass(frozen=True, slots=True)
class WlcSiteView:
    site_id: str
    description: str
    flex_profile: str
    native_vlan_id: int
    vlans: tuple[VlanView, ...]
    site_tag: str
    policy_tag: str
    ap_profile: str
    ap_filter: str
    ap_filter_priority: int
    ap_name_regex: str
    rf_tag: str
    primary: Controller
    secondary: Controller | None  # None where the environment has a single pair
    ap_user: str | None  # the AP management user; SSH on the APs only with it set
    wlans: tuple[WlanView, ...]


@dataclass(frozen=True, slots=True)
class WlcEnvViews:
    """Every WLC of one environment, built once: the pairs, then the guest anchor."""

    pairs: tuple[WlcGlobalView, ...]
    anchor: WlcGlobalView | None

    @property
    def devices(self) -> tuple[WlcGlobalView, ...]:
        return (*self.pairs, *([self.anchor] if self.anchor else []))

    def by_hostname(self, hostname: str) -> WlcGlobalView:
        return next(view for view in self.devices if view.hostname == hostname)


def management_interface(inventory: Inventory) -> str:
    return f"Vlan{inventory.estate.vlan(VlanRole.MANAGEMENT).id}"


def wlc_env_views(inventory: Inventory, env: str) -> WlcEnvViews:
    wireless = inventory.environment(env).wireless
    group = inventory.estate.wireless.mobility_group
    anchor = wireless.guest_anchor
    units: list[WlcUnit] = [*wireless.pairs, *([anchor] if anchor else [])]
    peers = {unit.name: MobilityPeerView(pair_hostname(inventory, env, unit), unit.mobility_mac, str(unit.address))
             for unit in units}
    base = wlc_global(inventory, env, wireless.pairs[0])
    interface = management_interface(inventory)

    def peers_of(unit: WlcUnit) -> tuple[MobilityPeerView, ...]:
        return tuple(peer for name, peer in peers.items() if name != unit.name)

    # the guest SSID exists only where an anchor takes it: never switched locally instead
    wlans = [w for w in base.wlans if not w.ssid.guest or anchor is not None]
    wlan_views = tuple(WlanView(w.ssid.name, w.ssid.wlan_id, w.ssid.security, w.policy_profile, True) for w in wlans)
    pair_profiles = tuple(
        PolicyProfileView(w.policy_profile, f"{w.ssid.name}: central switching, anchored to the guest anchor",
                          aaa_override=False, local_switching=False, vlan_name=None,
                          anchor=str(anchor.address), export_anchor=False)
        if w.ssid.guest and anchor is not None else
        PolicyProfileView(w.policy_profile, f"{w.ssid.name}: central authentication, FlexConnect local switching",
                          aaa_override=w.ssid.security != "web-auth", local_switching=True,
                          vlan_name=w.vlan_name, anchor=None, export_anchor=False)
        for w in wlans
    )
    pairs = tuple(
        WlcGlobalView(pair_hostname(inventory, env, unit), unit.name, str(unit.address), False, interface, group,
                      unit.mobility_mac, peers_of(unit), base.rf_tag, (), wlan_views, pair_profiles, None)
        for unit in wireless.pairs
    )
    if anchor is None:
        return WlcEnvViews(pairs, None)
    guests = [w for w in wlans if w.ssid.guest]
    anchor_view = WlcGlobalView(
        pair_hostname(inventory, env, anchor), anchor.name, str(anchor.address), True, interface, group,
        anchor.mobility_mac, peers_of(anchor), None, (VlanView(anchor.vlan.id, anchor.vlan.name),),
        tuple(v for v in wlan_views if v.name in {w.ssid.name for w in guests}),
        tuple(PolicyProfileView(w.policy_profile, f"{w.ssid.name}: export anchor, guests into {anchor.vlan.name}",
                                aaa_override=False, local_switching=False, vlan_name=anchor.vlan.name,
                                anchor=None, export_anchor=True) for w in guests),
        ANCHOR_POLICY_TAG if guests else None,
    )
    return WlcEnvViews(pairs, anchor_view)


def _location(env: str, wlc: WlcGlobalView) -> str:
    return f"{env} DMZ, guest anchor {wlc.name}" if wlc.is_anchor else f"{env} data centre, WLC pair {wlc.name}"


def wlc_global_context(views: EnvViews, wlc: WlcGlobalView) -> dict[str, Any]:
    """The context of `c9800/wlc_global.j2` (pairs and the guest anchor): `g`, `mgmt`, `wlc`."""
    mgmt = mgmt_view(wlc.hostname, wlc.management_interface, _location(views.g.env, wlc), is_router=False)
    return {"g": views.g, "mgmt": mgmt, "wlc": wlc}


def wlc_global_contexts(views: EnvViews, wlcs: WlcEnvViews) -> list[tuple[WlcGlobalView, dict[str, Any]]]:
    return [(wlc, wlc_global_context(views, wlc)) for wlc in wlcs.devices]


def wlc_site_context(views: EnvViews, wlcs: WlcEnvViews, model: SiteModel, wlc: WlcSite) -> dict[str, Any]:
    """The context of `c9800/wlc_site.j2`: `g`, `site` and `wlc` (only the site's objects, for
    its pair)."""
    pair = wlcs.by_hostname(wlc.wlc_hostname)
    backup = wlcs.by_hostname(pair_hostname_of(wlcs, wlc.backup)) if wlc.backup is not None else None
    by_ssid = {w.name: w for w in pair.wlans}
    view = WlcSiteView(
        site_id=wlc.site_id,
        description=f"{model.site.name}, {model.site.borough}",
        flex_profile=wlc.flex_profile,
        native_vlan_id=wlc.native_vlan.vlan_id,
        vlans=tuple(VlanView(v.vlan_id, v.name) for v in wlc.vlans),
        site_tag=wlc.site_tag,
        policy_tag=wlc.policy_tag,
        ap_profile=wlc.ap_profile,
        ap_filter=wlc.ap_filter,
        ap_filter_priority=model.site.number,
        ap_name_regex=wlc.ap_name_regex,
        rf_tag=pair.rf_tag or "",
        primary=Controller(pair.hostname, pair.address),
        secondary=Controller(backup.hostname, backup.address) if backup is not None else None,
        ap_user=AP_MGMT_USER,
        # the guest SSID only where the site offers guest WiFi and an anchor takes it
        wlans=tuple(by_ssid[w.name] for w in wlc.wlans if w.name in by_ssid),
    )
    return {"g": views.g, "site": site_view(model), "wlc": view}


def pair_hostname_of(wlcs: WlcEnvViews, unit: WlcUnit) -> str:
    return next(view.hostname for view in wlcs.pairs if view.name == unit.name)
