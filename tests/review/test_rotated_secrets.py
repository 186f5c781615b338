"""After a rotation the devices still hold the old secret values: no review output, saved plan or
anything else written may show them, and a saved plan still verifies and applies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estate.build.device_configs import device_configs
from estate.build.render import render_environment
from estate.change.diff import compute_diff
from estate.change.review import approved_lines, comparable, load_plan, scoped_text, targets_from
from estate.cli.main import main
from estate.inventory.inventory import Inventory
from estate.secrets import (
    ENV_PREFIX,
    MASK,
    SECRET_NAMES,
    SecretBook,
    from_environment,
    mask,
    placeholders_in,
    resolve,
)

ENV = "dev"
OLD = {name: f"Old{name.title().replace('_', '')}Value" for name in SECRET_NAMES}
NEW = {name: f"New{name.title().replace('_', '')}Value" for name in SECRET_NAMES}


@pytest.fixture
def rotated(sample_inventory: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Running configs holding the OLD values (the intended config, as it was last pushed);
    the environment holding the NEW ones."""
    folder = tmp_path / "running"
    folder.mkdir()
    for hostname, (_, text) in device_configs(render_environment(sample_inventory, ENV)).items():
        (folder / f"{hostname}.cfg").write_text(resolve(text, OLD), encoding="utf-8")
    for name, value in NEW.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)
    monkeypatch.setenv("ESTATE_PLAN_KEY", "plan-signing-key-for-tests")  # saving a plan signs it
    return folder


def _assert_no_old_value(data: bytes | str, where: str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    for name, value in OLD.items():
        assert value.encode() not in raw, f"old {name} in {where}"
    for name, value in NEW.items():
        assert value.encode() not in raw, f"current {name} in {where}"


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_rotated_secret_absent_from_review_and_plan(rotated: Path, tmp_path: Path, fmt: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "out" / "plan.json"
    code = main(["review", "--env", ENV, "--running-from", str(rotated), "--format", fmt, "--detail",
                 "--save", str(plan)])
    out, err = capsys.readouterr()
    assert code == 0, err
    _assert_no_old_value(out, f"review output ({fmt})")
    _assert_no_old_value(err, "stderr")
    _assert_no_old_value(plan.read_bytes(), "saved plan")
    assert MASK in out  # the rollback lines are there, with the old values masked
    assert plan.stat().st_mode & 0o777 == 0o600
    _assert_no_old_value(plan.with_name("plan.json.md").read_bytes(), "the plan's change ticket")
    assert not [p for p in plan.parent.iterdir() if p.name not in {"plan.json", "plan.json.md"}]  # no temporary left
    load_plan(plan, ENV)  # masked before its checksum: the plan verifies as saved


def test_rotation_is_explicit_and_masked_plan_lines_apply_from_a_fresh_diff(sample_inventory: Inventory) -> None:
    """A device that shows its keys and SNMPv3 users with the OLD values: without `rotate` the
    old values count as present (never an implicit rotation). Rotating the SNMPv3 passphrases
    plans `no snmp-server user ... <secret>` for the old user; push re-diffs the device (whose
    running hash matched the plan's) and sends the unmasked lines, after checking they mask to
    exactly the approved ones."""
    (target,) = [t for t in targets_from(render_environment(sample_inventory, ENV)) if t.role.value == "core"][:1]
    running_text = resolve(target.intended, OLD)
    review_book = from_environment({ENV_PREFIX + k: v for k, v in NEW.items()})
    compared = comparable(target.intended, running_text, review_book)
    quiet = compute_diff(target.name, target.hostname, compared, target.intended)
    assert not any(name in line for line in quiet.remediation for name in ("TACACS", "RADIUS", "SNMP"))

    rotate = frozenset({"SNMP_AUTH", "SNMP_PRIV"})
    fresh = compute_diff(target.name, target.hostname, compared, target.intended, rotate=rotate).remediation
    planned = [mask(line, review_book) for line in fresh]
    assert any(line.startswith("no snmp-server user") and MASK in line for line in planned)
    _assert_no_old_value(json.dumps(planned), "planned lines")

    push_book = SecretBook(NEW)  # a later process: it learns the old values from the device again
    again = compute_diff(target.name, target.hostname, scoped_text(target, running_text, [], push_book),
                         target.intended, rotate=rotate).remediation
    sent = approved_lines(planned, again, push_book)
    assert any(OLD["SNMP_AUTH"] in line for line in sent)
    with pytest.raises(Exception, match="differs from the approved plan"):
        approved_lines([*planned, "vlan 999"], again, push_book)


def test_scoped_text_learns_old_values_for_masked_backups(sample_inventory: Inventory) -> None:
    (target,) = [t for t in targets_from(render_environment(sample_inventory, ENV)) if t.role.value == "core"][:1]
    book = SecretBook(NEW)
    text = scoped_text(target, resolve(target.intended, OLD), [], book)
    assert OLD["TACACS_KEY"] in text  # the comparison must still see the old value to change it
    carried = placeholders_in(target.intended)  # a switch holds no AP management user
    assert {"TACACS_KEY", "RADIUS_KEY", "SNMP_AUTH"} <= carried
    assert {OLD[name] for name in carried} <= set(book.every_value())
    backup = mask(resolve(target.intended, OLD), book)
    _assert_no_old_value(backup, "masked backup")
