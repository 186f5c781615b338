"""-q and -v on a push: the verdict and what needs attention, or every detail of a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.cli.main import main
from estate.lab import Faults
from tests.e2e.conftest import ANY_TIME, Lab

pytestmark = pytest.mark.e2e

FAULTY = "mps-0024-as01"


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_and_verbose(fresh_lab: Lab, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    fresh_lab.handle.set_faults(FAULTY, Faults(reject_lines=(r"ip dhcp snooping",)))
    base = ["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0024", "--site",
            "MPS-0042", "--commit", "--max-failures", "5", *ANY_TIME]

    def run(flag: str, runs: str) -> list[str]:
        argv = [flag, *base] if where == "before" else [*base, flag]
        main([*argv, "--runs-dir", str(tmp_path / runs)])
        return capsys.readouterr().out.splitlines()

    quiet = run("-q", "quiet")
    assert quiet[0].startswith("push ") and "FAILED" in quiet[0]
    assert any(line.split()[:2] == [FAULTY, "rolled-back"] for line in quiet)
    assert not any("mps-0042-cs01" in line for line in quiet)  # applied: nothing to look at
    verbose = run("-v", "verbose")
    assert any("mps-0042-cs01" in line for line in verbose), verbose  # every device, whatever its outcome
    assert any(line.strip() == "last line sent: ip dhcp snooping" for line in verbose), verbose
    assert any(line.strip().startswith("transcript: ") and FAULTY in line for line in verbose)
