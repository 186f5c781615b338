"""Arguments and loading shared by the subcommands."""

from __future__ import annotations

import argparse
import difflib
import math
from collections.abc import Callable, Iterable
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
    from estate.build.validate import load_inventory

    root: Path = args.inventory
    if not root.is_dir():
        raise UserError(f"inventory folder {root} does not exist")
    return load_inventory(root)


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse `type`: an integer in [low, high] (no upper bound when `high` is None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"at least {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


def float_in(low: float, high: float | None = None) -> Callable[[str], float]:
    """An argparse `type`: a finite number in [low, high]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < low or (high is not None and value > high):
            bound = f"at least {low:g}" if high is None else f"from {low:g} to {high:g}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


def folder_path(text: str) -> Path:
    """An argparse `type` for an output folder: refuse a path that exists and is not a folder."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a folder")
    if any(parent.exists() and not parent.is_dir() for parent in path.parents):
        raise argparse.ArgumentTypeError(f"{text}: a parent of it is a file, not a folder")
    return path


def file_path(text: str) -> Path:
    """An argparse `type` for a file to write: refuse an existing folder or a file-as-parent."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if any(parent.exists() and not parent.is_dir() for parent in path.parents):
        raise argparse.ArgumentTypeError(f"{text}: a parent of it is a file, not a folder")
    return path


def unknown_names(kind: str, asked: Iterable[str], known: Iterable[str]) -> UserError | None:
    """A `UserError` naming every asked name that is not known, with close matches, or None."""
    known_list = sorted(set(known))
    missing = [name for name in asked if name not in set(known_list)]
    if not missing:
        return None
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, known_list, n=3, cutoff=0.6)
        parts.append(f"{name} (did you mean {', '.join(close)}?)" if close else name)
    return UserError(f"unknown {kind}: {'; '.join(parts)}")
