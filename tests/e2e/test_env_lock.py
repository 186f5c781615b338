"""The environment lock on its own: a live holder (another process) is refused and never
broken; a holder that died is taken over and reported; a clean release leaves nothing to report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from estate.change.lock import EnvironmentLock, LockHeldError, LockOwner

# a second process that takes the lock, says so, and waits to be killed
HOLDER = """
import sys, time
from pathlib import Path
from estate.change.lock import EnvironmentLock, LockOwner
EnvironmentLock(Path(sys.argv[1]), "dev").acquire(LockOwner.current("RUN-HOLDER", ["estate", "push", "--commit"]))
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait()


def owner(run_id: str) -> LockOwner:
    return LockOwner.current(run_id, ["estate", "push", "--env", "dev", "--commit"])


def test_live_lock_is_refused_naming_its_owner(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(LockHeldError) as caught:
        EnvironmentLock(tmp_path, "dev").acquire(owner("RUN-2"))
    message = str(caught.value)
    assert "RUN-HOLDER" in message
    assert f"pid {holder.pid}" in message
    assert "estate push --commit" in message
    # the refused attempt left the holder's record as it was
    record = json.loads((tmp_path / "dev.lock").read_text())
    assert record["run_id"] == "RUN-HOLDER"
    assert record["pid"] == holder.pid
    assert (tmp_path / "dev.lock").stat().st_mode & 0o777 == 0o600


def test_other_environments_are_not_locked(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with EnvironmentLock(tmp_path, "staging").acquire(owner("RUN-2")) as lock:
        assert lock.taken_over is None


def test_lock_of_a_dead_process_is_taken_over(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with EnvironmentLock(tmp_path, "dev").acquire(owner("RUN-2")) as lock:
        assert lock.taken_over is not None
        assert lock.taken_over.run_id == "RUN-HOLDER"
        assert lock.taken_over.pid == holder.pid
        assert json.loads((tmp_path / "dev.lock").read_text())["run_id"] == "RUN-2"


def test_clean_release_reports_no_takeover(tmp_path: Path) -> None:
    EnvironmentLock(tmp_path, "dev").acquire(owner("RUN-1")).release()
    assert (tmp_path / "dev.lock").read_text() == ""
    with EnvironmentLock(tmp_path, "dev").acquire(owner("RUN-2")) as lock:
        assert lock.taken_over is None
        assert json.loads((tmp_path / "dev.lock").read_text())["pid"] == os.getpid()


def test_a_lock_is_exclusive_within_one_process_too(tmp_path: Path) -> None:
    """flock locks belong to the open file: a second open in the same process is refused."""
    with EnvironmentLock(tmp_path, "dev").acquire(owner("RUN-1")), pytest.raises(LockHeldError, match="RUN-1"):
        EnvironmentLock(tmp_path, "dev").acquire(owner("RUN-2"))


def test_environment_name_cannot_leave_the_runs_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an environment name"):
        EnvironmentLock(tmp_path, "../dev")
