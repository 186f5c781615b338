"""`estate staffing`: agents per queue and interval (Erlang C), per control room and skill after
shrinkage, positions exceeded, and the Connect concurrency the peak needs."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

from estate.cli.common import UserError, add_env, add_inventory, file_path, load, unknown_names
from estate.contact.load import FOLDER, MODEL_FILE, has_contact_centre, load_contact_centre
from estate.contact.model import DAYS
from estate.contact.staffing import QueueInterval, RoomInterval, StaffingReport, plan_staffing
from estate.files import atomic_write

# The rostering import: one row per interval, control room and skill (documented in the README).
ROOM_COLUMNS = ("env", "day", "interval_start", "interval_minutes", "control_room", "site", "skill", "calls",
                "agents", "rostered", "positions", "over_positions")
QUEUE_COLUMNS = ("env", "day", "interval_start", "interval_minutes", "queue", "skill", "calls", "erlang",
                 "agents", "service_level", "asa_seconds", "occupancy")


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "staffing", help="agents per queue and 30-minute interval (Erlang C), per control room after shrinkage",
        description="Erlang C per queue and interval of the forecast week: agents for the service level, "
        "service level reached, average speed of answer, occupancy; then shrinkage and the sum per control "
        "room and skill, flagged where it exceeds the positions (phones) at the room's site.",
    )
    add_inventory(parser)
    add_env(parser)
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text",
                        help="text: summary; csv: per interval for a rostering system; json: everything")
    parser.add_argument("--level", choices=("room", "queue"), default="room",
                        help="csv rows per control room and skill (default) or per queue")
    parser.add_argument("--out", type=file_path, default=None, metavar="FILE",
                        help="write to FILE (all or nothing) instead of standard output")
    parser.set_defaults(func=run)


def report_for(args: argparse.Namespace) -> StaffingReport:
    inventory = load(args)
    if not has_contact_centre(inventory.root):
        raise UserError(f"{inventory.root}/{FOLDER}/{MODEL_FILE} does not exist: the inventory has no "
                        "contact-centre model")
    data = load_contact_centre(inventory)
    error = unknown_names("environment", [args.env], data.model.environments)
    if error is not None:
        raise error
    return plan_staffing(data, inventory, args.env)


def run(args: argparse.Namespace) -> int:
    report = report_for(args)
    if args.format == "csv":
        text = as_csv(report, args.level)
    else:
        text = as_json(report) if args.format == "json" else as_text(report)
    if args.out is None:
        sys.stdout.write(text)
    else:
        atomic_write(Path(args.out), text)
    return 0


def as_text(report: StaffingReport) -> str:
    scale = "" if report.forecast_scale == 1 else f" (forecast x {report.forecast_scale:g})"
    lines = [f"staffing of {report.env}{scale}: {len(report.queues) // _intervals(report)} queues, "
             f"{_intervals(report)} intervals of {report.interval_minutes} min", ""]
    head = (f"{'control room':<14} {'site':<9} {'positions':>9} {'shrink':>6} {'peak agents':>11}  "
            f"{'peak at':<9} {'rostered h/day (Mon..Sun)':<42} {'week h':>7} {'over':>4}")
    lines += [head, "-" * len(head)]
    for s in report.summaries:
        days = " ".join(f"{h:>5.0f}" for h in s.rostered_hours_by_day)
        lines.append(f"{s.control_room:<14} {s.site:<9} {s.positions:>9} {s.shrinkage:>6.0%} {s.peak_agents:>11}  "
                     f"{s.peak_day} {s.peak_start} {days:<42} {s.rostered_hours_week:>7.0f} "
                     f"{s.intervals_over_positions:>4}")
    lines.append("")
    for queue in sorted({q.queue for q in report.queues}):
        rows = [q for q in report.queues if q.queue == queue]
        peak = max(rows, key=lambda q: (q.agents, -q.index))
        worst = min((q for q in rows if q.calls), key=lambda q: q.service_level, default=peak)
        lines.append(f"queue {queue}: {sum(q.calls for q in rows):.0f} calls/week, peak {peak.agents} agents "
                     f"({peak.day} {peak.start}, {peak.calls:.0f} calls, {peak.erlang:.1f} E), lowest service level "
                     f"{worst.service_level:.1%}, highest ASA {max(q.asa_seconds for q in rows):.1f} s")
    quota = "OVER the default quota: raise it before go-live" if report.over_quota else "within the default quota"
    lines += ["", f"Connect concurrency: peak {report.peak_concurrent_calls} calls ({report.peak_day} "
              f"{report.peak_start}), limit with headroom {report.concurrency_limit}; {quota} "
              f"({report.default_quota})"]
    flagged = report.flagged
    if flagged:
        lines.append(f"intervals over positions: {len(flagged)} room/skill rows, e.g. "
                     + ", ".join(f"{r.control_room} {r.day} {r.start}" for r in flagged[:5]))
    else:
        lines.append("intervals over positions: none")
    return "\n".join(lines) + "\n"


def _intervals(report: StaffingReport) -> int:
    return 7 * 24 * 60 // report.interval_minutes


def _room_row(report: StaffingReport, row: RoomInterval) -> dict[str, Any]:
    return {"env": report.env, "day": row.day, "interval_start": row.start,
            "interval_minutes": report.interval_minutes, "control_room": row.control_room, "site": row.site,
            "skill": row.skill, "calls": round(row.calls, 3), "agents": row.agents, "rostered": row.rostered,
            "positions": row.positions, "over_positions": row.over_positions}


def _queue_row(report: StaffingReport, row: QueueInterval) -> dict[str, Any]:
    return {"env": report.env, "day": row.day, "interval_start": row.start,
            "interval_minutes": report.interval_minutes, "queue": row.queue, "skill": row.skill,
            "calls": round(row.calls, 3), "erlang": round(row.erlang, 4), "agents": row.agents,
            "service_level": round(row.service_level, 4),
            "asa_seconds": None if math.isinf(row.asa_seconds) else round(row.asa_seconds, 2),
            "occupancy": round(row.occupancy, 4)}


def as_csv(report: StaffingReport, level: str = "room") -> str:
    out = io.StringIO()
    columns = ROOM_COLUMNS if level == "room" else QUEUE_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    if level == "room":
        writer.writerows(_room_row(report, r) for r in report.rooms)
    else:
        writer.writerows(_queue_row(report, q) for q in report.queues)
    return out.getvalue()


def as_json(report: StaffingReport) -> str:
    document = {
        "env": report.env, "interval_minutes": report.interval_minutes, "forecast_scale": report.forecast_scale,
        "connect": {"peak_concurrent_calls": report.peak_concurrent_calls,
                    "peak": f"{report.peak_day} {report.peak_start}",
                    "concurrency_limit": report.concurrency_limit, "default_quota": report.default_quota,
                    "over_quota": report.over_quota},
        "control_rooms": [{**dataclasses.asdict(s), "rostered_hours_by_day": dict(zip(DAYS, s.rostered_hours_by_day,
                                                                                      strict=True))}
                          for s in report.summaries],
        "rooms": [_room_row(report, r) for r in report.rooms],
        "queues": [_queue_row(report, q) for q in report.queues],
    }
    return json.dumps(document, indent=1) + "\n"
