"""`estate push`: a review unless `--commit`; with it, backup → apply → verify → save per
device, rolling back on any failure. Exit codes: 0 all good, 1 anything failed, 2 user error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from estate.cli.common import UserError
from estate.cli.review import add_review_arguments, context, render_review


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "push", help="apply the reviewed changes (dry-run unless --commit)")
    add_review_arguments(parser)
    parser.add_argument("--commit", action="store_true", help="really change devices (default: dry-run review)")
    parser.add_argument("--plan", type=Path, default=None, metavar="PLAN",
                        help="apply exactly this saved plan; refuse devices whose running config changed since")
    parser.add_argument("--canary", type=int, default=0, metavar="N",
                        help="push N sites first and wait for them; any canary failure stops the run")
    parser.add_argument("--max-failures", type=int, default=1, metavar="K",
                        help="stop launching new sites once K sites failed (default 1)")
    parser.add_argument("--site-workers", type=int, default=4, metavar="N", help="sites pushed in parallel")
    parser.add_argument("--runs-dir", type=Path, default=Path("build/runs"), metavar="DIR",
                        help="where run records and backups go (default build/runs)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from estate.fetch import FetchError
    from estate.push import PushSettings, push_environment, summary_text
    from estate.review import PlanError, endpoints_for, load_plan, prepare, review_environment
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
    push_settings = PushSettings(settings, canary=args.canary, max_failures=max(1, args.max_failures),
                                 site_workers=args.site_workers, runs_dir=args.runs_dir,
                                 command_timeout=settings.read_timeout)
    result = push_environment(args.env, targets, endpoints, credentials=credentials, settings=push_settings,
                              secrets=secrets, all_sites=all_sites, plan=plan)
    sys.stdout.write(mask(summary_text(result), secrets))
    return 0 if result.ok else 1
