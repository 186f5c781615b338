"""`estate capacity` output formats and user errors."""

from __future__ import annotations

import csv
import io
import json

import pytest

from estate.cli.main import main


def test_json_totals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capacity", "--env", "staging", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["totals"]["sites"] == len(document["sites"]) == 8
    assert document["settings"]["grade_of_service"] == 0.01


def test_csv_and_site_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capacity", "--env", "prod", "--site", "MPS-0004", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["site_id"] for r in rows] == ["MPS-0004"]


def test_table_flags_sites(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capacity", "--env", "dev", "--gb-per-hour", "40", "--hours-per-camera", "4"]) == 0
    out = capsys.readouterr().out
    assert "NO" in out
    assert "cannot carry voice peak + video" in out


def test_bad_setting_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:  # argparse's own exit: out of the option's range
        main(["capacity", "--env", "dev", "--gos", "2"])
    assert stopped.value.code == 2
    assert "argument --gos: must be from 0 to 1, got 2" in capsys.readouterr().err


def test_open_bound_end_value_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    # within the option's closed range but refused by the model: still exit 2, option named
    assert main(["capacity", "--env", "dev", "--gos", "1"]) == 2
    assert capsys.readouterr().err == "estate: error: --gos: Input should be less than 1\n"
