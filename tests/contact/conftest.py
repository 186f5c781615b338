"""Fixtures for the contact-centre tests: a fixed inventory under tests/ (never the sample in
network_configs/), loaded once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from estate.build.validate import load_inventory
from estate.contact.load import load_contact_centre
from estate.contact.model import ContactCentreData
from estate.inventory.inventory import Inventory
from tests.contact.tier_setup import ENVIRONMENTS, Tier, declared_tier

FIXTURE = Path(__file__).parent / "fixtures" / "inventory"


@pytest.fixture(scope="session")
def contact_inventory() -> Inventory:
    return load_inventory(FIXTURE)


@pytest.fixture(scope="session")
def contact_data(contact_inventory: Inventory) -> ContactCentreData:
    return load_contact_centre(contact_inventory)


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    """A private copy of the fixture inventory that a test may break."""
    target = tmp_path / "inventory"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def tier(request: pytest.FixtureRequest) -> Iterator[Tier]:
    """The tier of one environment under the moto-backed mocks, declared once per test module."""
    with declared_tier(request.param, FIXTURE) as declared:
        yield declared
