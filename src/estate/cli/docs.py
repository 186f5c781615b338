"""`estate docs`: per site a Markdown page and a CSV patch schedule for the engineers on site,
written under `<out>/<env>/` (each file replaced in one rename)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from estate.cli.common import add_env, add_inventory, add_sites, folder_path, load
from estate.paths import DEFAULT_BUILD

DEFAULT_DOCS = DEFAULT_BUILD / "docs"


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "docs", help="write each site's documentation: a Markdown page and a CSV patch schedule"
    )
    add_inventory(parser)
    add_env(parser)
    add_sites(parser)
    parser.add_argument("--out", type=folder_path, default=DEFAULT_DOCS, metavar="DIR",
                        help=f"output folder; files go under DIR/<env>/ (default: {DEFAULT_DOCS}/)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from estate.build.sitedocs import site_docs, write_site_docs

    inventory = load(args)
    docs = site_docs(inventory, args.env, args.sites)
    folder: Path = args.out / args.env
    write_site_docs(docs, folder)
    if len(docs) == 1:
        sys.stdout.write(f"wrote {folder / (docs[0].site_id + '.md')} and {docs[0].site_id}-patch.csv beside it\n")
    else:
        sys.stdout.write(f"wrote {len(docs)} site pages and patch schedules under {folder}/\n")
    return 0
