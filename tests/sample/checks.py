"""What the suite asks of a sample estate (the shipped network_configs/ or a copy an operator
edited): properties that hold for any valid inventory, never its exact counts or lines. Every
count is compared with the CSV the check itself read."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from estate.build.capacity import plan_capacity
from estate.build.device_model import Role
from estate.build.render import render_environment
from estate.build.validate import load_inventory
from estate.cli.main import main
from estate.cloud.plan import run_plan
from estate.paths import PROJECT_ROOT


def csv_site_ids(root: Path) -> list[str]:
    with (root / "sites.csv").open(newline="", encoding="utf-8") as stream:
        return [row["site_id"] for row in csv.DictReader(stream)]


def check_validates(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`estate validate` accepts it and counts the sites the CSV holds."""
    assert main(["validate", "--inventory", str(root)]) == 0
    assert f"is valid: {len(csv_site_ids(root))} sites" in capsys.readouterr().out


def check_renders_every_site(root: Path) -> None:
    """Every environment renders; every site of it has one core switch config and the WLC
    share, every device of the model is rendered, and no device is rendered twice."""
    inventory = load_inventory(root)
    assert sorted(inventory.sites) == sorted(csv_site_ids(root))
    for env in inventory.estate.environments:
        artifacts = render_environment(inventory, env)
        sites = {s.site_id for s in inventory.env_sites(env)}
        cores = [str(a.site_id) for a in artifacts if a.role is Role.CORE]
        assert sorted(cores) == sorted(sites), env
        assert {a.site_id for a in artifacts if a.role is Role.WLC_SITE} <= sites
        assert len({a.relpath for a in artifacts}) == len(artifacts), env
        ntp = inventory.estate.services.ntp_servers
        core = next(a for a in artifacts if a.role is Role.CORE)
        assert all(f"ntp server {server}" in core.text for server in ntp), env


def check_capacity(root: Path) -> None:
    """Every site of every environment is sized, and the totals are the sum of the sites."""
    inventory = load_inventory(root)
    for env in inventory.estate.environments:
        report = plan_capacity(inventory, env)
        assert [s.site_id for s in report.sites] == [s.site_id for s in inventory.env_sites(env)], env
        assert report.totals.sites == len(report.sites)
        assert report.totals.phones == sum(s.phones for s in report.sites)


def check_plan(root: Path, project: Path, env: str = "prod") -> None:
    """The offline stack plan, sized from this inventory, declares with no policy violation."""
    plan = run_plan(env, project_dir=project, inventory=root)
    assert plan.violations == ()
    assert plan.inputs.sizes.capacity.totals.sites == len(load_inventory(root).env_sites(env))


def project_copy(target: Path, inventory: Path) -> Path:
    """A Pulumi project folder beside an inventory: the shipped project and stack files."""
    target.mkdir(parents=True, exist_ok=True)
    for stack_file in ["Pulumi.yaml", *(p.name for p in PROJECT_ROOT.glob("Pulumi.*.yaml"))]:
        shutil.copy(PROJECT_ROOT / stack_file, target / stack_file)
    shutil.copytree(inventory, target / "network_configs")
    return target
