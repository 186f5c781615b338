"""Brownfield drift, fault files, addresses and the detached `lab up|status|down`."""

from __future__ import annotations

import json
import os
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from netmiko import ConnectHandler
from pydantic import SecretStr, ValidationError

from estate.lab import Faults, LabDeviceSpec, LabError, lab_down, lab_status, lab_up, load_faults
from estate.lab.brownfield import LEGACY_COMMUNITY, make_brownfield
from estate.lab.config_tree import ConfigTree, canonical_config
from estate.lab.control import Down, with_credentials
from estate.lab.ios_cli import CliSession, DeviceState
from estate.lab.state import LAB_JSON, assign_addresses
from tests.lab.conftest import PASSWORD, SECRET, SpecFactory, sample_config


def interfaces(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("interface ")]


def blocks(text: str) -> list[str]:
    """Top-level sections, order-insensitive (a blank box lists its ports first)."""
    return sorted(ConfigTree([node]).render() for node in ConfigTree.parse(text).nodes)


def test_brownfield_is_deterministic_and_drifted() -> None:
    intended = sample_config("sw1")
    first = make_brownfield(intended, "sw1")
    assert first == make_brownfield(intended, "sw1")
    text = first.text
    assert interfaces(text) == interfaces(canonical_config(intended))
    assert "ntp server 10.1.1.1\n" not in text
    assert f"snmp-server community {LEGACY_COMMUNITY} RO" in text
    assert " v3 " not in text
    assert "ip dhcp snooping\n" not in text
    assert " transport input telnet ssh" in text
    assert any(note.startswith("extra vlan") for note in first.drift)
    assert text != canonical_config(intended)


def test_brownfield_applies_cleanly_in_the_simulator() -> None:
    text = make_brownfield(sample_config("sw1"), "sw1").text
    ports = "\n".join(line for line in interfaces(text) if "Ethernet" in line)
    device = DeviceState("sw1", "C9300-48P", ports, SECRET)  # a blank box still has its ports
    cli = CliSession(device)
    for line in ["enable", SECRET, "configure terminal", *text.splitlines(), "end"]:
        assert "% Invalid" not in cli.handle_line(line).text, line
    assert blocks(device.running_config()) == blocks(text)


def test_fault_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("sw1:\n  reject_lines: ['ntp server .*']\n  slow_seconds: 0.5\n")
    faults = load_faults(path)
    assert faults["sw1"].rejects("ntp server 10.1.1.1")
    assert not faults["sw1"].rejects("logging host 10.1.1.1")
    assert Faults(reject_lines=("a(b",)).rejects("a(b")
    with pytest.raises(ValidationError):
        Faults.model_validate({"slow": 1})


def test_non_loopback_address_is_refused(make_spec: SpecFactory) -> None:
    with pytest.raises(ValidationError, match="loopback"):
        make_spec("sw1", host="10.0.0.1")


def test_addresses_are_assigned_sequentially(make_spec: SpecFactory) -> None:
    specs = assign_addresses([make_spec("a"), make_spec("b", host="127.10.0.2"), make_spec("c")])
    assert [spec.host for spec in specs] == [
        IPv4Address("127.10.0.1"),
        IPv4Address("127.10.0.2"),
        IPv4Address("127.10.0.3"),
    ]
    with pytest.raises(LabError, match="duplicate"):
        assign_addresses([make_spec("a"), make_spec("a")])


def test_credentials_come_from_the_environment(make_spec: SpecFactory) -> None:
    bare = make_spec("a", password=SecretStr(""), secret=SecretStr(""))
    env = {"ESTATE_SSH_USERNAME": "ops", "ESTATE_SSH_PASSWORD": "p", "ESTATE_ENABLE_SECRET": "s"}
    (spec,) = with_credentials([bare], env)
    assert (spec.username, spec.password.get_secret_value(), spec.secret.get_secret_value()) == (
        "ops", "p", "s")
    with pytest.raises(LabError, match="ESTATE_SSH_PASSWORD"):
        with_credentials([bare], {})


@pytest.mark.e2e
def test_detached_lab_up_status_down(tmp_path: Path, make_spec: SpecFactory) -> None:
    specs = [
        make_spec("det-1", password=SecretStr(""), secret=SecretStr(""), host="127.11.0.1"),
        make_spec("det-2", password=SecretStr(""), secret=SecretStr(""), host="127.11.0.2"),
    ]
    env = dict(os.environ, ESTATE_SSH_PASSWORD=PASSWORD, ESTATE_ENABLE_SECRET=SECRET)
    state = lab_up(specs, tmp_path, timeout=30, env=env)
    try:
        record = (tmp_path / LAB_JSON).read_text()
        assert PASSWORD not in record and SECRET not in record
        assert PASSWORD not in (tmp_path / "devices.json").read_text()
        assert json.loads(record)["devices"]["det-1"]["host"] == "127.11.0.1"
        status = lab_status(tmp_path)
        assert status.running and status.reachable == 2
        device = state.devices["det-2"]
        conn = ConnectHandler(device_type="cisco_xe", host=str(device.host), port=device.port,
                              username=device.username, password=PASSWORD, secret=SECRET)
        conn.enable()
        assert conn.find_prompt() == "det-2#"
        conn.disconnect()
        with pytest.raises(LabError, match="already running"):
            lab_up(specs, tmp_path, env=env)
    finally:
        assert lab_down(tmp_path) is Down.STOPPED
    assert not lab_status(tmp_path).running
    assert (tmp_path / "keys" / "det-1.key").stat().st_mode & 0o777 == 0o600


def test_spec_is_frozen(make_spec: SpecFactory) -> None:
    spec = make_spec("a")
    with pytest.raises(ValidationError):
        spec.hostname = "b"  # type: ignore[misc]
    assert isinstance(spec, LabDeviceSpec)
