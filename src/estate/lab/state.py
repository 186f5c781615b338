"""The lab's data at its edges: what a simulated device is (:class:`LabDeviceSpec`), where it
listens (:class:`DeviceEndpoint`), and the ``lab.json`` record of a running lab
(:class:`LabState`). Passwords and secret values never appear in ``lab.json`` or
``devices.json``: device configs keep their ``${NAME}`` placeholders on disk and the server
receives the values on its stdin.

State directory layout (``estate lab up --state-dir DIR``), the folder 0700 and every file in
it 0600, each written whole (write, then rename):

* ``DIR/lab.json`` — :class:`LabState` (pid, process start time, control token, per device
  host/port/username/role/site_id)
* ``DIR/devices.json`` — the device specs the server runs, without password, secret or secret
  values
* ``DIR/faults.json`` — optional fault injection, hostname → :class:`~estate.lab.faults.Faults`
* ``DIR/secrets.json`` — the lab's generated config secret values (see ``from_inventory``)
* ``DIR/keys/<hostname>.key`` — each device's ed25519 host key, kept across restarts
* ``DIR/known_hosts`` — OpenSSH known_hosts for every device
* ``DIR/control.sock`` — where the server proves it is this lab (see ``ownership``)
* ``DIR/lab.log`` — the server's log (no secrets)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError

from estate.files import private_dir

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
    """The hardware ``show version`` reports; its family picks the software image."""
    software: str | None = Field(default=None, pattern=r"^\d+\.\d+\.\d+[a-z]?$")
    """The IOS-XE release ``show version`` reports (default: the lab's, 17.9.4a)."""
    aps: tuple[str, ...] = ()
    """On a WLC: AP names joined besides those found on the lab's access ports."""
    master_key: bool = False
    """The device holds a password-encryption master key (``key config-key password-encrypt``
    was done once): with ``password encryption aes`` its ``key 0`` secrets are held as type 6."""
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
    """``lab.json``: written as soon as the server process exists (so an interrupted ``lab up``
    still leaves something ``lab down`` can stop). Without ``process_start`` and ``token`` no
    process can be proven to be this lab, and ``lab down`` signals nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pid: int = Field(ge=1)
    process_start: int | None = None  # /proc/<pid>/stat start time, clock ticks since boot
    token: str | None = None  # what the server proves it holds (see estate.lab.ownership)
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
    try:
        return _SPECS.validate_json(path.read_bytes())
    except OSError as exc:
        raise LabError(f"cannot read device specs {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise LabError(f"{path}: not a list of lab devices: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where + ': ' if where else ''}{first['msg']}{more}"


def dump_specs_without_secrets(specs: Sequence[LabDeviceSpec]) -> str:
    rows = [spec.model_dump(mode="json", exclude={"password", "secret"}) for spec in specs]
    return json.dumps(rows, indent=1)


def state_folder(state_dir: Path) -> Path:
    """Create (or narrow) the state folder to 0700; a clear error when the path is a file."""
    for path in (state_dir, *state_dir.parents):
        if path.exists() and not path.is_dir():
            raise LabError(f"lab state folder {state_dir}: {path} is a file, not a folder")
    try:
        return private_dir(state_dir)
    except OSError as exc:
        raise LabError(f"cannot create the lab state folder {state_dir}: {exc.strerror}") from exc


def read_state(state_dir: Path) -> LabState | None:
    """The recorded lab, None when there is none; `LabError` for an unreadable or damaged
    ``lab.json`` (truncated by a full disk, edited by hand)."""
    path = state_dir / LAB_JSON
    if state_dir.exists() and not state_dir.is_dir():
        raise LabError(f"lab state folder {state_dir} is a file, not a folder")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return LabState.model_validate_json(raw)
    except ValidationError as exc:
        raise LabError(f"{path} is damaged ({_first_error(exc)}); if no lab is running, delete it") from exc
