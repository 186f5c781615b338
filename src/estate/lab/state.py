"""The lab's data at its edges: what a simulated device is (:class:`LabDeviceSpec`), where it
listens (:class:`DeviceEndpoint`), and the ``lab.json`` record of a running lab
(:class:`LabState`). Passwords and secrets never appear in ``lab.json`` or ``devices.json``.

State directory layout (``estate lab up --state-dir DIR``):

* ``DIR/lab.json`` — :class:`LabState` (pid, per device host/port/username/role/site_id)
* ``DIR/devices.json`` — the device specs the server runs, *without* password and secret
* ``DIR/faults.json`` — optional fault injection, hostname → :class:`~estate.lab.faults.Faults`
* ``DIR/keys/<hostname>.key`` — each device's ed25519 host key (0600), kept across restarts
* ``DIR/known_hosts`` — OpenSSH known_hosts for every device
* ``DIR/lab.log`` — the server's log (no secrets)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, TypeAdapter

LOOPBACK = IPv4Network("127.0.0.0/8")
DEFAULT_PORT = 2222
DEFAULT_USERNAME = "estate"
AUTO_BASE = IPv4Address("127.10.0.1")

LAB_JSON = "lab.json"
DEVICES_JSON = "devices.json"
FAULTS_JSON = "faults.json"
KNOWN_HOSTS = "known_hosts"
KEYS_DIR = "keys"
LOG_FILE = "lab.log"


class LabError(Exception):
    """A lab cannot be started, reached or stopped as asked."""


def _loopback(address: IPv4Address) -> IPv4Address:
    if address not in LOOPBACK:
        raise ValueError(f"{address} is not a loopback address (127.0.0.0/8): the lab refuses it")
    return address


LoopbackAddress = Annotated[IPv4Address, AfterValidator(_loopback)]
Hostname = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]


class LabDeviceSpec(BaseModel):
    """One simulated device. ``host`` is auto-assigned (127.10.x.y) when absent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hostname: Hostname
    site_id: str
    role: str
    model: str = "C9300-48P"
    config_text: str
    username: str = DEFAULT_USERNAME
    password: SecretStr = SecretStr("")
    secret: SecretStr = SecretStr("")
    host: LoopbackAddress | None = None
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)


class DeviceEndpoint(BaseModel):
    """Where a running device listens and who may log in (never the password)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: LoopbackAddress
    port: int
    username: str
    role: str
    site_id: str


class LabState(BaseModel):
    """``lab.json``: written once every device accepts connections."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pid: int
    started_at: datetime
    state_dir: Path
    known_hosts: Path
    devices: dict[str, DeviceEndpoint]


_SPECS = TypeAdapter(list[LabDeviceSpec])


def assign_addresses(specs: Sequence[LabDeviceSpec]) -> list[LabDeviceSpec]:
    """Give every spec without a host the next free 127.10.x.y address (skipping .0/.255)."""
    taken = {(spec.host, spec.port) for spec in specs if spec.host is not None}
    hostnames = [spec.hostname for spec in specs]
    duplicates = sorted({name for name in hostnames if hostnames.count(name) > 1})
    if duplicates:
        raise LabError(f"duplicate device hostnames: {', '.join(duplicates)}")
    if len(taken) != sum(1 for spec in specs if spec.host is not None):
        raise LabError("two devices share the same host and port")
    result: list[LabDeviceSpec] = []
    candidate = int(AUTO_BASE)
    for spec in specs:
        if spec.host is not None:
            result.append(spec)
            continue
        while True:
            address = IPv4Address(candidate)
            candidate += 1
            if address.packed[-1] in (0, 255) or (address, spec.port) in taken:
                continue
            break
        taken.add((address, spec.port))
        result.append(spec.model_copy(update={"host": _loopback(address)}))
    return result


def endpoint(spec: LabDeviceSpec) -> DeviceEndpoint:
    if spec.host is None:
        raise LabError(f"{spec.hostname}: no address assigned")
    return DeviceEndpoint(host=spec.host, port=spec.port, username=spec.username, role=spec.role, site_id=spec.site_id)


def load_specs(path: Path) -> list[LabDeviceSpec]:
    """Read a JSON list of :class:`LabDeviceSpec` (password/secret may be omitted)."""
    return _SPECS.validate_json(path.read_bytes())


def dump_specs_without_secrets(specs: Sequence[LabDeviceSpec]) -> str:
    rows = [spec.model_dump(mode="json", exclude={"password", "secret"}) for spec in specs]
    return json.dumps(rows, indent=1)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (created 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def read_state(state_dir: Path) -> LabState | None:
    path = state_dir / LAB_JSON
    if not path.exists():
        return None
    return LabState.model_validate_json(path.read_bytes())
