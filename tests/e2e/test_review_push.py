"""End to end through real netmiko over SSH to the in-process lab: `estate review` and
`estate push` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estate.change.diff import same_config
from estate.cli.main import main
from tests.e2e.conftest import ANY_TIME, Lab

pytestmark = pytest.mark.e2e


def review_json(lab: Lab, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    code = main(["review", "--env", "dev", "--lab", "--lab-dir", str(lab.dir), "--format", "json", "--detail",
                 *extra])
    out = capsys.readouterr().out
    data: dict[str, object] = json.loads(out)
    data["exit"] = code
    return data


def by_target(data: dict[str, object]) -> dict[str, dict[str, object]]:
    devices = data["devices"]
    assert isinstance(devices, list)
    return {d["target"]: d for d in devices}


def test_review_of_brownfield_matches_expected_remediation(fresh_lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    data = review_json(fresh_lab, capsys)
    assert data["exit"] == 0
    rows = by_target(data)
    core = rows["mps-0042-cs01"]
    assert core["status"] == "changed"
    remediation = core["remediation"]
    assert isinstance(remediation, list)
    assert "no snmp-server community estate-legacy-ro RO" in remediation
    assert "ip dhcp snooping" in remediation
    assert "  transport input ssh" in remediation
    assert any(line.startswith("no vlan 9") for line in remediation)
    # one site's WLC share never proposes removing another site's objects
    share = rows["mps-dev-wlc01@MPS-0042"]
    assert share["status"] == "changed"
    share_lines = share["remediation"]
    assert isinstance(share_lines, list)
    assert all("MPS-0042" in line or line.strip() == "exit" or not line.startswith("no ") for line in share_lines)
    assert rows["mps-dev-wlc01@MPS-0024"]["status"] == "unchanged", json.dumps(rows["mps-dev-wlc01@MPS-0024"])
    assert rows["mps-dev-wlc01"]["status"] == "unchanged"


def test_push_then_review_shows_no_changes(fresh_lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0042",
                 "--site", "MPS-0024", "--commit", "--runs-dir", str(tmp_path), *ANY_TIME])
    out = capsys.readouterr().out
    assert code == 0, out
    data = review_json(fresh_lab, capsys, "--site", "MPS-0042", "--site", "MPS-0024")
    rows = by_target(data)
    changed = {name for name, row in rows.items() if row["status"] != "unchanged"}
    assert changed == set(), changed
    # saved: startup equals running after `write memory`
    assert same_config(fresh_lab.handle.startup_config("mps-0042-cs01"),
                       fresh_lab.handle.running_config("mps-0042-cs01"))
