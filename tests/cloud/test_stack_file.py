"""`Pulumi.<env>.yaml` read through `estate plan --project-dir`: duplicate keys, unknown keys,
malformed YAML and a stack aimed at another account or region than the inventory's environment
stop with exit 2, naming the key and the line; a copy of the project plans like the original."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from estate.cli.main import main
from tests.fixtures import FIXTURE_INVENTORY, FIXTURE_PROJECT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
STACK = "Pulumi.dev.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Pulumi project folder holding copies of the project file and the dev stack file."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("Pulumi.yaml", STACK):
        shutil.copy(FIXTURE_PROJECT / name, folder / name)
    return folder


def edit(project: Path, old: str, new: str) -> int:
    """Replace `old` (once) in the stack file; the 1-based line where `new` starts."""
    path = project / STACK
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


def plan_error(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["plan", "--env", "dev", "--project-dir", str(project), "--inventory", str(FIXTURE_INVENTORY)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.count("\n") == 1  # one line
    return err.removeprefix("estate: error: ").rstrip("\n")


def test_duplicate_nested_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(project, "    amiId: ami-0a1b2c3d4e5f60718\n",
                "    amiId: ami-0a1b2c3d4e5f60718\n    amiId: ami-0ffffffffffffffff\n") + 1
    assert plan_error(project, capsys) == (
        f"{project / STACK}:{line}: amiId: duplicate key (YAML would silently keep only the last value)")


def test_duplicate_top_level_setting(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / STACK).write_text((project / STACK).read_text() + "  estate:evidence:\n    ingestRetentionDays: 9\n")
    line = (project / STACK).read_text().count("\n") - 1
    assert plan_error(project, capsys) == (
        f"{project / STACK}:{line}: estate:evidence: duplicate key (YAML would silently keep only the last value)")


def test_key_with_and_without_namespace(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / STACK).write_text((project / STACK).read_text() + "  evidence:\n    ingestRetentionDays: 9\n")
    line = (project / STACK).read_text().count("\n") - 1
    assert plan_error(project, capsys) == (
        f"{project / STACK}:{line}: estate:evidence: duplicate key (written with and without its namespace)")


def test_unknown_setting(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(project, "  estate:voice:\n", "  estate:voise: {}\n  estate:voice:\n")
    assert plan_error(project, capsys).startswith(
        f"{project / STACK}:{line}: estate:voise: unknown setting (known: estate:inventory, estate:network, ")


def test_unknown_nested_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(project, "    channelsPerSbc: 100\n", "    channelsPerSbcc: 100\n")
    assert plan_error(project, capsys) == (
        f"{project / STACK}:{line}: estate:voice.channelsPerSbcc: Extra inputs are not permitted")


def test_bad_value_in_a_list(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(project, "publicIp: 198.51.100.10", "publicIp: 10.0.0.1")
    assert plan_error(project, capsys) == (
        f"{project / STACK}:{line}: estate:network.vpnHubs[0].publicIp: Value error, 10.0.0.1 is not a public "
        "address (a VPN peer must be reachable)")


def test_malformed_yaml(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(project, "    azCount: 2\n", "    azCount: [2\n")
    message = plan_error(project, capsys)
    assert message.startswith(f"{project / STACK}:{line + 1}: malformed YAML: ")


def test_account_mismatch(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(project, '["111111111111"]', '["999999999999"]')
    assert plan_error(project, capsys) == (
        f'{project / STACK}:{line}: aws:allowedAccountIds: ["999999999999"] is not ["111111111111"], the account '
        "of environment dev in the inventory (pin exactly that one)")


def test_account_and_region_mismatch_both_reported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    region_line = edit(project, "aws:region: eu-west-2", "aws:region: eu-west-1")
    account_line = edit(project, '["111111111111"]', '["111111111111", "333333333333"]')
    assert plan_error(project, capsys) == (
        f"{project / STACK}:{region_line}: aws:region: eu-west-1 is not eu-west-2, the region of environment dev "
        f"in the inventory; {project / STACK}:{account_line}: aws:allowedAccountIds: "
        '["111111111111", "333333333333"] is not ["111111111111"], the account of environment dev in the '
        "inventory (pin exactly that one)")


def test_account_not_pinned(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(project, '  aws:allowedAccountIds: ["111111111111"]\n', "")
    assert plan_error(project, capsys) == (
        f"{project / STACK}:3: aws:allowedAccountIds: not set, the account of environment dev in the inventory "
        "(pin exactly that one)")


def test_folder_without_pulumi_yaml(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "Pulumi.yaml").unlink()
    assert plan_error(project, capsys) == f"{project} is not a Pulumi project folder: it has no Pulumi.yaml"


def test_missing_project_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_error(tmp_path / "nowhere", capsys) == f"project folder {tmp_path / 'nowhere'} does not exist"


def test_plan_of_a_project_copy(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--env", "dev", "--format", "json"]) == 0
    original = json.loads(capsys.readouterr().out)
    # the copy's own inventory (its estate:inventory default, network_configs/ beside Pulumi.yaml)
    shutil.copytree(FIXTURE_INVENTORY, project / "network_configs")
    # its sites' WAN hubs are checked against every environment's stack file in the project
    for other in ("Pulumi.staging.yaml", "Pulumi.prod.yaml"):
        shutil.copy(FIXTURE_PROJECT / other, project / other)
    assert main(["plan", "--env", "dev", "--format", "json", "--project-dir", str(project)]) == 0
    assert json.loads(capsys.readouterr().out) == original
    # ... and it really is the copy's: a pilot site fewer in the copy, a smaller plan
    estate_file = project / "network_configs" / "estate.yaml"
    estate_file.write_text(estate_file.read_text().replace("[MPS-0004, MPS-0024, MPS-0042]", "[MPS-0004, MPS-0042]"))
    assert main(["plan", "--env", "dev", "--project-dir", str(project)]) == 0
    assert "sized from 2 sites" in capsys.readouterr().out
