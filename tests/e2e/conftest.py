"""An in-process lab serving the dev environment's rendered devices as brownfield, with the
credentials and secret values set through `monkeypatch` (nothing at import time)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from estate.change.plans import PLAN_KEY_ENV
from estate.change.risk import RiskKind
from estate.inventory.inventory import Inventory
from estate.lab import LabDeviceSpec, LabHandle, running_lab
from estate.lab.from_inventory import lab_device_specs
from estate.lab.state import LabState, endpoint
from estate.secrets import ENV_PREFIX, SECRET_NAMES

ENV = "dev"
PASSWORD = "e2e-Pa55word"
ENABLE = "e2e-En4ble"
PLAN_KEY = "e2e-plan-signing-key-0123456789"
SECRETS = {name: f"s3cr3t-{name.lower().replace('_', '-')}-value" for name in SECRET_NAMES}
ALL_RISKS = ",".join(kind.value for kind in RiskKind)
# What a push that is not about windows or risk acknowledgement adds to --commit: the dev sites'
# windows never overlap, and the brownfield change carries every kind of risk flag.
ANY_TIME = ("--outside-window", "--reason", "e2e: simulated devices", "--accept-risk", ALL_RISKS)


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
    # hostname -> that config as the device shows it (shared keys encrypted as type 6)
    shown: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        for name, text in self.start.items():
            self.handle.set_running_config(name, text)
            self.handle.set_startup_config(name, text)
        self.shown = {name: self.handle.running_config(name) for name in self.start}


# The one-off provisioning every device gets before estate changes it (README: lock-out
# protection): the archive the revert timer keeps its copy in.
ARCHIVE = "archive\n path flash:archive/\n maximum 5\n"


def provisioned(config_text: str) -> str:
    return config_text if "\narchive\n" in f"\n{config_text}" else config_text.rstrip("\n") + "\n" + ARCHIVE


def lab_specs(inventory: Inventory, port: int) -> tuple[list[LabDeviceSpec], dict[str, str]]:
    specs = [spec.model_copy(update={"config_text": provisioned(spec.config_text)})
             for spec in lab_device_specs(inventory, ENV, SECRETS, port=port)]
    return specs, {spec.hostname: spec.config_text for spec in specs}


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESTATE_SSH_USERNAME", "estate")
    monkeypatch.setenv("ESTATE_SSH_PASSWORD", PASSWORD)
    monkeypatch.setenv("ESTATE_ENABLE_SECRET", ENABLE)
    monkeypatch.setenv(PLAN_KEY_ENV, PLAN_KEY)
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
