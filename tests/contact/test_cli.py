"""`estate staffing` through the CLI (added to the subcommands for the test only)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from estate.cli import main as cli
from estate.cli.staffing import ROOM_COLUMNS
from tests.contact.conftest import FIXTURE


def staffing(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["staffing", "--inventory", str(FIXTURE), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = staffing(capsys, "--env", "prod")
    assert code == 0
    assert "staffing of prod: 4 queues, 336 intervals of 30 min" in out
    assert "OVER the default quota" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith(("east ", "west ", "north "))}
    assert lines["north"].split()[-1] != "0"  # north's intervals over positions (a 30-phone site)
    assert "queue emergency: 39934 calls/week" in out


def test_csv_for_the_rostering_system(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "prod.csv"
    code, out, _ = staffing(capsys, "--env", "prod", "--format", "csv", "--out", str(target))
    assert code == 0 and out == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == ROOM_COLUMNS
    assert {r["control_room"] for r in rows} == {"east", "west", "north"}
    assert any(r["over_positions"] == "True" for r in rows if r["control_room"] == "north")
    assert len({(r["day"], r["interval_start"]) for r in rows}) == 336


def test_json_and_queue_level(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = staffing(capsys, "--env", "dev", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["forecast_scale"] == 0.01
    assert [room["control_room"] for room in document["control_rooms"]] == ["pilot"]
    assert len(document["queues"]) == 4 * 336
    code, out, _ = staffing(capsys, "--env", "dev", "--format", "csv", "--level", "queue")
    assert out.splitlines()[0].startswith("env,day,interval_start,interval_minutes,queue,")


def test_unknown_environment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = staffing(capsys, "--env", "prd")
    assert code == 2 and out == ""
    assert err == "estate: error: unknown environment: prd (did you mean prod?)\n"


def test_inventory_without_a_model(capsys: pytest.CaptureFixture[str], fixture_copy: Path) -> None:
    (fixture_copy / "contact_centre" / "contact_centre.yaml").unlink()
    code = cli.main(["staffing", "--inventory", str(fixture_copy), "--env", "prod"])
    err = capsys.readouterr().err
    assert code == 2 and "has no contact-centre model" in err and "Traceback" not in err
