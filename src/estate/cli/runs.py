"""`estate runs`: the pushes recorded under a runs folder, and what one of them did.

`estate runs` lists them (id, environment, start, state, outcome counts); `estate runs show ID`
gives each device's outcome and, for a run that did not end cleanly (killed, or aborted by a
second Ctrl-C), the devices whose change started and never ended, with what to do about them.
Exit codes: 0 shown, 1 the run shown may have left devices half-changed, 2 user error.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estate.cli.common import folder_path, unknown_names

if TYPE_CHECKING:
    from estate.change.runs import OpenStep, RunInfo

DEFAULT_RUNS_DIR = Path("build/runs")
# the options of the recorded push that say where the devices are; reused in the advice
_SOURCE_OPTIONS = {"--inventory": True, "--lab": False, "--lab-dir": True, "--known-hosts": True}


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "runs", help="list recorded pushes, or show one (what each device got, what was left half-done)")
    _add_runs_dir(parser)
    parser.add_argument("--env", default=None, metavar="ENV", help="only this environment's runs")
    parser.set_defaults(func=list_command)
    actions = parser.add_subparsers(dest="runs_command", metavar="ACTION")
    listing = actions.add_parser("list", help="every run, oldest first (the default)")
    _add_runs_dir(listing)
    listing.add_argument("--env", default=None, metavar="ENV", help="only this environment's runs")
    listing.set_defaults(func=list_command)
    show = actions.add_parser("show", help="one run: per device outcome, devices possibly half-changed")
    show.add_argument("run_id", metavar="ID")
    _add_runs_dir(show)
    show.set_defaults(func=show_command)


def _add_runs_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs-dir", type=folder_path, default=argparse.SUPPRESS, metavar="DIR",
                        help=f"the runs folder of the pushes (default {DEFAULT_RUNS_DIR})")


def _runs_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "runs_dir", DEFAULT_RUNS_DIR))


def list_command(args: argparse.Namespace) -> int:
    from estate.change.runs import list_runs

    runs = list_runs(_runs_dir(args), getattr(args, "env", None))
    if not runs:
        sys.stdout.write(f"no runs in {_runs_dir(args)}\n")
        return 0
    sys.stdout.write(f"{'run':<24} {'env':<8} {'started (UTC)':<20} {'state':<12} devices\n")
    for info in runs:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(info.counts().items())) or "-"
        sys.stdout.write(f"{info.run_id:<24} {info.env:<8} {info.started[:19]:<20} {info.state:<12} {counts}\n")
    return 0


def show_command(args: argparse.Namespace) -> int:
    from estate.change.runs import read_run, run_dirs

    root = _runs_dir(args)
    known = [p.name for p in run_dirs(root)]
    error = unknown_names(f"run id in {root}", [args.run_id], known)
    if error is not None:
        raise error
    info = read_run(root / args.run_id)
    sys.stdout.write(show_text(info, root))
    return 1 if info.open_steps or _unknown(info) else 0


def _unknown(info: RunInfo) -> list[str]:
    return [target for target, outcome in sorted(info.outcomes.items()) if outcome == "state-unknown"]


def show_text(info: RunInfo, root: Path = DEFAULT_RUNS_DIR) -> str:
    out = [f"{info.kind} {info.run_id}: env {info.env}, started {info.started}, {_state(info)}"]
    if info.command:
        out.append(f"command: {info.command}")
    if info.outside_window:
        out.append(f"outside the change window of {', '.join(info.outside_window.get('sites') or []) or 'no site'}; "
                   f"reason: {info.outside_window.get('reason')}")
    if info.takeover:
        out.append(f"took over the stale lock of dead run {info.takeover.get('run_id')} "
                   f"(pid {info.takeover.get('pid')} on {info.takeover.get('host')})")
    if info.stopped:
        out.append(f"stopped launching sites: {info.stopped}")
    if info.torn_lines:
        out.append(f"{info.torn_lines} record line(s) cut short (the process was stopped while writing)")
    out.append("devices:")
    for target, outcome in sorted(info.outcomes.items()):
        detail = info.details.get(target, "")
        out.append(f"  {target:<28} {outcome:<15} {detail}".rstrip())
    if not info.outcomes:
        out.append("  (no device finished)")
    open_targets = {step.target for step in info.open_steps}
    elsewhere = {name: step for name, step in sorted(info.in_flight.items()) if name not in open_targets}
    if elsewhere:
        listed = ", ".join(f"{name} ({step})" for name, step in elsewhere.items())
        out.append(f"in flight when aborted, not sending config at the time: {listed}")
    if info.open_steps:
        out.append("MAY BE HALF-CHANGED (a change started and never ended):")
        out.extend(_advice(info, step, root) for step in info.open_steps)
    for target in _unknown(info):
        out += [f"DEVICE STATE UNKNOWN: {target}: its change failed and it was not proven back at its backup",
                f"  backup: {info.backup_path(target)}",
                f"  restore it with: {_rollback(info, target, root)}"]
    changed = [t for t, outcome in info.outcomes.items() if outcome == "applied"]
    if changed and info.kind == "push":
        out.append(f"to undo this run: estate rollback --run {info.run_id} --runs-dir {shlex.quote(str(root))} "
                   "(dry-run; add --site/--device to narrow it, --commit to restore)")
    return "\n".join(out) + "\n"


def _rollback(info: RunInfo, target: str, root: Path) -> str:
    return shlex.join(["estate", "rollback", "--run", info.run_id, "--device", target, *_source_options(info.command),
                       "--runs-dir", str(root), "--commit"])


def _state(info: RunInfo) -> str:
    if info.state == "incomplete":
        return "INCOMPLETE (no end record: the process was killed)"
    if info.state == "aborted":
        return "ABORTED (stopped at once by a second Ctrl-C)"
    return info.state


def _advice(info: RunInfo, step: OpenStep, root: Path) -> str:
    review = ["estate", "review", "--env", info.env, *_source_options(info.command), "--device", step.hostname]
    if step.site:
        review += ["--site", step.site]
    backup = info.backup_path(step.target)
    return "\n".join([
        f"  {step.target}: {step.step} started {step.at}",
        f"    backup (before the change): {backup}" + ("" if backup.is_file() else " (missing)"),
        f"    see what it runs against intended: {shlex.join([*review, '--detail'])}",
        f"    put it back at its backup: {_rollback(info, step.target, root)}",
        "    (a revert timer on the device may already have put it back: the rollback then finds nothing to do)",
    ])


def _source_options(command: str) -> list[str]:
    try:
        words = shlex.split(command)
    except ValueError:
        return []
    kept: list[str] = []
    for index, word in enumerate(words):
        takes_value = _SOURCE_OPTIONS.get(word)
        if takes_value is None:
            continue
        kept.append(word)
        if takes_value and index + 1 < len(words):
            kept.append(words[index + 1])
    return kept
