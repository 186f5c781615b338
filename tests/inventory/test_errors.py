"""Bad input: every class of mistake gets a clear report through the CLI, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from estate.cli.main import main
from tests.golden import GOLDEN_ROOT, check_golden

CASES_FILE = Path(__file__).with_name("error_cases.yaml")


def _cases() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return data


def break_inventory(root: Path, edits: list[dict[str, Any]]) -> None:
    for edit in edits:
        target = root / edit["file"]
        if "write" in edit:
            with target.open("w", encoding="utf-8", newline="") as stream:
                stream.write(edit["write"])
            continue
        if "append" in edit:
            with target.open("a", encoding="utf-8", newline="") as stream:
                stream.write(edit["append"] * edit.get("times", 1))
            continue
        # newline="": a case's \r or \r\n reaches the file as written
        with target.open(encoding="utf-8", newline="") as stream:
            text = stream.read()
        assert edit["find"] in text, f"case edit does not apply to {edit['file']}: {edit['find']!r}"
        with target.open("w", encoding="utf-8", newline="") as stream:
            stream.write(text.replace(edit["find"], edit["replace"], 1))


@pytest.mark.parametrize("case", sorted(_cases()))
def test_validate_reports_every_problem(
    case: str, inventory_copy: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool
) -> None:
    break_inventory(inventory_copy, _cases()[case])
    code = main(["validate", "--inventory", str(inventory_copy)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Traceback" not in captured.err
    check_golden(GOLDEN_ROOT / "errors" / f"{case}.txt", captured.err, update_goldens)


@pytest.mark.parametrize("case", ["unknown_site_kind", "malformed_yaml", "counts_exceed_switch_ports"])
def test_render_refuses_bad_inventory_and_writes_nothing(
    case: str, inventory_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    break_inventory(inventory_copy, _cases()[case])
    out = tmp_path / "build"
    code = main(["render", "--env", "prod", "--inventory", str(inventory_copy), "--out", str(out)])
    assert code == 2
    assert not out.exists()
    assert capsys.readouterr().err == (GOLDEN_ROOT / "errors" / f"{case}.txt").read_text(encoding="utf-8")


def test_real_process_has_no_traceback(inventory_copy: Path) -> None:
    break_inventory(inventory_copy, _cases()["many_at_once"])
    result = subprocess.run(
        [sys.executable, "-m", "estate.cli.main", "validate", "--inventory", str(inventory_copy)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n  ") >= 5  # every problem of the case, not just the first


def test_clean_inventory_validates(capsys: pytest.CaptureFixture[str], inventory_copy: Path) -> None:
    assert main(["validate", "--inventory", str(inventory_copy)]) == 0
    assert "500 sites" in capsys.readouterr().out


def test_missing_inventory_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--inventory", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
