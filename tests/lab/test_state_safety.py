"""The lab's state folder: private, written whole, free of secret values; `lab down` signals
only a process it proves is its own lab; clear errors for damaged state and bad options."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from netmiko import ConnectHandler
from pydantic import SecretStr

from estate.cli.main import main
from estate.lab.control import Down, lab_down, lab_status, lab_up
from estate.lab.encryption import type6
from estate.lab.ownership import process_start
from estate.lab.state import LAB_JSON, LabError, LabState, read_state, state_folder
from estate.secrets import ENV_PREFIX, SECRET_NAMES
from tests.lab.conftest import PASSWORD, SECRET, SpecFactory, sample_config

VALUES = {name: f"lab-{name.lower().replace('_', '-')}-Value9" for name in SECRET_NAMES}
TACACS = "tacacs server TAC1\n address ipv4 10.9.9.9\n key 6 ${TACACS_KEY}\n"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESTATE_SSH_PASSWORD", PASSWORD)
    monkeypatch.setenv("ESTATE_ENABLE_SECRET", SECRET)
    for name, value in VALUES.items():
        monkeypatch.setenv(ENV_PREFIX + name, value)


def _devices_file(tmp_path: Path, make_spec: SpecFactory, hosts: dict[str, str]) -> Path:
    specs = [make_spec(name, host=host, config_text=sample_config(name) + TACACS, password=SecretStr(""),
                       secret=SecretStr("")) for name, host in hosts.items()]
    path = tmp_path / "devices-in.json"
    path.write_text(json.dumps([s.model_dump(mode="json", exclude={"password", "secret"}) for s in specs]))
    return path


@pytest.mark.e2e
def test_lab_state_is_private_and_holds_no_secret(tmp_path: Path, make_spec: SpecFactory, secret_env: None,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    devices = _devices_file(tmp_path, make_spec, {"priv-1": "127.12.0.1", "priv-2": "127.12.0.2"})
    state_dir = tmp_path / "state"
    assert main(["lab", "up", "--devices", str(devices), "--state-dir", str(state_dir), "--timeout", "60"]) == 0
    try:
        record = json.loads((state_dir / LAB_JSON).read_text())
        device = record["devices"]["priv-2"]
        conn = ConnectHandler(device_type="cisco_xe", host=device["host"], port=device["port"],
                              username=device["username"], password=PASSWORD, secret=SECRET)
        conn.enable()
        running = conn.send_command("show running-config")
        conn.disconnect()
        # the device holds the value: the server resolved the placeholder in memory
        assert f"key 6 {VALUES['TACACS_KEY']}" in running
        assert "${TACACS_KEY}" in (state_dir / "devices.json").read_text()

        assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
        found = sorted(p.relative_to(state_dir).as_posix() for p in state_dir.rglob("*"))
        assert {"lab.json", "devices.json", "faults.json", "known_hosts", "lab.log", "secrets.json",
                "control.sock", "keys/priv-1.key"} <= set(found)
        for path in state_dir.rglob("*"):
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), f"{path.name}: {oct(mode)}"
            if path.is_file():
                data = path.read_bytes()
                for value in [*VALUES.values(), PASSWORD, SECRET]:
                    assert value.encode() not in data, f"a secret value in {path.name}"
        assert not [p for p in found if p.endswith(".tmp")]
    finally:
        assert main(["lab", "down", "--state-dir", str(state_dir)]) == 0
    assert "lab stopped" in capsys.readouterr().out
    assert not (state_dir / LAB_JSON).exists()


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(["sleep", "60"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def _record(state_dir: Path, pid: int, start: int | None, token: str | None) -> None:
    state_dir.mkdir(exist_ok=True)
    state = LabState(pid=pid, process_start=start, token=token, started_at=datetime.now(UTC), state_dir=state_dir,
                     known_hosts=state_dir / "known_hosts", devices={})
    (state_dir / LAB_JSON).write_text(state.model_dump_json())


@pytest.mark.parametrize("proof", ["pid only", "wrong start time", "start time but no token answer"])
def test_lab_down_never_signals_a_process_it_cannot_prove(tmp_path: Path, sleeper: subprocess.Popen[bytes],
                                                          proof: str, capsys: pytest.CaptureFixture[str]) -> None:
    start = process_start(sleeper.pid)
    assert start is not None
    recorded = {"pid only": (None, None), "wrong start time": (start + 1, "f" * 64),
                "start time but no token answer": (start, "f" * 64)}[proof]
    _record(tmp_path, sleeper.pid, *recorded)
    assert main(["lab", "down", "--state-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"not stopped: pid {sleeper.pid}" in out and "nothing was signalled or removed" in out
    assert sleeper.poll() is None  # still alive
    assert (tmp_path / LAB_JSON).exists()
    assert lab_down(tmp_path) in (Down.FOREIGN, Down.SILENT)
    assert sleeper.poll() is None


def test_lab_up_refuses_while_the_recorded_process_runs_unanswering(tmp_path: Path, make_spec: SpecFactory,
                                                                   sleeper: subprocess.Popen[bytes]) -> None:
    _record(tmp_path, sleeper.pid, process_start(sleeper.pid), "f" * 64)
    with pytest.raises(LabError, match="does not answer"):
        lab_up([make_spec("x")], tmp_path, env={"ESTATE_SSH_PASSWORD": PASSWORD})
    assert sleeper.poll() is None


def test_a_gone_process_is_cleared(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    _record(tmp_path, process.pid, 1, "f" * 64)
    assert lab_down(tmp_path) is Down.NOT_RUNNING
    assert not (tmp_path / LAB_JSON).exists()


def _user_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("action", ["up", "status", "down"])
def test_truncated_lab_json_is_a_clear_error(tmp_path: Path, action: str, capsys: pytest.CaptureFixture[str],
                                             make_spec: SpecFactory, secret_env: None) -> None:
    _record(tmp_path, os.getpid(), None, None)
    text = (tmp_path / LAB_JSON).read_text()
    (tmp_path / LAB_JSON).write_text(text[: len(text) // 2])
    extra = ["--devices", str(_devices_file(tmp_path, make_spec, {"t-1": "127.12.1.1"}))] if action == "up" else []
    err = _user_error(["lab", action, "--state-dir", str(tmp_path), *extra], capsys)
    assert f"{tmp_path / LAB_JSON} is damaged" in err


@pytest.mark.parametrize("content", ["{", '{"TACACS_KEY": 5}', '["x"]', '{"TACACS_KEY": " padded"}'])
def test_broken_secrets_file_is_a_clear_error(tmp_path: Path, content: str, make_spec: SpecFactory,
                                              secret_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (state_dir / "secrets.json").write_text(content)
    devices = _devices_file(tmp_path, make_spec, {"s-1": "127.12.2.1"})
    err = _user_error(["lab", "up", "--devices", str(devices), "--state-dir", str(state_dir)], capsys)
    assert f"{state_dir / 'secrets.json'}" in err and "delete it" in err
    assert not (state_dir / LAB_JSON).exists()


def test_faults_file_with_an_unknown_key_is_a_clear_error(tmp_path: Path, make_spec: SpecFactory,
                                                          secret_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("f-1:\n  slow_secs: 2\n")
    devices = _devices_file(tmp_path, make_spec, {"f-1": "127.12.3.1"})
    err = _user_error(["lab", "up", "--devices", str(devices), "--faults", str(faults), "--state-dir",
                       str(tmp_path / "state")], capsys)
    assert "f-1: unknown fault 'slow_secs'" in err and str(faults) in err


def test_secret_with_whitespace_in_the_environment_is_refused(tmp_path: Path, make_spec: SpecFactory,
                                                              secret_env: None, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV_PREFIX + "TACACS_KEY", "Tacacs-Value ")
    devices = _devices_file(tmp_path, make_spec, {"w-1": "127.12.4.1"})
    err = _user_error(["lab", "up", "--devices", str(devices), "--state-dir", str(tmp_path / "state")], capsys)
    assert "ESTATE_SECRET_TACACS_KEY" in err and "Tacacs-Value" not in err


@pytest.mark.parametrize("action", ["up", "status", "down"])
def test_state_dir_that_is_a_file_is_a_clear_error(tmp_path: Path, action: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "lab-state"
    target.write_text("not a folder")
    with pytest.raises(SystemExit) as exited:  # refused by argparse, before anything runs
        main(["lab", action, "--state-dir", str(target), *(["--env", "dev"] if action == "up" else [])])
    assert exited.value.code == 2
    assert f"--state-dir: {target} exists and is not a folder" in capsys.readouterr().err
    for call in (state_folder, read_state, lab_status, lab_down):  # the library says so too
        with pytest.raises(LabError, match="is a file, not a folder"):
            call(target)
    assert target.read_text() == "not a folder"


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "abc", "3601"])
def test_timeout_out_of_range_is_refused(tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["lab", "up", "--env", "dev", "--state-dir", str(tmp_path), "--timeout", value])
    assert exited.value.code == 2
    assert "--timeout" in capsys.readouterr().err


@pytest.mark.e2e
def test_lab_down_refuses_its_own_server_when_the_start_time_does_not_match(
        tmp_path: Path, make_spec: SpecFactory, secret_env: None) -> None:
    """Even the real server, answering with the right token, is not signalled when the
    recorded start time is not its own (the record then describes another process)."""
    state = lab_up([make_spec("st-1", host="127.12.5.1")], tmp_path, timeout=60, secrets=VALUES)
    assert state.process_start is not None
    edited = state.model_copy(update={"process_start": state.process_start + 1})
    (tmp_path / LAB_JSON).write_text(edited.model_dump_json())
    try:
        assert lab_down(tmp_path) is Down.FOREIGN
        assert process_start(state.pid) == state.process_start  # still running
    finally:
        (tmp_path / LAB_JSON).write_text(state.model_dump_json())
        assert lab_down(tmp_path) is Down.STOPPED
    assert process_start(state.pid) is None


@pytest.mark.e2e
def test_lab_of_an_environment_keeps_placeholders_on_disk(tmp_path: Path, secret_env: None,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`lab up --env`: rendered configs with their placeholders go to devices.json; the devices
    hold the values (the review against the lab sees every secret line as already right)."""
    state_dir = tmp_path / "state"
    assert main(["lab", "up", "--env", "dev", "--site", "MPS-0042", "--state-dir", str(state_dir),
                 "--timeout", "120"]) == 0
    try:
        specs = json.loads((state_dir / "devices.json").read_text())
        assert specs and all("${TACACS_KEY}" in spec["config_text"] for spec in specs if spec["role"] != "wlc")
        for path in state_dir.rglob("*"):
            if path.is_file():
                for value in VALUES.values():
                    assert value.encode() not in path.read_bytes(), f"a secret value in {path.name}"
        name, device = next((n, d) for n, d in json.loads((state_dir / LAB_JSON).read_text())["devices"].items()
                            if d["role"] == "core")
        conn = ConnectHandler(device_type="cisco_xe", host=device["host"], port=device["port"],
                              username=device["username"], password=PASSWORD, secret=SECRET)
        conn.enable()
        running = conn.send_command("show running-config")
        conn.disconnect()
        # rendered `key 0 ${TACACS_KEY}`; the device holds it encrypted with its own master key
        assert f"key 6 {type6(name, VALUES['TACACS_KEY'])}" in running and "${" not in running, name
        assert VALUES["TACACS_KEY"] not in running
        capsys.readouterr()
        assert main(["review", "--env", "dev", "--lab", "--lab-dir", str(state_dir), "--site", "MPS-0042",
                     "--format", "json", "--detail"]) == 0
        review = json.loads(capsys.readouterr().out)
        assert any(device.get("remediation") for device in review["devices"])  # brownfield: there is work
        secret_lines = [line for device in review["devices"] for line in device.get("remediation", [])
                        if "${" in line and not line.startswith("snmp-server user")]
        assert secret_lines == []  # the devices hold exactly the values the placeholders stand for
    finally:
        assert main(["lab", "down", "--state-dir", str(state_dir)]) == 0
