"""`estate render`: every device config of an environment (or of chosen sites/devices), written
under `<out>/<env>/` with a manifest; nothing is written unless every device rendered."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from estate.cli.common import add_env, add_inventory, add_sites, load
from estate.paths import DEFAULT_BUILD, TEMPLATES_DIR

BAR_WIDTH = 30


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "render", help="render the intended config of every device (switches and WLC parts)"
    )
    add_inventory(parser)
    add_env(parser)
    add_sites(parser)
    parser.add_argument(
        "--device", dest="devices", action="append", default=None, metavar="HOSTNAME",
        help="only this device (repeat for more; the WLC hostname selects every WLC part)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_BUILD, metavar="DIR",
                        help=f"output folder (default: {DEFAULT_BUILD}/)")
    parser.add_argument("--templates", type=Path, default=TEMPLATES_DIR, metavar="DIR",
                        help="templates folder (default: the project's templates/)")
    parser.set_defaults(func=run)


class ProgressBar:
    """A one-line bar on a terminal; silent when stderr is a file or a pipe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        filled = BAR_WIDTH * done // max(total, 1)
        if filled == self.last and done != total:
            return
        self.last = filled
        self.stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} sites")
        if done == total:
            self.stream.write("\r" + " " * (BAR_WIDTH + 24) + "\r")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from estate.cli.common import UserError
    from estate.device_model import Role
    from estate.render import Renderer, Scope, render_environment, write_artifacts

    started = time.perf_counter()
    inventory = load(args)
    templates: Path = args.templates
    if not templates.is_dir():
        raise UserError(f"templates folder {templates} does not exist")
    artifacts = render_environment(
        inventory, args.env, sites=args.sites, devices=args.devices,
        renderer=Renderer(templates=templates), progress=ProgressBar(sys.stderr),
    )
    if args.devices:
        found = {a.hostname for a in artifacts}
        missing = sorted(set(args.devices) - found)
        if missing:
            raise UserError(f"no such device in the chosen sites of '{args.env}': {', '.join(missing)}")
    scope = Scope(
        sites=frozenset(args.sites) if args.sites else None,
        devices=frozenset(args.devices) if args.devices else None,
    )
    summary = write_artifacts(artifacts, args.out, scope)
    switches = sum(a.role in (Role.CORE, Role.ACCESS) for a in artifacts)
    wlc_parts = sum(a.role is Role.WLC_SITE for a in artifacts)
    sites = len({a.site_id for a in artifacts if a.site_id is not None})
    elapsed = time.perf_counter() - started
    sys.stdout.write(
        f"rendered {args.env}: {len(artifacts)} configs ({switches} switches, {wlc_parts} WLC site parts"
        f"{', WLC global part' if any(a.role is Role.WLC_GLOBAL for a in artifacts) else ''}) "
        f"for {sites} sites; {len(summary.written)} written, {len(summary.unchanged)} unchanged"
        f"{f', {len(summary.removed)} removed' if summary.removed else ''}; "
        f"{elapsed:.2f} s -> {args.out / args.env}\n"
    )
    return 0
