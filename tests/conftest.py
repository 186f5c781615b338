"""Fixtures shared by the whole suite. Nothing is set up at import time."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from estate.build.validate import load_inventory
from estate.inventory.inventory import Inventory
from tests.fixtures import FIXTURE_INVENTORY, FIXTURE_PROJECT
from tests.stack_types import BACKED, PLAIN


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)  # set on an xdist worker only
    if output is not None:
        output["stack_types"] = json.dumps([sorted(BACKED), sorted(PLAIN)])


def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist: a worker finished; keep what its stack tests saw for the summary."""
    found = getattr(node, "workeroutput", {}).get("stack_types")
    if found:
        backed, plain = json.loads(found)
        BACKED.update(backed)
        PLAIN.update(plain)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not BACKED and not PLAIN:
        return
    terminalreporter.section("stack mocks")
    terminalreporter.write_line(f"moto-backed ({len(BACKED)}): " + ", ".join(sorted(BACKED)))
    terminalreporter.write_line(f"plain mocks ({len(PLAIN)}): " + ", ".join(sorted(PLAIN)))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", default=False,
        help="rewrite golden files from the current output instead of comparing (review the diff!)",
    )


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session", autouse=True)
def fixed_inventory_defaults() -> Iterator[None]:
    """A command run without --inventory / --project-dir reads the fixed test data, not the
    shipped network_configs/ and Pulumi files, which the operators edit (issue 11). The parsers
    read these names when they are built, on every `main` call. Session-wide, so that module
    and session fixtures that run a command see it too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("estate.cli.common.DEFAULT_INVENTORY", FIXTURE_INVENTORY)
        patch.setattr("estate.cli.plan.PROJECT_ROOT", FIXTURE_PROJECT)
        yield


@pytest.fixture(scope="session")
def sample_inventory() -> Inventory:
    """The fixed test inventory (tests/fixtures/project/network_configs), loaded once."""
    return load_inventory(FIXTURE_INVENTORY)


@pytest.fixture
def inventory_copy(tmp_path: Path) -> Path:
    """A private copy of the fixed test inventory that a test may break."""
    target = tmp_path / "network_configs"
    shutil.copytree(FIXTURE_INVENTORY, target)
    return target
