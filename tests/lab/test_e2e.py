"""Real netmiko ``cisco_xe`` over real SSH to the in-process lab."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)

from estate.lab import Faults, LabHandle

pytestmark = pytest.mark.e2e

ERRORS = r"% Invalid|% Incomplete|% Ambiguous|% Unknown"


def connect(lab: LabHandle, hostname: str, **extra: Any) -> Any:
    return ConnectHandler(**lab.netmiko_params(hostname), conn_timeout=5, **extra)


@pytest.fixture
def healthy(lab: LabHandle) -> Iterator[str]:
    """sw-ok, put back to its start config after the test."""
    before = lab.running_config("sw-ok")
    yield "sw-ok"
    lab.set_running_config("sw-ok", before)
    lab.set_startup_config("sw-ok", before)


def test_show_run_equals_held_config(lab: LabHandle, healthy: str) -> None:
    conn = connect(lab, healthy)
    try:
        assert conn.find_prompt() == "sw-ok>"
        conn.enable()
        assert conn.find_prompt() == "sw-ok#"
        output = conn.send_command("show running-config")
    finally:
        conn.disconnect()
    header, _, rest = output.partition("bytes\n")
    assert header.startswith("Building configuration...")
    assert rest == lab.running_config(healthy) + "end\n"


def test_config_set_and_save(lab: LabHandle, healthy: str) -> None:
    conn = connect(lab, healthy)
    try:
        conn.enable()
        conn.send_config_set(
            [
                "interface GigabitEthernet1/0/3",
                " switchport access vlan 20",
                "exit",
                "no ntp server 10.1.1.1",
                "no vlan 70",
            ],
            error_pattern=ERRORS,
        )
        assert "switchport access vlan 20" not in lab.startup_config(healthy)
        assert "[OK]" in conn.save_config()
    finally:
        conn.disconnect()
    running = lab.running_config(healthy)
    assert "interface GigabitEthernet1/0/3\n switchport mode access\n switchport access vlan 20\n" in running
    assert "ntp server 10.1.1.1\n" not in running
    assert "vlan 70" not in running
    assert lab.startup_config(healthy) == running


def test_banner_lines(lab: LabHandle, healthy: str) -> None:
    conn = connect(lab, healthy)
    try:
        conn.enable()
        conn.send_config_set(["banner motd ^C", "Police systems", "^C"], cmd_verify=False)
    finally:
        conn.disconnect()
    assert "banner motd ^C\nPolice systems\n^C\n" in lab.running_config(healthy)


def test_refused_connection(lab: LabHandle) -> None:
    lab.set_faults("sw-refuse", Faults(refuse_connections=True))
    with pytest.raises(NetmikoTimeoutException, match="TCP connection to device failed"):
        connect(lab, "sw-refuse")
    lab.set_faults("sw-refuse", Faults())
    connect(lab, "sw-refuse").disconnect()


def test_bad_auth(lab: LabHandle) -> None:
    lab.set_faults("sw-auth", Faults(reject_auth=True))
    with pytest.raises(NetmikoAuthenticationException):
        connect(lab, "sw-auth")


def test_wrong_password(lab: LabHandle) -> None:
    params = lab.netmiko_params("sw-ok") | {"password": "wrong"}
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(**params, conn_timeout=5)


def test_rejected_line_keeps_earlier_lines(lab: LabHandle) -> None:
    lab.set_faults("sw-reject", Faults(reject_lines=(r"ntp server 10\.6\..*",)))
    conn = connect(lab, "sw-reject")
    try:
        conn.enable()
        with pytest.raises(ConfigInvalidException, match=r"ntp server 10\.6\.6\.6"):
            conn.send_config_set(
                ["ntp server 10.4.4.4", "ntp server 10.6.6.6", "ntp server 10.8.8.8"],
                error_pattern=ERRORS,
            )
        assert conn.check_config_mode()
    finally:
        conn.disconnect()
    running = lab.running_config("sw-reject")
    assert "ntp server 10.4.4.4" in running
    assert "10.6.6.6" not in running
    assert "10.8.8.8" not in running


def test_slow_device(lab: LabHandle) -> None:
    lab.set_faults("sw-slow", Faults(slow_seconds=0.3))
    conn = connect(lab, "sw-slow")
    try:
        conn.enable()
        start = time.monotonic()
        output = conn.send_command("show version")
        elapsed = time.monotonic() - start
    finally:
        conn.disconnect()
    assert "Version 17.9.4a" in output
    assert elapsed >= 0.3


def test_session_dropped_after_config_lines(lab: LabHandle) -> None:
    lab.set_faults("sw-drop", Faults(drop_after_config_lines=2))
    conn = connect(lab, "sw-drop")
    conn.enable()
    # paramiko reads EOF as "no data yet": netmiko gives up when the prompt never comes.
    with pytest.raises(ReadTimeout):
        conn.send_config_set(
            ["ntp server 10.4.4.1", "ntp server 10.4.4.2", "ntp server 10.4.4.3"],
            error_pattern=ERRORS,
            read_timeout=1,
        )
    assert not conn.is_alive()
    conn.disconnect()
    running = lab.running_config("sw-drop")
    # `configure terminal` is not a config line: the two lines after it are applied.
    assert "ntp server 10.4.4.1" in running
    assert "ntp server 10.4.4.3" not in running


def test_rotated_host_key_is_refused(lab: LabHandle, tmp_path: Path) -> None:
    trusted = tmp_path / "known_hosts"
    shutil.copy(lab.known_hosts, trusted)
    strict = {"ssh_strict": True, "system_host_keys": False, "alt_host_keys": True,
              "alt_key_file": str(trusted)}
    connect(lab, "sw-key", **strict).disconnect()
    lab.rotate_host_key("sw-key")
    with pytest.raises(NetmikoTimeoutException, match=r"(?i)host key"):
        connect(lab, "sw-key", **strict)
    fresh = strict | {"alt_key_file": str(lab.known_hosts)}
    connect(lab, "sw-key", **fresh).disconnect()
