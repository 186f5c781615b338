"""A Pulumi project around a copy of the test inventory, with stack files of its own, so the
WAN-hub check runs on hubs these tests choose."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml


def rows(inventory: Path) -> list[dict[str, str]]:
    with (inventory / "sites.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write_stack(project: Path, env: str, hubs: list[str]) -> None:
    declared = [{"name": hub, "publicIp": f"203.0.113.{10 + i}", "bgpAsn": 65001 + i} for i, hub in enumerate(hubs)]
    document = {"config": {"estate:network": {"vpcCidr": "172.30.0.0/16", "vpnHubs": declared}}}
    (project / f"Pulumi.{env}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")


def edit_estate(inventory: Path, change: Any) -> None:
    """Apply `change` to estate.yaml's data (comments are lost: these tests cite sites.csv lines)."""
    path = inventory / "estate.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.fixture
def project(inventory_copy: Path) -> Path:
    """tmp/Pulumi.yaml, Pulumi.prod.yaml declaring every hub the sites use, and the inventory
    copy in it as network_configs/; returns the inventory folder."""
    root = inventory_copy.parent
    (root / "Pulumi.yaml").write_text("name: estate\nruntime: python\n", encoding="utf-8")
    write_stack(root, "prod", sorted({row["wan_hub"] for row in rows(inventory_copy)}))
    return inventory_copy
