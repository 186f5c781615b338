"""Arguments and loading shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from estate.inventory.inventory import Inventory
from estate.paths import DEFAULT_INVENTORY


class UserError(Exception):
    """A mistake in what the user asked for: printed without a traceback, exit code 2."""


def add_inventory(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inventory", type=Path, default=DEFAULT_INVENTORY, metavar="DIR",
        help="the source of truth folder (default: the project's network_configs/)",
    )


def add_env(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--env", required=required, metavar="ENV", help="environment: dev, staging, prod, ...")


def add_sites(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site", dest="sites", action="append", default=None, metavar="SITE-ID",
        help="only this site (repeat for more; default: every site of the environment)",
    )


def load(args: argparse.Namespace) -> Inventory:
    from estate.validate import load_inventory

    root: Path = args.inventory
    if not root.is_dir():
        raise UserError(f"inventory folder {root} does not exist")
    return load_inventory(root)
