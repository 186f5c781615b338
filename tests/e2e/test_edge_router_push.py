"""A site with its WAN edge router (issue 13), end to end through real netmiko over SSH to the
in-process lab: `estate review` and `estate push` of one site take the edge router as a device of
the site, pushed last (after the access switches, the core and the site's WLC share) inside the
revert timer, and a review afterwards has nothing left to change; a changed BGP neighbour shows
its risk flag, with what it may do, in the review and the change ticket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estate.change.risk import EXPLANATION, RiskKind
from estate.cli.main import main
from tests.e2e.conftest import ANY_TIME, Lab

pytestmark = pytest.mark.e2e

SITE = "MPS-0004"  # cellular backup: carrier BGP, the IKEv2 overlay, IP SLA tracking
EDGE = "mps-0004-er01"
REVERT_MINUTES = "7"


def _review(lab: Lab, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict[str, object]]:
    code = main(["review", "--env", "dev", "--lab", "--lab-dir", str(lab.dir), "--site", SITE, "--format", "json",
                 "--detail", *extra])
    data = json.loads(capsys.readouterr().out)
    assert code == 0, data
    return {row["target"]: row for row in data["devices"]}


def _records(runs: Path) -> list[dict[str, object]]:
    (run,) = [p for p in runs.iterdir() if p.is_dir()]
    return [json.loads(line) for line in (run / "record.jsonl").read_text().splitlines()]


# what a router has before its WAN is configured: the management baseline, its ports addressed
DAY_ZERO_LEAVES = ("router bgp ", "crypto ", "ip sla", "track ", "route-map ", "ip prefix-list ", "interface Tunnel",
                   "ip route ")


def day_zero(config: str) -> str:
    """The config without its WAN routing, overlay and tracking (top-level blocks dropped)."""
    kept: list[str] = []
    dropping = False
    for line in config.splitlines():
        if line and not line[0].isspace():
            dropping = line.startswith(DAY_ZERO_LEAVES)
        if not dropping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def test_a_site_is_pushed_with_its_edge_router_last(fresh_lab: Lab, capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    # the edge router has only its baseline: the push types every WAN section over SSH, each line
    # checked against the sub-mode prompt it must leave the session at
    fresh_lab.handle.set_running_config(EDGE, day_zero(fresh_lab.handle.running_config(EDGE)))
    before = _review(fresh_lab, capsys)
    assert before[EDGE]["role"] == "edge" and before[EDGE]["site_id"] == SITE
    assert before[EDGE]["status"] == "changed"
    remediation = before[EDGE]["remediation"]
    assert isinstance(remediation, list)
    lines = [line.strip() for line in remediation]
    for section in ("router bgp 4200000004", "crypto ikev2 keyring WAN-OVERLAY", "ip sla 10", "interface Tunnel100",
                    "route-map WAN-BACKUP-IN permit 10"):
        assert section in lines
    risks = before[EDGE]["risks"]
    assert isinstance(risks, list)
    kinds = {risk["kind"] for risk in risks}
    assert {"bgp-neighbour", "route-filter", "tunnel", "crypto", "management"} <= kinds

    runs = tmp_path / "runs"
    code = main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", SITE, "--commit",
                 "--revert-timer", REVERT_MINUTES, "--runs-dir", str(runs), *ANY_TIME])
    out = capsys.readouterr().out
    assert code == 0, out

    records = _records(runs)
    finished = [r["target"] for r in records if r["step"] == "result"]
    assert set(finished) == set(before)
    assert finished[-1] == EDGE, finished  # after the access switches, the core and the WLC share
    assert finished.index(f"{SITE.lower()}-cs01") < finished.index(EDGE)
    edge = {r["step"]: r for r in records if r["target"] == EDGE}
    assert edge["result"]["result"] == "applied"
    assert edge["revert-session"]["minutes"] == int(REVERT_MINUTES)  # inside the device's revert timer
    assert "confirm" in edge and "save" in edge

    after = _review(fresh_lab, capsys)
    assert {name: row["status"] for name, row in after.items() if row["status"] != "unchanged"} == {}
    running = fresh_lab.handle.running_config(EDGE)
    assert "router bgp 4200000004" in running and "crypto ikev2 keyring WAN-OVERLAY" in running
    assert "pre-shared-key 6 " in running  # the overlay key as the router keeps it, compared by presence


def test_a_changed_bgp_neighbour_is_flagged(fresh_lab: Lab, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    assert main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", SITE, "--commit",
                 "--runs-dir", str(tmp_path / "runs"), *ANY_TIME]) == 0
    capsys.readouterr()
    running = fresh_lab.handle.running_config(EDGE)
    # someone changed the primary carrier's session by hand: the wrong remote AS
    assert " neighbor 172.30.0.33 remote-as 65100\n" in running
    fresh_lab.handle.set_running_config(EDGE, running.replace(" neighbor 172.30.0.33 remote-as 65100\n",
                                                              " neighbor 172.30.0.33 remote-as 65199\n"))
    rows = _review(fresh_lab, capsys)
    edge = rows[EDGE]
    assert edge["status"] == "changed"
    assert edge["remediation"] == ["router bgp 4200000004", "  neighbor 172.30.0.33 remote-as 65100", "  exit"]
    assert edge["risks"] == [{"kind": "bgp-neighbour",
                              "line": "router bgp 4200000004 / neighbor 172.30.0.33 remote-as 65100"}]

    assert main(["review", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", SITE,
                 "--format", "markdown"]) == 0
    ticket = capsys.readouterr().out
    assert "`router bgp {site}` on 1 device — risk **high** (bgp-neighbour)".replace("{site}", "4200000004") \
        in ticket
    assert f"Risk (bgp-neighbour): {EXPLANATION[RiskKind.BGP_NEIGHBOUR]}." in ticket
    assert "--accept-risk bgp-neighbour" in ticket
    assert "WAN: `show ip bgp summary`" in ticket
