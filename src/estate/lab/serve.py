"""Entry point of the detached lab server: ``python -m estate.lab.serve --state-dir DIR``.

Reads ``DIR/devices.json`` and ``DIR/faults.json``; credentials come as JSON on stdin
(``{hostname: {username, password, secret}}``) as :func:`estate.lab.control.lab_up` sends them,
or, when stdin is empty, from the ``ESTATE_SSH_*`` environment variables. Runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

from pydantic import SecretStr

from estate.lab.control import with_credentials
from estate.lab.faults import load_faults
from estate.lab.server import LabServer
from estate.lab.state import DEVICES_JSON, FAULTS_JSON, LabDeviceSpec, load_specs


def _apply_stdin_credentials(specs: list[LabDeviceSpec], raw: str) -> list[LabDeviceSpec]:
    if not raw.strip():
        return with_credentials(specs)
    table: dict[str, dict[str, str]] = json.loads(raw)
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


async def serve(state_dir: Path, specs: list[LabDeviceSpec]) -> None:
    faults_path = state_dir / FAULTS_JSON
    faults = load_faults(faults_path) if faults_path.exists() else {}
    server = LabServer(specs, state_dir, faults)
    await server.start()
    logging.getLogger(__name__).info("serving %d devices", len(specs))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m estate.lab.serve")
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    state_dir: Path = args.state_dir
    raw = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    specs = _apply_stdin_credentials(load_specs(state_dir / DEVICES_JSON), raw)
    asyncio.run(serve(state_dir, specs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
