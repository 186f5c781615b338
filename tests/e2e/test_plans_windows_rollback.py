"""Plans that are signed and applied exactly (and re-run as `already applied`), change windows
and risk acknowledgement before anything is touched, and `estate rollback` of a site that
succeeded: end to end against the simulator."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from estate.change.diff import same_config
from estate.change.plans import PLAN_KEY_ENV
from estate.cli.main import main
from tests.e2e.conftest import ALL_RISKS, ANY_TIME, Lab

pytestmark = pytest.mark.e2e

SITE = "MPS-0042"  # window Mon-Fri 20:00-23:00 (Europe/London)
CORE = "mps-0042-cs01"
SHARE = "mps-dev-wlc01@MPS-0042"
EDGE = "mps-0042-er01"  # the site's WAN edge router (issue 13): a device of the site, last in its order
OUTSIDE = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)  # a Monday, 11:00 BST
INSIDE = datetime(2025, 6, 2, 19, 30, tzinfo=UTC)  # the same Monday, 20:30 BST


def lab_args(lab: Lab) -> list[str]:
    return ["--env", "dev", "--lab", "--lab-dir", str(lab.dir), "--site", SITE]


def save_plan(lab: Lab, plan: Path) -> None:
    assert main(["review", *lab_args(lab), "--save", str(plan)]) == 0


def push_plan(lab: Lab, plan: Path, runs: Path, *extra: str) -> int:
    return main(["push", *lab_args(lab), "--plan", str(plan), "--commit", "--runs-dir", str(runs), *extra])


def summary(runs: Path, run_id: str | None = None) -> dict[str, Any]:
    folders = sorted(p for p in runs.iterdir() if p.is_dir()) if run_id is None else [runs / run_id]
    data: dict[str, Any] = json.loads((folders[-1] / "summary.json").read_text())
    return data


def outcomes(data: dict[str, Any]) -> dict[str, str]:
    return {d["target"]: d["outcome"] for u in data["units"] for d in u["devices"]}


def statuses(lab: Lab, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    capsys.readouterr()
    main(["review", *lab_args(lab), "--format", "json"])
    return {d["target"]: d["status"] for d in json.loads(capsys.readouterr().out)["devices"]}


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr("estate.change.windows.current_time", lambda: moment)


def test_plan_push_changes_the_devices_then_reruns_as_already_applied(
        fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    save_plan(fresh_lab, plan)
    planned = {d["target"] for d in json.loads(plan.read_text())["devices"]}
    assert planned == {CORE, SHARE, EDGE}
    assert push_plan(fresh_lab, plan, tmp_path / "runs", *ANY_TIME) == 0, capsys.readouterr().out
    # the devices really changed: they now run what was planned (a push that applies nothing fails here)
    assert not same_config(fresh_lab.handle.running_config(CORE), fresh_lab.shown[CORE])
    assert {name: status for name, status in statuses(fresh_lab, capsys).items() if name in planned} == {
        CORE: "unchanged", SHARE: "unchanged", EDGE: "unchanged"}
    code = push_plan(fresh_lab, plan, tmp_path / "runs", *ANY_TIME)
    out = capsys.readouterr().out
    assert code == 0, out
    assert outcomes(summary(tmp_path / "runs")) == {CORE: "already-applied", SHARE: "already-applied",
                                                 EDGE: "already-applied", "mps-dev-wlc01": "unchanged"}
    assert "FAILED" not in out


def test_a_tampered_plan_is_refused_even_with_its_checksum_recomputed(
        fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    save_plan(fresh_lab, plan)
    data = json.loads(plan.read_text())
    data["devices"][0]["remediation"].append("username backdoor privilege 15 secret 0 letmein")
    body = {k: v for k, v in data.items() if k not in {"plan_sha256", "signature"}}
    for dumps in (json.dumps(body, sort_keys=True), json.dumps(body, sort_keys=True, separators=(",", ":"))):
        data["plan_sha256"] = hashlib.sha256(dumps.encode()).hexdigest()
        plan.write_text(json.dumps(data))
        capsys.readouterr()
        assert push_plan(fresh_lab, plan, tmp_path / "runs", *ANY_TIME) == 2
        assert "not signed with this ESTATE_PLAN_KEY" in capsys.readouterr().err
    assert fresh_lab.handle.running_config(CORE) == fresh_lab.shown[CORE]


def test_no_plan_key_no_plan(fresh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    save_plan(fresh_lab, plan)
    monkeypatch.delenv(PLAN_KEY_ENV)
    capsys.readouterr()
    assert main(["review", *lab_args(fresh_lab), "--save", str(tmp_path / "other.json")]) == 2
    assert f"no plan signing key: set {PLAN_KEY_ENV}" in capsys.readouterr().err
    assert not (tmp_path / "other.json").exists()
    assert push_plan(fresh_lab, plan, tmp_path / "runs", *ANY_TIME) == 2
    assert f"set {PLAN_KEY_ENV}" in capsys.readouterr().err
    monkeypatch.setenv(PLAN_KEY_ENV, "another-key-of-enough-length")
    assert push_plan(fresh_lab, plan, tmp_path / "runs", *ANY_TIME) == 2  # signed under another key
    assert fresh_lab.handle.running_config(CORE) == fresh_lab.shown[CORE]


def test_outside_the_window_is_refused_then_allowed_with_a_reason(
        fresh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs"
    at(monkeypatch, OUTSIDE)
    push = ["push", *lab_args(fresh_lab), "--commit", "--runs-dir", str(runs), "--accept-risk", ALL_RISKS]
    assert main(push) == 2
    err = capsys.readouterr().err
    assert f"{SITE} outside its change window Mon-Fri 20:00-23:00 (next: Mon 2025-06-02 20:00 BST" in err
    assert fresh_lab.handle.running_config(CORE) == fresh_lab.shown[CORE]
    assert main([*push, "--outside-window"]) == 2
    assert "--outside-window needs --reason" in capsys.readouterr().err
    assert main([*push, "--outside-window", "--reason", "P1 incident 4711: uplink flapping"]) == 0
    start = next(json.loads(line) for line in next(runs.glob("*/record.jsonl")).read_text().splitlines()
                 if '"start"' in line)
    assert start["outside_window"] == {"reason": "P1 incident 4711: uplink flapping", "sites": [SITE]}
    assert not same_config(fresh_lab.handle.running_config(CORE), fresh_lab.shown[CORE])


def test_inside_the_window_needs_no_override(fresh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    at(monkeypatch, INSIDE)
    code = main(["push", *lab_args(fresh_lab), "--commit", "--runs-dir", str(tmp_path), "--accept-risk", ALL_RISKS])
    assert code == 0, capsys.readouterr()
    assert not same_config(fresh_lab.handle.running_config(CORE), fresh_lab.shown[CORE])


def test_review_and_plan_show_the_next_window(fresh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("estate.change.review.datetime", type("Clock", (), {"now": staticmethod(lambda tz: OUTSIDE)}))
    plan = tmp_path / "plan.json"
    capsys.readouterr()
    assert main(["review", *lab_args(fresh_lab), "--save", str(plan)]) == 0
    expected = "Mon-Fri 20:00-23:00: next Mon 2025-06-02 20:00 BST to Mon 23:00 BST"
    assert f"{SITE}  {expected}" in capsys.readouterr().out.replace("  " * 8, "  ")
    assert json.loads(plan.read_text())["windows"] == {SITE: expected}


def test_risk_flags_need_acknowledgement(fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    save_plan(fresh_lab, plan)
    kinds = sorted({k for d in json.loads(plan.read_text())["devices"] for k in d["risk_kinds"]})
    assert kinds  # the brownfield change carries risk flags
    window = ("--outside-window", "--reason", "e2e")
    capsys.readouterr()
    assert push_plan(fresh_lab, plan, tmp_path / "runs", *window, "--accept-risk", kinds[0]) == (2 if kinds[1:]
                                                                                                 else 0)
    if kinds[1:]:
        assert f"--accept-risk {','.join(kinds)}" in capsys.readouterr().err
    # without a plan the same holds per device: refused, untouched
    assert main(["push", *lab_args(fresh_lab), "--commit", "--runs-dir", str(tmp_path / "runs2"), *window]) == 1
    assert outcomes(summary(tmp_path / "runs2"))[CORE] == "refused"
    assert "risk not accepted" in capsys.readouterr().out
    assert fresh_lab.handle.running_config(CORE) == fresh_lab.shown[CORE]


def test_rollback_restores_a_site_that_succeeded(fresh_lab: Lab, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs"
    assert main(["push", *lab_args(fresh_lab), "--commit", "--runs-dir", str(runs), *ANY_TIME]) == 0
    (pushed,) = [p.name for p in runs.iterdir() if p.is_dir()]
    assert not same_config(fresh_lab.handle.running_config(CORE), fresh_lab.shown[CORE])
    changed = fresh_lab.handle.running_config(CORE)
    capsys.readouterr()
    rollback = ["rollback", "--run", pushed, "--site", SITE, "--lab", "--lab-dir", str(fresh_lab.dir),
                "--runs-dir", str(runs)]
    assert main(rollback) == 0  # dry-run: shows the lines, changes nothing
    out = capsys.readouterr().out
    assert f"rollback of run {pushed}" in out and CORE in out and "dry-run" in out
    assert fresh_lab.handle.running_config(CORE) == changed
    code = main([*rollback, "--commit"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert at_start_all(fresh_lab, [CORE, EDGE, "mps-dev-wlc01"])
    restored = summary(runs, next(p.name for p in runs.iterdir() if p.is_dir() and p.name != pushed))
    assert restored["kind"] == "rollback"
    assert outcomes(restored) == {EDGE: "applied", SHARE: "applied", CORE: "applied"}
    # within the site, the reverse of the push's order: the edge router first, the WLC share, then the
    # core (each step back is a state the push went through)
    assert [d["target"] for d in restored["units"][0]["devices"]] == [EDGE, SHARE, CORE]
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    assert pushed in capsys.readouterr().out


def at_start_all(lab: Lab, names: list[str]) -> bool:
    return all(same_config(lab.handle.running_config(n), lab.shown[n]) for n in names)
