"""`wan_hub` against the hubs the environments' stack files declare (estate:network.vpnHubs)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from estate.build.validate import load_inventory
from estate.cli.main import main
from estate.problems import InventoryError
from tests.site.conftest import rows, write_stack


def retype_hub(inventory: Path, site_id: str, hub: str) -> int:
    """Set the site's wan_hub; returns the row's line in sites.csv."""
    path = inventory / "sites.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    column = lines[0].rstrip("\n").split(",").index("wan_hub")
    for index, line in enumerate(lines):
        if line.startswith(f"{site_id},"):
            cells = line.rstrip("\n").split(",")
            cells[column] = hub
            lines[index] = ",".join(cells) + "\n"
            path.write_text("".join(lines), encoding="utf-8")
            return index + 1
    raise AssertionError(site_id)


def test_declared_hubs_pass(project: Path) -> None:
    load_inventory(project)


def test_typo_is_reported_with_close_match(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = next(row for row in rows(project) if row["wan_hub"] == "hub-north")["site_id"]
    line = retype_hub(project, site, "hub-nrth")
    assert main(["validate", "--inventory", str(project)]) == 2
    err = capsys.readouterr().err
    # the inventory's own hub list (wan.hubs) and the stacks both miss it: two problems
    assert err.startswith("2 problems in the inventory:\n")
    assert f"  sites.csv:{line}, site {site}, field wan_hub: WAN hub 'hub-nrth' is not in wan.hubs" in err
    assert (f"  sites.csv:{line}, site {site}, field wan_hub: WAN hub 'hub-nrth' is not declared by the stack of any "
            "environment holding the site (Pulumi.prod.yaml: estate:network.vpnHubs)\n") in err
    assert "did you mean hub-north?" in err


def test_without_stack_files_only_the_inventory_hubs_are_checked(inventory_copy: Path) -> None:
    retype_hub(inventory_copy, rows(inventory_copy)[0]["site_id"], "hub-nowhere")
    with pytest.raises(InventoryError) as failed:
        load_inventory(inventory_copy)  # no Pulumi project around the inventory: no stack problem
    assert [p.message.split(" of ")[0] for p in failed.value.problems] == ["WAN hub 'hub-nowhere' is not in wan.hubs"]


def test_a_site_needs_its_hub_in_an_environment_that_holds_it(project: Path) -> None:
    # only dev's stack is counted: dev's sites must use dev's hubs, the others are not checked
    (project.parent / "Pulumi.prod.yaml").unlink()
    dev_sites = _env_sites(project, "dev")
    used = sorted({row["wan_hub"] for row in rows(project) if row["site_id"] in dev_sites})
    write_stack(project.parent, "dev", used[:1])
    missing = {row["site_id"] for row in rows(project) if row["site_id"] in dev_sites and row["wan_hub"] != used[0]}
    assert missing, "the test inventory's dev sites should use more than one hub"
    with pytest.raises(InventoryError) as failed:
        load_inventory(project)
    assert {p.site for p in failed.value.problems} == missing
    assert all(p.field == "wan_hub" and p.hint for p in failed.value.problems)
    write_stack(project.parent, "dev", used)
    load_inventory(project)


def _env_sites(inventory: Path, env: str) -> set[str]:
    data = yaml.safe_load((inventory / "estate.yaml").read_text(encoding="utf-8"))
    return set(data["environments"][env]["sites"])
