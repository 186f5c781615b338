"""`estate`: the command line. Each subcommand lives in its own module with `add_parser`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from estate import __version__
from estate.cli.common import UserError
from estate.inventory.inventory import UnknownEnvironmentError, UnknownSiteError
from estate.problems import InventoryError
from estate.render import RenderError

SUBCOMMANDS = ("validate", "render", "lab", "review", "push", "capacity", "plan")
EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="estate", description="Source of truth, site configs, change reviews and cloud stacks for the estate."
    )
    parser.add_argument("--version", action="version", version=f"estate {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"estate.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"estate.cli.{name}":
                continue  # subcommand not built yet
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except InventoryError as exc:
        sys.stderr.write(exc.report() + "\n")
        return EXIT_USER_ERROR
    except (UserError, UnknownEnvironmentError, UnknownSiteError, RenderError) as exc:
        sys.stderr.write(f"estate: error: {exc}\n")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("estate: interrupted\n")
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
