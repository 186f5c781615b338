"""`estate backup` against the simulator: what it writes is what `--running-from` reads (a
review from the backup says what a live review says), with placeholders for secrets, private
modes, a manifest that matches the files, and an unreadable device named (exit 1)."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from estate.cli.main import main
from estate.lab import Faults
from tests.e2e.conftest import ENABLE, PASSWORD, SECRETS, Lab

pytestmark = pytest.mark.e2e


def backup(lab: Lab, out: Path, *extra: str) -> int:
    return main(["backup", "--env", "dev", "--lab", "--lab-dir", str(lab.dir), "--out", str(out), *extra])


def only_backup(out: Path) -> Path:
    found = list((out / "dev").iterdir())
    assert len(found) == 1, found  # nothing staged is left beside it
    return found[0]


def statuses(capsys: pytest.CaptureFixture[str], *source: str) -> dict[str, str]:
    code = main(["review", "--env", "dev", *source, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0, data
    return {d["target"]: d["status"] for d in data["devices"]}


def test_review_from_backup_equals_live_review(fresh_lab: Lab, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert backup(fresh_lab, tmp_path) == 0
    out = capsys.readouterr().out
    folder = only_backup(tmp_path)
    assert str(folder) in out
    live = statuses(capsys, "--lab", "--lab-dir", str(fresh_lab.dir))
    saved = statuses(capsys, "--running-from", str(folder))
    assert saved == live
    # the brownfield lab has both kinds, so equal statuses are not equal by accident
    assert {"changed", "unchanged"} <= set(live.values())
    assert any("@" in name for name in saved)  # the WLC's site shares came from the one WLC file


def test_backup_holds_placeholders_not_values_in_private_files(fresh_lab: Lab, tmp_path: Path) -> None:
    assert backup(fresh_lab, tmp_path) == 0
    folder = only_backup(tmp_path)
    files = sorted(folder.rglob("*"))
    texts = "".join(p.read_text(encoding="utf-8") for p in files if p.is_file())
    for value in [*SECRETS.values(), PASSWORD, ENABLE]:
        assert value not in texts
    assert "${LOCAL_ADMIN_HASH}" in texts  # the value the device shows as is became its placeholder
    for path in [tmp_path / "dev", folder, *files]:
        want = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == want, path


def test_manifest_matches_files_and_layout(fresh_lab: Lab, tmp_path: Path) -> None:
    assert backup(fresh_lab, tmp_path) == 0
    folder = only_backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unreadable"] == []
    assert {d["device"] for d in manifest["devices"]} == set(fresh_lab.handle.hostnames)
    for device in manifest["devices"]:
        path = folder / device["path"]
        assert path.name == f"{device['device']}.cfg"
        assert path.parent.name == (device["site"] or "wlc")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == device["sha256"]


def test_unreadable_device_is_named_and_exits_1(fresh_lab: Lab, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fresh_lab.handle.set_faults("mps-0042-cs01", Faults(refuse_connections=True))
    assert backup(fresh_lab, tmp_path, "--site", "MPS-0042") == 1
    assert "mps-0042-cs01: not saved" in capsys.readouterr().err
    folder = only_backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [d["device"] for d in manifest["unreadable"]] == ["mps-0042-cs01"]
    assert not (folder / "MPS-0042" / "mps-0042-cs01.cfg").exists()
    saved = {d["device"] for d in manifest["devices"]}
    assert "mps-dev-wlc01" in saved  # the WLC serves the site: it is saved with it
    assert all(name.startswith("mps-0042-") or name == "mps-dev-wlc01" for name in saved)
