"""`--running-from` a render folder: the WLC is read whole (global part and every site share
joined), so rendering then reviewing against the render finds nothing to change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from estate.change.fetch import read_running_dir
from estate.cli.main import main


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render")
    assert main(["render", "--env", "dev", "--out", str(out)]) == 0
    return out


def review(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, dict[str, dict[str, object]]]:
    capsys.readouterr()
    code = main(["review", "--env", "dev", "--running-from", str(folder), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    return code, {d["target"]: d for d in data["devices"]}


@pytest.mark.parametrize("level", ["out", "env"])
def test_review_of_a_render_is_unchanged_including_wlc(rendered: Path, level: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, rows = review(capsys, rendered if level == "out" else rendered / "dev")
    assert code == 0
    assert {name: row["status"] for name, row in rows.items() if row["status"] != "unchanged"} == {}
    shares = [name for name in rows if "@" in name]
    assert len(shares) >= 2  # several site shares, each found in the joined WLC config


def test_wlc_text_is_global_then_every_share(rendered: Path) -> None:
    found = read_running_dir(rendered, ["mps-dev-wlc01"])["mps-dev-wlc01"]
    assert found.text is not None
    shares = sorted((rendered / "dev").glob("*/wlc-site.cfg"))
    global_part = (rendered / "dev" / "wlc" / "mps-dev-wlc01.cfg").read_text(encoding="utf-8")
    first_line = global_part.splitlines()[0]
    assert found.text.startswith(first_line)
    for share in shares:
        body = [line for line in share.read_text(encoding="utf-8").splitlines() if line != "end"]
        assert "\n".join(body) in found.text
    assert found.text.count("\nend\n") == 0


def test_a_device_saved_twice_is_not_guessed(rendered: Path, tmp_path: Path) -> None:
    shutil.copytree(rendered, tmp_path / "a")
    shutil.copytree(rendered, tmp_path / "b")
    results = read_running_dir(tmp_path, ["mps-0042-cs01", "mps-dev-wlc01"])
    for result in results.values():
        assert result.text is None
        assert result.error is not None and "more than one place" in result.error
