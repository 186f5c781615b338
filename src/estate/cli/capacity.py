"""`estate capacity`: voice channels, WAN voice bandwidth and video upload per site and in total;
the WAN each site needs, its headroom, and the sites that fail; per WAN hub, the cloud-bound
traffic of the sites behind it against the hub's VPN to AWS (`--check`: exit 1 if a site or a
hub fails)."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import math
import sys
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from estate.build.capacity import CapacityReport, CapacitySettings, Codec, HubCapacity, SiteCapacity, plan_capacity
from estate.cli.common import UserError, add_env, add_inventory, add_sites, float_in, int_in, load

SETTING_FLAGS: dict[str, str] = {
    "erlang_per_phone": "--erlang-per-phone",
    "grade_of_service": "--gos",
    "codec": "--codec",
    "bwv_gb_per_hour": "--gb-per-hour",
    "bwv_hours_per_camera_day": "--hours-per-camera",
    "upload_window_hours": "--window-hours",
    "video_wan_share": "--video-share",
    "ingest_retention_days": "--ingest-days",
    "evidential_share": "--evidential-share",
}


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "capacity", help="voice channels, WAN voice bandwidth and video upload per site and in total",
        description="Erlang B voice channels, voice bandwidth on the WAN and body-worn-video upload, "
        "per site and in total; flags sites whose WAN cannot carry voice peak plus video upload, and WAN hubs "
        "whose VPN to AWS cannot carry the cloud-bound traffic of the sites behind them.",
    )
    add_inventory(parser)
    add_env(parser)
    add_sites(parser)
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--failing-only", action="store_true",
                        help="list only the sites whose WAN cannot carry voice peak plus video (totals stay whole)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when any site or hub fails (for CI and change gates)")
    for field, flag in SETTING_FLAGS.items():
        info = CapacitySettings.model_fields[field]
        choices = [c.value for c in Codec] if field == "codec" else None
        parser.add_argument(flag, dest=field, type=_ranged(info), choices=choices, default=None,
                            help=f"{info.description} (default {_default(info.default)})")
    parser.set_defaults(func=run)


def _ranged(info: FieldInfo) -> Any:
    """The argparse type for a setting, with the model's own bounds, so nonsense (NaN, a
    negative hour) stops at the option. The model still refuses an open bound's end value
    (a grade of service of exactly 1), naming the option, in `settings_from`."""
    if info.annotation not in (int, float):
        return str
    low: float = 0.0
    high: float | None = None
    for bound in info.metadata:
        if isinstance(bound, Ge | Gt):
            low = float(bound.ge if isinstance(bound, Ge) else bound.gt)  # type: ignore[arg-type]
        elif isinstance(bound, Le | Lt):
            high = float(bound.le if isinstance(bound, Le) else bound.lt)  # type: ignore[arg-type]
    if info.annotation is int:
        return int_in(int(low), None if high is None else int(high))
    return float_in(low, high)


def _default(value: object) -> str:
    return value.value if isinstance(value, Codec) else str(value)


def settings_from(args: argparse.Namespace) -> CapacitySettings:
    given = {f: getattr(args, f) for f in SETTING_FLAGS if getattr(args, f, None) is not None}
    try:
        return CapacitySettings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        flag = SETTING_FLAGS.get(str(first["loc"][0]), str(first["loc"][0]))
        raise UserError(f"{flag}: {first['msg']}") from None


EXIT_SITES_FAIL = 1


def run(args: argparse.Namespace) -> int:
    report = plan_capacity(load(args), args.env, settings_from(args), args.sites)
    render = {"table": as_table, "csv": as_csv, "json": as_json}[args.format]
    sys.stdout.write(render(report, failing_only=args.failing_only))
    return EXIT_SITES_FAIL if args.check and (report.flagged or report.flagged_hubs) else 0


def _hours(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.1f}"


NAME_WIDTH = 30
KIND_WIDTH = 20


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else f"{text[:width - 3]}..."


def _why(site: SiteCapacity, report: CapacityReport) -> str:
    if site.voice_mbps_ipsec > site.wan_mbps:
        return f"voice peak {site.voice_mbps_ipsec:.1f} Mb/s exceeds the circuit"
    window = report.settings.upload_window_hours
    return f"video drains in {_hours(site.drain_hours)} h, the window is {window:g} h"


def _site_lines(sites: tuple[SiteCapacity, ...]) -> list[str]:
    head = (f"{'site':<9} {'name':<{NAME_WIDTH}} {'kind':<{KIND_WIDTH}} {'phones':>6} {'chan':>5} "
            f"{'voice Mb/s':>10} {'cameras':>7} {'GB/day':>8} {'need Mb/s':>9} {'WAN Mb/s':>8} "
            f"{'headroom':>9} {'drain h':>7}  fits")
    lines = [head, "-" * len(head)]
    for site in sites:
        lines.append(
            f"{site.site_id:<9} {_cut(site.name, NAME_WIDTH):<{NAME_WIDTH}} "
            f"{_cut(site.kind, KIND_WIDTH):<{KIND_WIDTH}} "
            f"{site.phones:>6} {site.channels:>5} {site.voice_mbps_ipsec:>10.2f} {site.bwv_cameras:>7} "
            f"{site.video_gb_per_day:>8.1f} {site.required_wan_mbps:>9.1f} {site.wan_mbps:>8} "
            f"{site.headroom_mbps:>+9.1f} {_hours(site.drain_hours):>7}  {'yes' if site.fits else 'NO'}"
        )
    return lines


def _failing_lines(report: CapacityReport) -> list[str]:
    head = (f"{'site':<9} {'name':<{NAME_WIDTH}} {'kind':<{KIND_WIDTH}} {'WAN Mb/s':>8} {'need Mb/s':>9} "
            f"{'short by':>9}  why")
    lines = [head, "-" * len(head)]
    for site in report.flagged:
        lines.append(f"{site.site_id:<9} {_cut(site.name, NAME_WIDTH):<{NAME_WIDTH}} "
                     f"{_cut(site.kind, KIND_WIDTH):<{KIND_WIDTH}} {site.wan_mbps:>8} {site.required_wan_mbps:>9.1f} "
                     f"{-site.headroom_mbps:>9.1f}  {_why(site, report)}")
    return lines


def _shown(report: CapacityReport, failing_only: bool) -> tuple[SiteCapacity, ...]:
    return report.flagged if failing_only else report.sites


def as_table(report: CapacityReport, *, failing_only: bool = False) -> str:
    s = report.settings
    shown = _shown(report, failing_only)
    lines = [
        f"capacity of {report.env}: {s.erlang_per_phone} E/phone, GoS {s.grade_of_service:.0%}, "
        f"{s.codec.value} in IPsec, video {s.bwv_gb_per_hour} GB/h x {s.bwv_hours_per_camera_day} h/camera/day, "
        f"{s.upload_window_hours:g} h window on {s.video_wan_share:.0%} of the WAN",
    ]
    if failing_only:
        lines.append(f"failing sites only: {len(shown)} of {len(report.sites)}")
    if shown:
        lines += _site_lines(shown)
    t = report.totals
    lines += [
        "",
        f"sites {t.sites}, phones {t.phones}, busy-hour traffic {t.erlang:.1f} E",
        f"voice tier: {t.channels} concurrent calls (pooled), {t.voice_mbps_cloud:.1f} Mb/s media each way; "
        f"sum of site channels {t.site_channels}",
        f"video: {t.bwv_cameras} cameras, {t.video_tb_per_day:.2f} TB/day, "
        f"{t.ingest_gbps_in_window:.2f} Gb/s into the cloud over the window",
        f"storage: {t.ingest_retained_tb:.1f} TB in ingest ({s.ingest_retention_days} days), "
        f"{t.evidential_tb_per_year:.1f} TB/year evidential",
        f"sites whose WAN cannot carry voice peak + video within the window: {t.sites_not_fitting}",
    ]
    if report.flagged:
        lines += ["", *_failing_lines(report)]
    if report.hubs:
        lines += ["", *_hub_lines(report.hubs)]
    return "\n".join(lines) + "\n"


def _hub_lines(hubs: tuple[HubCapacity, ...]) -> list[str]:
    first = hubs[0]
    head = (f"{'hub':<12} {'router':<28} {'sites':>5} {'voice Mb/s':>10} {'video Mb/s':>10} {'need Mb/s':>9} "
            f"{'VPN Mb/s':>8} {'headroom':>9}  fits")
    lines = [f"WAN hubs: cloud-bound traffic of the sites behind each hub against its VPN to AWS "
             f"({first.tunnels} tunnels x {first.capacity_mbps / first.tunnels:g} Mb/s, AWS's per-tunnel limit)",
             head, "-" * len(head)]
    for hub in hubs:
        lines.append(f"{hub.hub:<12} {_cut(hub.hostname, 28):<28} {len(hub.sites):>5} {hub.voice_mbps:>10.1f} "
                     f"{hub.video_mbps:>10.1f} {hub.need_mbps:>9.1f} {hub.capacity_mbps:>8.0f} "
                     f"{hub.headroom_mbps:>+9.1f}  {'yes' if hub.fits else 'NO'}")
    lines += [f"  {hub.hub}: {hub.advice}" for hub in hubs if hub.advice]
    return lines


def _site_row(site: SiteCapacity) -> dict[str, Any]:
    row = dataclasses.asdict(site)
    row["drain_hours"] = None if math.isinf(site.drain_hours) else round(site.drain_hours, 3)
    for key in ("erlang", "voice_kbps_ethernet", "voice_kbps_ipsec", "video_gb_per_day",
                "video_mbps_in_window", "required_wan_mbps", "headroom_mbps"):
        row[key] = round(row[key], 3)
    return row


def as_csv(report: CapacityReport, *, failing_only: bool = False) -> str:
    out = io.StringIO()
    fields = [f.name for f in dataclasses.fields(SiteCapacity)]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for site in _shown(report, failing_only):
        writer.writerow(_site_row(site))
    return out.getvalue()


def as_json(report: CapacityReport, *, failing_only: bool = False) -> str:
    document = {
        "env": report.env,
        "settings": report.settings.model_dump(mode="json"),
        "totals": {k: round(v, 3) if isinstance(v, float) else v
                   for k, v in dataclasses.asdict(report.totals).items()},
        "failing_only": failing_only,
        "sites": [_site_row(s) for s in _shown(report, failing_only)],
        "hubs": [_hub_row(h) for h in report.hubs],
    }
    return json.dumps(document, indent=2) + "\n"


def _hub_row(hub: HubCapacity) -> dict[str, Any]:
    return {"hub": hub.hub, "hostname": hub.hostname, "sites": list(hub.sites), "tunnels": hub.tunnels,
            "voice_mbps": round(hub.voice_mbps, 3), "video_mbps": round(hub.video_mbps, 3),
            "need_mbps": round(hub.need_mbps, 3), "capacity_mbps": hub.capacity_mbps,
            "headroom_mbps": round(hub.headroom_mbps, 3), "fits": hub.fits,
            "fits_one_tunnel_down": hub.fits_one_tunnel_down, "advice": hub.advice}
