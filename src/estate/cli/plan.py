"""`estate plan`: the resources a stack declares and the policy verdicts, offline (no CLI, no AWS)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from estate.cli.common import UserError, add_env
from estate.paths import PROJECT_ROOT

EXIT_VIOLATION = 1


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan", help="offline plan of a cloud stack: resources, policy verdicts, counts",
        description="Runs the Pulumi program for the stack in-process under mocks: shows what it "
        "declares and the policy verdicts. Offline; `pulumi preview` is the real diff against AWS.",
    )
    add_env(parser)
    parser.add_argument(
        "--inventory", type=Path, default=None, metavar="DIR",
        help="the source of truth folder (default: the stack's estate:inventory, else network_configs/)",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=PROJECT_ROOT, metavar="DIR",
        help="the Pulumi project folder: its Pulumi.yaml and Pulumi.<env>.yaml (default: this project's)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--detail", action="store_true",
        help="every input of every resource (secrets masked, human units); default: a summary per tier")
    parser.add_argument(
        "--outputs", type=Path, default=None, metavar="FILE",
        help="also write the stack outputs as `pulumi stack output --json --show-secrets` would (tunnel "
        "outside addresses are documentation placeholders): what `estate render --stack-outputs` reads")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # pulumi and the stack program load only here: other commands start fast
    from estate.cloud.cost import PriceError
    from estate.cloud.plan import run_plan
    from estate.cloud.settings import SettingsError

    if args.inventory is not None and not args.inventory.is_dir():
        raise UserError(f"inventory folder {args.inventory} does not exist")
    try:
        plan = run_plan(args.env, project_dir=args.project_dir, inventory=args.inventory)
    except (SettingsError, PriceError) as exc:
        raise UserError(str(exc)) from None
    from estate.cli.plan_text import as_json, as_text

    if args.outputs is not None:
        from estate.cloud.plan import stack_outputs_json
        from estate.files import atomic_write

        try:  # 0600: a real stack's outputs file holds the tunnels' keys; keep the habit
            atomic_write(args.outputs, stack_outputs_json(plan))
        except OSError as exc:
            raise UserError(f"could not write {args.outputs}: {exc.strerror or exc}") from None
    sys.stdout.write(as_json(plan) if args.format == "json" else as_text(plan, detail=args.detail))
    return EXIT_VIOLATION if plan.mandatory_violations else 0


