"""The device simulator (``estate lab``): IOS-XE over SSH on loopback addresses, with faults."""

from estate.lab.control import LabHandle, lab_down, lab_status, lab_up, running_lab
from estate.lab.faults import Faults, load_faults
from estate.lab.state import DeviceEndpoint, LabDeviceSpec, LabError, LabState

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
