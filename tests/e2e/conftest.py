"""An in-process lab serving the dev environment's rendered devices as brownfield, with the
credentials and secret values set through `monkeypatch` (nothing at import time)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from estate.inventory.inventory import Inventory
from estate.lab import LabDeviceSpec, LabHandle, running_lab
from estate.lab.from_inventory import lab_device_specs
from estate.lab.state import LabState, endpoint
from estate.secrets import ENV_PREFIX, SECRET_NAMES

ENV = "dev"
PASSWORD = "e2e-Pa55word"
ENABLE = "e2e-En4ble"
SECRETS = {name: f"s3cr3t-{name.lower().replace('_', '-')}-value" for name in SECRET_NAMES}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Lab:
    handle: LabHandle
    dir: Path
    start: dict[str, str]  # hostname -> brownfield config the device started with

    def reset(self) -> None:
        for name, text in self.start.items():
            self.handle.set_running_config(name, text)
            self.handle.set_startup_config(name, text)


def lab_specs(inventory: Inventory, port: int) -> tuple[list[LabDeviceSpec], dict[str, str]]:
    specs = lab_device_specs(inventory, ENV, SECRETS, port=port)
    return specs, {spec.hostname: spec.config_text for spec in specs}


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESTATE_SSH_USERNAME", "estate")
    monkeypatch.setenv("ESTATE_SSH_PASSWORD", PASSWORD)
    monkeypatch.setenv("ESTATE_ENABLE_SECRET", ENABLE)
    for name, value in SECRETS.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)


@pytest.fixture(scope="module")
def lab(sample_inventory: Inventory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    specs, start = lab_specs(sample_inventory, _free_port())
    specs = [s.model_copy(update={"password": SecretStr(PASSWORD), "secret": SecretStr(ENABLE)}) for s in specs]
    state_dir = tmp_path_factory.mktemp("lab")
    with running_lab(specs, state_dir) as handle:
        # what `estate lab up` records, so the CLI's --lab path is the one exercised
        state = LabState(pid=1, started_at=datetime.now(UTC), state_dir=state_dir, known_hosts=handle.known_hosts,
                         devices={name: endpoint(handle.spec(name)) for name in handle.hostnames})
        (state_dir / "lab.json").write_text(state.model_dump_json(), encoding="utf-8")
        yield Lab(handle, state_dir, start)


@pytest.fixture
def fresh_lab(lab: Lab) -> Iterator[Lab]:
    from estate.lab import Faults

    lab.reset()
    for name in lab.handle.hostnames:
        lab.handle.set_faults(name, Faults())
    yield lab
    for name in lab.handle.hostnames:
        lab.handle.set_faults(name, Faults())
