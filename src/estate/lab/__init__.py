"""The device simulator (``estate lab``): IOS-XE over SSH on loopback addresses, with faults.

The names below load on first use, so importing a light submodule (``estate.lab.state``) does
not pull in the SSH server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from estate.lab.control import LabHandle, lab_down, lab_status, lab_up, running_lab
    from estate.lab.faults import Faults, load_faults
    from estate.lab.state import DeviceEndpoint, LabDeviceSpec, LabError, LabState

_WHERE = {
    "LabHandle": "control", "lab_down": "control", "lab_status": "control", "lab_up": "control",
    "running_lab": "control", "Faults": "faults", "load_faults": "faults", "DeviceEndpoint": "state",
    "LabDeviceSpec": "state", "LabError": "state", "LabState": "state",
}

__all__ = [
    "DeviceEndpoint",
    "Faults",
    "LabDeviceSpec",
    "LabError",
    "LabHandle",
    "LabState",
    "lab_down",
    "lab_status",
    "lab_up",
    "load_faults",
    "running_lab",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'estate.lab' has no attribute {name!r}")
    return getattr(importlib.import_module(f"estate.lab.{_WHERE[name]}"), name)
