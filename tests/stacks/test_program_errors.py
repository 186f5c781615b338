"""A bad stack config stops the program before it declares anything, with the key named; and
`estate plan` reports it as a user error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from estate.cli.main import main as estate
from estate.cloud.mocks import EstateMocks, run_program
from estate.cloud.program import main
from estate.cloud.settings import SettingsError, read_stack_config
from tests.fixtures import FIXTURE_PROJECT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_bad_config_fails_the_program_with_a_clear_message() -> None:
    config = read_stack_config(FIXTURE_PROJECT, "staging")
    voice = json.loads(config["estate:voice"])
    voice["channelsPerSbc"] = 0
    config["estate:voice"] = json.dumps(voice)
    mocks = EstateMocks()
    with pytest.raises(SettingsError, match=r"estate:voice\.channelsPerSbc: Input should be greater than or equal"):
        run_program(mocks, "estate", "staging", config, lambda: main(FIXTURE_PROJECT))
    assert mocks.custom() == []


def test_plan_json_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert estate(["plan", "--env", "dev", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["offline"] is True
    assert all(not p["violations"] for p in document["policies"])
    assert document["counts"]["aws:autoscaling/group:Group"] == 2
    assert estate(["plan", "--env", "qa"]) == 2
    assert "no stack configuration Pulumi.qa.yaml" in capsys.readouterr().err


def test_program_refuses_duplicate_keys_in_its_stack_file(tmp_path: Path) -> None:
    # under the engine the values no longer show a duplicate: the program reads the file itself
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(FIXTURE_PROJECT / name, tmp_path / name)
    stack_file = tmp_path / "Pulumi.dev.yaml"
    text = stack_file.read_text()
    stack_file.write_text(text.replace("    azCount: 2\n", "    azCount: 2\n    azCount: 3\n"))
    line = text[: text.index("    azCount: 2\n")].count("\n") + 2
    mocks = EstateMocks()
    with pytest.raises(SettingsError, match=rf"Pulumi\.dev\.yaml:{line}: azCount: duplicate key"):
        run_program(mocks, "estate", "dev", read_stack_config(FIXTURE_PROJECT, "dev"), lambda: main(tmp_path))
    assert mocks.custom() == []


def test_program_names_the_line_of_a_bad_value() -> None:
    config = read_stack_config(FIXTURE_PROJECT, "dev")
    config["aws:region"] = "us-east-1"
    mocks = EstateMocks()
    with pytest.raises(SettingsError, match=r"Pulumi\.dev\.yaml:4: aws:region: us-east-1 is not eu-west-2"):
        run_program(mocks, "estate", "dev", config, lambda: main(FIXTURE_PROJECT))
    assert mocks.custom() == []
