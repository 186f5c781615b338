"""`estate schema`: write the JSON Schema of the inventory, for editors (YAML language servers
read it through a `# yaml-language-server: $schema=<file>` line in `estate.yaml`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from estate.cli.common import file_path
from estate.files import PUBLIC_FILE, atomic_write


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schema", help="write the JSON Schema of estate.yaml, a sites.csv row and a site override",
        description="The JSON Schema of estate.yaml (at the top) and, under $defs, of a sites.csv row "
        "(SiteRow) and a sites/<SITE-ID>.yaml override (SiteOverride), from the models estate validates with.",
    )
    parser.add_argument("--out", type=file_path, default=None, metavar="FILE",
                        help="write it to FILE (default: standard output)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from estate.inventory.schema import inventory_schema

    text = json.dumps(inventory_schema(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    atomic_write(args.out, text, mode=PUBLIC_FILE)
    sys.stdout.write(f"wrote the inventory schema to {args.out}\n")
    return 0
