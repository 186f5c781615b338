"""`estate push`: a review unless `--commit`; with it, per device: backup → apply inside a
revert timer → verify and reconnect → confirm → save, rolling back on any failure.

Before anything is touched: every selected site's change window must be open (or
`--outside-window --reason`), a plan must be signed (`ESTATE_PLAN_KEY`) and its risk kinds
accepted (`--accept-risk`), prod must be confirmed (its name typed, or `--yes`). Exit codes: 0
all done, 1 anything failed or skipped, 2 user error (including: another run holds the
environment's lock), 130 interrupted.

Ctrl-C once: nothing new starts, devices already changing finish or roll back, the summary is
written. Ctrl-C twice: the record names the devices in flight and the process exits at once.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estate.change.risk import RiskKind
from estate.cli.common import UserError, float_in, folder_path, int_in, unknown_names
from estate.cli.review import add_review_arguments, context, reviewed, show_review

if TYPE_CHECKING:
    from estate.change.push import Interrupt

EXIT_INTERRUPTED = 130


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "push", help="apply the reviewed changes (dry-run unless --commit)")
    add_review_arguments(parser)
    parser.add_argument("--commit", action="store_true", help="really change devices (default: dry-run review)")
    parser.add_argument("--plan", type=Path, default=None, metavar="PLAN",
                        help="apply exactly this saved, signed plan (ESTATE_PLAN_KEY); refuse devices whose "
                             "running config changed since")
    parser.add_argument("--canary", type=int_in(0), default=0, metavar="N",
                        help="push N sites first and wait for them; any canary failure stops the run")
    parser.add_argument("--max-failures", type=int_in(1), default=1, metavar="K",
                        help="stop launching new sites once K sites failed (default 1)")
    parser.add_argument("--site-workers", type=int_in(1), default=4, metavar="N",
                        help="sites pushed in parallel (default 4)")
    add_run_arguments(parser)
    parser.add_argument("--accept-risk", dest="accept_risk", action="append", default=None, metavar="KIND[,KIND]",
                        help="acknowledge these risk kinds; a change carrying a kind not named is refused "
                             f"(kinds: {', '.join(k.value for k in RiskKind)})")
    parser.add_argument("--outside-window", action="store_true",
                        help="allow sites whose change window is closed (needs --reason; recorded)")
    parser.add_argument("--reason", default=None, metavar="TEXT", help="why the push runs outside the windows")
    parser.set_defaults(func=run)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `push` and `rollback` share: where runs go, the revert timer, recovery."""
    parser.add_argument("--runs-dir", type=folder_path, default=Path("build/runs"), metavar="DIR",
                        help="where run records, backups and the environment's lock go (default build/runs)")
    parser.add_argument("--revert-timer", type=int_in(1, 120), default=5, metavar="MINUTES",
                        help="the device reverts the change on its own unless estate confirms it within this "
                             "(configure terminal revert timer; default 5)")
    parser.add_argument("--rollback-for", type=float_in(0, 86400), default=None, metavar="SECONDS",
                        help="how long to keep trying to get a failed device back to its backup, with backoff "
                             "(default: the revert timer plus 2 minutes)")
    parser.add_argument("--yes", action="store_true", help="prod: do not ask for the environment's name")


def accepted_risks(values: list[str] | None) -> frozenset[str]:
    known = {k.value for k in RiskKind}
    kinds = {kind.strip() for value in values or () for kind in value.split(",") if kind.strip()}
    error = unknown_names("risk kind in --accept-risk", sorted(kinds), known)
    if error is not None:
        raise error
    return frozenset(kinds)


def confirm_environment(env: str, yes: bool, what: str) -> None:
    """Prod asks for its own name (or --yes): a wrong terminal, a wrong --env, caught here."""
    if env != "prod" or yes:
        return
    if not sys.stdin.isatty():
        raise UserError(f"{what} in {env} needs --yes, or a terminal to type the environment's name")
    sys.stderr.write(f"{what} in {env}: type the environment's name to go on: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip() != env:
        raise UserError(f"not confirmed: {what} in {env} cancelled")


def window_gate(inventory: Any, env: str, sites: list[str] | None, outside: bool, reason: str | None) -> Any:
    """Each selected site's window; refuse sites whose window is closed unless --outside-window."""
    from estate.change.rollout import WindowGate
    from estate.change.windows import WindowError, current_time, parse_window

    if reason is not None and not outside:
        raise UserError("--reason goes with --outside-window")
    if outside and not (reason or "").strip():
        raise UserError("--outside-window needs --reason TEXT (it is recorded with the run)")
    try:
        windows = {site.site_id: parse_window(site.change_window) for site in inventory.env_sites(env, sites)}
    except WindowError as exc:
        raise UserError(str(exc)) from exc
    gate = WindowGate(windows, reason.strip() if outside and reason else None, current_time)
    closed = {site: why for site in windows if (why := gate.closed(site, ignore_reason=True))}
    if closed and not outside:
        listed = "; ".join(f"{site} {why}" for site, why in sorted(closed.items()))
        raise UserError(f"refused: {len(closed)} site(s) outside their change window: {listed}. Push the sites "
                        "whose window is open (--site), wait, or add --outside-window --reason TEXT")
    return gate


def device_access(inventory: Any, selection: Any, targets: Any) -> dict[str, Any]:
    from estate.change.fetch import FetchError
    from estate.change.review import endpoints_for

    try:
        return endpoints_for(inventory, selection, targets)
    except FetchError as exc:
        raise UserError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    from estate.change.device_push import Interrupt, PushSettings
    from estate.change.lock import LockHeldError
    from estate.change.plans import PlanError, load_plan
    from estate.change.recovery import default_rollback_for
    from estate.change.report import summary_text
    from estate.change.review import prepare
    from estate.change.rollout import Rollout, push_environment
    from estate.cli.progress import progress_bar
    from estate.secrets import mask

    if args.running_from is not None and args.commit:
        raise UserError("--running-from is offline: it cannot be used with --commit")
    ctx = context(args)
    inventory, selection, credentials, settings, secrets, risk = ctx
    accepted = accepted_risks(args.accept_risk)
    if not args.commit:
        review = reviewed(args, ctx)
        show_review(args, inventory, review, secrets)
        sys.stdout.write("dry-run: nothing was changed (add --commit to push)\n")
        return 0 if review.ok else 1
    gate = window_gate(inventory, args.env, args.sites, args.outside_window, args.reason)
    try:
        plan = load_plan(args.plan, args.env) if args.plan is not None else None
    except PlanError as exc:
        raise UserError(str(exc)) from exc
    targets, all_sites = prepare(inventory, selection)
    if plan is not None:
        check_plan_risks(plan, {t.name for t in targets}, accepted)
        check_plan_rotation(plan, selection.rotate)
    confirm_environment(args.env, args.yes, "push --commit")
    push_settings = PushSettings(
        settings, canary=args.canary, max_failures=args.max_failures, site_workers=args.site_workers,
        runs_dir=args.runs_dir, command_timeout=settings.read_timeout, revert_minutes=args.revert_timer,
        rollback_for=args.rollback_for if args.rollback_for is not None else default_rollback_for(args.revert_timer),
        risk=risk, accept_risks=accepted, rotate=selection.rotate)
    rollout = Rollout(args.env, credentials, push_settings, secrets, all_sites,
                      device_access(inventory, selection, targets), plan, gate)
    interrupt = Interrupt()
    try:
        with _ctrl_c(interrupt, args.runs_dir), \
                progress_bar(f"pushing {args.env}", "devices", quiet=int(getattr(args, "quiet", 0) or 0)) as progress:
            result = push_environment(rollout, targets, interrupt=interrupt, command=recorded_command(args),
                                      progress=progress)
    except LockHeldError as exc:
        raise UserError(str(exc)) from exc
    write_summary(mask(summary_text(result, verbose=verbosity(args) > 0), secrets), verbosity(args))
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 0 if result.ok else 1


def check_plan_risks(plan: Any, selected: set[str], accepted: frozenset[str]) -> None:
    """A plan names its risk kinds: refuse before touching anything unless all are accepted."""
    kinds: dict[str, int] = {}
    for name, device in plan.items():
        if name in selected:
            for kind in device.risks:
                kinds[kind] = kinds.get(kind, 0) + 1
    missing = sorted(set(kinds) - accepted)
    if missing:
        listed = ", ".join(f"{kind} ({kinds[kind]} devices)" for kind in missing)
        raise UserError(f"the plan carries risk flags not accepted: {listed}; review them, then add "
                        f"--accept-risk {','.join(sorted(kinds))}")


def check_plan_rotation(plan: Any, asked: frozenset[str]) -> None:
    """A plan carries the rotations it was reviewed with; a different --rotate-secret would
    push something other than what was approved."""
    planned = frozenset().union(*(device.rotated for device in plan.values()))
    if asked and asked != planned:
        shown = ", ".join(sorted(planned)) or "none"
        raise UserError(f"--rotate-secret {','.join(sorted(asked))} differs from the plan's rotations ({shown}): "
                        "review again with the rotation you mean to push")


def verbosity(args: argparse.Namespace) -> int:
    return int(getattr(args, "verbose", 0) or 0) - int(getattr(args, "quiet", 0) or 0)


def write_summary(text: str, level: int) -> None:
    """-q: the verdict and the devices that need attention; default: every device."""
    if level >= 0:
        sys.stdout.write(text)
        return
    lines = text.splitlines()
    keep = [lines[0], *(line for line in lines[1:] if _needs_attention(line))]
    sys.stdout.write("\n".join(keep) + "\n")


def _needs_attention(line: str) -> bool:
    from estate.change.device_push import Outcome

    words = line.split()
    bad = {o.value for o in Outcome if o.failed}
    return line.startswith(("DEVICE STATE UNKNOWN", "  backup to restore", "  restore it with", "stopped")) or (
        len(words) >= 2 and words[1] in bad)


def recorded_command(args: argparse.Namespace) -> list[str]:
    """The command as the record keeps it (and `estate runs show` reuses its source options):
    paths made absolute, so the advice works from any folder."""
    words = ["estate", "push", "--env", args.env, "--inventory", str(Path(args.inventory).resolve())]
    for site in args.sites or ():
        words += ["--site", site]
    for device in args.devices or ():
        words += ["--device", device]
    if args.lab:
        words += ["--lab", "--lab-dir", str(Path(args.lab_dir).resolve())]
    if args.known_hosts is not None:
        words += ["--known-hosts", str(Path(args.known_hosts).resolve())]
    if args.plan is not None:
        words += ["--plan", str(Path(args.plan).resolve())]
    if args.outside_window:
        words += ["--outside-window", "--reason", args.reason]
    if args.accept_risk:
        words += ["--accept-risk", ",".join(sorted(accepted_risks(args.accept_risk)))]
    words += ["--commit", "--runs-dir", str(Path(args.runs_dir).resolve()), "--revert-timer", str(args.revert_timer)]
    return words


@contextmanager
def _ctrl_c(interrupt: Interrupt, runs_dir: Path) -> Iterator[None]:
    """First SIGINT: stop launching; second: record what is in flight and exit at once (the
    worker threads may be mid-command; waiting for them is what the first Ctrl-C is for)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; a caller running us elsewhere handles them
        return

    def handle(_signum: int, _frame: Any) -> None:
        if not interrupt.requested:
            interrupt.request()
            _say("\nestate: interrupted: starting nothing new; devices already changing finish or roll back "
                 "(Ctrl-C again to stop at once)\n")
            return
        record = interrupt.abort()
        if record is not None:
            flying = ", ".join(f"{name} ({step})" for name, step in sorted(record.in_flight().items())) or "none"
            _say(f"\nestate: aborted run {record.run_id}; devices in flight: {flying}\n"
                 f"see: estate runs show {record.run_id} --runs-dir {shlex.quote(str(runs_dir))}\n")
        else:
            _say("\nestate: aborted\n")
        _flush()
        os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _say(text: str) -> None:
    # os.write, not sys.stderr: the handler may have interrupted a write to sys.stderr
    os.write(2, text.encode("utf-8", errors="replace"))


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, RuntimeError, ValueError):
            continue
