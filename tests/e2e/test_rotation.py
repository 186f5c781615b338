"""Rotating a shared key on devices that store it encrypted: a converged device shows no change
for a new value until `--rotate-secret` asks for it; the plan carries the rotation, the push
sends it, and a push that asks for another rotation than the plan's is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from estate.cli.main import main
from estate.lab.encryption import type6
from estate.secrets import ENV_PREFIX
from tests.e2e.conftest import ANY_TIME, Lab
from tests.e2e.test_plans_windows_rollback import CORE, lab_args, outcomes, summary

pytestmark = pytest.mark.e2e

NEW_KEY = "rotated-tacacs-key-2026"


def review_json(lab: Lab, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict[str, Any]]:
    capsys.readouterr()
    assert main(["review", *lab_args(lab), "--format", "json", "--detail", *extra]) == 0
    return {d["target"]: d for d in json.loads(capsys.readouterr().out)["devices"]}


def test_rotation_is_explicit_planned_and_pushed(fresh_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs"
    assert main(["push", *lab_args(fresh_lab), "--commit", "--runs-dir", str(runs), *ANY_TIME]) == 0
    old = fresh_lab.handle.device(CORE).stored_config()
    assert f"key 6 {type6(CORE, NEW_KEY)}" not in old

    monkeypatch.setenv(ENV_PREFIX + "TACACS_KEY", NEW_KEY)
    # the device holds a key: compared by presence, a new value alone is no change
    assert review_json(fresh_lab, capsys)[CORE]["status"] == "unchanged"

    plan = tmp_path / "plan.json"
    rotated = review_json(fresh_lab, capsys, "--rotate-secret", "TACACS_KEY", "--save", str(plan))[CORE]
    assert rotated["status"] == "changed" and rotated["rotated"] == ["TACACS_KEY"]
    assert any("key 0" in str(line) for line in rotated["remediation"])
    assert NEW_KEY not in plan.read_text()
    assert json.loads(plan.read_text())["devices"][0]["rotated"] == ["TACACS_KEY"]

    refused = main(["push", *lab_args(fresh_lab), "--plan", str(plan), "--commit", "--runs-dir", str(runs),
                    "--rotate-secret", "RADIUS_KEY", *ANY_TIME])
    assert refused == 2
    assert f"key 6 {type6(CORE, NEW_KEY)}" not in fresh_lab.handle.device(CORE).stored_config()

    assert main(["push", *lab_args(fresh_lab), "--plan", str(plan), "--commit", "--runs-dir", str(runs),
                 *ANY_TIME]) == 0
    assert outcomes(summary(runs))[CORE] == "applied"
    assert f"key 6 {type6(CORE, NEW_KEY)}" in fresh_lab.handle.device(CORE).stored_config()
    assert review_json(fresh_lab, capsys)[CORE]["status"] == "unchanged"
