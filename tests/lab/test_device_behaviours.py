"""IOS-XE behaviours the push must cope with, through real netmiko over SSH: the revert timer,
show version and operational shows parsed with ntc-templates, refused lines, encrypted keys,
write-only lines, and the faults that break a change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import NetmikoTimeoutException, ReadTimeout

from estate.lab import Faults, LabHandle, running_lab
from estate.lab.archive import NO_ARCHIVE, NOT_PENDING
from estate.lab.encryption import type6
from estate.lab.faults import DropAfterChange, ReportPlatform
from tests.lab import site_configs
from tests.lab.conftest import SpecFactory

pytestmark = pytest.mark.e2e

MINUTE = 0.4  # seconds per revert-timer minute in these tests
DEVICES = {
    "acc1": ("C9300-48P", site_configs.ACCESS),
    "core1": ("C9500-48Y4C", site_configs.CORE),
    "wlc1": ("C9800-40-K9", site_configs.WLC),
    "bare1": ("C9300-48P", site_configs.NO_ARCHIVE),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, make_spec: SpecFactory) -> Iterator[LabHandle]:
    specs = [
        make_spec(name, model=model, config_text=text.format(hostname=name), master_key=name != "bare1",
                  aps=("SITE-AP99",) if name == "wlc1" else ())
        for name, (model, text) in DEVICES.items()
    ]
    state_dir: Path = tmp_path_factory.mktemp("site")
    with running_lab(specs, state_dir) as handle:
        yield handle


@pytest.fixture(autouse=True)
def fresh(site: LabHandle) -> Iterator[None]:
    """Every device back to its start config and fault-free after each test."""
    before = {name: site.device(name).stored_config() for name in DEVICES}
    for name in DEVICES:
        site.set_faults(name, Faults(revert_minute_seconds=MINUTE))
    yield
    for name, text in before.items():
        site.set_faults(name, Faults())
        site.device(name).pending = None
        site.set_running_config(name, text)


def connect(lab: LabHandle, hostname: str, **extra: Any) -> Any:
    conn = ConnectHandler(**(lab.netmiko_params(hostname) | {"conn_timeout": 5} | extra))
    conn.enable()
    return conn


def send(lab: LabHandle, hostname: str, lines: list[str], **extra: Any) -> str:
    conn = connect(lab, hostname)
    try:
        output: str = conn.send_config_set(lines, **extra)
        return output
    finally:
        conn.disconnect()


def timed_change(conn: Any, lines: list[str], minutes: int = 1) -> str:
    output: str = conn.send_config_set(lines, config_mode_command=f"configure terminal revert timer {minutes}")
    return output


def parsed(lab: LabHandle, hostname: str, command: str) -> list[dict[str, Any]]:
    conn = connect(lab, hostname)
    try:
        result = conn.send_command(command, use_textfsm=True)
    finally:
        conn.disconnect()
    assert isinstance(result, list), f"{command} did not parse: {result!r}"
    return result


def test_revert_timer_expiry_restores_the_config(site: LabHandle) -> None:
    before = site.running_config("acc1")
    conn = connect(site, "acc1")
    try:
        timed_change(conn, ["ntp server 10.7.7.7", "interface Vlan10", " shutdown"])
        assert "ntp server 10.7.7.7" in site.running_config("acc1")
        assert "Timer value: 1 min" in conn.send_command("show archive config rollback timer")
    finally:
        conn.disconnect()
    time.sleep(MINUTE + 0.3)  # nobody looks at the device: the server's ticker reverts it
    assert site.device("acc1").pending is None
    assert site.running_config("acc1") == before


def test_configure_confirm_keeps_the_change(site: LabHandle) -> None:
    conn = connect(site, "acc1")
    try:
        timed_change(conn, ["ntp server 10.7.7.8"])
        assert conn.send_command("configure confirm").strip() == ""
        assert conn.send_command("show archive config rollback timer").strip() == NOT_PENDING
        assert conn.send_command("configure confirm").strip() == NOT_PENDING
    finally:
        conn.disconnect()
    time.sleep(MINUTE + 0.3)
    assert "ntp server 10.7.7.8" in site.running_config("acc1")


def test_configure_revert_now_and_timer_restart(site: LabHandle) -> None:
    before = site.running_config("acc1")
    conn = connect(site, "acc1")
    try:
        timed_change(conn, ["ntp server 10.7.7.9"])
        assert conn.send_command("configure revert timer 5").strip() == ""
        time.sleep(MINUTE + 0.3)  # past the first deadline: the restarted timer holds
        assert "ntp server 10.7.7.9" in site.running_config("acc1")
        output = conn.send_command("configure revert now")
        assert "Rolling to:flash:estate-archive/acc1-" in output and "Rollback Done" in output
    finally:
        conn.disconnect()
    assert site.running_config("acc1") == before


def test_revert_timer_needs_the_archive(site: LabHandle) -> None:
    conn = connect(site, "bare1")
    try:
        output = conn.send_command_timing("configure terminal revert timer 5")
        assert NO_ARCHIVE in output
        assert conn.find_prompt() == "bare1#"
        assert site.device("bare1").pending is None
    finally:
        conn.disconnect()


@pytest.mark.parametrize(
    ("hostname", "fault", "expected"),
    [
        ("acc1", None, ("C9300-48P", "17.9.4a", "CAT9K_IOSXE")),
        ("core1", None, ("C9500-48Y4C", "17.9.4a", "CAT9K_IOSXE")),
        ("wlc1", None, ("C9800-40-K9", "17.9.4a", "C9800_IOSXE-K9")),
        ("acc1", ReportPlatform(model="C9200CX-12P", software="16.12.5"),
         ("C9200CX-12P", "16.12.5", "CAT9K_LITE_IOSXE")),
    ],
)
def test_show_version_parses_with_textfsm(site: LabHandle, hostname: str, fault: ReportPlatform | None,
                                          expected: tuple[str, str, str]) -> None:
    hardware, version, image = expected
    site.set_faults(hostname, Faults(report_platform=fault))
    (facts,) = parsed(site, hostname, "show version")
    assert facts["hostname"] == hostname
    assert facts["version"] == version
    assert facts["software_image"] == image
    assert facts["hardware"][0] == hardware
    assert facts["serial"][0] == site.device(hostname).serial
    assert facts["uptime_minutes"] != ""


def test_operational_shows_follow_the_config(site: LabHandle) -> None:
    (channel,) = parsed(site, "acc1", "show etherchannel summary")
    assert (channel["bundle_name"], channel["bundle_status"], channel["bundle_protocol"]) == ("Po1", "SU", "LACP")
    assert list(zip(channel["member_interface"], channel["member_interface_status"], strict=True)) == [
        ("Te1/1/1", "P"), ("Te1/1/2", "P")]
    neighbours = {(row["local_interface"], row["neighbor_name"], row["neighbor_interface"])
                  for row in parsed(site, "acc1", "show cdp neighbors")}
    assert ("Ten 1/1/1", "core1.lab.example", "Ten 1/1/3") in neighbours
    assert ("Ten 1/1/2", "core1.lab.example", "Ten 1/1/4") in neighbours
    assert ("Gig 1/0/1", "SITE-AP01", "Gig 0") in neighbours
    core_rows = parsed(site, "core1", "show cdp neighbors")
    core_side = {(row["local_interface"], row["neighbor_interface"]) for row in core_rows}
    assert core_side == {("Ten 1/1/3", "Ten 1/1/1"), ("Ten 1/1/4", "Ten 1/1/2")}
    power_rows = parsed(site, "acc1", "show power inline")
    power = {row["interface"]: (row["operational_status"], row["power"]) for row in power_rows}
    assert power == {"Gi1/0/1": ("on", "25.5"), "Gi1/0/2": ("on", "6.3"), "Gi1/0/3": ("off", "0.0")}
    status = {row["port"]: row["status"] for row in parsed(site, "acc1", "show interfaces status")}
    assert status["Te1/1/1"] == "connected" and status["Gi1/0/3"] == "disabled"
    aps = [row["ap_name"] for row in parsed(site, "wlc1", "show ap summary")]
    assert aps == ["SITE-AP01", "SITE-AP99"]


def test_shutting_a_member_unbundles_it_on_both_ends(site: LabHandle) -> None:
    send(site, "core1", ["interface TenGigabitEthernet1/1/4", " shutdown"])
    (channel,) = parsed(site, "acc1", "show etherchannel summary")
    assert channel["member_interface_status"] == ["P", "D"]
    assert len(parsed(site, "core1", "show cdp neighbors")) == 1


def test_drop_after_change_fault(site: LabHandle) -> None:
    site.set_faults("acc1", Faults(drop_after_change=DropAfterChange(member="Te1/1/1")))
    site.set_faults("wlc1", Faults(drop_after_change=DropAfterChange(aps=1)))
    assert parsed(site, "acc1", "show etherchannel summary")[0]["member_interface_status"] == ["P", "P"]
    assert len(parsed(site, "wlc1", "show ap summary")) == 2
    before = site.running_config("acc1")
    send(site, "acc1", ["ntp server 10.7.7.10"])
    send(site, "wlc1", ["ntp server 10.7.7.10"])
    assert parsed(site, "acc1", "show etherchannel summary")[0]["member_interface_status"] == ["D", "P"]
    assert {row["local_interface"] for row in parsed(site, "core1", "show cdp neighbors")} == {"Ten 1/1/4"}
    assert len(parsed(site, "wlc1", "show ap summary")) == 1
    send(site, "acc1", ["no ntp server 10.7.7.10"])  # the change undone: the link comes back
    assert site.running_config("acc1") == before
    assert parsed(site, "acc1", "show etherchannel summary")[0]["member_interface_status"] == ["P", "P"]


def test_no_vlan_1_is_refused(site: LabHandle) -> None:
    output = send(site, "acc1", ["no vlan 1", "no vlan 1-5"])
    assert output.count("%Default VLAN 1 may not be deleted.") == 2


def test_key_0_is_held_as_type_6_per_device(site: LabHandle) -> None:
    lines = ["tacacs server ISE-2", " address ipv4 10.0.0.12", " key 0 Clear-Key-1"]
    shown = {}
    for name in ("acc1", "core1"):
        send(site, name, lines)
        conn = connect(site, name)
        try:
            shown[name] = conn.send_command("show running-config | section tacacs server ISE-2")
        finally:
            conn.disconnect()
        assert f" key 6 {type6(name, 'Clear-Key-1')}" in shown[name]
        assert "Clear-Key-1" not in shown[name]
    assert shown["acc1"] != shown["core1"]
    send(site, "bare1", ["password encryption aes", *lines])  # no master key: nothing to encrypt with
    assert " key 0 Clear-Key-1" in site.running_config("bare1")


def test_write_only_lines_are_never_shown(site: LabHandle) -> None:
    user = "snmp-server user nms NMS-RO v3 auth sha Auth-Pass-1 priv aes 128 Priv-Pass-1"
    send(site, "bare1", ["snmp-server group NMS-RO v3 priv", user, "key config-key password-encrypt Master-Key-1",
                         "password encryption aes", "tacacs server ISE-3", " key 0 Clear-Key-3"])
    shown = site.running_config("bare1")
    assert "snmp-server group NMS-RO v3 priv" in shown
    assert "snmp-server user" not in shown and "Master-Key-1" not in shown and "config-key" not in shown
    assert user in site.device("bare1").stored_config()
    assert f"key 6 {type6('bare1', 'Clear-Key-3')}" in shown  # the master key just typed is in use


def test_reject_with_fault(site: LabHandle) -> None:
    reply = "Command rejected: Bad mask /33 for address"
    site.set_faults("acc1", Faults.model_validate({"reject_with": {"line_regex": r"ip address .*", "reply": reply}}))
    conn = connect(site, "acc1")
    try:
        output = conn.send_config_set(["interface Vlan10", " ip address 10.9.9.9 255.255.255.255", " description x"],
                                      exit_config_mode=False)
        assert reply in output
        assert conn.find_prompt() == "acc1(config-if)#"
    finally:
        conn.disconnect()
    running = site.running_config("acc1")
    assert "10.9.9.9" not in running and " description x" in running


def test_exit_to_exec_after_fault(site: LabHandle) -> None:
    site.set_faults("acc1", Faults(exit_to_exec_after=r"ntp server 10\.8\.8\.8"))
    conn = connect(site, "acc1")
    try:
        conn.config_mode()
        first = conn.send_command("ntp server 10.8.8.8", expect_string=r"#", strip_prompt=False)
        assert first.rstrip().endswith("acc1#")
        second = conn.send_command("ntp server 10.8.8.9", expect_string=r"#", strip_prompt=False)
        assert "% Invalid input detected" in second
    finally:
        conn.disconnect()
    running = site.running_config("acc1")
    assert "ntp server 10.8.8.8" in running and "10.8.8.9" not in running


@pytest.mark.parametrize("mode", ["blackhole", "refuse"])
def test_cut_management_until_the_revert_timer_restores(site: LabHandle, mode: Literal["blackhole", "refuse"]) -> None:
    site.set_faults("acc1", Faults(cut_management_after=r" ?shutdown", cut_management_mode=mode,
                                   revert_minute_seconds=1.5))
    before = site.running_config("acc1")
    conn = connect(site, "acc1")
    with pytest.raises(ReadTimeout):
        conn.send_config_set(["interface Vlan10", " shutdown", " description after"], read_timeout=0.5,
                             config_mode_command="configure terminal revert timer 1")
    assert " description after" not in site.running_config("acc1")  # nothing after the cut arrived
    with pytest.raises(NetmikoTimeoutException):
        connect(site, "acc1", conn_timeout=0.5, banner_timeout=0.5, auth_timeout=0.5)
    conn.remote_conn_pre.close()  # a polite disconnect would wait on the dead session
    time.sleep(1.8)  # the device reverts on its own and the path is back
    assert site.running_config("acc1") == before
    connect(site, "acc1").disconnect()


def test_refuse_connections_for_fault(site: LabHandle) -> None:
    site.set_faults("acc1", Faults(refuse_connections_for=1.5))
    send(site, "acc1", ["ntp server 10.7.7.11"])  # the session that changed the device closes
    start = time.monotonic()
    time.sleep(0.2)  # the server hears of the close a moment after the client has left
    with pytest.raises(NetmikoTimeoutException, match="TCP connection to device failed"):
        connect(site, "acc1", conn_timeout=1)
    while time.monotonic() - start < 3.0:
        try:
            connect(site, "acc1", conn_timeout=1).disconnect()
            break
        except NetmikoTimeoutException:
            time.sleep(0.2)
    else:
        pytest.fail("connections still refused after the window")
    assert time.monotonic() - start >= 1.2
    send(site, "acc1", ["no ntp server 10.7.7.11"])  # once per fault setting: no second window
    connect(site, "acc1", conn_timeout=1).disconnect()
