"""The revert timer on a fake clock, the refusals and fault validation, without SSH."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.lab import Faults, LabError, load_faults
from estate.lab.archive import NO_ARCHIVE, NOT_PENDING
from estate.lab.ios_cli import INVALID_INPUT, CliSession, DeviceState
from estate.lab.platform import padded, train, uptime_words
from tests.lab import site_configs
from tests.lab.conftest import SECRET


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def device(clock: Clock) -> DeviceState:
    state = DeviceState("acc1", "C9300-48P", site_configs.ACCESS.format(hostname="acc1"), SECRET)
    state.clock = clock
    return state


def session(device: DeviceState, faults: Faults | None = None) -> CliSession:
    cli = CliSession(device, faults=lambda: faults or Faults())
    for line in ("enable", SECRET):
        cli.handle_line(line)
    return cli


def run(cli: CliSession, *lines: str) -> str:
    return "".join(cli.handle_line(line).text for line in lines)


def test_revert_on_expiry_of_the_clock(device: DeviceState, clock: Clock) -> None:
    before = device.running_config()
    cli = session(device)
    banner = run(cli, "configure terminal revert timer 2")
    assert banner.endswith("acc1(config)#")
    run(cli, "ntp server 10.5.5.5", "end")
    clock.now += 119
    assert "ntp server 10.5.5.5" in device.running_config()
    assert "Time remaining: 00:01" in run(cli, "show archive config rollback timer")
    clock.now += 1
    assert device.running_config() == before
    assert NOT_PENDING in run(cli, "show archive config rollback timer")


def test_second_timed_session_keeps_the_first_snapshot(device: DeviceState, clock: Clock) -> None:
    before = device.running_config()
    cli = session(device)
    run(cli, "configure terminal revert timer 1", "ntp server 10.5.5.5", "end")
    run(cli, "configure terminal revert timer 3", "ntp server 10.5.5.6", "end")
    clock.now += 61
    assert "ntp server 10.5.5.6" in device.running_config()  # the timer was restarted
    clock.now += 120
    assert device.running_config() == before


def test_revert_takes_away_the_section_a_session_is_in(device: DeviceState, clock: Clock) -> None:
    cli = session(device)
    run(cli, "configure terminal revert timer 1", "interface Loopback7")
    clock.now += 60
    reply = cli.handle_line(" description gone").text  # typed in a section that no longer exists
    assert INVALID_INPUT in reply and reply.endswith("acc1(config)#")
    assert "Loopback7" not in device.running_config()


@pytest.mark.parametrize("line", ["configure terminal revert timer 0", "configure terminal revert timer 121",
                                  "configure terminal revert timer x", "configure terminal revert later 5",
                                  "configure revert later"])
def test_timer_values_and_words_are_checked(device: DeviceState, line: str) -> None:
    cli = session(device)
    assert INVALID_INPUT in run(cli, line)
    assert device.pending is None and cli.prompt() == "acc1#"


def test_revert_commands_with_nothing_pending(device: DeviceState) -> None:
    cli = session(device)
    for line in ("configure confirm", "configure revert now", "configure revert timer 5"):
        assert run(cli, line) == f"{NOT_PENDING}\r\nacc1#"


def test_archive_path_is_required(device: DeviceState) -> None:
    cli = session(device)
    run(cli, "configure terminal", "no archive", "end")
    assert run(cli, "configure terminal revert timer 5") == f"{NO_ARCHIVE}\r\nacc1#"


def test_master_key_in_a_start_config_is_held_not_shown() -> None:
    text = site_configs.ACCESS.format(hostname="acc1") + "key config-key password-encrypt K1\n"
    state = DeviceState("acc1", "C9300-48P", text.replace(" key 6 AAAAPreviouslyEncryptedKeyAAB", " key 0 Plain-1"),
                        SECRET)
    assert state.master_key and "config-key" not in state.running_config()
    assert "Plain-1" not in state.running_config()


def test_faults_file_validates_new_faults(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("acc1:\n  reject_with: {line_regex: 'ip address .*', reply: 'Command rejected: Bad mask'}\n"
                    "  drop_after_change: {member: Te1/1/1}\n  refuse_connections_for: 20\n")
    faults = load_faults(path)["acc1"]
    assert faults.rejection("ip address 1.1.1.1 255.255.255.255") == "Command rejected: Bad mask"
    assert faults.rejection("ntp server 1.1.1.1") is None
    path.write_text("acc1:\n  exit_to_exec_after: 'ntp ('\n")
    with pytest.raises(LabError, match=r"acc1: exit_to_exec_after: .*not a valid regular expression"):
        load_faults(path)
    path.write_text("acc1:\n  drop_after_change: {port: Te1/1/1}\n")
    with pytest.raises(LabError, match=r"acc1: drop_after_change\.port"):
        load_faults(path)
    path.write_text("acc1:\n  revert_minute_seconds: 0\n")
    with pytest.raises(LabError, match=r"acc1: revert_minute_seconds"):
        load_faults(path)


def test_version_words() -> None:
    assert padded("17.9.4a") == "17.09.04a" and padded("16.12.5") == "16.12.05"
    assert train("16.12.5") == "Gibraltar" and train("17.10.1") == "Cupertino"
    assert uptime_words(59) == "0 minutes"
    assert uptime_words(86400 + 3660) == "1 day, 1 hour, 1 minute"
