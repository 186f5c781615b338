"""What the C9800 templates receive: plain views of the WLC pairs, the guest anchor and each
site's share (see `estate.build.render_context` for the shared `Globals`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from estate.build.device_model import SiteModel, WlcGlobal, WlcSite, wlc_global
from estate.build.render_context import EnvViews, VlanView, site_view
from estate.inventory.inventory import Inventory
from estate.inventory.models import WlcUnit


@dataclass(frozen=True, slots=True)
class WlanView:
    name: str
    wlan_id: int
    security: str  # wpa3-enterprise | wpa2-enterprise | web-auth
    vlan_name: str
    policy_profile: str


@dataclass(frozen=True, slots=True)
class WlcGlobalView:
    hostname: str
    rf_tag: str
    wlans: tuple[WlanView, ...]


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
    wlans: tuple[WlanView, ...]


def wlc_global_view(inventory: Inventory, env: str, unit: WlcUnit) -> WlcGlobalView:
    model: WlcGlobal = wlc_global(inventory, env, unit)
    wlans = tuple(
        WlanView(w.ssid.name, w.ssid.wlan_id, w.ssid.security, w.vlan_name, w.policy_profile)
        for w in model.wlans
    )
    return WlcGlobalView(model.hostname, model.rf_tag, wlans)


def wlc_global_context(views: EnvViews, wlc: WlcGlobalView) -> dict[str, Any]:
    """The context of `c9800/wlc_global.j2`: `g` and `wlc`."""
    return {"g": views.g, "wlc": wlc}


def wlc_site_context(views: EnvViews, pair: WlcGlobalView, model: SiteModel, wlc: WlcSite) -> dict[str, Any]:
    """The context of `c9800/wlc_site.j2`: `g`, `site` and `wlc` (only the site's objects)."""
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
        rf_tag=pair.rf_tag,
        wlans=tuple(by_ssid[w.name] for w in wlc.wlans),
    )
    return {"g": views.g, "site": site_view(model), "wlc": view}
