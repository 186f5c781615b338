"""Golden configs: one test id per device (or WLC part) under tests/golden/configs/.

Regenerate with `python -m tests.render.regenerate` (`make golden`) or
`pytest tests/render --update-goldens`, then review the diff: the goldens are the spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.build.render import Artifact
from estate.inventory.inventory import Inventory
from tests.golden import check_golden
from tests.render.regenerate import CONFIGS, GOLDEN_SITES, golden_artifacts


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "golden_relpath" in metafunc.fixturenames:
        paths = sorted(p.relative_to(CONFIGS).as_posix() for p in CONFIGS.rglob("*.cfg"))
        metafunc.parametrize("golden_relpath", paths, ids=paths)


@pytest.fixture(scope="module")
def rendered(sample_inventory: Inventory) -> dict[str, Artifact]:
    return golden_artifacts(sample_inventory)


def test_device_config_matches_golden(golden_relpath: str, rendered: dict[str, Artifact], update_goldens: bool) -> None:
    artifact = rendered.get(golden_relpath)
    if artifact is None:
        pytest.fail(f"{golden_relpath} is no longer rendered; run `make golden` to drop it")
    check_golden(CONFIGS / golden_relpath, artifact.text, update_goldens)


def test_every_golden_device_has_a_golden_file(rendered: dict[str, Artifact]) -> None:
    on_disk = {p.relative_to(CONFIGS).as_posix() for p in CONFIGS.rglob("*.cfg")}
    missing = sorted(set(rendered) - on_disk)
    assert not missing, f"rendered but no golden file (run `make golden`): {missing}"


def test_goldens_cover_every_site_kind_and_wlc_part(sample_inventory: Inventory, rendered: dict[str, Artifact]) -> None:
    kinds_in_estate = {site.kind for site in sample_inventory.sites.values()}
    golden_kinds = {sample_inventory.sites[s].kind for sites in GOLDEN_SITES.values() for s in sites}
    assert golden_kinds == kinds_in_estate
    roles = {a.role.value for a in rendered.values()}
    assert roles == {"core", "access", "edge", "hub", "wlc_site", "wlc_global"}
    designs = {sample_inventory.estate.site_kinds[sample_inventory.sites[s].kind].wan.design
               for sites in GOLDEN_SITES.values() for s in sites}
    assert designs == set(sample_inventory.estate.wan.designs)  # a site of every WAN design
    assert all(Path(CONFIGS / env / "wlc").is_dir() for env in GOLDEN_SITES)
