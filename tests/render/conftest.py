"""Fixtures for the render tests: rendered environments, built once per session."""

from __future__ import annotations

import pytest

from estate.inventory.inventory import Inventory
from estate.render import Artifact, render_environment


@pytest.fixture(scope="session")
def prod_artifacts(sample_inventory: Inventory) -> list[Artifact]:
    return render_environment(sample_inventory, "prod")
