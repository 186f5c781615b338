"""Failures during a push: every injected fault leaves its device at its backup while the
other site completes; budget, host keys, stale plans; no secret in anything the run wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from estate.change.diff import same_config
from estate.cli.main import main
from estate.lab import Faults
from tests.e2e.conftest import ANY_TIME, ENABLE, PASSWORD, SECRETS, Lab

pytestmark = pytest.mark.e2e

FAULTY = "mps-0024-as01"  # the first device pushed in site MPS-0024 (access before core)
HEALTHY = "mps-0042-cs01"

# each fault and the outcome it must end in (the device untouched, or verified back at its backup)
FAULTS = {
    "refused": (Faults(refuse_connections=True), "connection-refused"),
    "bad-auth": (Faults(reject_auth=True), "auth-failed"),
    "rejected-line": (Faults(reject_lines=(r"ip dhcp snooping",)), "rolled-back"),
    "slow": (Faults(slow_seconds=3.0), "timeout"),  # connected, then `show version` times out
    # the session is gone: the device's revert timer (1 lab minute = 1 s) puts it back
    "dropped-mid-push": (Faults(drop_after_config_lines=6, revert_minute_seconds=1.0), "self-reverted"),
}


def push(lab: Lab, runs: Path, *extra: str) -> int:
    return main(["push", "--env", "dev", "--lab", "--lab-dir", str(lab.dir), "--site", "MPS-0024", "--site",
                 "MPS-0042", "--commit", "--runs-dir", str(runs), "--timeout", "2", "--max-failures", "5", *ANY_TIME,
                 *extra])


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_fault_leaves_device_at_backup_and_others_complete(
    fresh_lab: Lab, tmp_path: Path, fault: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fresh_lab.handle.running_config(FAULTY)
    saved = fresh_lab.handle.startup_config(FAULTY)
    faults, expected = FAULTS[fault]
    fresh_lab.handle.set_faults(FAULTY, faults)
    code = push(fresh_lab, tmp_path, "--revert-timer", "1")
    out = capsys.readouterr().out
    assert code == 1, out
    assert same_config(fresh_lab.handle.running_config(FAULTY), before), out
    assert fresh_lab.handle.startup_config(FAULTY) == saved  # never written
    # the core of the failed site was not touched: access first, the site stops at a failure
    assert fresh_lab.handle.running_config("mps-0024-cs01") == fresh_lab.shown["mps-0024-cs01"]
    # the other site completed
    assert not same_config(fresh_lab.handle.running_config(HEALTHY), fresh_lab.shown[HEALTHY])
    summary = json.loads(next(tmp_path.glob("*/summary.json")).read_text())
    outcomes = {d["target"]: d["outcome"] for u in summary["units"] for d in u["devices"]}
    assert outcomes[HEALTHY] == "applied"
    assert outcomes[FAULTY] == expected, out
    assert outcomes["mps-0024-cs01"] == "skipped"
    assert "MPS-0024: FAILED" in out and "Traceback" not in out


def test_max_failures_stops_launching_sites(fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh_lab.handle.set_faults("mps-0004-as01", Faults(reject_auth=True))
    code = main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--commit", "--runs-dir",
                 str(tmp_path), "--max-failures", "1", "--site-workers", "1", "--timeout", "2", *ANY_TIME])
    out = capsys.readouterr().out
    assert code == 1
    assert "max-failures" in out
    # sites never launched are reported as skipped, never ok
    assert "MPS-0042: skipped" in out and "MPS-0042: ok" not in out
    for name in ("mps-0024-cs01", "mps-0042-cs01"):
        assert fresh_lab.handle.running_config(name) == fresh_lab.shown[name]


def test_changed_host_key_is_refused(fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trusted = tmp_path / "known_hosts"
    shutil.copy(fresh_lab.handle.known_hosts, trusted)
    fresh_lab.handle.rotate_host_key(HEALTHY)
    code = main(["review", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0042",
                 "--known-hosts", str(trusted), "--format", "json"])
    rows = {d["target"]: d for d in json.loads(capsys.readouterr().out)["devices"]}
    assert code == 1
    assert rows[HEALTHY]["status"] == "unreachable"
    assert "host key" in rows[HEALTHY]["error"]
    # trust on first use still refuses a key that changed
    main(["review", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0042",
          "--known-hosts", str(trusted), "--trust-on-first-use", "--format", "json"])
    rows = {d["target"]: d for d in json.loads(capsys.readouterr().out)["devices"]}
    assert rows[HEALTHY]["status"] == "unreachable"


def test_host_missing_from_known_hosts_is_refused(fresh_lab: Lab, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The known_hosts file is parsed once per run: a host it does not list is still refused."""
    trusted = tmp_path / "known_hosts"
    endpoint = fresh_lab.handle.endpoint(HEALTHY)
    name = str(endpoint.host) if endpoint.port == 22 else f"[{endpoint.host}]:{endpoint.port}"
    lines = fresh_lab.handle.known_hosts.read_text().splitlines()
    kept = [line for line in lines if line.split()[0] != name]
    assert len(kept) == len(lines) - 1
    trusted.write_text("\n".join(kept) + "\n")
    code = main(["review", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0042",
                 "--known-hosts", str(trusted), "--format", "json"])
    rows = {d["target"]: d for d in json.loads(capsys.readouterr().out)["devices"]}
    assert code == 1
    assert rows[HEALTHY]["status"] == "unreachable"
    assert "not in known_hosts" in rows[HEALTHY]["error"]


def test_stale_plan_is_refused(fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    assert main(["review", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0042",
                 "--save", str(plan)]) == 0
    drifted = fresh_lab.handle.running_config(HEALTHY) + "ip domain lookup\n"
    fresh_lab.handle.set_running_config(HEALTHY, drifted)
    code = main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0042",
                 "--plan", str(plan), "--commit", "--runs-dir", str(tmp_path / "runs"), *ANY_TIME])
    out = capsys.readouterr().out
    assert code == 1
    assert "refused" in out
    assert fresh_lab.handle.running_config(HEALTHY) == drifted


def test_plan_push_applies_and_no_secret_in_any_file(fresh_lab: Lab, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    assert main(["review", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--save", str(plan)]) == 0
    fresh_lab.handle.set_faults("mps-0004-as02", Faults(reject_lines=(r"ip dhcp snooping",)))
    main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--plan", str(plan), "--commit",
          "--runs-dir", str(tmp_path / "runs"), "--max-failures", "5", *ANY_TIME])
    capsys.readouterr()
    assert same_config(fresh_lab.handle.running_config("mps-0042-cs01"),
                       fresh_lab.handle.startup_config("mps-0042-cs01"))
    values = [PASSWORD, ENABLE, *SECRETS.values()]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.parent.name == "backups" for p in written)
    for path in written:
        text = path.read_text(encoding="utf-8")
        for value in values:
            assert value not in text, f"{value!r} in {path}"
