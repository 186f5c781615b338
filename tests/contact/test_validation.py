"""Bad contact-centre data: every problem at once, with file, line (or CSV row), field and hint,
through the CLI (exit 2, no traceback, nothing written). The expected reports are golden files
in tests/golden/contact/; each case is a set of edits to a copy of the fixture inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.cli import main as cli
from tests.golden import GOLDEN_ROOT, check_golden

MODEL = "contact_centre/contact_centre.yaml"
FORECAST = "contact_centre/forecast.csv"

# case: {file: [(text to find, replacement)]}; a replacement of None deletes the line
CASES: dict[str, dict[str, list[tuple[str, str | None]]]] = {
    # fields and types: the model must parse before its references can be checked
    "model_fields": {MODEL: [
        ("    skill: switchboard\n", "    skil: switchboard\n"),
        ("    service_level: {answered: 0.80, within_seconds: 180}",
         "    service_level: {answered: 1.5, within_seconds: 180}"),
        ("    hours: [Mon-Fri 07:00-22:00, Sat-Sun 08:00-20:00]",
         "    hours: [Mon-Fri 07:00-22:00, Sun-Sat 20:00-08:00]"),
        ("  pilot:\n    site: MPS-0004", "  pilot:\n    site: mps-4"),
    ]},
    "model_references": {MODEL: [
        ("  non_emergency_101:\n    description: 101, the national non-emergency number\n    queue: non_emergency",
         "  non_emergency_101:\n    description: 101, the national non-emergency number\n    queue: non_emergency_q"),
        ("    queues: [switchboard, internal]\n    security_profile: call_handler",
         "    queues: [switchboard, internal]\n    security_profile: operator"),
        ("    site: MPS-0190", "    site: MPS-0999"),
        ("    control_rooms: [east]", "    control_rooms: [west]"),
        ("    control_rooms: [pilot]", "    control_rooms: [pilot, south]"),
        ("time_zone: Europe/London", "time_zone: Europe/Londres"),
    ]},
    "forecast_rows": {FORECAST: [
        ("emergency,Mon,00:30,", "emergency,Mon,00:45,"),
        ("non_emergency,Tue,03:00,", "non_emergency,Tue,03:00,-4#"),
        ("switchboard,Mon,03:00,0", "switchboard,Mon,03:00,12"),
        ("internal,Sun,23:30,", "intern,Sun,23:30,"),
        ("internal,Wed,10:00,", "internal,Wednesday,10:00,"),
        ("emergency,Fri,18:00,", None),
    ]},
    "yaml_syntax": {MODEL: [("interval_minutes: 30", "interval_minutes: [30")]},
    "forecast_header": {FORECAST: [("queue,day,interval,calls", "queue,day,start,calls")]},
}


def apply(root: Path, edits: dict[str, list[tuple[str, str | None]]]) -> None:
    for name, changes in edits.items():
        path = root / name
        text = path.read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, f"case edit does not apply: {old!r}"
            if new is None:
                start = text.index(old)
                text = text[:start] + text[text.index("\n", start) + 1:]
            else:
                text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_contact_data_reported(case: str, *, fixture_copy: Path, tmp_path: Path, update_goldens: bool,
                                   monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    apply(fixture_copy, CASES[case])
    out = tmp_path / "staffing.csv"
    code = cli.main(["staffing", "--env", "prod", "--inventory", str(fixture_copy), "--format", "csv",
                     "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists()
    check_golden(GOLDEN_ROOT / "contact" / f"{case}.txt", captured.err, update_goldens)


def test_validate_reports_contact_problems(fixture_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `estate validate` is the one command that checks the whole source of truth
    apply(fixture_copy, CASES["model_references"])
    assert cli.main(["validate", "--inventory", str(fixture_copy)]) == 2
    captured = capsys.readouterr()
    assert "contact_centre/contact_centre.yaml" in captured.err and "Traceback" not in captured.err


def test_validate_accepts_the_fixture(fixture_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "--inventory", str(fixture_copy)]) == 0
    assert "contact centre: model and forecast valid" in capsys.readouterr().out
