"""A review as text for people: the terminal summary (with per-device detail on request) and
markdown for a change ticket. JSON for machines lives with the review (`review_json`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from estate.change.review import DeviceReview, Review, Status

if TYPE_CHECKING:
    from estate.change.rollout import RunResult


def _summary_counts(review: Review) -> str:
    risks = sum(len(d.risks) for d in review.devices)
    return (
        f"{len(review.devices)} devices: {review.count(Status.UNCHANGED)} unchanged, "
        f"{review.count(Status.CHANGED)} changed, {review.count(Status.UNREACHABLE)} unreachable"
        + (f", {review.count(Status.ERROR)} errors" if review.count(Status.ERROR) else "")
        + f"; +{review.lines_added} -{review.lines_removed} lines; {risks} risk flags"
    )


def _risk_kinds(device: DeviceReview) -> str:
    kinds = Counter(r.kind.value for r in device.risks)
    return ", ".join(f"{k}×{n}" if n > 1 else k for k, n in sorted(kinds.items()))


def text_report(review: Review, detail: bool = False) -> str:
    out = [f"review of {review.env} (running configs from {review.source})", _summary_counts(review), ""]
    width = max((len(d.target.name) for d in review.devices), default=10)
    for device in review.devices:
        line = f"  {device.target.name:<{width}}  {device.status.value:<11}"
        if device.diff is not None and device.status is not Status.UNREACHABLE:
            line += f"  +{device.diff.added:<4} -{device.diff.removed:<4}"
        if device.risks:
            line += f"  risks: {_risk_kinds(device)}"
        if device.error:
            line += f"  {device.error}"
        out.append(line.rstrip())
    out.extend(f"note: {note}" for note in review.notes)
    windows = review.window_notes()
    if windows:
        out.append("change windows (Europe/London):")
        out += [f"  {site:<{width}}  {text}" for site, text in windows.items()]
    if detail:
        for device in review.devices:
            if device.diff is None or not device.diff.changed:
                continue
            out += ["", f"=== {device.target.name} (running sha256 {device.diff.running_sha256[:16]}…)", "remediation:"]
            out += [f"  {line}" for line in device.diff.remediation]
            if device.diff.rotated:
                out.append(f"rotated secrets (sent again): {', '.join(sorted(device.diff.rotated))}")
            out += [f"  {kept}" for kept in device.diff.kept]
            if device.risks:
                out.append("risks:")
                out += [f"  {risk}" for risk in device.risks]
            out.append("rollback:")
            out += [f"  {line}" for line in device.diff.rollback]
    return "\n".join(out) + "\n"


def markdown_report(review: Review, detail: bool = True) -> str:
    out = [f"## Change review: {review.env}", "", f"Running configs from `{review.source}`, reviewed "
           f"{review.created_at:%Y-%m-%d %H:%M} UTC.", "", f"**{_summary_counts(review)}**", ""]
    out += ["| device | site | status | + | − | risks | running sha256 |", "|---|---|---|---:|---:|---|---|"]
    for d in review.devices:
        added = str(d.diff.added) if d.diff else ""
        removed = str(d.diff.removed) if d.diff else ""
        sha = f"`{d.diff.running_sha256[:12]}`" if d.diff else (d.error or "")
        out.append(f"| {d.target.name} | {d.target.site_id or ''} | {d.status.value} | {added} | {removed} | "
                   f"{_risk_kinds(d)} | {sha} |")
    out += [f"> {note}" for note in review.notes]
    windows = review.window_notes()
    if windows:
        out += ["", "Change windows (Europe/London):", ""]
        out += [f"- {site}: {text}" for site, text in windows.items()]
    if detail:
        for d in review.devices:
            if d.diff is None or not d.diff.changed:
                continue
            out += ["", f"### {d.target.name}", ""]
            if d.risks:
                out += [f"- ⚠ {risk}" for risk in d.risks] + [""]
            if d.diff.rotated:
                out += [f"Rotated secrets (sent again): {', '.join(sorted(d.diff.rotated))}", ""]
            out += ["<details><summary>remediation</summary>", "", "```", *d.diff.remediation, "```", "", "</details>"]
            if d.diff.kept:
                out += ["<details><summary>kept (never removed)</summary>", "", "```",
                        *(str(k) for k in d.diff.kept), "```", "", "</details>"]
            out += ["<details><summary>rollback</summary>", "", "```", *d.diff.rollback, "```", "", "</details>"]
    return "\n".join(out) + "\n"


def summary_document(run: RunResult) -> dict[str, Any]:
    from estate.change.device_push import Outcome

    return {
        "run_id": run.run_id,
        "kind": run.kind,
        "ok": run.ok,
        "interrupted": run.interrupted,
        "stopped": run.stopped,
        "lock_takeover": asdict(run.takeover) if run.takeover is not None else None,
        "counts": {o.value: run.count(o) for o in Outcome},
        "units": [{"name": u.name, "canary": u.canary, "failed": u.failed, "state": u.state,
                   "devices": [{**asdict(d), "outcome": d.outcome.value} for d in u.devices]} for u in run.units],
    }


def summary_text(run: RunResult, verbose: bool = False) -> str:
    """The run for the terminal: one line per device (its outcome and why), then, plainly,
    every device whose state is unknown with its backup and the command that restores it."""
    from estate.change.device_push import Outcome
    from estate.change.recovery import restore_command

    counts = ", ".join(f"{run.count(o)} {o.value}" for o in Outcome if run.count(o))
    state = "INTERRUPTED" if run.interrupted else "OK" if run.ok else "FAILED"
    out = [f"{run.kind} {run.run_id}: {state} ({counts})"]
    if run.takeover is not None:
        out.append(f"took over the stale lock of a dead run: {run.takeover.describe()}")
    if run.stopped:
        out.append(f"stopped launching sites: {run.stopped}")
    for unit in run.units:
        out.append(f"{unit.name}{' (canary)' if unit.canary else ''}: {unit.state}")
        for d in unit.devices:
            extra = f" ({d.lines} lines)" if d.lines else ""
            out.append(f"  {d.target:<28} {d.outcome.value:<18}{extra} {d.detail}".rstrip())
            if verbose and d.outcome.failed:
                out += [f"      {label}: {value}" for label, value in
                        (("last line sent", d.last_line_sent), ("transcript", d.transcript), ("backup", d.backup))
                        if value]
    unknown = [d for u in run.units for d in u.devices if d.outcome is Outcome.STATE_UNKNOWN]
    for d in unknown:
        out += [f"DEVICE STATE UNKNOWN: {d.target}: the change failed and estate could not prove it is back at "
                "its backup.",
                f"  backup to restore: {d.backup or '(none taken)'}",
                f"  restore it with:   {restore_command(run.run_id, d.target)}"]
    out.append(f"records, backups, transcripts and this summary: {run.run_dir}")
    return "\n".join(out) + "\n"


_COLOURS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}
_RESET = "\x1b[0m"


def _coloured(line: str) -> str:
    stripped = line.lstrip()
    if line.startswith(("---", "+++", "@@")) or stripped.startswith(("+ ", "- ")):
        return f"{_COLOURS[stripped[0]]}{line}{_RESET}"
    return line


def diff_report(review: Review, colour: bool) -> str:
    """Per changed device, running against intended (hier_config's unified view, each line in
    its section), like `ansible --check --diff`; ANSI colours only when asked."""
    out: list[str] = []
    for device in review.devices:
        if device.diff is None or device.status is not Status.CHANGED:
            continue
        body = [f"--- {device.target.name} (running)", f"+++ {device.target.name} (intended)",
                f"@@ +{device.diff.added} -{device.diff.removed} @@", *device.diff.unified]
        out += [_coloured(line) if colour else line for line in body]
    return "\n".join(out) + "\n" if out else ""
