"""`estate rollback --run ID`: put every device a run changed back to the backup it took.

Dry-run by default: shows, per device, the lines that would bring it back. With `--commit`
the devices are restored through the push path (revert timer, verified lines, re-read,
reconnect, confirm, save), in reverse order within each site, holding the environment's lock
and writing a run record of its own. Exit codes: 0 restored (or nothing to do), 1 some device
not restored, 2 user error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estate.cli.common import UserError, add_inventory, float_in, unknown_names
from estate.cli.push import EXIT_INTERRUPTED, _ctrl_c, add_run_arguments, confirm_environment, device_access
from estate.cli.review import DEFAULT_LAB_DIR


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rollback", help="restore the devices a run changed from its backups (dry-run unless --commit)")
    parser.add_argument("--run", dest="run_id", required=True, metavar="ID", help="the run to undo (estate runs)")
    parser.add_argument("--site", dest="sites", action="append", default=None, metavar="SITE-ID",
                        help="only this site's devices (repeat for more)")
    parser.add_argument("--device", dest="devices", action="append", default=None, metavar="NAME",
                        help="only this device (hostname, or hostname@SITE for a WLC share; repeat for more)")
    parser.add_argument("--commit", action="store_true", help="really restore (default: show what would change)")
    add_inventory(parser)
    parser.add_argument("--lab", action="store_true", help="the devices are the simulator's (`estate lab up`)")
    parser.add_argument("--lab-dir", type=Path, default=DEFAULT_LAB_DIR, metavar="DIR")
    parser.add_argument("--known-hosts", type=Path, default=None, metavar="FILE")
    parser.add_argument("--trust-on-first-use", action="store_true")
    parser.add_argument("--timeout", type=float_in(0.1, 3600), default=10.0, metavar="S",
                        help="connect/auth timeout in seconds (default 10); reads wait 3x this")
    parser.add_argument("--detail", action="store_true", help="dry-run: every line per device")
    add_run_arguments(parser)
    parser.set_defaults(func=run)


@dataclass
class _Restore:
    """Everything a rollback of one run needs, gathered once."""

    info: Any
    inventory: Any
    selection: Any
    targets: list[Any]
    all_sites: list[str]
    credentials: Any
    settings: Any
    secrets: Any
    risk: Any


def _review_args(args: argparse.Namespace, env: str) -> argparse.Namespace:
    """What `review.context` reads, for the run's environment (the devices are checked here)."""
    return argparse.Namespace(**{**vars(args), "env": env, "sites": None, "devices": None, "running_from": None,
                                 "workers": 50, "large_change": 150})


def run(args: argparse.Namespace) -> int:
    from estate.change.rollback import RollbackError, changed_devices, restore_targets
    from estate.change.runs import read_run, run_dirs

    root: Path = args.runs_dir
    error = unknown_names(f"run id in {root}", [args.run_id], [p.name for p in run_dirs(root)])
    if error is not None:
        raise error
    info = read_run(root / args.run_id)
    names = changed_devices(info, args.sites, args.devices)
    if args.devices:
        error = unknown_names(f"device changed by run {info.run_id}", [d for d in args.devices if not any(
            n == d or n.split("@", 1)[0] == d for n in names)], names)
        if error is not None:
            raise error
    if not names:
        sys.stdout.write(f"run {info.run_id} changed no device{' there' if args.sites else ''}: nothing to restore\n")
        return 0
    from estate.change.review import Selection, prepare
    from estate.cli.review import context

    inventory, reviewed, credentials, settings, secrets, risk = context(_review_args(args, info.env))
    sites = sorted({s for n in names if (s := info.sites.get(n))})
    selection = Selection(info.env, sites or None, None, None, addresses=reviewed.addresses, via=reviewed.via)
    rendered, all_sites = prepare(inventory, selection)
    roles = {t.name: t.role for t in rendered}
    try:
        targets = restore_targets(info, names, roles, all_sites)
    except RollbackError as exc:
        raise UserError(str(exc)) from exc
    restore = _Restore(info, inventory, selection, targets, all_sites, credentials, settings, secrets, risk)
    return _commit(args, restore) if args.commit else _dry_run(args, restore)


def _dry_run(args: argparse.Namespace, r: _Restore) -> int:
    from estate.change.report import text_report
    from estate.change.review import endpoints_for, read_running, review_targets
    from estate.cli.review import read_then_diff
    from estate.secrets import mask

    selection = r.selection
    with read_then_diff(selection.env, int(getattr(args, "quiet", 0) or 0)) as (reading, diffing):
        running, source = read_running(selection, r.targets, endpoints_for(r.inventory, selection, r.targets),
                                       r.credentials, r.settings, progress=reading)
        review = review_targets(selection.env, r.targets, running, secrets=r.secrets, risk=r.risk, source=source,
                                all_site_ids=r.all_sites, progress=diffing)
    sys.stdout.write(mask(text_report(review, detail=True), r.secrets).replace(
        f"review of {selection.env}", f"rollback of run {args.run_id} in {selection.env}", 1))
    sys.stdout.write("dry-run: nothing was changed (add --commit to restore these devices from their backups)\n")
    return 0 if review.ok else 1


def _commit(args: argparse.Namespace, r: _Restore) -> int:
    from estate.change.device_push import Interrupt, PushSettings
    from estate.change.lock import LockHeldError
    from estate.change.recovery import default_rollback_for
    from estate.change.report import summary_text
    from estate.change.rollback import reverse_order
    from estate.change.rollout import Rollout, push_environment
    from estate.cli.progress import progress_bar
    from estate.cli.push import verbosity, write_summary
    from estate.secrets import mask

    info, settings, targets = r.info, r.settings, r.targets
    confirm_environment(info.env, args.yes, "rollback --commit")
    push_settings = PushSettings(
        settings, runs_dir=args.runs_dir, command_timeout=settings.read_timeout, revert_minutes=args.revert_timer,
        rollback_for=args.rollback_for if args.rollback_for is not None else default_rollback_for(args.revert_timer),
        accept_risks=None, max_failures=max(1, len(targets)))
    rollout = Rollout(info.env, r.credentials, push_settings, r.secrets, r.all_sites,
                      device_access(r.inventory, r.selection, targets), kind="rollback", order=reverse_order)
    devices = [word for t in targets for word in ("--device", t.name)]
    command = ["estate", "rollback", "--run", info.run_id, *devices, "--commit", "--runs-dir",
               str(Path(args.runs_dir).resolve())]
    interrupt = Interrupt()
    try:
        with _ctrl_c(interrupt, args.runs_dir), \
                progress_bar(f"rolling back {info.env}", "devices", quiet=getattr(args, "quiet", 0)) as progress:
            result = push_environment(rollout, targets, interrupt=interrupt, command=command, progress=progress)
    except LockHeldError as exc:
        raise UserError(str(exc)) from exc
    write_summary(mask(summary_text(result, verbose=verbosity(args) > 0), r.secrets), verbosity(args))
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 0 if result.ok else 1
