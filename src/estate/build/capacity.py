"""Capacity: busy-hour voice traffic and channels (Erlang B), voice bandwidth on the WAN, and
body-worn-video upload volume and drain time, per site and for the environment.

The totals size the cloud: the voice tier is sized from the channels needed for the pooled
traffic of every site (calls from all sites share the same call control), the evidence tier from
the daily ingest and the volume kept. Every assumption is a field of `CapacitySettings` with a
documented default, so a planner can change it and see what moves.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from estate.inventory.inventory import Inventory
from estate.inventory.models import Site

MEGABITS_PER_GB = 8000.0  # decimal units, as circuit and storage vendors quote them
SECONDS_PER_HOUR = 3600.0


class Codec(StrEnum):
    G711 = "G.711"
    G722 = "G.722"
    G729 = "G.729"


@dataclass(frozen=True, slots=True)
class CodecRate:
    """kb/s per call, one direction, 20 ms packets."""

    ip: float
    ethernet: float
    ipsec: float  # SRTP inside an IPsec tunnel, on Ethernet


CODEC_RATES: dict[Codec, CodecRate] = {
    Codec.G711: CodecRate(ip=80.0, ethernet=87.2, ipsec=109.0),
    Codec.G722: CodecRate(ip=80.0, ethernet=87.2, ipsec=109.0),
    Codec.G729: CodecRate(ip=24.0, ethernet=31.2, ipsec=53.0),
}

Share = Annotated[float, Field(gt=0.0, le=1.0)]


class CapacitySettings(BaseModel):
    """The planning assumptions. Defaults are the ones the estate is planned with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    erlang_per_phone: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.1, description="busy-hour traffic per office phone (Erlang)")
    grade_of_service: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.01, description="share of busy-hour call attempts allowed to find every channel busy")
    codec: Codec = Field(Codec.G711, description="voice codec on the WAN")
    bwv_gb_per_hour: Annotated[float, Field(gt=0.0, le=50.0)] = Field(
        2.2, description="body-worn-video GB per recorded hour (2.2 at 720p, 7-9 at 1080p)")
    bwv_hours_per_camera_day: Annotated[float, Field(ge=0.0, le=24.0)] = Field(
        0.5, description="recorded hours per camera per day")
    upload_window_hours: Annotated[float, Field(gt=0.0, le=24.0)] = Field(
        8.0, description="hours a day in which docked cameras upload their footage")
    video_wan_share: Share = Field(
        0.5, description="share of a site's WAN circuit the video upload may use")
    ingest_retention_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        31, description="days non-evidential footage is kept in the ingest bucket")
    evidential_share: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.1, description="share of footage marked evidential and copied to the evidential bucket")


class CapacityError(ValueError):
    """A capacity question that has no answer (such as a grade of service out of range)."""


def erlang_b(traffic: float, channels: int) -> float:
    """Blocking probability for `traffic` Erlang offered to `channels` channels.

    The recurrence B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)) stays within [0, 1] at every
    step, unlike the textbook formula whose factorials and powers overflow beyond ~170 channels.
    """
    if traffic < 0 or channels < 0:
        raise CapacityError("traffic and channels must not be negative")
    blocking = 1.0
    for n in range(1, channels + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def channels_needed(traffic: float, grade_of_service: float) -> int:
    """The fewest channels that carry `traffic` Erlang with blocking at most `grade_of_service`."""
    if not 0.0 < grade_of_service < 1.0:
        raise CapacityError(f"grade of service {grade_of_service} is not between 0 and 1")
    if traffic < 0:
        raise CapacityError("traffic must not be negative")
    if traffic == 0:
        return 0
    blocking, channels = 1.0, 0
    while blocking > grade_of_service:
        channels += 1
        blocking = traffic * blocking / (channels + traffic * blocking)
    return channels


@dataclass(frozen=True, slots=True)
class SiteCapacity:
    site_id: str
    name: str
    kind: str
    phones: int
    erlang: float
    channels: int
    voice_kbps_ethernet: float
    voice_kbps_ipsec: float
    bwv_cameras: int
    video_gb_per_day: float
    video_mbps_in_window: float  # the rate that drains a day's footage within the window
    wan_mbps: int
    drain_hours: float  # at the share of the WAN the video may use, after the voice peak
    # the smallest circuit that carries the voice peak and drains the day's video in the window
    # within the video's share of the circuit; headroom is the circuit less that (< 0: fails)
    required_wan_mbps: float
    headroom_mbps: float
    fits: bool

    @property
    def voice_mbps_ipsec(self) -> float:
        return self.voice_kbps_ipsec / 1000.0


@dataclass(frozen=True, slots=True)
class CapacityTotals:
    sites: int
    phones: int
    erlang: float
    channels: int  # Erlang B on the pooled traffic: concurrent calls the voice tier carries
    site_channels: int  # sum of per-site channels: what the WAN circuits carry at once
    voice_mbps_cloud: float  # the voice tier's media rate, one direction, inside IPsec
    bwv_cameras: int
    video_tb_per_day: float
    ingest_gbps_in_window: float
    ingest_retained_tb: float
    evidential_tb_per_year: float
    sites_not_fitting: int


# The hubs' VPN to AWS. Source: AWS Site-to-Site VPN user guide, "Tunnel options" and "Quotas":
# each VPN connection has two tunnels; a Standard tunnel carries up to 1.25 Gbps. Traffic from
# the hub to AWS uses both tunnels (BGP with equal AS paths, ECMP on a Transit Gateway with VPN
# ECMP support); AWS replaces tunnel endpoints one at a time for maintenance, so for that time
# one tunnel carries everything.
VPN_TUNNEL_MBPS = 1250.0
VPN_TUNNELS_PER_CONNECTION = 2
HUB_REMEDY = ("add a VPN connection to the hub (the Transit Gateway spreads ECMP over all its tunnels), "
              "use Large (5 Gbps) tunnels, or carry the video over Direct Connect")


@dataclass(frozen=True, slots=True)
class HubCapacity:
    """A hub router's VPN to AWS against the cloud-bound traffic of the sites behind it: their
    voice (pooled Erlang B over the hub's sites, in IPsec: the voice tier is in the cloud) and
    their video upload at the rate that drains a day's footage within the window."""

    hub: str  # the hub's name (wan.hubs)
    hostname: str  # its router in the environment (or the one the sites fall back to)
    sites: tuple[str, ...]
    voice_mbps: float
    video_mbps: float
    tunnels: int
    capacity_mbps: float  # every tunnel up

    @property
    def need_mbps(self) -> float:
        return self.voice_mbps + self.video_mbps

    @property
    def headroom_mbps(self) -> float:
        return self.capacity_mbps - self.need_mbps

    @property
    def fits(self) -> bool:
        return self.need_mbps <= self.capacity_mbps

    @property
    def fits_one_tunnel_down(self) -> bool:
        """Whether the sites still fit while AWS maintains one of the tunnels."""
        return self.need_mbps <= self.capacity_mbps * (self.tunnels - 1) / self.tunnels

    @property
    def advice(self) -> str:
        if not self.fits:
            return (f"needs {self.need_mbps:.0f} Mb/s, the VPN carries {self.capacity_mbps:.0f}: {HUB_REMEDY}")
        if not self.fits_one_tunnel_down:
            return (f"fits, but not with one tunnel in maintenance ({self.capacity_mbps / self.tunnels:.0f} Mb/s): "
                    "uploads slow down then; plan the video window around AWS maintenance notices")
        return ""


@dataclass(frozen=True, slots=True)
class CapacityReport:
    env: str
    settings: CapacitySettings
    sites: tuple[SiteCapacity, ...]
    totals: CapacityTotals
    hubs: tuple[HubCapacity, ...] = ()

    @property
    def flagged(self) -> tuple[SiteCapacity, ...]:
        return tuple(s for s in self.sites if not s.fits)

    @property
    def flagged_hubs(self) -> tuple[HubCapacity, ...]:
        return tuple(h for h in self.hubs if not h.fits)


def site_capacity(site: Site, settings: CapacitySettings) -> SiteCapacity:
    rate = CODEC_RATES[settings.codec]
    erlang = site.phones * settings.erlang_per_phone
    channels = channels_needed(erlang, settings.grade_of_service)
    voice_mbps = channels * rate.ipsec / 1000.0
    gb_day = site.bwv_cameras * settings.bwv_hours_per_camera_day * settings.bwv_gb_per_hour
    window_s = settings.upload_window_hours * SECONDS_PER_HOUR
    video_mbps = gb_day * MEGABITS_PER_GB / window_s
    video_allowance = min(site.wan_mbps * settings.video_wan_share, site.wan_mbps - voice_mbps)
    if gb_day == 0:
        drain = 0.0
    elif video_allowance <= 0:
        drain = math.inf
    else:
        drain = gb_day * MEGABITS_PER_GB / video_allowance / SECONDS_PER_HOUR
    fits = voice_mbps <= site.wan_mbps and drain <= settings.upload_window_hours
    required = max(voice_mbps + video_mbps, video_mbps / settings.video_wan_share)
    return SiteCapacity(
        site_id=site.site_id, name=site.name, kind=site.kind, phones=site.phones, erlang=erlang,
        channels=channels, voice_kbps_ethernet=channels * rate.ethernet,
        voice_kbps_ipsec=channels * rate.ipsec, bwv_cameras=site.bwv_cameras,
        video_gb_per_day=gb_day, video_mbps_in_window=video_mbps, wan_mbps=site.wan_mbps,
        drain_hours=drain, required_wan_mbps=required, headroom_mbps=site.wan_mbps - required, fits=fits,
    )


def totals(sites: list[Site], per_site: list[SiteCapacity], settings: CapacitySettings) -> CapacityTotals:
    erlang = sum(s.erlang for s in per_site)
    channels = channels_needed(erlang, settings.grade_of_service)
    gb_day = sum(s.video_gb_per_day for s in per_site)
    return CapacityTotals(
        sites=len(sites),
        phones=sum(s.phones for s in sites),
        erlang=erlang,
        channels=channels,
        site_channels=sum(s.channels for s in per_site),
        voice_mbps_cloud=channels * CODEC_RATES[settings.codec].ipsec / 1000.0,
        bwv_cameras=sum(s.bwv_cameras for s in sites),
        video_tb_per_day=gb_day / 1000.0,
        ingest_gbps_in_window=gb_day * MEGABITS_PER_GB / 1000.0
        / (settings.upload_window_hours * SECONDS_PER_HOUR),
        ingest_retained_tb=gb_day * settings.ingest_retention_days / 1000.0,
        evidential_tb_per_year=gb_day * settings.evidential_share * 365 / 1000.0,
        sites_not_fitting=sum(1 for s in per_site if not s.fits),
    )


def plan_capacity(
    inventory: Inventory, env: str, settings: CapacitySettings | None = None,
    only: list[str] | None = None,
) -> CapacityReport:
    """Per-site and total figures for an environment (or the named sites of it)."""
    chosen = settings or CapacitySettings()
    sites = inventory.env_sites(env, only)
    per_site = [site_capacity(site, chosen) for site in sites]
    report = CapacityReport(env, chosen, tuple(per_site), totals(sites, per_site, chosen))
    return dataclasses.replace(report, hubs=hub_capacity(inventory, env, report))


def priority_kbps(voice_kbps: float, step_kbps: int) -> int:
    """The LLQ policer rate for a voice peak: the peak rounded up to the policer's step, at least
    one step (a site without phones still needs a valid policer). The switch config and the
    priority-share check both use this, so they cannot disagree."""
    return max(1, math.ceil(round(voice_kbps, 6) / step_kbps)) * step_kbps


def hub_capacity(inventory: Inventory, env: str, report: CapacityReport) -> tuple[HubCapacity, ...]:
    """Per hub router of the environment, the sites of `report` behind it (each site's
    `wan_hub`; a hub without a router in `env` is served by another environment's, as the WAN
    plan says) and their cloud-bound traffic against the VPN's tunnels."""
    from estate.build.wan import hub_hostname, site_hub

    by_site = {s.site_id: s for s in report.sites}
    groups: dict[tuple[str, str], list[SiteCapacity]] = {}
    for site in inventory.env_sites(env, None):
        if site.site_id in by_site:
            router = site_hub(inventory.estate, env, site)
            groups.setdefault((router.name, router.env), []).append(by_site[site.site_id])
    order = {hub.name: index for index, hub in enumerate(inventory.estate.wan.hubs)}
    found = []
    codec = CODEC_RATES[report.settings.codec]
    for (name, router_env), sites in sorted(groups.items(), key=lambda item: (order.get(item[0][0], 0), item[0])):
        channels = channels_needed(sum(s.erlang for s in sites), report.settings.grade_of_service)
        found.append(HubCapacity(
            hub=name, hostname=hub_hostname(inventory, router_env, name), sites=tuple(s.site_id for s in sites),
            voice_mbps=channels * codec.ipsec / 1000.0, video_mbps=sum(s.video_mbps_in_window for s in sites),
            tunnels=VPN_TUNNELS_PER_CONNECTION, capacity_mbps=VPN_TUNNELS_PER_CONNECTION * VPN_TUNNEL_MBPS))
    return tuple(found)
