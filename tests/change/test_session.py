"""The apply engine against the simulator's CLI without a socket: every line's reply and prompt
checked, navigation only from verified prompts, unknown answers and mode changes stop it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from estate.change.session import ApplyRejected, apply_lines, end_config, plan_items
from estate.change.transcript import Transcript
from estate.lab.ios_cli import CliSession, Reply
from tests.change.fake_device import device

RUNNING = "hostname SW1\ninterface GigabitEthernet1/0/1\n description old\n"


def quiet() -> Transcript:
    return Transcript(None, {})


def test_sections_are_entered_and_left_from_verified_prompts() -> None:
    conn = device(RUNNING)
    lines = ["interface GigabitEthernet1/0/1", "  description new", "  exit", "vlan 30", "vlan 20",
             "  name NEW", "  exit", "ip domain name example.net"]
    apply_lines(conn, lines, transcript=quiet(), secrets={}, timeout=1)
    # hier_config's exits are not typed; estate's own exit follows each verified section
    assert conn.typed == ["", "interface GigabitEthernet1/0/1", "  description new", "exit", "vlan 30", "exit",
                          "vlan 20", "  name NEW", "exit", "ip domain name example.net"]
    running = conn.cli.device.running_config()
    assert " description new" in running and "ip domain name example.net" in running


def test_a_refusal_in_an_unknown_form_stops_at_that_line() -> None:
    def refuse(cli: CliSession, line: str) -> Reply | None:
        if line.strip() == "ip domain name example.net":
            return Reply("Command rejected: domain locked by policy\r\n" + cli.prompt())
        return None

    conn = device(RUNNING, hook=refuse)
    lines = ["ip domain name example.net", "interface GigabitEthernet1/0/1", "  description new"]
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, lines, transcript=quiet(), secrets={}, timeout=1)
    assert caught.value.line_number == 1
    assert "Command rejected" in caught.value.reply
    assert conn.typed[-1] == "ip domain name example.net"  # nothing typed after it


def test_a_silent_drop_to_exec_stops_before_the_next_line() -> None:
    def drop(cli: CliSession, line: str) -> Reply | None:
        if line.strip() == "description new":
            cli.configuring = False
            cli.frames.clear()
            return Reply(cli.prompt())
        return None

    conn = device(RUNNING, hook=drop)
    lines = ["interface GigabitEthernet1/0/1", "  description new", "  exit", "enable secret 9 $9$abc"]
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, lines, transcript=quiet(), secrets={}, timeout=1)
    assert caught.value.line_number == 2
    assert caught.value.prompt == "SW1#"
    assert "EXEC" in caught.value.reason
    assert "enable secret 9 $9$abc" not in conn.typed and "exit" not in conn.typed


def test_a_percent_reply_is_a_rejection() -> None:
    conn = device(RUNNING)
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, ["frobnicate everything"], transcript=quiet(), secrets={}, timeout=1)
    assert "% Invalid input" in caught.value.reply


def test_a_child_typed_outside_its_section_is_caught() -> None:
    """The parent answered cleanly but the device stayed at (config): its children would be
    typed at the top level."""

    def no_submode(cli: CliSession, line: str) -> Reply | None:
        return Reply(cli.prompt()) if line.startswith("interface") else None

    conn = device(RUNNING, hook=no_submode)
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, ["interface GigabitEthernet1/0/1", "  shutdown"], transcript=quiet(), secrets={},
                    timeout=1)
    assert caught.value.line_number == 1
    assert "sub-mode" in caught.value.reason
    assert "  shutdown" not in conn.typed


def test_a_line_that_leaves_its_section_is_caught() -> None:
    def pop(cli: CliSession, line: str) -> Reply | None:
        if line.strip() == "description new":
            cli.frames.clear()
            return Reply(cli.prompt())
        return None

    conn = device(RUNNING, hook=pop)
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, ["interface GigabitEthernet1/0/1", "  description new", "  shutdown"],
                    transcript=quiet(), secrets={}, timeout=1)
    assert caught.value.line_number == 2 and "(config)" in caught.value.reason


def test_no_prompt_is_a_rejection_after_the_timeout() -> None:
    def silent(_cli: CliSession, line: str) -> Reply | None:
        return Reply("") if line.strip() == "ip domain name example.net" else None

    conn = device(RUNNING, hook=silent)
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, ["ip domain name example.net"], transcript=quiet(), secrets={}, timeout=0.05)
    assert caught.value.prompt == "" and "no prompt" in caught.value.reason


def test_it_refuses_to_start_outside_global_configuration() -> None:
    conn = device(RUNNING, configuring=False)
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, ["ip domain name example.net"], transcript=quiet(), secrets={}, timeout=1)
    assert caught.value.line_number == 0
    assert conn.typed == [""]


def test_known_notices_are_accepted_and_others_are_not() -> None:
    conn = device(RUNNING)
    apply_lines(conn, ["default interface GigabitEthernet1/0/1"], transcript=quiet(), secrets={}, timeout=1)

    def chatty(cli: CliSession, line: str) -> Reply | None:
        if line.strip() == "default interface GigabitEthernet1/0/1":
            cli.handle_line(line)
            return Reply("Interface GigabitEthernet1/0/1 set to default configuration\r\n% but not quite\r\n"
                         + cli.prompt())
        return None

    with pytest.raises(ApplyRejected):
        apply_lines(device(RUNNING, hook=chatty), ["default interface GigabitEthernet1/0/1"], transcript=quiet(),
                    secrets={}, timeout=1)


def test_banners_and_a_new_hostname() -> None:
    conn = device(RUNNING)
    lines = ["banner motd ^C", "Authorised use only", "^C", "hostname SW1-NEW", "ip domain name example.net"]
    apply_lines(conn, lines, transcript=quiet(), secrets={}, timeout=1)
    running = conn.cli.device.running_config()
    assert "hostname SW1-NEW" in running and "Authorised use only" in running and "ip domain name" in running
    end_config(conn, quiet())
    assert not conn.cli.configuring


def test_plan_items_group_banners_and_see_children() -> None:
    items = plan_items(["policy-map X", "  class Y", "    police 1000", "    exit", "  exit",
                        "banner login ^C", "text", "^C", "vlan 30"])
    assert [(i.number, i.depth, i.has_children, i.banner) for i in items] == [
        (1, 0, True, False), (2, 1, True, False), (3, 2, False, False), (6, 0, False, True), (9, 0, False, False)]


def test_transcript_is_masked_private_and_names_the_last_line(tmp_path: Path) -> None:
    path = tmp_path / "run" / "SW1.transcript"
    conn = device(RUNNING)
    with Transcript(path, {"ENABLE_SECRET": "s3cr3t-value"}) as transcript:
        apply_lines(conn, ["enable secret ${ENABLE_SECRET}", "ip domain name example.net"],
                    transcript=transcript, secrets={"ENABLE_SECRET": "s3cr3t-value"}, timeout=1)
        assert transcript.last_line_sent == "ip domain name example.net"
    text = path.read_text()
    assert "enable secret" in conn.cli.device.running_config()
    assert "s3cr3t-value" not in text and "enable secret" in text
    assert "> ip domain name example.net" in text and "< " in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_exit_that_lands_elsewhere_stops_the_apply() -> None:
    def exit_to_exec(cli: CliSession, line: str) -> Reply | None:
        if line == "exit":
            cli.configuring = False
            cli.frames.clear()
            return Reply(cli.prompt())
        return None

    conn = device(RUNNING, hook=exit_to_exec)
    with pytest.raises(ApplyRejected) as caught:
        apply_lines(conn, ["interface GigabitEthernet1/0/1", "  description new", "  exit", "vlan 30"],
                    transcript=quiet(), secrets={}, timeout=1)
    assert caught.value.line == "exit" and caught.value.line_number == 4
    assert "vlan 30" not in conn.typed


def test_a_message_before_the_first_line_stops_it() -> None:
    def nag(cli: CliSession, line: str) -> Reply | None:
        return Reply("% configuration locked by another session\r\n" + cli.prompt()) if line == "" else None

    with pytest.raises(ApplyRejected) as caught:
        apply_lines(device(RUNNING, hook=nag), ["vlan 30"], transcript=quiet(), secrets={}, timeout=1)
    assert caught.value.line_number == 0 and "locked" in caught.value.reply
