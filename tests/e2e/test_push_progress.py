"""A push reports its progress per device finished, over the simulator: (done, total) rising
to the number of devices, so the "pushing" bar ends full."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from estate.cli import progress as progress_module
from estate.cli.main import main
from tests.e2e.conftest import ANY_TIME, Lab

pytestmark = pytest.mark.e2e


def test_push_reports_every_device(fresh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    bars: dict[str, list[tuple[int, int]]] = {}

    @contextmanager
    def recording(what: str, unit: str, **_: object) -> Iterator[progress_module.Progress]:
        calls = bars.setdefault(what, [])
        yield lambda done, total: calls.append((done, total))

    monkeypatch.setattr(progress_module, "progress_bar", recording)
    code = main(["push", "--env", "dev", "--lab", "--lab-dir", str(fresh_lab.dir), "--site", "MPS-0024", "--commit",
                 "--runs-dir", str(tmp_path / "runs"), *ANY_TIME])
    assert code == 0, capsys.readouterr()
    calls = bars["pushing dev"]
    total = calls[-1][1]
    assert total >= 2 and [d for d, _ in calls] == list(range(1, total + 1))
    assert all(t == total for _, t in calls)
