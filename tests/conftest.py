"""Fixtures shared by the whole suite. Nothing is set up at import time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from estate.inventory.inventory import Inventory
from estate.paths import DEFAULT_INVENTORY
from estate.validate import load_inventory


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", default=False,
        help="rewrite golden files from the current output instead of comparing (review the diff!)",
    )


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def sample_inventory() -> Inventory:
    return load_inventory(DEFAULT_INVENTORY)


@pytest.fixture
def inventory_copy(tmp_path: Path) -> Path:
    """A private copy of the sample inventory that a test may break."""
    target = tmp_path / "network_configs"
    shutil.copytree(DEFAULT_INVENTORY, target)
    return target
