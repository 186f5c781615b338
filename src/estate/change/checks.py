"""Knowing the device before touching it, and how it runs before and after a change.

Owns `read_facts` (`show version` parsed by ntc-templates), `platform_mismatch`, and per-role
operational snapshots (`snapshot`) compared by `regressions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from estate.change.connections import DeviceAccess


@dataclass
class DeviceFacts:
    hostname: str
    platform: str
    model: str
    version: str
    serial: str


@dataclass
class Snapshot:
    """What a device's operation looks like at one moment (per role; empty where not asked)."""

    role: str
    bundled: dict[str, int] = field(default_factory=dict)  # port-channel -> bundled members
    neighbours: int | None = None
    poe_watts: float | None = None
    aps_per_site: dict[str, int] = field(default_factory=dict)
    bgp_established: int | None = None
    errors: list[str] = field(default_factory=list)


def read_facts(connection: Any) -> DeviceFacts:
    raise NotImplementedError


def platform_mismatch(facts: DeviceFacts, access: DeviceAccess) -> str | None:
    raise NotImplementedError


def snapshot(connection: Any, role: str) -> Snapshot:
    raise NotImplementedError


def regressions(before: Snapshot, after: Snapshot) -> list[str]:
    raise NotImplementedError
