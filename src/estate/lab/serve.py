"""Entry point of the detached lab server: ``python -m estate.lab.serve --state-dir DIR``.

Reads ``DIR/devices.json`` and ``DIR/faults.json``. Everything secret arrives as JSON on stdin,
as :func:`estate.lab.control.lab_up` sends it: ``{"credentials": {hostname: {username,
password, secret}}, "secrets": {NAME: value}, "token": ...}``. The secret values fill the
configs' ``${NAME}`` placeholders in memory; the token is what the server proves itself with on
``DIR/control.sock``. With nothing on stdin, credentials and secret values come from the
``ESTATE_SSH_*`` and ``ESTATE_SECRET_*`` variables and there is no control socket (such a server
cannot be proven to be a lab, so ``lab down`` leaves it alone). Runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from estate.lab.control import with_credentials
from estate.lab.faults import load_faults
from estate.lab.ownership import serve_control, socket_path
from estate.lab.server import LabServer
from estate.lab.state import DEVICES_JSON, FAULTS_JSON, LabDeviceSpec, load_specs
from estate.secrets import from_environment


def _apply_credentials(specs: list[LabDeviceSpec], table: Mapping[str, Mapping[str, str]]) -> list[LabDeviceSpec]:
    result = []
    for spec in specs:
        entry = table.get(spec.hostname, {})
        result.append(
            spec.model_copy(
                update={
                    "username": entry.get("username", spec.username),
                    "password": SecretStr(entry.get("password", "")),
                    "secret": SecretStr(entry.get("secret", "")),
                }
            )
        )
    return with_credentials(result)


async def serve(state_dir: Path, specs: list[LabDeviceSpec], secrets: Mapping[str, str], token: str | None) -> None:
    faults_path = state_dir / FAULTS_JSON
    faults = load_faults(faults_path) if faults_path.exists() else {}
    server = LabServer(specs, state_dir, faults, secrets)
    await server.start()
    control = await serve_control(socket_path(state_dir), token) if token else None
    logging.getLogger(__name__).info("serving %d devices", len(specs))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    if control is not None:
        control.close()
        socket_path(state_dir).unlink(missing_ok=True)
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m estate.lab.serve")
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    os.umask(0o077)  # whatever the server creates in its state folder is its owner's only
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    state_dir: Path = args.state_dir
    raw = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    payload: dict[str, Any] = json.loads(raw) if raw.strip() else {}
    specs = load_specs(state_dir / DEVICES_JSON)
    if payload:
        specs = _apply_credentials(specs, payload.get("credentials", {}))
        secrets: Mapping[str, str] = payload.get("secrets", {})
    else:
        specs = with_credentials(specs)
        secrets = from_environment()
    asyncio.run(serve(state_dir, specs, secrets, payload.get("token")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
