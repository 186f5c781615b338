"""access.yaml: validated like the rest of the inventory (every problem at once, file, line and
field), and resolved per device over the device model's derived addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.build.validate import load_inventory
from estate.change.connections import DeviceAccess, access_for
from estate.cli.main import main
from tests.golden import GOLDEN_ROOT, check_golden

CASES = {
    "bad_port_and_fields": """\
environments:
  dev:
    defaults: {port: 0, device_type: junos, software_train: seventeen}
    devices:
      mps-0004-cs01: {port: "22", username_env: lower-case, colour: blue}
""",
    "unknown_device_and_environment": """\
environments:
  dev:
    devices:
      mps-0004-cs1: {port: 2222}
      mps-9999-as01: {port: 2222}
  qa:
    defaults: {port: 22}
""",
    "jump_host_and_host_formats": """\
environments:
  prod:
    defaults: {jump_host: "ops@bastion:99999", host: 10.0.0.1}
    devices:
      mps-0001-cs01: {host: "not a host!", jump_host: "ops@@bastion"}
      mps-0001-as01: {jump_host: "-oProxyCommand=evil"}
""",
    "duplicate_key_and_syntax": """\
environments:
  dev:
    defaults: {port: 22}
    defaults: {port: 23}
""",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_access_problems_all_at_once(case: str, inventory_copy: Path, capsys: pytest.CaptureFixture[str],
                                     update_goldens: bool) -> None:
    (inventory_copy / "access.yaml").write_text(CASES[case], encoding="utf-8")
    assert main(["validate", "--inventory", str(inventory_copy)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    check_golden(GOLDEN_ROOT / "access" / f"{case}.txt", captured.err, update_goldens)


def test_defaults_then_device_overrides(inventory_copy: Path) -> None:
    (inventory_copy / "access.yaml").write_text("""\
environments:
  dev:
    defaults: {jump_host: "ops@bastion.example.net:2222", software_train: "17.9"}
    devices:
      mps-0004-cs01: {host: oob-cs01.example.net, port: 830, username_env: OOB_USER, platform: C9500}
""", encoding="utf-8")
    inventory = load_inventory(inventory_copy)
    found = access_for(inventory, "dev", ["mps-0004-cs01", "mps-0004-as01", "mps-dev-wlc01", "nowhere"])
    assert set(found) == {"mps-0004-cs01", "mps-0004-as01", "mps-dev-wlc01"}
    core = found["mps-0004-cs01"]
    assert (core.host, core.port, core.username_env, core.platform, core.software_train, core.jump_host) == (
        "oob-cs01.example.net", 830, "OOB_USER", "C9500", "17.9", "ops@bastion.example.net:2222")
    access = found["mps-0004-as01"]
    assert access.port == 22 and access.platform == "C9300" and access.jump_host == "ops@bastion.example.net:2222"
    assert access.host.startswith("10.") and access.site_id == "MPS-0004"
    assert found["mps-dev-wlc01"].platform == "C9800"


def test_without_the_file_devices_keep_their_derived_address(inventory_copy: Path) -> None:
    (inventory_copy / "access.yaml").unlink(missing_ok=True)
    found = access_for(load_inventory(inventory_copy), "dev", ["mps-0004-as01"])
    assert found["mps-0004-as01"] == DeviceAccess("mps-0004-as01", found["mps-0004-as01"].host, 22, "MPS-0004",
                                                  "access", platform="C9300", software_train="17.")
