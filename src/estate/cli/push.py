"""`estate push`: a review unless `--commit`; with it, backup → apply → verify → save per
device, rolling back on any failure. Exit codes: 0 all good, 1 anything failed, 2 user error
(including: another run holds the environment's lock), 130 interrupted.

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

from estate.cli.common import UserError, folder_path, int_in
from estate.cli.review import add_review_arguments, context, render_review

if TYPE_CHECKING:
    from estate.change.push import Interrupt

EXIT_INTERRUPTED = 130


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "push", help="apply the reviewed changes (dry-run unless --commit)")
    add_review_arguments(parser)
    parser.add_argument("--commit", action="store_true", help="really change devices (default: dry-run review)")
    parser.add_argument("--plan", type=Path, default=None, metavar="PLAN",
                        help="apply exactly this saved plan; refuse devices whose running config changed since")
    parser.add_argument("--canary", type=int_in(0), default=0, metavar="N",
                        help="push N sites first and wait for them; any canary failure stops the run")
    parser.add_argument("--max-failures", type=int_in(1), default=1, metavar="K",
                        help="stop launching new sites once K sites failed (default 1)")
    parser.add_argument("--site-workers", type=int_in(1), default=4, metavar="N",
                        help="sites pushed in parallel (default 4)")
    parser.add_argument("--runs-dir", type=folder_path, default=Path("build/runs"), metavar="DIR",
                        help="where run records, backups and the environment's lock go (default build/runs)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from estate.change.fetch import FetchError
    from estate.change.lock import LockHeldError
    from estate.change.push import Interrupt, PushSettings, push_environment, summary_text
    from estate.change.review import PlanError, endpoints_for, load_plan, prepare, review_environment
    from estate.secrets import mask

    if args.running_from is not None and args.commit:
        raise UserError("--running-from is offline: it cannot be used with --commit")
    inventory, selection, credentials, settings, secrets, risk = context(args)
    if not args.commit:
        review = review_environment(inventory, selection, credentials=credentials, settings=settings,
                                    secrets=secrets, risk=risk)
        sys.stdout.write(mask(render_review(review, args.format, args.detail), secrets))
        sys.stdout.write("dry-run: nothing was changed (add --commit to push)\n")
        return 0 if review.ok else 1
    try:
        plan = load_plan(args.plan, args.env) if args.plan is not None else None
        targets, all_sites = prepare(inventory, selection)
        endpoints = endpoints_for(inventory, selection, targets)
    except (PlanError, FetchError) as exc:
        raise UserError(str(exc)) from exc
    push_settings = PushSettings(settings, canary=args.canary, max_failures=args.max_failures,
                                 site_workers=args.site_workers, runs_dir=args.runs_dir,
                                 command_timeout=settings.read_timeout)
    interrupt = Interrupt()
    try:
        with _ctrl_c(interrupt, args.runs_dir):
            result = push_environment(args.env, targets, endpoints, credentials=credentials,
                                      settings=push_settings, secrets=secrets, all_sites=all_sites, plan=plan,
                                      interrupt=interrupt, command=recorded_command(args))
    except LockHeldError as exc:
        raise UserError(str(exc)) from exc
    sys.stdout.write(mask(summary_text(result), secrets))
    if result.interrupted:
        return EXIT_INTERRUPTED
    return 0 if result.ok else 1


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
    words += ["--commit", "--runs-dir", str(Path(args.runs_dir).resolve())]
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
