"""`estate render`: every device config of an environment (or of chosen sites/devices), written
under `<out>/<env>/` with a manifest; nothing is written unless every device rendered, and the
folder is swapped in whole (see `estate.build.render.write_artifacts`). With `--stack-outputs`,
the hub routers too (`<env>/hubs/`), after the stack's outputs and the inventory cross-check."""

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
    parser.add_argument(
        "--stack-outputs", type=Path, default=None, metavar="FILE",
        help="the environment's stack outputs (`pulumi stack output --json --show-secrets > FILE`, or "
             "`estate plan --env ENV --outputs FILE` offline): also render the hub routers")
    parser.set_defaults(func=run)


HUBS_SKIPPED = ("note: hub routers not rendered (and none left in the output): they need the stack's outputs; "
                "pass --stack-outputs FILE "
                "(`pulumi stack output --json --show-secrets > FILE`, or offline `estate plan --env {env} "
                "--outputs FILE`)\n")


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
    hubs = _hubs(args, inventory, Renderer(templates=templates))
    artifacts.extend(hubs)
    if args.devices:
        missing = sorted(set(args.devices) - {a.hostname for a in artifacts})
        # only on this error path: the close matches need every device of the chosen sites
        known = device_hostnames(inventory, args.env, args.sites) | _hub_names(inventory, args.env)
        error = unknown_names(f"device in the chosen sites of '{args.env}'", missing, known) if missing else None
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
    edges = sum(a.role is Role.EDGE for a in artifacts)
    wlc_parts = sum(a.role is Role.WLC_SITE for a in artifacts)
    sites = len({a.site_id for a in artifacts if a.site_id is not None})
    elapsed = time.perf_counter() - started
    sys.stdout.write(
        f"rendered {args.env}: {len(artifacts)} configs ({switches} switches, {edges} edge router{_s(edges)}, "
        f"{wlc_parts} WLC site parts"
        f"{_wlcs(sum(a.role is Role.WLC_GLOBAL for a in artifacts))}"
        f"{f', {len(hubs)} hub router{_s(len(hubs))}' if hubs else ''}) "
        f"for {sites} sites; {len(summary.written)} written, {len(summary.unchanged)} unchanged"
        f"{f', {len(summary.removed)} removed' if summary.removed else ''}; "
        f"{elapsed:.2f} s -> {args.out / args.env}\n"
    )
    if args.stack_outputs is None and not args.sites:
        sys.stdout.write(HUBS_SKIPPED.format(env=args.env))
    return 0


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _hub_names(inventory: Any, env: str) -> set[str]:
    from estate.build.wan import env_hubs, hub_hostname

    return {hub_hostname(inventory, env, hub) for hub in env_hubs(inventory.estate, env)}


def _hubs(args: argparse.Namespace, inventory: Any, renderer: Any) -> list[Any]:
    """The hub routers, when the stack's outputs are given: the file is read and cross-checked
    with the inventory first, and the rendered configs are checked to carry the stack's tunnel
    addresses; any problem is a user error (exit 2) and nothing is written."""
    if args.stack_outputs is None:
        return []
    from estate.build.hubs import hub_artifacts
    from estate.build.stack_outputs import StackOutputsError, load_stack_outputs
    from estate.build.wan_checks import WanMismatchError, check_hub_configs, check_stack_outputs

    try:
        outputs = load_stack_outputs(args.stack_outputs)
        check_stack_outputs(inventory, args.env, outputs)
        hubs = hub_artifacts(inventory, args.env, outputs, renderer)
        check_hub_configs(hubs, outputs)
    except StackOutputsError as exc:
        # one line per problem (the error line itself stays one line)
        sys.stderr.writelines(f"  {p.render()}\n" for p in exc.problems)
        raise UserError(f"{len(exc.problems)} problem(s) in the stack outputs {args.stack_outputs} (above); "
                        "nothing written") from None
    except WanMismatchError as exc:
        sys.stderr.writelines(f"  {m.render()}\n" for m in exc.mismatches)
        raise UserError(f"{len(exc.mismatches)} mismatch(es) between the stack outputs {args.stack_outputs} and "
                        "the inventory (above); nothing written") from None
    if outputs.offline is not None:
        sys.stdout.write(f"note: {outputs.path} is an {outputs.offline}\n")
    if args.devices:
        hubs = [a for a in hubs if a.hostname in set(args.devices)]
    elif args.sites:
        hubs = []  # hubs belong to no site: a render of chosen sites leaves them as they are
    return hubs


def _wlcs(count: int) -> str:
    """The WLCs' own parts: each HA pair's and the guest anchor's."""
    return "" if not count else f", {count} WLC{'s' if count > 1 else ''} (pairs and guest anchor)"
