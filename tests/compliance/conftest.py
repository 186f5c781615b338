"""Saved running configs for two sites of the fixed inventory: one site exactly as intended,
one with an NTP server changed on one switch and every NTP line gone from another."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.build.device_configs import WLC_ROLES, device_configs
from estate.build.render import render_environment
from estate.inventory.inventory import Inventory
from estate.secrets import ENV_PREFIX, SECRET_NAMES, resolve

ENV = "dev"
CLEAN, DRIFTED = "MPS-0004", "MPS-0024"
SECRETS = {name: f"test-{name.lower()}-value" for name in SECRET_NAMES}


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)
    return SECRETS


@pytest.fixture(scope="module")
def saved(sample_inventory: Inventory, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(folder of saved configs, {what was changed: hostname})."""
    folder = tmp_path_factory.mktemp("running")
    changed: dict[str, str] = {}
    artifacts = render_environment(sample_inventory, ENV)
    wlcs = [a for a in artifacts if a.role in WLC_ROLES]
    for hostname, (_, text) in device_configs(wlcs).items():  # each WLC whole: own part + site shares
        (folder / f"{hostname}.cfg").write_text(resolve(text, SECRETS))
    for artifact in artifacts:
        text = resolve(artifact.text, SECRETS)
        if artifact.role in WLC_ROLES:
            continue
        if artifact.site_id == DRIFTED and "ntp_drifted" not in changed:
            changed["ntp_drifted"] = artifact.hostname
            text = text.replace("ntp server ", "ntp server 192.0.2.9\nntp server ", 1)
        elif artifact.site_id == DRIFTED and "ntp_missing" not in changed:
            changed["ntp_missing"] = artifact.hostname
            text = "".join(line + "\n" for line in text.splitlines() if not line.startswith("ntp "))
        (folder / f"{artifact.hostname}.cfg").write_text(text)
    return folder, changed
