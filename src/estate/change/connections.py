"""Device access settings resolved per device, and connection failures classified.

Owns `DeviceAccess` (where and how estate reaches one device: address, port, netmiko device
type, jump host, username variable, and what platform it must be) and `classify`, which turns
any exception raised while connecting into one `ConnectFailure` and a one-line message naming
the device, its address and port.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DeviceAccess:
    hostname: str
    host: str
    port: int = 22
    device_type: str = "cisco_xe"
    username_env: str = "ESTATE_SSH_USERNAME"
    jump_host: str | None = None
    platform: str = ""
    software_train: str = ""
    site_id: str | None = None
    role: str = ""


class ConnectFailure(StrEnum):
    AUTH_FAILED = "auth failed"
    ENABLE_FAILED = "enable failed"
    REFUSED = "connection refused"
    TIMEOUT = "timeout"
    HOST_KEY_UNKNOWN = "host key unknown"
    HOST_KEY_CHANGED = "host key changed"
    UNREACHABLE = "unreachable"
    PROTOCOL = "protocol error"


def access_for(inventory: Any, env: str, hostnames: Iterable[str]) -> dict[str, DeviceAccess]:
    """Access settings of each named device from the inventory (environment defaults, then
    per-device overrides)."""
    raise NotImplementedError


def access_from_lab(state_dir: Path, hostnames: Iterable[str]) -> dict[str, DeviceAccess]:
    """Where the lab in `state_dir` serves each named device (from its lab.json)."""
    raise NotImplementedError


def classify(exc: BaseException, access: DeviceAccess) -> tuple[ConnectFailure, str]:
    """(outcome, one-line message naming device, address and port), never a traceback."""
    raise NotImplementedError
