"""Writing artefacts and `estate render`: only changes are written, a failure writes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from estate.build.render import MANIFEST, Scope, render_environment, write_artifacts
from estate.cli.main import main
from estate.inventory.inventory import Inventory

OLD = 1_000_000_000  # 2001: any rewrite would move the mtime off this


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_unchanged_files_are_not_rewritten(tmp_path: Path, sample_inventory: Inventory) -> None:
    artifacts = render_environment(sample_inventory, "dev")
    first = write_artifacts(artifacts, tmp_path)
    assert len(first.written) == len(artifacts)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))
    before = snapshot(tmp_path)
    again = write_artifacts(render_environment(sample_inventory, "dev"), tmp_path)
    assert again.written == []
    assert len(again.unchanged) == len(artifacts)
    assert snapshot(tmp_path) == before


def test_the_same_input_renders_byte_identical_output(sample_inventory: Inventory) -> None:
    first = render_environment(sample_inventory, "staging")
    second = render_environment(sample_inventory, "staging")
    assert [(a.relpath, a.text) for a in first] == [(a.relpath, a.text) for a in second]


def test_render_writes_the_layout_and_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--env", "dev", "--out", str(tmp_path)]) == 0
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert "dev/MPS-0042/mps-0042-cs01.cfg" in files
    assert "dev/MPS-0042/wlc-site.cfg" in files
    assert "dev/wlc/mps-dev-wlc01.cfg" in files
    assert f"dev/{MANIFEST}" in files
    manifest = json.loads((tmp_path / "dev" / MANIFEST).read_text())
    assert {e["path"] for e in manifest["artifacts"]} == files - {f"dev/{MANIFEST}"}
    entry = next(e for e in manifest["artifacts"] if e["device"] == "mps-0042-cs01")
    assert entry["role"] == "core"
    assert entry["template"] == "ios_xe/core.j2"
    out = capsys.readouterr().out
    assert out.startswith("rendered dev: ")
    assert f"{len(files) - 1} written, 0 unchanged" in out


def test_site_and_device_filters(tmp_path: Path) -> None:
    assert main(["render", "--env", "dev", "--out", str(tmp_path), "--site", "MPS-0004",
                 "--device", "mps-0004-as02"]) == 0
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.cfg"))
    assert files == ["dev/MPS-0004/mps-0004-as02.cfg"]


def test_an_unknown_device_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--env", "dev", "--out", str(tmp_path), "--device", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert not tmp_path.joinpath("dev").exists()


def _rendered_once(out: Path) -> dict[str, tuple[bytes, int]]:
    assert main(["render", "--env", "dev", "--out", str(out)]) == 0
    return snapshot(out)


def test_a_template_error_leaves_the_output_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build"
    before = _rendered_once(out)
    broken = tmp_path / "templates"
    broken.joinpath("ios_xe").mkdir(parents=True)
    broken.joinpath("c9800").mkdir()
    for name in ("c9800/wlc_global.j2", "c9800/wlc_site.j2", "ios_xe/core.j2"):
        broken.joinpath(name).write_text("changed\n", encoding="utf-8")
    broken.joinpath("ios_xe/access.j2").write_text("{{ switch.missing }}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["render", "--env", "dev", "--out", str(out), "--templates", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("estate: error: ios_xe/access.j2 for site MPS-0004, device mps-0004-as01")
    assert "Traceback" not in err
    assert snapshot(out) == before


def test_a_broken_inventory_leaves_the_output_untouched(
    tmp_path: Path, inventory_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    before = _rendered_once(out)
    estate_yaml = inventory_copy / "estate.yaml"
    text = estate_yaml.read_text()
    broken = text.replace("- role: voice\n    id: 30\n", "- role: voice\n    id: 5000\n")
    assert broken != text  # the fixture still has the line this test breaks
    estate_yaml.write_text(broken)
    capsys.readouterr()
    assert main(["render", "--env", "dev", "--out", str(out), "--inventory", str(inventory_copy)]) == 2
    assert "5000" in capsys.readouterr().err
    assert snapshot(out) == before


def test_a_site_leaving_the_environment_is_removed_from_the_output(
    tmp_path: Path, inventory_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "build"
    assert main(["render", "--env", "dev", "--inventory", str(inventory_copy), "--out", str(out)]) == 0
    assert (out / "dev" / "MPS-0024").is_dir()
    estate = inventory_copy / "estate.yaml"
    estate.write_text(estate.read_text().replace("[MPS-0004, MPS-0024, MPS-0042]", "[MPS-0004, MPS-0042]"))
    assert main(["render", "--env", "dev", "--inventory", str(inventory_copy), "--out", str(out)]) == 0
    assert not (out / "dev" / "MPS-0024").exists()
    manifest = json.loads((out / "dev" / MANIFEST).read_text())
    assert all(entry["site"] != "MPS-0024" for entry in manifest["artifacts"])
    assert "removed" in capsys.readouterr().out


def test_rendering_one_site_leaves_the_others_alone(tmp_path: Path, sample_inventory: Inventory) -> None:
    write_artifacts(render_environment(sample_inventory, "dev"), tmp_path)
    before = snapshot(tmp_path)
    summary = write_artifacts(render_environment(sample_inventory, "dev", ["MPS-0042"]), tmp_path,
                              Scope(sites=frozenset({"MPS-0042"})))
    assert summary.removed == []
    assert snapshot(tmp_path) == before
