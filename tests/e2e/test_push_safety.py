"""The push flow's safety steps end to end (real netmiko, the in-process simulator): rejections
in forms no error pattern lists, a change that cuts management (the device reverts itself),
recovery that has to wait, platform mismatches, operational regressions, and one push per
connection outcome class, each with a message naming device, address and port.

Lab minutes are one second (`revert_minute_seconds`) on the faulty device only, with
`--revert-timer 1`: a self-revert takes about a second instead of a minute.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from estate.change.diff import same_config
from estate.cli.main import main
from estate.lab import Faults
from estate.lab.faults import DropAfterChange, RejectWith, ReportPlatform
from tests.e2e.conftest import ANY_TIME, SECRETS, Lab

pytestmark = pytest.mark.e2e

FAULTY = "mps-0024-as01"  # the first device changed in MPS-0024 (access before core)
FAST = {"revert_minute_seconds": 1.0}
CHANGED_LINE = "ip dhcp snooping"  # in as01's brownfield change


def push(lab: Lab, runs: Path, *extra: str, lab_dir: Path | None = None) -> int:
    return main(["push", "--env", "dev", "--lab", "--lab-dir", str(lab_dir or lab.dir), "--site", "MPS-0024",
                 "--commit", "--runs-dir", str(runs), "--timeout", "2", "--revert-timer", "1", *ANY_TIME, *extra])


def outcomes(runs: Path) -> dict[str, dict[str, Any]]:
    summary = json.loads(next(runs.glob("*/summary.json")).read_text())
    return {d["target"]: d for u in summary["units"] for d in u["devices"]}


def records(runs: Path) -> list[dict[str, Any]]:
    text = next(runs.glob("*/record.jsonl")).read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def steps(runs: Path, target: str, step: str) -> list[str]:
    return [r["result"] for r in records(runs) if r["target"] == target and r["step"] == step]


def at_start(lab: Lab, name: str) -> bool:
    return same_config(lab.handle.running_config(name), lab.shown[name])


@pytest.mark.parametrize("faults", [
    Faults(reject_with=RejectWith(line_regex=CHANGED_LINE, reply="Command rejected: not on this image"), **FAST),
    Faults(exit_to_exec_after=CHANGED_LINE, **FAST),
], ids=["unlisted-error-reply", "silent-drop-to-exec"])
def test_rejection_in_any_form_stops_and_reverts(fresh_lab: Lab, tmp_path: Path, faults: Faults,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fresh_lab.handle.set_faults(FAULTY, faults)
    code = push(fresh_lab, tmp_path)
    out = capsys.readouterr().out
    assert code == 1, out
    device = outcomes(tmp_path)[FAULTY]
    assert device["outcome"] == "rolled-back", out
    assert at_start(fresh_lab, FAULTY)
    assert device["last_line_sent"].strip() == CHANGED_LINE
    transcript = Path(device["transcript"]).read_text()
    assert CHANGED_LINE in transcript
    if faults.reject_with is not None:
        assert "Command rejected: not on this image" in transcript
    assert "configure revert now" in transcript
    assert steps(tmp_path, FAULTY, "revert-now") == ["ok"]  # estate undid it at once, over the live session
    assert Path(device["transcript"]).stat().st_mode & 0o777 == 0o600
    for value in SECRETS.values():
        assert value not in transcript


def test_change_that_cuts_management_reverts_by_itself(fresh_lab: Lab, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    fresh_lab.handle.set_faults(FAULTY, Faults(cut_management_after=CHANGED_LINE, **FAST))
    code = push(fresh_lab, tmp_path, "--timeout", "1")
    out = capsys.readouterr().out
    assert code == 1, out
    device = outcomes(tmp_path)[FAULTY]
    assert device["outcome"] == "self-reverted", out
    assert "reverted itself" in device["detail"]
    assert at_start(fresh_lab, FAULTY)
    # estate could not act: its revert over the dead session failed; the timer did the work
    assert "ok" not in steps(tmp_path, FAULTY, "revert-now")
    assert fresh_lab.handle.running_config("mps-0024-cs01") == fresh_lab.shown["mps-0024-cs01"]


def test_recovery_keeps_trying_while_the_device_refuses(fresh_lab: Lab, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The session drops mid-apply and the device refuses every connection for 20 s."""
    fresh_lab.handle.set_faults(FAULTY, Faults(drop_after_config_lines=6, refuse_connections_for=20.0, **FAST))
    code = push(fresh_lab, tmp_path, "--rollback-for", "60")
    out = capsys.readouterr().out
    assert code == 1, out
    device = outcomes(tmp_path)[FAULTY]
    assert device["outcome"] == "self-reverted", out
    attempts = steps(tmp_path, FAULTY, "rollback")
    assert attempts.count("failed") >= 3 and attempts[-1] == "ok", attempts
    took = float(device["detail"].rsplit("after ", 1)[1].split(" s")[0])
    assert took >= 15.0, device["detail"]  # the 20 s began when the session dropped, before recovery
    assert at_start(fresh_lab, FAULTY)


def test_recovery_that_gives_up_says_device_state_unknown(fresh_lab: Lab, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    fresh_lab.handle.set_faults(FAULTY, Faults(drop_after_config_lines=6, refuse_connections_for=20.0, **FAST))
    code = push(fresh_lab, tmp_path, "--rollback-for", "2")
    out = capsys.readouterr().out
    assert code == 1
    device = outcomes(tmp_path)[FAULTY]
    assert device["outcome"] == "state-unknown"
    run_id = device["backup"].split("/")[-3]
    assert f"DEVICE STATE UNKNOWN: {FAULTY}" in out
    assert f"backup to restore: {device['backup']}" in out
    assert f"estate rollback --run {run_id} --device {FAULTY} --commit" in out
    backup = Path(device["backup"])
    assert backup.stat().st_mode & 0o777 == 0o600
    text = backup.read_text()
    assert "${TACACS_KEY}" in text or "${RADIUS_KEY}" in text or "${ENABLE_HASH}" in text  # restorable
    for value in SECRETS.values():
        assert value not in text


def test_platform_mismatch_is_refused_untouched(fresh_lab: Lab, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    fresh_lab.handle.set_faults(FAULTY, Faults(report_platform=ReportPlatform(model="C9200L-48P-4X")))
    code = push(fresh_lab, tmp_path)
    out = capsys.readouterr().out
    assert code == 1
    device = outcomes(tmp_path)[FAULTY]
    assert device["outcome"] == "platform-mismatch", out
    assert "C9200L-48P-4X is not a C9300" in device["detail"]
    assert fresh_lab.handle.running_config(FAULTY) == fresh_lab.shown[FAULTY]
    assert not steps(tmp_path, FAULTY, "apply")


def test_operational_regression_is_rolled_back(fresh_lab: Lab, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The change converges, but a port-channel member drops: the device goes back."""
    fresh_lab.handle.set_faults(FAULTY, Faults(drop_after_change=DropAfterChange(member="TenGigabitEthernet1/1/1")))
    code = push(fresh_lab, tmp_path)
    out = capsys.readouterr().out
    assert code == 1, out
    device = outcomes(tmp_path)[FAULTY]
    assert device["outcome"] == "rolled-back", out
    assert "operational regression" in device["detail"]
    assert "bundled members 2 -> 1" in device["detail"]
    assert at_start(fresh_lab, FAULTY)
    assert steps(tmp_path, FAULTY, "verify") == ["ok"]  # the config itself had converged


@pytest.fixture
def silent_lab(fresh_lab: Lab, tmp_path: Path) -> Iterator[Path]:
    """A copy of the lab's state in which FAULTY's address answers TCP and never speaks SSH."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    copy = tmp_path / "silent-lab"
    shutil.copytree(fresh_lab.dir, copy)
    state = json.loads((copy / "lab.json").read_text())
    state["devices"][FAULTY].update(host="127.0.0.1", port=server.getsockname()[1])
    (copy / "lab.json").write_text(json.dumps(state))
    yield copy
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


CONNECT_CASES = ["connection-refused", "auth-failed", "enable-failed", "timeout", "host-key-unknown",
                 "host-key-changed"]


@pytest.mark.parametrize("expected", CONNECT_CASES)
def test_each_connection_failure_has_its_outcome(  # noqa: PLR0917 - pytest fixtures
        fresh_lab: Lab, tmp_path: Path, expected: str, monkeypatch: pytest.MonkeyPatch,
        request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    runs, extra, lab_dir = tmp_path / "runs", [], None
    if expected == "connection-refused":
        fresh_lab.handle.set_faults(FAULTY, Faults(refuse_connections=True))
    elif expected == "auth-failed":
        fresh_lab.handle.set_faults(FAULTY, Faults(reject_auth=True))
    elif expected == "enable-failed":
        monkeypatch.setenv("ESTATE_ENABLE_SECRET", "not-the-enable-secret")
    elif expected == "timeout":
        lab_dir = request.getfixturevalue("silent_lab")
    else:
        trusted = tmp_path / "known_hosts"
        shutil.copy(fresh_lab.handle.known_hosts, trusted)
        where = fresh_lab.handle.endpoint(FAULTY)
        if expected == "host-key-unknown":
            name = f"[{where.host}]:{where.port}"
            trusted.write_text("".join(line + "\n" for line in trusted.read_text().splitlines()
                                       if line.split()[0] != name))
        else:
            fresh_lab.handle.rotate_host_key(FAULTY)
        extra = ["--known-hosts", str(trusted)]
    code = push(fresh_lab, runs, *extra, lab_dir=lab_dir)
    captured = capsys.readouterr()
    assert code == 1, captured.out
    device = outcomes(runs)[FAULTY]
    assert device["outcome"] == expected, captured.out
    state = json.loads(((lab_dir or fresh_lab.dir) / "lab.json").read_text())["devices"][FAULTY]
    assert f"{FAULTY} ({state['host']}:{state['port']}" in device["detail"]  # device, address and port
    assert "Traceback" not in captured.out + captured.err
    assert len(device["detail"].splitlines()) == 1 and device["detail"].strip()
    log = next(runs.glob("*/push.log"))
    assert "Traceback" in log.read_text() and log.stat().st_mode & 0o777 == 0o600  # the full story is kept
    assert fresh_lab.handle.running_config(FAULTY) == fresh_lab.shown[FAULTY]
