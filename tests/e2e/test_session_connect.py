"""Each connection failure gets its own outcome and a one-line message naming the device, its
address and port, through real netmiko against the simulator; and the apply engine over SSH:
a refused line is caught by its reply and prompt, and what it costs per line."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from estate.change.connections import ConnectFailure, DeviceAccess, classify
from estate.change.fetch import ConnectSettings, Credentials, connect
from estate.change.session import ApplyRejected, apply_lines, end_config
from estate.change.transcript import Transcript
from estate.cli.review import lab_addresses, read_lab
from estate.lab import Faults
from tests.e2e.conftest import ENABLE, PASSWORD, Lab

GOOD = Credentials(username="estate", password=SecretStr(PASSWORD), secret=SecretStr(ENABLE))


def settings(lab: Lab, **extra: object) -> ConnectSettings:
    values: dict[str, object] = {"known_hosts": lab.handle.known_hosts, "conn_timeout": 2.0, "auth_timeout": 2.0,
                                 "read_timeout": 5.0, "retries": 0}
    values.update(extra)
    return ConnectSettings(**values)  # type: ignore[arg-type]


def lab_access(lab: Lab, name: str) -> DeviceAccess:
    host, port = lab_addresses(read_lab(lab.dir))[name]
    return DeviceAccess(name, host, port)


def a_device(lab: Lab) -> DeviceAccess:
    return lab_access(lab, sorted(n for n in lab.handle.hostnames if "as01" in n)[0])


def outcome(access: DeviceAccess, credentials: Credentials, connect_settings: ConnectSettings) -> tuple[str, str]:
    with pytest.raises(Exception) as caught:  # any failure: classify names it
        connect(access, credentials, connect_settings)
    kind, message = classify(caught.value, access)
    assert "\n" not in message and "Traceback" not in message
    assert f"{access.hostname} ({access.host}:{access.port})" in message
    return kind, message


def test_auth_failed(fresh_lab: Lab) -> None:
    wrong = Credentials(username="estate", password=SecretStr("not-it"), secret=SecretStr(ENABLE))
    kind, message = outcome(a_device(fresh_lab), wrong, settings(fresh_lab))
    assert kind is ConnectFailure.AUTH_FAILED and "ESTATE_SSH_USERNAME" in message


def test_wrong_enable_secret_is_not_unreachable(fresh_lab: Lab) -> None:
    wrong = Credentials(username="estate", password=SecretStr(PASSWORD), secret=SecretStr("not-the-secret"))
    kind, message = outcome(a_device(fresh_lab), wrong, settings(fresh_lab))
    assert kind is ConnectFailure.ENABLE_FAILED and "ESTATE_ENABLE_SECRET" in message


def test_connection_refused(fresh_lab: Lab) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access = DeviceAccess("closed-sw", "127.0.0.1", port)
    kind, _ = outcome(access, GOOD, settings(fresh_lab))
    assert kind is ConnectFailure.REFUSED


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts TCP connections and never says a word (a half-dead device or a tarpit)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def test_timeout(fresh_lab: Lab, silent_port: int) -> None:
    access = DeviceAccess("silent-sw", "127.0.0.1", silent_port)
    kind, _ = outcome(access, GOOD, settings(fresh_lab, conn_timeout=0.5, auth_timeout=0.5))
    assert kind is ConnectFailure.TIMEOUT


def test_host_key_unknown(fresh_lab: Lab, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    kind, message = outcome(a_device(fresh_lab), GOOD, settings(fresh_lab, known_hosts=empty))
    assert kind is ConnectFailure.HOST_KEY_UNKNOWN and "trust-on-first-use" in message


def test_host_key_changed(fresh_lab: Lab, tmp_path: Path) -> None:
    access = a_device(fresh_lab)
    other = sorted(n for n in fresh_lab.handle.hostnames if n != access.hostname)[0]
    other_port = lab_access(fresh_lab, other)
    lines = fresh_lab.handle.known_hosts.read_text().splitlines()
    other_key = next(line for line in lines if line.startswith(f"[{other_port.host}]:{other_port.port} "))
    forged = tmp_path / "known_hosts"
    forged.write_text(other_key.replace(f"[{other_port.host}]", f"[{access.host}]", 1) + "\n")
    kind, _ = outcome(access, GOOD, settings(fresh_lab, known_hosts=forged))
    assert kind is ConnectFailure.HOST_KEY_CHANGED


def thirty_lines() -> list[str]:
    lines: list[str] = []
    for n in range(10):
        lines += [f"vlan {3000 + n}", f"  name SAFETY-{n}", "  exit"]
    lines += [f"ip domain name probe{n}.example.net" for n in range(10)]
    return lines


def test_apply_over_ssh_and_its_cost_per_line(fresh_lab: Lab, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    access = a_device(fresh_lab)
    connection, _ = connect(access, GOOD, settings(fresh_lab))
    try:
        connection.config_mode()
        lines = thirty_lines()
        with Transcript(tmp_path / "t.log", {}) as transcript:
            started = time.perf_counter()
            apply_lines(connection, lines, transcript=transcript, secrets={}, timeout=5.0)
            end_config(connection, transcript)
            elapsed = time.perf_counter() - started
    finally:
        connection.disconnect()
    running = fresh_lab.handle.running_config(access.hostname)
    assert "vlan 3009" in running and " name SAFETY-9" in running
    with capsys.disabled():
        print(f"\n30-line apply with per-line prompt checks: {elapsed * 1000:.0f} ms per device")


def test_a_refused_line_over_ssh_stops_the_apply(fresh_lab: Lab, tmp_path: Path) -> None:
    access = a_device(fresh_lab)
    fresh_lab.handle.set_faults(access.hostname, Faults(reject_lines=("vlan 3004",)))
    connection, _ = connect(access, GOOD, settings(fresh_lab))
    try:
        connection.config_mode()
        with Transcript(tmp_path / "t.log", {}) as transcript, pytest.raises(ApplyRejected) as caught:
            apply_lines(connection, thirty_lines(), transcript=transcript, secrets={}, timeout=5.0)
        assert transcript.last_line_sent == "vlan 3004"
    finally:
        connection.disconnect()
    assert caught.value.line_number == 13 and "% Invalid" in caught.value.reply
    running = fresh_lab.handle.running_config(access.hostname)
    assert "vlan 3003" in running and "vlan 3005" not in running
    assert "> vlan 3004" in (tmp_path / "t.log").read_text()
