"""`estate lab up|status|down`: the device simulator as a background process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from estate.cli.common import UserError, add_inventory, add_sites, float_in, folder_path, load
from estate.lab.state import LabDeviceSpec, LabError, load_specs
from estate.secrets import SecretValueError

SpecProvider = Callable[[str], list[LabDeviceSpec]]
DEFAULT_STATE_DIR = Path("build/lab")
MAX_TIMEOUT = 3600.0


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
    up.add_argument("--stack-outputs", type=Path, default=None, metavar="FILE",
                    help="the stack's outputs: the environment's hub routers are simulated too")
    up.add_argument("--timeout", type=float_in(1.0, MAX_TIMEOUT), default=120.0, metavar="SECONDS",
                    help=f"seconds to wait for devices (1 to {MAX_TIMEOUT:g}; default 120)")
    up.set_defaults(func=partial(_guarded, partial(_up, provider=provider)))
    for name, handler, text in (
        ("status", _status, "is the simulator running, are its devices reachable"),
        ("down", _down, "stop the simulator (host keys are kept)"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.set_defaults(func=partial(_guarded, handler))
    for sub in (up, *[commands.choices[n] for n in ("status", "down")]):
        sub.add_argument(
            "--state-dir", type=folder_path, default=DEFAULT_STATE_DIR, metavar="DIR",
            help=f"where the lab keeps keys, known_hosts and lab.json (default: {DEFAULT_STATE_DIR})",
        )


def _guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """A lab that cannot be started, read or stopped as asked is the user's to fix: exit 2."""
    try:
        return handler(args)
    except (LabError, SecretValueError) as exc:
        raise UserError(str(exc)) from exc


def _specs(args: argparse.Namespace, provider: SpecProvider | None) -> list[LabDeviceSpec]:
    if args.devices is not None:
        return load_specs(args.devices)
    if args.env is not None:
        if provider is not None:
            return provider(args.env)
        from estate.cli.review import stack_outputs
        from estate.lab.from_inventory import inventory_specs

        outputs = None if args.stack_outputs is None else stack_outputs(args.stack_outputs)
        return inventory_specs(load(args), args.env, args.sites, stack_outputs=outputs)
    raise UserError("give --env ENV or --devices FILE")


def _up(args: argparse.Namespace, provider: SpecProvider | None) -> int:
    # the simulator (asyncssh) loads only when a lab command runs: render's start-up stays fast
    from estate.lab.control import lab_up
    from estate.lab.faults import load_faults
    from estate.lab.from_inventory import lab_secret_values, spec_placeholders

    faults = load_faults(args.faults) if args.faults is not None else None
    specs = _specs(args, provider)
    # the lab holds a value for every placeholder its devices' configs carry (hub keys included)
    secrets = lab_secret_values(args.state_dir, extra_names=spec_placeholders(specs))
    state = lab_up(specs, args.state_dir, faults, timeout=args.timeout, secrets=secrets)
    sys.stdout.write(
        f"lab up: {len(state.devices)} devices, pid {state.pid}\n"
        f"known_hosts: {state.known_hosts}\n"
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    from estate.lab.control import lab_status
    from estate.lab.ownership import Ownership

    status = lab_status(args.state_dir)
    if status.pid is None:
        sys.stdout.write(f"no lab in {args.state_dir}\n")
        return 1
    if status.ownership in (Ownership.FOREIGN, Ownership.SILENT):
        sys.stdout.write(f"lab not running: pid {status.pid} recorded in {args.state_dir} cannot be proven to be "
                         f"its server ({_WHY[status.ownership]})\n")
        return 1
    state = "running" if status.running else "not running"
    sys.stdout.write(
        f"lab {state} (pid {status.pid}): {status.reachable}/{status.devices} devices reachable\n"
    )
    for name in status.unreachable:
        sys.stdout.write(f"  unreachable: {name}\n")
    return 0 if status.running and not status.unreachable else 1


_WHY = {
    "silent": "the recorded process runs but does not answer on the lab's control socket",
    "foreign": "another process has that pid now, or the record cannot be checked",
}


def _down(args: argparse.Namespace) -> int:
    from estate.lab.control import Down, lab_down
    from estate.lab.state import read_state

    recorded = read_state(args.state_dir)
    result = lab_down(args.state_dir)
    if result.refused:
        assert recorded is not None
        sys.stdout.write(
            f"not stopped: pid {recorded.pid} recorded in {args.state_dir} cannot be proven to be this lab's "
            f"server ({_WHY[result.value]}); nothing was signalled or removed\n"
        )
        return 1
    messages = {
        Down.STOPPED: "lab stopped\n",
        Down.NOT_RUNNING: f"lab in {args.state_dir} was not running (its process is gone); its state is cleared\n",
        Down.NO_LAB: f"no running lab in {args.state_dir}\n",
    }
    sys.stdout.write(messages[result])
    return 0
