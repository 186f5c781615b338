"""Starting, inspecting and stopping a lab.

Two ways to run one:

* :func:`running_lab` — in-process, for tests and benchmarks: the server runs in a background
  thread with its own event loop and a :class:`LabHandle` gives access to every device.
* :func:`lab_up` / :func:`lab_status` / :func:`lab_down` — a detached background process
  (``python -m estate.lab.serve --state-dir DIR``) recorded in ``DIR/lab.json``.

Credentials: a spec's own password/secret wins; otherwise ``ESTATE_SSH_USERNAME`` (default
``estate``), ``ESTATE_SSH_PASSWORD`` and ``ESTATE_ENABLE_SECRET`` from the environment. The
detached server receives them as JSON on its stdin pipe, so they are never written to disk,
to argv (visible in ``ps``), to ``lab.json`` or to the log.
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
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr

from estate.lab.faults import Faults, dump_faults
from estate.lab.ios_cli import DeviceState
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
)

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
) -> Iterator[LabHandle]:
    """Serve ``devices`` from a background thread until the block exits.

    Specs without credentials take them from the environment (see :func:`with_credentials`).
    """
    specs = with_credentials(assign_addresses(devices))
    server = LabServer(specs, state_dir, faults)
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


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lab_up(
    devices: Sequence[LabDeviceSpec],
    state_dir: Path,
    faults: dict[str, Faults] | None = None,
    timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
) -> LabState:
    """Start the detached lab server and wait until every device accepts connections."""
    existing = read_state(state_dir)
    if existing is not None and pid_alive(existing.pid):
        raise LabError(f"a lab is already running from {state_dir} (pid {existing.pid})")
    specs = with_credentials(assign_addresses(devices), env)
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / DEVICES_JSON).write_text(dump_specs_without_secrets(specs), encoding="utf-8")
    (state_dir / FAULTS_JSON).write_text(dump_faults(faults or {}), encoding="utf-8")
    credentials = {
        spec.hostname: {
            "username": spec.username,
            "password": spec.password.get_secret_value(),
            "secret": spec.secret.get_secret_value(),
        }
        for spec in specs
    }
    with (state_dir / LOG_FILE).open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "estate.lab.serve", "--state-dir", str(state_dir)],
            stdin=subprocess.PIPE,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
    assert process.stdin is not None
    process.stdin.write(json.dumps(credentials).encode())
    process.stdin.close()
    refused = {host for host, fault in (faults or {}).items() if fault.refuse_connections}
    waiting = [spec for spec in specs if spec.hostname not in refused]
    deadline = time.monotonic() + timeout
    while waiting:
        if process.poll() is not None:
            raise LabError(f"lab server exited with {process.returncode}; see {LOG_FILE}")
        if time.monotonic() > deadline:
            _terminate(process.pid)
            raise LabError(f"{len(waiting)} devices did not start within {timeout:.0f}s")
        waiting = [spec for spec in waiting if not port_open(str(spec.host), spec.port)]
        if waiting:
            time.sleep(0.1)
    state = LabState(
        pid=process.pid,
        started_at=datetime.now(UTC),
        state_dir=state_dir.resolve(),
        known_hosts=(state_dir / KNOWN_HOSTS).resolve(),
        devices={spec.hostname: endpoint(spec) for spec in specs},
    )
    (state_dir / LAB_JSON).write_text(state.model_dump_json(indent=1), encoding="utf-8")
    return state


def lab_status(state_dir: Path) -> LabStatus:
    state = read_state(state_dir)
    if state is None:
        return LabStatus(running=False, state_dir=state_dir)
    alive = pid_alive(state.pid)
    unreachable = tuple(
        name for name, device in state.devices.items() if not (alive and port_open(str(device.host), device.port))
    )
    return LabStatus(
        running=alive,
        pid=state.pid,
        devices=len(state.devices),
        reachable=len(state.devices) - len(unreachable),
        unreachable=unreachable,
        state_dir=state_dir,
    )


def lab_down(state_dir: Path, timeout: float = 10.0) -> bool:
    """Stop the lab recorded in ``state_dir``; False if none was running. Keys are kept."""
    state = read_state(state_dir)
    if state is None:
        return False
    was_running = pid_alive(state.pid)
    if was_running:
        _terminate(state.pid, timeout)
    for name in (LAB_JSON, DEVICES_JSON, FAULTS_JSON):
        (state_dir / name).unlink(missing_ok=True)
    return was_running


def _terminate(pid: int, timeout: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
