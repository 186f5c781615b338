"""The shipped sample estate (network_configs/ and the Pulumi stack files) is valid, renders
every site, is sized and plans cleanly: properties only, so an operator who adds a site or an
NTP server to it keeps a green suite. The proof runs the same checks on a copy with exactly
those edits."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from estate.build.validate import load_inventory
from estate.paths import DEFAULT_INVENTORY, PROJECT_ROOT
from tests.sample import checks

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NEW_NTP = "172.20.9.123"


def edited_copy(target: Path) -> tuple[Path, str]:
    """The sample with one site more (the next free number, a copy of the last row's kind and
    counts) and a third NTP server: what issue 11 found breaking 23 tests."""
    shutil.copytree(DEFAULT_INVENTORY, target)
    sites = target / "sites.csv"
    rows = sites.read_text(encoding="utf-8").splitlines()
    ids = checks.csv_site_ids(target)
    prefix, _, _ = ids[-1].rpartition("-")
    number = max(int(i.rpartition("-")[2]) for i in ids) + 1
    new_id = f"{prefix}-{number:04d}"
    fields = rows[-1].split(",")
    fields[0], fields[1] = new_id, f"New Site {number:03d}"
    sites.write_text("\n".join([*rows, ",".join(fields)]) + "\n", encoding="utf-8")
    estate = target / "estate.yaml"
    text, count = re.subn(r"(\n\s*ntp_servers: \[)([^\]]*)\]", rf"\g<1>\g<2>, {NEW_NTP}]", estate.read_text())
    assert count == 1, "the NTP server list is no longer a one-line flow list: update this edit"
    estate.write_text(text)
    return target, new_id


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return edited_copy(tmp_path_factory.mktemp("edited") / "network_configs")


def test_shipped_sample_validates(capsys: pytest.CaptureFixture[str]) -> None:
    checks.check_validates(DEFAULT_INVENTORY, capsys)


def test_shipped_sample_renders_every_site() -> None:
    checks.check_renders_every_site(DEFAULT_INVENTORY)


def test_shipped_sample_is_sized() -> None:
    checks.check_capacity(DEFAULT_INVENTORY)


def test_shipped_stacks_plan_from_the_shipped_sample() -> None:
    checks.check_plan(DEFAULT_INVENTORY, PROJECT_ROOT)


def test_the_edit_took(edited: tuple[Path, str]) -> None:
    root, new_id = edited
    inventory = load_inventory(root)
    assert new_id in inventory.sites and new_id not in load_inventory(DEFAULT_INVENTORY).sites
    assert NEW_NTP in {str(s) for s in inventory.estate.services.ntp_servers}


def test_edited_sample_validates(edited: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    checks.check_validates(edited[0], capsys)


def test_edited_sample_renders_every_site_with_the_new_server(edited: tuple[Path, str]) -> None:
    checks.check_renders_every_site(edited[0])


def test_edited_sample_is_sized(edited: tuple[Path, str]) -> None:
    checks.check_capacity(edited[0])


def test_edited_sample_plans(edited: tuple[Path, str], tmp_path: Path) -> None:
    project = checks.project_copy(tmp_path / "project", edited[0])
    checks.check_plan(project / "network_configs", project)
