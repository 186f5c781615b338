"""`estate validate`: load and check the whole source of truth; print every problem."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from estate.cli.common import add_env, add_inventory, load


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate", help="check the source of truth and report every problem"
    )
    add_inventory(parser)
    add_env(parser, required=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from estate.contact.load import contact_problems, has_contact_centre
    from estate.problems import InventoryError

    inventory = load(args)
    # the contact-centre model is checked here and by `staffing`/`plan`, not by every command
    # that loads the inventory: render and review do not read it
    problems = contact_problems(inventory)
    if problems:
        raise InventoryError(problems)
    envs = [args.env] if args.env else list(inventory.estate.environments)
    lines = []
    for name in envs:
        sites = inventory.env_sites(name)
        lines.append(f"{name}: {len(sites)} sites, supernet {inventory.environment(name).supernet}")
    sys.stdout.write(f"inventory {args.inventory} is valid: {len(inventory.sites)} sites\n")
    if has_contact_centre(inventory.root):
        lines.append("contact centre: model and forecast valid")
    sys.stdout.write("".join(f"  {line}\n" for line in lines))
    return 0
