"""`estate compliance` from saved configs: feature statuses, percentages, outputs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from estate.build.render import render_environment
from estate.change.compliance import OTHER, feature_map, top_level
from estate.change.review import targets_from
from estate.cli.main import main
from estate.inventory.inventory import Inventory
from tests.compliance.conftest import CLEAN, DRIFTED, ENV


def _json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:  # type: ignore[type-arg]
    assert main(["compliance", "--env", ENV, "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_every_intended_line_has_its_partial(sample_inventory: Inventory) -> None:
    for target in targets_from(render_environment(sample_inventory, ENV)):
        fmap = feature_map(target.role)
        unmapped = [h for h in top_level(target.intended.splitlines()) if fmap.feature_of(h) == OTHER]
        assert not unmapped, (target.name, unmapped)


@pytest.mark.parametrize(("line", "feature"), [
    ("interface Vlan20", "svis"), ("interface GigabitEthernet1/0/3", "interfaces"),
    ("ntp server 192.0.2.1", "ntp"), ("snmp-server community legacy RO", "snmp"),
    ("logging host 192.0.2.7", "logging"), ("clock timezone GMT 0 0", "services"),
])
def test_lines_the_standard_lacks_find_their_feature(line: str, feature: str) -> None:
    from estate.build.device_model import Role

    assert feature_map(Role.ACCESS).feature_of(line) == feature


def test_statuses_and_worst_site_first(saved: tuple[Path, dict[str, str]], secret_env: dict[str, str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder, changed = saved
    report = _json(capsys, "--running-from", str(folder))
    sites = {s["site_id"]: s for s in report["sites"]}
    assert sites[CLEAN]["percent"] == 100.0 and sites[CLEAN]["drifted"] == sites[CLEAN]["missing"] == 0
    assert report["sites"][0]["site_id"] == DRIFTED  # worst first
    devices = {d["name"]: d for d in sites[DRIFTED]["devices"]}
    drifted, missing = devices[changed["ntp_drifted"]], devices[changed["ntp_missing"]]
    assert drifted["features"]["ntp"] == "drifted" and missing["features"]["ntp"] == "missing"
    assert {v for f, v in drifted["features"].items() if f != "ntp"} == {"compliant"}
    assert any("192.0.2.9" in line and line.lstrip().startswith("-") for line in drifted["diff"])
    ntp = report["features"]["ntp"]
    assert (ntp["drifted"], ntp["missing"]) == (1, 1)
    assert sites[DRIFTED]["percent"] < 100.0


def test_changed_only_and_csv(saved: tuple[Path, dict[str, str]], secret_env: dict[str, str],
                              capsys: pytest.CaptureFixture[str]) -> None:
    folder, changed = saved
    report = _json(capsys, "--running-from", str(folder), "--changed-only")
    assert [d["name"] for s in report["sites"] for d in s["devices"]] == sorted(changed.values(), key=list(
        changed.values()).index)
    assert main(["compliance", "--env", ENV, "--running-from", str(folder), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(r["device"], r["status"]) for r in rows if r["feature"] == "ntp" and r["status"] != "compliant"} == {
        (changed["ntp_drifted"], "drifted"), (changed["ntp_missing"], "missing")}


def test_no_secret_in_any_output(saved: tuple[Path, dict[str, str]], secret_env: dict[str, str], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = saved
    for fmt in ("text", "csv", "json", "html"):
        out = tmp_path / f"report.{fmt}"
        assert main(["compliance", "--env", ENV, "--running-from", str(folder), "--format", fmt,
                     "--out", str(out)]) == 0
        text = out.read_text()
        assert text and not [v for v in secret_env.values() if v in text]
