"""`estate docs`: the page and patch schedule of one fixture site as golden files (reviewed
line by line), every port's documented VLANs checked against the config rendered for it, and
the command's output folder, atomic files and user errors."""

from __future__ import annotations

import csv
import dataclasses
import errno
import io
import re
from pathlib import Path

import pytest

from estate.build.device_model import build_site
from estate.build.render import render_environment
from estate.build.sitedocs import PATCH_COLUMNS, SiteDoc, site_docs
from estate.cli.main import main
from estate.inventory.inventory import Inventory
from tests.golden import GOLDEN_ROOT, check_golden

ENV = "dev"
GOLDEN_SITE = "MPS-0042"  # the pilot neighbourhood office: one switch, APs, phones, notes


@pytest.fixture(scope="module")
def docs(sample_inventory: Inventory) -> dict[str, SiteDoc]:
    return {d.site_id: d for d in site_docs(sample_inventory, ENV)}


@pytest.mark.parametrize("suffix", [".md", "-patch.csv"])
def test_golden_site_documentation(suffix: str, docs: dict[str, SiteDoc], update_goldens: bool) -> None:
    doc = docs[GOLDEN_SITE]
    text = doc.markdown if suffix == ".md" else doc.patch_csv
    check_golden(GOLDEN_ROOT / "docs" / ENV / f"{GOLDEN_SITE}{suffix}", text, update_goldens)


def _interfaces(config: str) -> dict[str, str]:
    return {m[1]: m[2] for m in re.finditer(r"^interface (\S+)\n((?: .*\n)*)", config, re.MULTILINE)}


def _vlan(block: str, pattern: str) -> str:
    found = re.search(pattern + r" (\S+)", block)
    return found[1] if found else ""


@pytest.mark.parametrize("site_id", ["MPS-0004", "MPS-0024", "MPS-0042"])
def test_every_port_matches_the_rendered_config(site_id: str, docs: dict[str, SiteDoc],
                                                sample_inventory: Inventory) -> None:
    configs = {a.hostname: _interfaces(a.text) for a in render_environment(sample_inventory, ENV, [site_id])}
    rows = list(csv.DictReader(io.StringIO(docs[site_id].patch_csv)))
    model = build_site(sample_inventory, ENV, sample_inventory.sites[site_id])
    assert [(r["switch"], r["port"]) for r in rows] == [(s.hostname, p.name) for s in model.switches for p in s.ports]
    for row in rows:
        block = configs[row["switch"]][row["port"]]
        where = f"{row['switch']} {row['port']}"
        assert row["access_vlan"] == _vlan(block, "switchport access vlan"), where
        assert row["voice_vlan"] == _vlan(block, "switchport voice vlan"), where
        assert row["native_vlan"] == _vlan(block, "switchport trunk native vlan"), where
        assert row["trunk_vlans"] == _vlan(block, "switchport trunk allowed vlan"), where
        assert (row["mode"] == "shutdown") == (" shutdown\n" in block), where
        assert (row["mode"] == "routed") == (" no switchport\n" in block), where
        assert row["connected"] in block or row["kind"] == "spare", where
    # the PoE budget the page states is the sum of its ports' classes
    assert {r["poe_class"] for r in rows if r["kind"] == "access point"} <= {"4"}
    assert {r["poe_class"] for r in rows if r["kind"] == "phone"} <= {"3"}
    assert {r["poe_class"] for r in rows if r["kind"] not in ("access point", "phone")} == {""}


def test_a_station_documents_uplinks_docks_and_every_switch(docs: dict[str, SiteDoc],
                                                            sample_inventory: Inventory) -> None:
    page = docs["MPS-0004"].markdown
    model = build_site(sample_inventory, ENV, sample_inventory.sites["MPS-0004"])
    assert len(model.access) > 1
    for switch in model.switches:
        assert f"\n### {switch.hostname}\n" in page
        for pc in switch.port_channels:
            assert f"| {switch.hostname} | Po{pc.number} | {', '.join(pc.members)} | {pc.peer} |" in page
    docks = page.split("## BWV docks", 1)[1].split("##", 1)[0]
    assert docks.count("| BWV dock ") == sample_inventory.sites["MPS-0004"].bwv_docks
    assert f"{sample_inventory.sites['MPS-0004'].bwv_cameras} cameras" in docks


def test_the_patch_schedule_has_its_columns_and_an_empty_patch_panel(docs: dict[str, SiteDoc]) -> None:
    reader = csv.reader(io.StringIO(docs[GOLDEN_SITE].patch_csv))
    assert tuple(next(reader)) == PATCH_COLUMNS
    assert {row[PATCH_COLUMNS.index("patch_panel")] for row in reader} == {""}


def test_a_pipe_in_a_site_name_stays_in_its_cell(sample_inventory: Inventory) -> None:
    site = sample_inventory.sites[GOLDEN_SITE].model_copy(update={"name": "Croydon | Annexe"})
    inventory = dataclasses.replace(sample_inventory, sites={**sample_inventory.sites, GOLDEN_SITE: site})
    (doc,) = site_docs(inventory, ENV, [GOLDEN_SITE])
    assert doc.markdown.startswith(f"# {GOLDEN_SITE} Croydon \\| Annexe\n")


def test_cli_writes_one_site(tmp_path: Path, capsys: pytest.CaptureFixture[str], docs: dict[str, SiteDoc]) -> None:
    assert main(["docs", "--env", ENV, "--site", GOLDEN_SITE, "--out", str(tmp_path)]) == 0
    folder = tmp_path / ENV
    assert sorted(p.name for p in folder.iterdir()) == [f"{GOLDEN_SITE}-patch.csv", f"{GOLDEN_SITE}.md"]
    assert (folder / f"{GOLDEN_SITE}.md").read_text() == docs[GOLDEN_SITE].markdown
    assert (folder / f"{GOLDEN_SITE}.md").stat().st_mode & 0o777 == 0o644
    assert capsys.readouterr().out == f"wrote {folder / GOLDEN_SITE}.md and {GOLDEN_SITE}-patch.csv beside it\n"


def test_cli_every_site_of_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--env", ENV, "--out", str(tmp_path)]) == 0
    assert len(list((tmp_path / ENV).glob("*.md"))) == 3
    assert capsys.readouterr().out == f"wrote 3 site pages and patch schedules under {tmp_path / ENV}/\n"


def test_a_failed_write_leaves_the_old_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--env", ENV, "--site", GOLDEN_SITE, "--out", str(tmp_path)]) == 0
    page = tmp_path / ENV / f"{GOLDEN_SITE}.md"
    page.write_text("old page\n")

    def full_disk(self: Path, target: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(Path, "replace", full_disk)
    assert main(["docs", "--env", ENV, "--site", GOLDEN_SITE, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.endswith(f"{page}: No space left on device\n")
    assert page.read_text() == "old page\n"
    assert not [p for p in page.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(("argv", "message"), [
    (["--site", "MPS-0043"], "MPS-0043"),
    (["--env", "qa"], "qa"),
])
def test_unknown_site_or_environment_is_a_user_error(argv: list[str], message: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    args = ["docs", "--env", ENV, "--out", str(tmp_path), *argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / ENV).exists()
