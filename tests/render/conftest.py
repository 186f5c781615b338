"""Fixtures for the render tests: rendered environments, built once per session."""

from __future__ import annotations

import pytest

from estate.build.render import Artifact, render_environment
from estate.inventory.inventory import Inventory


@pytest.fixture(scope="session")
def prod_artifacts(sample_inventory: Inventory) -> list[Artifact]:
    return render_environment(sample_inventory, "prod")
