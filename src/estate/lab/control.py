"""Starting, inspecting and stopping a lab.

Two ways to run one:

* :func:`running_lab` — in-process, for tests and benchmarks: the server runs in a background
  thread with its own event loop and a :class:`LabHandle` gives access to every device.
* :func:`lab_up` / :func:`lab_status` / :func:`lab_down` — a detached background process
  (``python -m estate.lab.serve --state-dir DIR``) recorded in ``DIR/lab.json``.

Credentials: a spec's own password/secret wins; otherwise ``ESTATE_SSH_USERNAME`` (default
``estate``), ``ESTATE_SSH_PASSWORD`` and ``ESTATE_ENABLE_SECRET`` from the environment. The
detached server receives them as JSON on its stdin pipe, together with the config secret values
that fill the specs' ``${NAME}`` placeholders and the token it proves itself with, so none of
them is written to disk, to argv (visible in ``ps``), to ``lab.json`` or to the log.

``lab down`` signals only a process proven to be this lab (see :mod:`estate.lab.ownership`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr

from estate.files import write_private
from estate.lab.faults import Faults, dump_faults
from estate.lab.ios_cli import DeviceState
from estate.lab.ownership import CONTROL_SOCKET, Ownership, new_token, ownership, process_start, socket_path
from estate.lab.server import LabServer
from estate.lab.state import (
    DEFAULT_USERNAME,
    DEVICES_JSON,
    FAULTS_JSON,
    KNOWN_HOSTS,
    LAB_JSON,
    LOG_FILE,
    DeviceEndpoint,
    LabDeviceSpec,
    LabError,
    LabState,
    assign_addresses,
    dump_specs_without_secrets,
    endpoint,
    read_state,
    state_folder,
)
from estate.secrets import placeholders_in

T = TypeVar("T")

ENV_USERNAME = "ESTATE_SSH_USERNAME"
ENV_PASSWORD = "ESTATE_SSH_PASSWORD"  # noqa: S105 - the variable's name, not a password
ENV_SECRET = "ESTATE_ENABLE_SECRET"  # noqa: S105


def with_credentials(specs: Sequence[LabDeviceSpec], env: Mapping[str, str] | None = None) -> list[LabDeviceSpec]:
    """Fill in username/password/secret from the environment where a spec has none."""
    env = os.environ if env is None else env
    username = env.get(ENV_USERNAME) or DEFAULT_USERNAME
    password = env.get(ENV_PASSWORD, "")
    secret = env.get(ENV_SECRET, "")
    result: list[LabDeviceSpec] = []
    for spec in specs:
        update: dict[str, object] = {}
        if spec.username == DEFAULT_USERNAME and username != DEFAULT_USERNAME:
            update["username"] = username
        if not spec.password.get_secret_value():
            if not password:
                raise LabError(f"{spec.hostname}: no password; set {ENV_PASSWORD}")
            update["password"] = SecretStr(password)
        if not spec.secret.get_secret_value():
            update["secret"] = SecretStr(secret or password)
        result.append(spec.model_copy(update=update) if update else spec)
    return result


class _LoopThread:
    """An event loop running in a daemon thread; coroutines are submitted from outside."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="estate-lab", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


class LabHandle:
    """Access to an in-process lab's devices from the calling (non-loop) thread."""

    def __init__(self, server: LabServer, loop: _LoopThread) -> None:
        self._server = server
        self._loop = loop

    @property
    def state_dir(self) -> Path:
        return self._server.state_dir

    @property
    def known_hosts(self) -> Path:
        return self._server.known_hosts

    @property
    def hostnames(self) -> list[str]:
        return list(self._server.devices)

    def spec(self, hostname: str) -> LabDeviceSpec:
        return self._server.runtime(hostname).spec

    def endpoint(self, hostname: str) -> DeviceEndpoint:
        return endpoint(self.spec(hostname))

    def netmiko_params(self, hostname: str) -> dict[str, Any]:
        """Keyword arguments for ``netmiko.ConnectHandler`` (includes the credentials)."""
        spec = self.spec(hostname)
        return {
            "device_type": "cisco_xe",
            "host": str(spec.host),
            "port": spec.port,
            "username": spec.username,
            "password": spec.password.get_secret_value(),
            "secret": spec.secret.get_secret_value(),
        }

    def device(self, hostname: str) -> DeviceState:
        return self._server.runtime(hostname).state

    def running_config(self, hostname: str) -> str:
        return self.device(hostname).running_config()

    def startup_config(self, hostname: str) -> str:
        return self.device(hostname).startup_config()

    def set_running_config(self, hostname: str, text: str) -> None:
        self.device(hostname).set_running_config(text)

    def set_startup_config(self, hostname: str, text: str) -> None:
        self.device(hostname).set_startup_config(text)

    def faults(self, hostname: str) -> Faults:
        return self._server.runtime(hostname).faults

    def set_faults(self, hostname: str, faults: Faults) -> None:
        self._loop.run(self._server.set_faults(hostname, faults))

    def rotate_host_key(self, hostname: str) -> None:
        self._loop.run(self._server.rotate_host_key(hostname))


@contextlib.contextmanager
def running_lab(
    devices: list[LabDeviceSpec],
    state_dir: Path,
    faults: dict[str, Faults] | None = None,
    secrets: Mapping[str, str] | None = None,
) -> Iterator[LabHandle]:
    """Serve ``devices`` from a background thread until the block exits.

    Specs without credentials take them from the environment (see :func:`with_credentials`);
    ``secrets`` fill the configs' ``${NAME}`` placeholders in memory.
    """
    specs = with_credentials(assign_addresses(devices))
    server = LabServer(specs, state_dir, faults, secrets)
    loop = _LoopThread()
    try:
        loop.run(server.start())
        yield LabHandle(server, loop)
    finally:
        with contextlib.suppress(Exception):
            loop.run(server.stop(), timeout=30)
        loop.close()


class LabStatus(BaseModel):
    """What ``estate lab status`` reports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    running: bool
    pid: int | None = None
    ownership: Ownership | None = None
    devices: int = 0
    reachable: int = 0
    unreachable: tuple[str, ...] = ()
    state_dir: Path


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def lab_up(
    devices: Sequence[LabDeviceSpec],
    state_dir: Path,
    faults: dict[str, Faults] | None = None,
    timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
) -> LabState:
    """Start the detached lab server and wait until every device accepts connections and the
    server proves itself on its control socket."""
    _refuse_live_lab(state_dir)
    specs = with_credentials(assign_addresses(devices), env)
    missing = sorted({name for spec in specs for name in placeholders_in(spec.config_text)} - set(secrets or {}))
    if missing:
        raise LabError(f"device configs hold placeholders with no value: {', '.join(missing)}")
    state_folder(state_dir)
    control = socket_path(state_dir)
    write_private(state_dir / DEVICES_JSON, dump_specs_without_secrets(specs))
    write_private(state_dir / FAULTS_JSON, dump_faults(faults or {}))
    token = new_token()
    payload = {
        "token": token,
        "secrets": dict(secrets or {}),
        "credentials": {
            spec.hostname: {
                "username": spec.username,
                "password": spec.password.get_secret_value(),
                "secret": spec.secret.get_secret_value(),
            }
            for spec in specs
        },
    }
    process = _spawn(state_dir)
    try:
        state = LabState(
            pid=process.pid,
            process_start=process_start(process.pid),
            token=token,
            started_at=datetime.now(UTC),
            state_dir=state_dir.resolve(),
            known_hosts=(state_dir / KNOWN_HOSTS).resolve(),
            devices={spec.hostname: endpoint(spec) for spec in specs},
        )
        # recorded before the wait, so an interrupted `lab up` leaves a lab that `lab down` can prove
        write_private(state_dir / LAB_JSON, state.model_dump_json(indent=1))
        assert process.stdin is not None
        process.stdin.write(json.dumps(payload).encode())
        process.stdin.close()
        refused = {host for host, fault in (faults or {}).items() if fault.refuse_connections}
        _wait_ready(process, state, control, [spec for spec in specs if spec.hostname not in refused], timeout)
    except BaseException:
        _stop_child(process)
        (state_dir / LAB_JSON).unlink(missing_ok=True)
        raise
    return state


def _refuse_live_lab(state_dir: Path) -> None:
    existing = read_state(state_dir)
    if existing is None:
        return
    owner = ownership(existing.pid, existing.process_start, existing.token, state_dir)
    if owner is Ownership.OURS:
        raise LabError(f"a lab is already running from {state_dir} (pid {existing.pid}); `estate lab down` first")
    if owner is Ownership.SILENT:
        raise LabError(f"the lab recorded in {state_dir} (pid {existing.pid}) is still running but does not answer "
                       "on its control socket; stop that process yourself, then delete its lab.json")


def _spawn(state_dir: Path) -> subprocess.Popen[bytes]:
    log = os.open(state_dir / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(log, 0o600)  # a log left by an older lab may be wider
        return subprocess.Popen(
            [sys.executable, "-m", "estate.lab.serve", "--state-dir", str(state_dir)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    finally:
        os.close(log)


def _wait_ready(process: subprocess.Popen[bytes], state: LabState, control: Path, waiting: list[LabDeviceSpec],
                timeout: float) -> None:
    from estate.lab.ownership import ask

    proven = False
    deadline = time.monotonic() + timeout
    while waiting or not proven:
        if process.poll() is not None:
            raise LabError(f"lab server exited with {process.returncode}; see {state.state_dir / LOG_FILE}")
        if time.monotonic() > deadline:
            raise LabError(f"{len(waiting)} devices did not start within {timeout:g}s")
        waiting = [spec for spec in waiting if not port_open(str(spec.host), spec.port)]
        proven = proven or (control.exists() and state.token is not None and ask(control, state.token, state.pid))
        if waiting or not proven:
            time.sleep(0.1)


def _stop_child(process: subprocess.Popen[bytes]) -> None:
    """Stop a server this process started itself (its Popen handle is the proof)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def lab_status(state_dir: Path) -> LabStatus:
    state = read_state(state_dir)
    if state is None:
        return LabStatus(running=False, state_dir=state_dir)
    owner = ownership(state.pid, state.process_start, state.token, state_dir)
    alive = owner is Ownership.OURS
    unreachable = tuple(
        name for name, device in state.devices.items() if not (alive and port_open(str(device.host), device.port))
    )
    return LabStatus(
        running=alive,
        pid=state.pid,
        ownership=owner,
        devices=len(state.devices),
        reachable=len(state.devices) - len(unreachable),
        unreachable=unreachable,
        state_dir=state_dir,
    )


class Down(StrEnum):
    """What ``lab down`` did."""

    STOPPED = "stopped"  # the proven lab server was stopped
    NOT_RUNNING = "not running"  # the recorded process no longer exists; its state was cleared
    NO_LAB = "no lab"  # nothing recorded
    FOREIGN = "foreign"  # the pid is another process's (reused, or the record is unprovable): left alone
    SILENT = "silent"  # the recorded process runs but does not answer with the token: left alone

    @property
    def refused(self) -> bool:
        return self in (Down.FOREIGN, Down.SILENT)


RUN_FILES = (LAB_JSON, DEVICES_JSON, FAULTS_JSON)


def lab_down(state_dir: Path, timeout: float = 10.0) -> Down:
    """Stop the lab recorded in ``state_dir`` if, and only if, its process proves to be this
    lab's server (pid, start time and token). Keys, known_hosts and secrets are kept."""
    state = read_state(state_dir)
    if state is None:
        return Down.NO_LAB
    owner = ownership(state.pid, state.process_start, state.token, state_dir)
    if owner is Ownership.FOREIGN:
        return Down.FOREIGN
    if owner is Ownership.SILENT:
        return Down.SILENT
    result = Down.NOT_RUNNING
    if owner is Ownership.OURS:
        assert state.process_start is not None
        if not _terminate(state.pid, state.process_start, timeout):
            return Down.SILENT
        result = Down.STOPPED
    for name in RUN_FILES:
        (state_dir / name).unlink(missing_ok=True)
    control = state_dir / CONTROL_SOCKET
    if control.is_socket():
        control.unlink()
    return result


def _terminate(pid: int, start: int, timeout: float) -> bool:
    """SIGTERM, then SIGKILL after `timeout`; each signal only while the pid still has the
    recorded start time (the number could be reused in between). False if it outlived both."""
    for signum, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        if process_start(pid) != start:
            return True
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it when it is our own child (tests start labs in-process)
            if process_start(pid) != start:
                return True
            time.sleep(0.05)
    return False
