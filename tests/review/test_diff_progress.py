"""The diff step reports its progress as diffs finish, whether they run here or across
processes: (done, total) rising to total, so the "diffing" bar ends full."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.build.validate import load_inventory
from estate.change import review as review_module
from estate.change.review import Selection, review_environment
from estate.change.risk import RiskSettings
from tests.ticket.fixture import INVENTORY, running_folder


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return running_folder(tmp_path_factory.mktemp("running"))


def diff_calls(running: Path, processes: int) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    review = review_environment(load_inventory(INVENTORY), Selection("dev", running_from=running), credentials=None,
                                settings=None, secrets={}, risk=RiskSettings(10), processes=processes,
                                diff_progress=lambda done, total: calls.append((done, total)))
    assert any(d.status.value == "changed" for d in review.devices)  # some diffs really ran
    return calls


def check_rising_to_total(calls: list[tuple[int, int]]) -> None:
    assert calls, "no progress reported"
    total = calls[-1][1]
    assert total > 1 and calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(set(done)) == len(done)
    # one report per diff parsed after the ones skipped as already converged
    assert len(calls) == total - calls[0][0] + 1


def test_sequential(running: Path) -> None:
    check_rising_to_total(diff_calls(running, processes=1))


def test_across_processes(running: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_module, "PARALLEL_THRESHOLD", 1)
    check_rising_to_total(diff_calls(running, processes=2))
