"""Pushes that are interrupted, killed or run twice at once, through the real CLI against the
simulator: the signal tests run `python -m estate.cli.main push --commit` in a subprocess (so
the signal is real) against the in-process lab of `conftest.py`.

About 35 s in all (marked e2e): each test pushes one or two sites with one device slowed down,
so that the signal or the second run lands mid-apply.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from estate.change.diff import same_config
from estate.cli.main import main
from estate.lab import Faults
from tests.e2e.conftest import ANY_TIME, Lab
from tests.fixtures import FIXTURE_INVENTORY

pytestmark = pytest.mark.e2e

# Units run in inventory order (the environment-wide WLC part, then MPS-0024, then MPS-0042);
# within a site the access switch goes first: SLOW is the first device changed.
SLOW = "mps-0024-as01"
SLOW_FAULT = Faults(slow_seconds=0.08)  # every reply waits: the apply takes a few seconds
NOT_STARTED = ("mps-0024-cs01", "mps-dev-wlc01@MPS-0024", "mps-0042-cs01", "mps-dev-wlc01@MPS-0042")


def push_argv(lab: Lab, runs: Path, *extra: str) -> list[str]:
    # the subprocess push does not see the suite's redirected default: name the fixed inventory
    return ["push", "--env", "dev", "--inventory", str(FIXTURE_INVENTORY), "--lab", "--lab-dir", str(lab.dir),
            "--commit", "--runs-dir", str(runs), "--timeout", "5", "--site-workers", "1", *ANY_TIME, *extra]


def start_push(lab: Lab, runs: Path, *extra: str) -> subprocess.Popen[str]:
    # the credentials and secrets come from the environment the `credentials` fixture set
    return subprocess.Popen([sys.executable, "-m", "estate.cli.main", *push_argv(lab, runs, *extra)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def records(runs: Path) -> list[dict[str, Any]]:
    found = list(runs.glob("*/record.jsonl"))
    if not found:
        return []
    assert len(found) == 1, found
    rows = []
    for line in found[0].read_text().splitlines():
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue  # a line being written right now
    return rows


def wait_for(runs: Path, target: str, step: str, result: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r["target"] == target and r["step"] == step and r["result"] == result for r in records(runs)):
            return
        time.sleep(0.05)
    raise AssertionError(f"{target} never reached {step} {result}: {records(runs)}")


def run_dir(runs: Path) -> Path:
    (found,) = [p for p in runs.iterdir() if p.is_dir()]
    return found


def review_statuses(lab: Lab, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    capsys.readouterr()
    main(["review", "--env", "dev", "--lab", "--lab-dir", str(lab.dir), "--format", "json"])
    rows = json.loads(capsys.readouterr().out)["devices"]
    return {row["target"]: row["status"] for row in rows}


def assert_started_steps_ended(rows: list[dict[str, Any]]) -> None:
    """Every apply/rollback that started has its end line, in order, for the same device."""
    open_steps: dict[tuple[str, str], int] = {}
    for row in rows:
        if row["step"] in ("apply", "rollback"):
            key = (row["target"], row["step"])
            open_steps[key] = open_steps.get(key, 0) + (1 if row["result"] == "started" else -1)
            assert open_steps[key] in (0, 1), row
    assert all(count == 0 for count in open_steps.values()), open_steps


def assert_private(runs: Path) -> None:
    for path in [runs / "dev.lock", *runs.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, f"{path} is {mode:o}"
        else:
            assert mode == 0o600, f"{path} is {mode:o}"


def test_first_ctrl_c_finishes_in_flight_devices_and_writes_the_summary(
    fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_lab.handle.set_faults(SLOW, SLOW_FAULT)
    runs = tmp_path / "runs"
    # Ctrl-C while SLOW applies: the rest of its site and all of MPS-0042 must not start
    process = start_push(fresh_lab, runs, "--site", "MPS-0042", "--site", "MPS-0024")
    wait_for(runs, SLOW, "apply", "started")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert "INTERRUPTED" in out
    assert "Ctrl-C again" in err
    assert "Traceback" not in err
    summary = json.loads((run_dir(runs) / "summary.json").read_text())
    outcomes = {d["target"]: (d["outcome"], d["detail"]) for u in summary["units"] for d in u["devices"]}
    assert summary["interrupted"] is True
    assert outcomes[SLOW][0] == "applied"  # in flight: it finished
    assert {name: outcomes[name] for name in NOT_STARTED} == dict.fromkeys(NOT_STARTED, ("skipped", "interrupted"))
    # the record is complete: its last line ends the run, every started change ended
    rows = records(runs)
    assert (rows[-1]["step"], rows[-1]["result"]) == ("run", "interrupted")
    assert_started_steps_ended(rows)
    # every device is at its intended config or where it started (its backup)
    assert review_statuses(fresh_lab, capsys)[SLOW] == "unchanged"
    for name in ("mps-0024-cs01", "mps-0042-cs01", "mps-dev-wlc01"):
        assert same_config(fresh_lab.handle.running_config(name), fresh_lab.shown[name]), name
    assert_private(runs)
    # the lock was released cleanly: the next run has no takeover to report
    assert (runs / "dev.lock").read_text() == ""


def test_second_ctrl_c_stops_at_once_and_records_the_device_in_flight(
    fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_lab.handle.set_faults(SLOW, SLOW_FAULT)
    runs = tmp_path / "runs"
    process = start_push(fresh_lab, runs, "--site", "MPS-0024")
    wait_for(runs, SLOW, "apply", "started")
    fresh_lab.handle.set_faults(SLOW, Faults(slow_seconds=1.0))  # the apply would now take a minute
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = process.communicate(timeout=20)
    assert time.monotonic() - started < 5  # at once, not after the slow apply
    assert process.returncode == 130, err
    assert SLOW in err
    rows = records(runs)
    assert (rows[-1]["step"], rows[-1]["result"]) == ("run", "aborted")
    assert rows[-1]["in_flight"] == {SLOW: "apply"}
    code = main(["runs", "show", run_dir(runs).name, "--runs-dir", str(runs)])
    out = capsys.readouterr().out
    assert code == 1
    assert "ABORTED" in out
    assert f"{SLOW}: apply started" in out
    assert_private(runs)


def test_sigkill_mid_apply_is_named_by_runs_show_and_its_lock_is_taken_over(
    fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_lab.handle.set_faults(SLOW, SLOW_FAULT)
    runs = tmp_path / "runs"
    process = start_push(fresh_lab, runs, "--site", "MPS-0024")
    wait_for(runs, SLOW, "apply", "started")
    process.kill()
    process.communicate(timeout=20)
    killed = run_dir(runs).name

    assert main(["runs", "--runs-dir", str(runs)]) == 0
    listing = capsys.readouterr().out
    assert killed in listing
    assert "incomplete" in listing
    code = main(["runs", "show", killed, "--runs-dir", str(runs)])
    out = capsys.readouterr().out
    assert code == 1
    assert "INCOMPLETE" in out
    half_changed = out.split("MAY BE HALF-CHANGED", 1)[1]
    assert f"{SLOW}: apply started" in half_changed
    backup = run_dir(runs) / "backups" / f"{SLOW}.cfg"
    assert f"backup (before the change): {backup}\n" in half_changed
    assert f"estate review --env dev --inventory {FIXTURE_INVENTORY.resolve()} --lab --lab-dir " \
           f"{fresh_lab.dir.resolve()} --device {SLOW} --site MPS-0024 --detail" in half_changed

    # the killed run's lock is stale: the next run takes it over, says so, and finishes the job
    fresh_lab.handle.set_faults(SLOW, Faults())
    code = main(push_argv(fresh_lab, runs, "--site", "MPS-0024"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"took over the stale lock of a dead run: run {killed}" in out
    (second,) = [p for p in runs.iterdir() if p.is_dir() and p.name != killed]
    start = json.loads((second / "record.jsonl").read_text().splitlines()[0])
    assert start["lock_takeover"]["run_id"] == killed
    assert start["lock_takeover"]["pid"] == process.pid
    assert main(["runs", "show", second.name, "--runs-dir", str(runs)]) == 0
    assert f"took over the stale lock of dead run {killed}" in capsys.readouterr().out
    assert_private(runs)


def test_second_push_on_the_same_environment_is_refused(
    fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_lab.handle.set_faults(SLOW, SLOW_FAULT)
    runs = tmp_path / "runs"
    first: dict[str, int] = {}
    thread = threading.Thread(target=lambda: first.update(code=main(push_argv(fresh_lab, runs, "--site", "MPS-0024"))))
    thread.start()
    try:
        wait_for(runs, SLOW, "apply", "started")
        owner = json.loads((runs / "dev.lock").read_text())
        capsys.readouterr()
        # the second run would change MPS-0042 too
        code = main(push_argv(fresh_lab, runs, "--site", "MPS-0024", "--site", "MPS-0042"))
        err = capsys.readouterr().err
    finally:
        thread.join(timeout=60)
    assert code == 2
    assert f"environment dev is locked by run {owner['run_id']} by {owner['user']} (pid {os.getpid()}" in err
    assert owner["since"] in err
    assert "Traceback" not in err
    assert first["code"] == 0
    # one run only changed devices: one run folder, and MPS-0024 was left alone
    assert [p.name for p in runs.iterdir() if p.is_dir()] == [owner["run_id"]]
    assert fresh_lab.handle.running_config("mps-0042-cs01") == fresh_lab.shown["mps-0042-cs01"]
    assert not same_config(fresh_lab.handle.running_config(SLOW), fresh_lab.shown[SLOW])


def test_dry_run_takes_no_lock(fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from pathlib import Path\n"
                               "from estate.change.lock import EnvironmentLock, LockOwner\n"
                               "EnvironmentLock(Path(sys.argv[1]), 'dev').acquire(LockOwner.current('R', []))\n"
                               "print('held', flush=True); time.sleep(60)\n", str(runs)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        code = main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0042",
                     "--runs-dir", str(runs)])
        assert code == 0, capsys.readouterr()
        assert "dry-run" in capsys.readouterr().out
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--canary", "-1", "--canary: must be at least 0, got -1"),
    ("--max-failures", "0", "--max-failures: must be at least 1, got 0"),
    ("--site-workers", "0", "--site-workers: must be at least 1, got 0"),
    ("--site-workers", "two", "--site-workers: expected a whole number, got 'two'"),
])
def test_numeric_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     option: str, value: str, message: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["push", "--env", "dev", "--commit", "--runs-dir", str(tmp_path), option, value])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_runs_dir_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "runs"
    afile.write_text("")
    with pytest.raises(SystemExit) as caught:
        main(["push", "--env", "dev", "--commit", "--runs-dir", str(afile)])
    assert caught.value.code == 2
    assert f"--runs-dir: {afile} exists and is not a folder" in capsys.readouterr().err


def test_unknown_run_id_lists_close_matches(fresh_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs"
    assert main(push_argv(fresh_lab, runs, "--site", "MPS-0042")) == 0
    real = run_dir(runs).name
    capsys.readouterr()
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    assert real in capsys.readouterr().out
    assert main(["runs", "show", real[:-1] + "x", "--runs-dir", str(runs)]) == 2
    assert f"did you mean {real}?" in capsys.readouterr().err
