"""`estate lab up|status|down`: the device simulator as a background process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from estate.cli.common import UserError, add_inventory, add_sites, load
from estate.lab.state import LabDeviceSpec, LabError, load_specs

SpecProvider = Callable[[str], list[LabDeviceSpec]]
DEFAULT_STATE_DIR = Path("build/lab")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    provider: SpecProvider | None = None,
) -> None:
    """Register ``lab``. ``provider`` maps ``--env ENV`` to device specs (else ``--devices``)."""
    parser = subparsers.add_parser("lab", help="run simulated IOS-XE devices on loopback")
    commands = parser.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    up = commands.add_parser("up", help="start the simulator in the background")
    up.add_argument("--devices", type=Path, metavar="FILE", help="JSON list of device specs")
    up.add_argument("--env", metavar="ENV", help="simulate this environment's devices (brownfield configs)")
    add_inventory(up)
    add_sites(up)
    up.add_argument("--faults", type=Path, metavar="FILE", help="YAML/JSON hostname → faults")
    up.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for devices")
    up.set_defaults(func=partial(_up, provider=provider))
    for name, handler, text in (
        ("status", _status, "is the simulator running, are its devices reachable"),
        ("down", _down, "stop the simulator (host keys are kept)"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.set_defaults(func=handler)
    for sub in (up, *[commands.choices[n] for n in ("status", "down")]):
        sub.add_argument(
            "--state-dir", type=Path, default=DEFAULT_STATE_DIR, metavar="DIR",
            help=f"where the lab keeps keys, known_hosts and lab.json (default: {DEFAULT_STATE_DIR})",
        )


def _specs(args: argparse.Namespace, provider: SpecProvider | None) -> list[LabDeviceSpec]:
    if args.devices is not None:
        return load_specs(args.devices)
    if args.env is not None:
        if provider is not None:
            return provider(args.env)
        from estate.lab.from_inventory import inventory_specs

        return inventory_specs(load(args), args.env, args.state_dir, args.sites)
    raise UserError("give --env ENV or --devices FILE")


def _up(args: argparse.Namespace, provider: SpecProvider | None) -> int:
    # the simulator (asyncssh) loads only when a lab command runs: render's start-up stays fast
    from estate.lab.control import lab_up
    from estate.lab.faults import load_faults

    specs = _specs(args, provider)
    faults = load_faults(args.faults) if args.faults is not None else None
    try:
        state = lab_up(specs, args.state_dir, faults, timeout=args.timeout)
    except LabError as exc:
        raise UserError(str(exc)) from exc
    sys.stdout.write(
        f"lab up: {len(state.devices)} devices, pid {state.pid}\n"
        f"known_hosts: {state.known_hosts}\n"
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    from estate.lab.control import lab_status

    status = lab_status(args.state_dir)
    if status.pid is None:
        sys.stdout.write(f"no lab in {args.state_dir}\n")
        return 1
    state = "running" if status.running else "not running"
    sys.stdout.write(
        f"lab {state} (pid {status.pid}): {status.reachable}/{status.devices} devices reachable\n"
    )
    for name in status.unreachable:
        sys.stdout.write(f"  unreachable: {name}\n")
    return 0 if status.running and not status.unreachable else 1


def _down(args: argparse.Namespace) -> int:
    from estate.lab.control import lab_down

    stopped = lab_down(args.state_dir)
    sys.stdout.write("lab stopped\n" if stopped else f"no running lab in {args.state_dir}\n")
    return 0
