"""The IOS-XE CLI state machine, without SSH."""

from __future__ import annotations

import pytest

from estate.lab.config_tree import canonical_config
from estate.lab.faults import Faults
from estate.lab.ios_cli import INVALID_INPUT, CliSession, DeviceState
from tests.lab.conftest import SECRET, sample_config


@pytest.fixture
def device() -> DeviceState:
    return DeviceState("sw1", "C9300-48P", sample_config("sw1"), SECRET)


@pytest.fixture
def cli(device: DeviceState) -> CliSession:
    return CliSession(device)


def run(cli: CliSession, *lines: str) -> str:
    return "".join(cli.handle_line(line).text for line in lines)


def configure(cli: CliSession, *lines: str) -> str:
    run(cli, "enable", SECRET, "configure terminal")
    return run(cli, *lines, "end")


def test_prompts_follow_modes(cli: CliSession) -> None:
    assert cli.prompt() == "sw1>"
    assert cli.handle_line("enable").text == "Password: "
    assert not cli.echo
    assert cli.handle_line(SECRET).text == "sw1#"
    assert cli.echo
    banner = cli.handle_line("conf t").text
    assert banner == "Enter configuration commands, one per line.  End with CNTL/Z.\r\nsw1(config)#"
    assert cli.handle_line("interface Gi1/0/1").text == "sw1(config-if)#"
    assert cli.handle_line("exit").text == "sw1(config)#"
    assert cli.handle_line("vlan 30").text == "sw1(config-vlan)#"
    assert cli.handle_line("line vty 0 4").text == "sw1(config-line)#"
    assert cli.handle_line("end").text == "sw1#"
    assert cli.handle_line("disable").text == "sw1>"


@pytest.mark.parametrize(
    ("header", "mode"),
    [
        ("router ospf 1", "config-router"),
        ("ip access-list standard MGMT", "config-std-nacl"),
        ("ip access-list extended WEB", "config-ext-nacl"),
        ("class-map match-any VOICE", "config-cmap"),
        ("policy-map QOS", "config-pmap"),
        ("wireless profile flex FLEX-1", "config-wireless-flex-profile"),
        ("wireless profile policy POL-1", "config-wireless-policy"),
        ("wireless tag site SITE-1", "config-site-tag"),
        ("wireless tag policy PT-1", "config-policy-tag"),
        ("ap profile AP-1", "config-ap-profile"),
        ("wlan CORP 1 CORP", "config-wlan"),
        ("aaa group server tacacs+ TAC", "config-sg-tacacs+"),
        ("aaa group server radius RAD", "config-sg-radius"),
        ("tacacs server TAC1", "config-server-tacacs"),
        ("radius server RAD1", "config-radius-server"),
        ("ap filter FILTER-1", "config-ap-filter"),
    ],
)
def test_section_sub_modes(cli: CliSession, header: str, mode: str) -> None:
    run(cli, "enable", SECRET, "configure terminal")
    assert cli.handle_line(header).text == f"sw1({mode})#"


def test_policy_map_class_is_nested(cli: CliSession, device: DeviceState) -> None:
    out = configure(cli, "policy-map QOS", " class VOICE", "  priority level 1")
    assert INVALID_INPUT not in out
    assert "policy-map QOS\n class VOICE\n  priority level 1\n" in device.running_config()


def test_show_running_config_prints_held_config(cli: CliSession, device: DeviceState) -> None:
    out = run(cli, "enable", SECRET, "terminal length 0", "show running-config")
    text = out.replace("\r\n", "\n")
    body = device.running_config()
    assert f"Building configuration...\n\nCurrent configuration : {len(body) + 4} bytes\n" in text
    assert text.endswith(body + "end\n\nsw1#")


def test_running_config_is_canonical(device: DeviceState) -> None:
    assert device.stored_config() == canonical_config(sample_config("sw1"))
    assert canonical_config(device.stored_config()) == device.stored_config()
    user = "snmp-server user estate estate v3 auth sha AUTHKEY priv aes 128 PRIVKEY\n"
    assert device.running_config() == device.stored_config().replace(user, "")


def test_remediation_lines_apply(cli: CliSession, device: DeviceState) -> None:
    out = configure(
        cli,
        "interface GigabitEthernet1/0/3",
        " switchport access vlan 20",
        " description printer",
        "exit",
        "no ntp server 10.1.1.1",
        "ntp server 10.9.9.9",
        "no vlan 70",
        "interface Gi1/0/1",
        " switchport access vlan 20",
        " no spanning-tree portfast",
    )
    assert INVALID_INPUT not in out
    config = device.running_config()
    assert "interface GigabitEthernet1/0/3\n description printer\n switchport mode access\n" \
        " switchport access vlan 20\n" in config
    assert "ntp server 10.1.1.1" not in config
    assert "ntp server 10.1.1.2\nntp server 10.9.9.9\n" in config
    assert "vlan 70" not in config
    assert " switchport access vlan 20\n switchport mode access\n spanning-tree bpduguard" in config


def test_top_level_command_leaves_sub_mode(cli: CliSession, device: DeviceState) -> None:
    run(cli, "enable", SECRET, "configure terminal", "interface Gi1/0/2")
    assert cli.handle_line("ntp server 10.7.7.7").text == "sw1(config)#"
    assert cli.handle_line("description stays global?").text.endswith("sw1(config)#")
    assert "ntp server 10.7.7.7" in device.running_config()


def test_interface_ip_child_versus_global_ip(cli: CliSession, device: DeviceState) -> None:
    run(cli, "enable", SECRET, "configure terminal", "interface Gi1/0/2")
    assert cli.handle_line("ip dhcp snooping trust").text == "sw1(config-if)#"
    assert cli.handle_line("ip dhcp snooping vlan 30").text == "sw1(config)#"
    assert "interface GigabitEthernet1/0/2\n description desk-2" in device.running_config()
    assert " ip dhcp snooping trust\n" in device.running_config()


def test_no_section_header_removes_section(cli: CliSession, device: DeviceState) -> None:
    configure(cli, "no interface Vlan10", "no banner login")
    assert "interface Vlan10" not in device.running_config()
    assert "banner login" not in device.running_config()


def test_default_interface_resets_to_header(cli: CliSession, device: DeviceState) -> None:
    out = configure(cli, "default interface Gi1/0/1")
    assert "Interface GigabitEthernet1/0/1 set to default configuration" in out
    assert "interface GigabitEthernet1/0/1\n!\n" in device.running_config()


def test_single_valued_replaces_multi_valued_appends(cli: CliSession, device: DeviceState) -> None:
    configure(cli, "hostname core-9", "logging host 10.1.1.6", "interface Gi1/0/48",
              " switchport trunk allowed vlan 10,20,30", " description new-uplink")
    config = device.running_config()
    assert config.startswith("hostname core-9\n")
    assert cli.prompt() == "core-9#"
    assert "logging host 10.1.1.5\nlogging host 10.1.1.6\n" in config
    assert config.count("switchport trunk allowed vlan") == 1
    assert " description new-uplink\n switchport mode trunk\n" in config


def test_negation_of_default_on_command_is_shown(cli: CliSession, device: DeviceState) -> None:
    configure(cli, "no ip http server", "ip domain lookup")
    config = device.running_config()
    assert "no ip http server" in config
    assert "ip domain lookup" not in config


def test_invalid_input_has_caret_under_the_word(cli: CliSession) -> None:
    run(cli, "enable", SECRET, "configure terminal")
    text = cli.handle_line("flurb 1 2").text
    assert text == (
        " " * len("sw1(config)#") + "^\r\n" + INVALID_INPUT + "\r\n\r\nsw1(config)#"
    )
    run(cli, "end")
    text = cli.handle_line("show flurb").text
    assert text.startswith(" " * len("sw1#show ") + "^\r\n% Invalid input")


def test_physical_interface_must_exist(cli: CliSession) -> None:
    run(cli, "enable", SECRET, "configure terminal")
    assert INVALID_INPUT in cli.handle_line("interface Gi1/0/49").text
    assert cli.handle_line("interface Vlan20").text == "sw1(config-if)#"


def test_strict_mode_rejects_garbage_child(cli: CliSession) -> None:
    run(cli, "enable", SECRET, "configure terminal", "interface Gi1/0/1")
    assert INVALID_INPUT in cli.handle_line(" bogus-word 1").text


def test_user_mode_cannot_configure(cli: CliSession) -> None:
    assert INVALID_INPUT in cli.handle_line("configure terminal").text


def test_wrong_enable_secret_is_refused(cli: CliSession) -> None:
    run(cli, "enable")
    assert cli.handle_line("nope").text == "% Access denied\r\n\r\nsw1>"


def test_multi_line_banner(cli: CliSession, device: DeviceState) -> None:
    run(cli, "enable", SECRET, "configure terminal")
    assert "End with the character '^C'." in cli.handle_line("banner motd ^C").text
    assert cli.handle_line("Line one").text == ""
    assert cli.handle_line("Line two").text == ""
    assert cli.handle_line("^C").text == "sw1(config)#"
    assert "banner motd ^C\nLine one\nLine two\n^C\n" in device.running_config()
    cli.handle_line("banner exec #Welcome#")
    assert "banner exec #Welcome#\n" in device.running_config()


def test_write_memory_and_copy_save_startup(cli: CliSession, device: DeviceState) -> None:
    configure(cli, "ntp server 10.5.5.5")
    assert "ntp server 10.5.5.5" not in device.startup_config()
    assert run(cli, "write mem") == "Building configuration...\r\n[OK]\r\nsw1#"
    assert "ntp server 10.5.5.5" in device.startup_config()
    configure(cli, "no ntp server 10.5.5.5")
    assert cli.handle_line("copy running-config startup-config").text == (
        "Destination filename [startup-config]? "
    )
    assert "[OK]" in cli.handle_line("").text
    assert device.startup_config() == device.running_config()
    shown = run(cli, "show startup-config").replace("\r\n", "\n")
    assert device.startup_config() + "end\n" in shown


def test_show_version_and_clock(cli: CliSession) -> None:
    version = cli.handle_line("show version").text
    assert "Cisco IOS XE Software, Version 17.09.04a\r\n" in version
    assert "(CAT9K_IOSXE), Version 17.9.4a, RELEASE SOFTWARE (fc3)" in version
    assert "Model Number                       : C9300-48P" in version
    assert " UTC " in cli.handle_line("show clock").text


def test_show_pipe_include(cli: CliSession) -> None:
    run(cli, "enable", SECRET)
    out = run(cli, "show running-config | include ntp")
    assert out == "ntp server 10.1.1.1\r\nntp server 10.1.1.2\r\nsw1#"


def test_reject_hook_refuses_line(device: DeviceState) -> None:
    cli = CliSession(device, faults=lambda: Faults(reject_lines=("ntp .*",)))
    out = configure(cli, "ntp server 10.3.3.3")
    assert INVALID_INPUT in out
    assert "10.3.3.3" not in device.running_config()


def test_exit_closes_session(cli: CliSession) -> None:
    assert cli.handle_line("exit").close
