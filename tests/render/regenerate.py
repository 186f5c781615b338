"""Regenerate the golden configs: `python -m tests.render.regenerate` (what `make golden` runs).

The golden set, rendered from the fixed test inventory (tests/fixtures/project/network_configs), is one site
of every site kind, every device of each (access switches capped at `ACCESS_CAP` per site: they
come from one code path and the structural test covers the rest), each site's WLC share and edge
router (every site kind, so every WAN design), each environment's WLC own parts, and dev's hub
router joined to the fixed dev stack outputs. Review the diff of `tests/golden/configs/` before committing:
the goldens are the spec.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from estate.build.hubs import hub_artifacts
from estate.build.render import Artifact, render_environment
from estate.build.stack_outputs import load_stack_outputs
from estate.build.validate import load_inventory
from estate.inventory.inventory import Inventory
from tests.fixtures import FIXTURE_INVENTORY

CONFIGS = Path(__file__).resolve().parents[1] / "golden" / "configs"
STACK_OUTPUTS = Path(__file__).resolve().parents[1] / "fixtures" / "stack_outputs"
GOLDEN_SITES: dict[str, tuple[str, ...]] = {
    "dev": ("MPS-0004", "MPS-0024", "MPS-0042"),  # police station, patrol base, neighbourhood office
    # headquarters, custody suite, training centre, specialist unit, control room
    "staging": ("MPS-0001", "MPS-0003", "MPS-0087", "MPS-0113", "MPS-0164"),
}
ACCESS_CAP = 2
_ACCESS = re.compile(r"-as(\d+)$")


def _in_golden_set(artifact: Artifact) -> bool:
    match = _ACCESS.search(artifact.hostname)
    return match is None or int(match[1]) <= ACCESS_CAP


# the hub routers of these environments, joined to the fixed stack outputs of the fixture inventory
GOLDEN_HUBS: dict[str, Path] = {"dev": STACK_OUTPUTS / "dev.json"}


def golden_artifacts(inventory: Inventory) -> dict[str, Artifact]:
    """The rendered artefacts the golden files hold, by their path under `configs/`."""
    chosen: dict[str, Artifact] = {}
    for env, sites in GOLDEN_SITES.items():
        for artifact in render_environment(inventory, env, list(sites)):
            if _in_golden_set(artifact):
                chosen[artifact.relpath] = artifact
    for env, outputs in GOLDEN_HUBS.items():
        for artifact in hub_artifacts(inventory, env, load_stack_outputs(outputs)):
            chosen[artifact.relpath] = artifact
    return chosen


def main() -> int:
    artifacts = golden_artifacts(load_inventory(FIXTURE_INVENTORY))
    if CONFIGS.exists():
        shutil.rmtree(CONFIGS)
    for relpath, artifact in sorted(artifacts.items()):
        target = CONFIGS / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(artifact.text, encoding="utf-8")
    sys.stdout.write(f"wrote {len(artifacts)} golden configs under {CONFIGS}; review `git diff` before committing\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
