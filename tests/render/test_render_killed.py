"""SIGKILL during `estate render --env prod`: the output folder is the old render or the new
one, file for file, never a mix; the next render leaves nothing beside it.

A real subprocess on the 500-site fixture inventory, killed at random points: some seeds wait until the
staging folder appears and kill soon after (while files are linked and written) or later
(syncing, swapping, deleting the old folder), the others kill anywhere in the run.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from estate.build.render import Artifact, Scope, render_environment, write_artifacts
from estate.build.validate import load_inventory
from tests.fixtures import FIXTURE_INVENTORY

SEEDS = range(6)
# seconds after the staging folder appears: (soon, later), by seed % 3; or anywhere in the run
IN_WRITE = {0: 0.3, 2: 1.5}
RUN_WINDOW = 3.0


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclasses.dataclass(frozen=True)
class Renders:
    inventory: Path  # the inventory the killed runs render
    old_build: Path  # a render of the previous inventory, copied into each run's output folder
    old: dict[str, bytes]
    new: dict[str, bytes]
    new_artifacts: list[Artifact]

    def __repr__(self) -> str:
        return "Renders(...)"


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Renders:
    root = tmp_path_factory.mktemp("killed")
    old_inventory, new_inventory = root / "old-inventory", root / "new-inventory"
    shutil.copytree(FIXTURE_INVENTORY, old_inventory)
    shutil.copytree(FIXTURE_INVENTORY, new_inventory)
    # the new inventory: another organisation (every switch config changes) and one site fewer
    estate = new_inventory / "estate.yaml"
    estate.write_text(estate.read_text().replace("organisation: Metropolitan Police Service",
                                                 "organisation: Metropolitan Police"))
    sites = new_inventory / "sites.csv"
    sites.write_text("".join(line for line in sites.read_text().splitlines(keepends=True)
                             if not line.startswith("MPS-0500,")))
    old_build, new_build = root / "old-build", root / "new-build"
    write_artifacts(render_environment(load_inventory(old_inventory), "prod"), old_build, Scope())
    new_artifacts = render_environment(load_inventory(new_inventory), "prod")
    write_artifacts(new_artifacts, new_build, Scope())
    old, new = files(old_build / "prod"), files(new_build / "prod")
    assert old.keys() != new.keys() and old["manifest.json"] != new["manifest.json"]
    return Renders(new_inventory, old_build, old, new, new_artifacts)


def _kill_at_random(process: subprocess.Popen[bytes], out: Path, seed: int) -> None:
    rng = random.Random(seed)
    if seed % 3 in IN_WRITE:
        while process.poll() is None and not any(p.name.startswith(".prod.staging-") for p in out.iterdir()):
            time.sleep(0.002)
        time.sleep(rng.uniform(0, IN_WRITE[seed % 3]))
    else:
        time.sleep(rng.uniform(0.2, RUN_WINDOW))
    process.send_signal(signal.SIGKILL)
    process.wait(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigkill_leaves_the_old_render_or_the_new_one(seed: int, renders: Renders, tmp_path: Path) -> None:
    out = tmp_path / "build"
    shutil.copytree(renders.old_build, out)
    process = subprocess.Popen(
        [sys.executable, "-m", "estate.cli.main", "render", "--env", "prod",
         "--inventory", str(renders.inventory), "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _kill_at_random(process, out, seed)
    after = files(out / "prod")
    if after != renders.old:
        assert after == renders.new, (
            f"a mix: {len(set(after) ^ set(renders.new))} paths differ from the new render, "
            f"{sum(after.get(p) != renders.new.get(p) for p in renders.new)} contents"
        )
    write_artifacts(renders.new_artifacts, out, Scope())
    assert files(out / "prod") == renders.new
    assert [p.name for p in out.iterdir()] == ["prod"]
    assert not list(out.rglob("*.tmp"))
