"""`estate render`: every device config of an environment (or of chosen sites/devices), written
under `<out>/<env>/` with a manifest; nothing is written unless every device rendered, and the
folder is swapped in whole (see `estate.build.render.write_artifacts`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from estate.cli.common import UserError, add_env, add_inventory, add_sites, folder_path, load, unknown_names
from estate.cli.progress import progress_bar
from estate.paths import DEFAULT_BUILD, TEMPLATES_DIR


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "render", help="render the intended config of every device (switches and WLC parts)"
    )
    add_inventory(parser)
    add_env(parser)
    add_sites(parser)
    parser.add_argument(
        "--device", dest="devices", action="append", default=None, metavar="HOSTNAME",
        help="only this device (repeat for more; a WLC's hostname selects its own part and its site shares)",
    )
    parser.add_argument("--out", type=folder_path, default=DEFAULT_BUILD, metavar="DIR",
                        help=f"output folder (default: {DEFAULT_BUILD}/)")
    parser.add_argument("--templates", type=Path, default=TEMPLATES_DIR, metavar="DIR",
                        help="templates folder (default: the project's templates/)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from estate.build.device_model import Role
    from estate.build.render import Renderer, Scope, device_hostnames, render_environment, write_artifacts

    started = time.perf_counter()
    inventory = load(args)
    templates: Path = args.templates
    if not templates.is_dir():
        raise UserError(f"templates folder {templates} does not exist")
    with progress_bar(f"rendering {args.env}", "sites", quiet=getattr(args, "quiet", 0)) as progress:
        artifacts = render_environment(
            inventory, args.env, sites=args.sites, devices=args.devices,
            renderer=Renderer(templates=templates), progress=progress,
        )
    if args.devices:
        missing = sorted(set(args.devices) - {a.hostname for a in artifacts})
        # only on this error path: the close matches need every device of the chosen sites
        error = unknown_names(f"device in the chosen sites of '{args.env}'", missing,
                              device_hostnames(inventory, args.env, args.sites)) if missing else None
        if error is not None:
            raise error
    scope = Scope(
        sites=frozenset(args.sites) if args.sites else None,
        devices=frozenset(args.devices) if args.devices else None,
    )
    try:
        summary = write_artifacts(artifacts, args.out, scope)
    except OSError as exc:
        # write_artifacts changes nothing unless it completes: say so, the user's next step differs
        where = exc.filename or args.out / args.env
        raise UserError(f"could not write {args.out / args.env}: {exc.strerror or exc} ({where}); "
                        f"the previous output is unchanged") from None
    switches = sum(a.role in (Role.CORE, Role.ACCESS) for a in artifacts)
    wlc_parts = sum(a.role is Role.WLC_SITE for a in artifacts)
    sites = len({a.site_id for a in artifacts if a.site_id is not None})
    elapsed = time.perf_counter() - started
    sys.stdout.write(
        f"rendered {args.env}: {len(artifacts)} configs ({switches} switches, {wlc_parts} WLC site parts"
        f"{_wlcs(sum(a.role is Role.WLC_GLOBAL for a in artifacts))}) "
        f"for {sites} sites; {len(summary.written)} written, {len(summary.unchanged)} unchanged"
        f"{f', {len(summary.removed)} removed' if summary.removed else ''}; "
        f"{elapsed:.2f} s -> {args.out / args.env}\n"
    )
    return 0


def _wlcs(count: int) -> str:
    """The WLCs' own parts: each HA pair's and the guest anchor's."""
    return "" if not count else f", {count} WLC{'s' if count > 1 else ''} (pairs and guest anchor)"
