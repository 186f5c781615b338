"""The lab's SSH server: one asyncio loop, one asyncssh listener per simulated device (each on
its own loopback address), password auth, and an interactive shell driven by
:class:`~estate.lab.ios_cli.CliSession`.

Host keys are ed25519, generated once per device into ``<state_dir>/keys`` and reused across
restarts; ``<state_dir>/known_hosts`` lists them all in OpenSSH format.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Literal

import asyncssh

from estate.files import private_dir, write_private
from estate.lab.faults import Faults
from estate.lab.ios_cli import CliSession, DeviceState
from estate.lab.state import KEYS_DIR, KNOWN_HOSTS, LOOPBACK, LabDeviceSpec, LabError, state_folder
from estate.secrets import MissingSecretError, resolve

log = logging.getLogger(__name__)


Listening = Literal["ssh", "blackhole", "none"]
TICK_SECONDS = 0.1


@dataclass
class DeviceRuntime:
    """A served device: its spec, its state, its faults and its listener."""

    spec: LabDeviceSpec
    state: DeviceState
    key: asyncssh.SSHKey
    faults: Faults = field(default_factory=Faults)
    acceptor: asyncssh.SSHAcceptor | None = None
    connections: set[asyncssh.SSHServerConnection] = field(default_factory=set)
    listening: Listening = "none"
    blackhole: asyncio.Server | None = None
    held: set[asyncio.StreamWriter] = field(default_factory=set)
    refuse_until: float = 0.0
    refusal_used: bool = False
    refresh_soon: Callable[[], None] = field(default=lambda: None)
    """Ask the server to re-check the listener now rather than at its next tick."""

    def apply_faults(self) -> None:
        """Hand the device the faults it acts on itself."""
        self.state.minute_seconds = self.faults.revert_minute_seconds
        self.state.arm_drop(self.faults.drop_after_change)
        shown = self.faults.report_platform
        self.state.reported = (shown.model, shown.software) if shown is not None else (None, None)

    def wanted(self, now: float) -> Listening:
        """What should answer on the device's address right now."""
        if self.faults.refuse_connections or now < self.refuse_until:
            return "none"
        if self.state.cut is not None and self.state.management_cut():
            return "blackhole" if self.faults.cut_management_mode == "blackhole" else "none"
        return "ssh"

    @property
    def host(self) -> IPv4Address:
        if self.spec.host is None:
            raise LabError(f"{self.spec.hostname}: no address assigned")
        return self.spec.host


class _SshServer(asyncssh.SSHServer):
    def __init__(self, runtime: DeviceRuntime) -> None:
        self._runtime = runtime
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._runtime.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._runtime.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        spec = self._runtime.spec
        if self._runtime.faults.reject_auth:
            return False
        user_ok = hmac.compare_digest(username.encode(), spec.username.encode())
        password_ok = hmac.compare_digest(password.encode(), spec.password.get_secret_value().encode())
        return user_ok and password_ok

    def session_requested(self) -> asyncssh.SSHServerSession[str]:
        assert self._conn is not None
        return _ShellSession(self._runtime, self._conn, self._conn.get_extra_info("username") or "")


class _ShellSession(asyncssh.SSHServerSession[str]):
    """Turns the byte stream of an interactive shell into lines for the CLI, echoing input."""

    def __init__(self, runtime: DeviceRuntime, conn: asyncssh.SSHServerConnection, user: str) -> None:
        self._runtime = runtime
        self._conn = conn
        self._cli = CliSession(runtime.state, faults=self._faults, user=user)
        self._chan: asyncssh.SSHServerChannel[str] | None = None
        self._buffer: list[str] = []
        self._last_cr = False
        self._queue: deque[str] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._closed = False

    def _faults(self) -> Faults:
        return self._runtime.faults

    def connection_made(self, chan: asyncssh.SSHServerChannel[str]) -> None:
        self._chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Mapping[int, int]
    ) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def session_started(self) -> None:
        self._write(self._cli.greeting())

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
        runtime = self._runtime
        seconds = runtime.faults.refuse_connections_for
        if self._cli.changed and seconds is not None and not runtime.refusal_used:
            runtime.refusal_used = True
            runtime.refuse_until = asyncio.get_running_loop().time() + seconds
            log.info("%s: refusing connections for %gs", self._hostname, seconds)
            runtime.refresh_soon()

    def eof_received(self) -> bool:
        return False

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        if self._worker is not None or self._runtime.faults.slow_seconds > 0:
            self._queue.append(data)
            if self._worker is None:
                self._worker = asyncio.get_running_loop().create_task(self._drain())
            return
        for line in self._lines(data):
            if not self._respond(line):
                return

    async def _drain(self) -> None:
        try:
            while self._queue and not self._closed:
                for line in self._lines(self._queue.popleft()):
                    delay = self._runtime.faults.slow_seconds
                    if delay > 0:
                        await asyncio.sleep(delay)
                    if not self._respond(line):
                        return
        finally:
            self._worker = None

    def _lines(self, data: str) -> Iterator[str]:
        """Yield each completed line, echoing typed characters as IOS does (lazily, so a
        line's echo follows the reply to the line before it)."""
        echo: list[str] = []
        for char in data:
            if char == "\n" and self._last_cr:
                self._last_cr = False
                continue
            self._last_cr = char == "\r"
            if char in "\r\n\x1a":
                self._flush_echo(echo)
                line = "".join(self._buffer) if char != "\x1a" else "\x1a"
                self._buffer.clear()
                yield line
            elif char in "\x08\x7f":
                if self._buffer:
                    self._buffer.pop()
                    echo.append("\b \b")
            elif char == "\x03":
                self._buffer.clear()
            elif char >= " " or char == "\t":
                self._buffer.append(char)
                if self._cli.echo:
                    echo.append(char)
        self._flush_echo(echo)

    def _flush_echo(self, echo: list[str]) -> None:
        if echo:
            self._write("".join(echo))
            echo.clear()

    def _respond(self, line: str) -> bool:
        """Run one line; False once the session is gone."""
        if self._closed:
            return False
        reply = self._cli.handle_line(line)
        limit = self._runtime.faults.drop_after_config_lines
        if reply.config_line and limit is not None and self._cli.config_lines >= limit:
            log.info("%s: dropping session after %d config lines", self._hostname, limit)
            self._closed = True
            self._conn.abort()
            return False
        if reply.hang:
            log.info("%s: management path cut after a config line", self._hostname)
            self._runtime.refresh_soon()
            self._closed = True  # the session stays open but nothing reaches the client any more
            return False
        self._write("\r\n" + reply.text)
        if reply.close:
            self._closed = True
            if self._chan is not None:
                self._chan.exit(0)
            return False
        return True

    @property
    def _hostname(self) -> str:
        return self._runtime.spec.hostname

    def _write(self, text: str) -> None:
        if self._chan is not None and not self._closed:
            try:
                self._chan.write(text)
            except BrokenPipeError:  # the client closed its channel mid-reply: nothing left to answer
                self._closed = True


def load_or_create_key(keys_dir: Path, hostname: str, regenerate: bool = False) -> asyncssh.SSHKey:
    path = keys_dir / f"{hostname}.key"
    if path.exists() and not regenerate:
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key("ssh-ed25519", comment=f"estate-lab {hostname}")
    private_dir(keys_dir)
    write_private(path, key.export_private_key())
    return key


def known_hosts_line(host: IPv4Address, port: int, key: asyncssh.SSHKey) -> str:
    name = str(host) if port == 22 else f"[{host}]:{port}"
    algorithm, blob = key.export_public_key().decode().split()[:2]
    return f"{name} {algorithm} {blob}"


class _ClientHungUp(logging.Filter):
    """netmiko closes its socket right after sending ``exit``; asyncio then warns once per
    packet of the SSH close handshake it cannot send. That is the client's normal hang-up, not
    a lab fault, and hundreds of sessions would bury real warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "socket.send() raised exception."


_HUNG_UP_FILTER = _ClientHungUp()


class LabServer:
    """Serves every device of a lab from the running event loop."""

    def __init__(
        self,
        devices: Sequence[LabDeviceSpec],
        state_dir: Path,
        faults: Mapping[str, Faults] | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        self.state_dir = state_dir
        self._faults = dict(faults or {})
        self._secrets = secrets
        self._specs = list(devices)
        self.devices: dict[str, DeviceRuntime] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._refreshes: set[asyncio.Task[None]] = set()

    @property
    def known_hosts(self) -> Path:
        return self.state_dir / KNOWN_HOSTS

    async def start(self) -> None:
        logging.getLogger("asyncio").addFilter(_HUNG_UP_FILTER)  # same object: added once
        state_folder(self.state_dir)
        keys_dir = self.state_dir / KEYS_DIR
        for spec in self._specs:
            if spec.host is None or spec.host not in LOOPBACK:
                raise LabError(f"{spec.hostname}: refusing to listen on {spec.host}")
            state = DeviceState(spec.hostname, spec.model, self._config(spec), spec.secret.get_secret_value(),
                                software=spec.software, extra_aps=spec.aps, master_key=spec.master_key)
            key = load_or_create_key(keys_dir, spec.hostname)
            faults = self._faults.get(spec.hostname, Faults())
            self.devices[spec.hostname] = runtime = DeviceRuntime(spec, state, key, faults)
            runtime.apply_faults()
            runtime.refresh_soon = self._refresher(runtime)
        peers = {name: runtime.state for name, runtime in self.devices.items()}
        for runtime in self.devices.values():
            runtime.state.peers = peers
        self.write_known_hosts()
        await asyncio.gather(*(self.refresh(rt) for rt in self.devices.values()))
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    def _refresher(self, runtime: DeviceRuntime) -> Callable[[], None]:
        def soon() -> None:
            task = asyncio.get_running_loop().create_task(self.refresh(runtime))
            self._refreshes.add(task)
            task.add_done_callback(self._refreshes.discard)

        return soon

    async def _tick_forever(self) -> None:
        """Revert timers that run out and listeners that must change (a cut management path,
        a refusal window) are noticed here, without any client looking."""
        while True:
            await asyncio.sleep(TICK_SECONDS)
            for runtime in self.devices.values():
                try:
                    runtime.state.tick()
                    await self.refresh(runtime)
                except Exception:  # one device's trouble must not stop every other device's timers
                    log.exception("%s: tick failed", runtime.spec.hostname)

    async def refresh(self, runtime: DeviceRuntime) -> None:
        """Make what answers on the device's address match :meth:`DeviceRuntime.wanted`."""
        wanted = runtime.wanted(asyncio.get_running_loop().time())
        if wanted == runtime.listening:
            return
        await self._close_listener(runtime)
        await self._close_blackhole(runtime)
        if wanted == "ssh":
            await self._listen(runtime)
        elif wanted == "blackhole":
            await self._open_blackhole(runtime)
        runtime.listening = wanted
        log.info("%s: now %s", runtime.spec.hostname, "listening" if wanted == "ssh" else wanted)

    def _config(self, spec: LabDeviceSpec) -> str:
        """The spec's config with its placeholders filled from the secrets held in memory."""
        if self._secrets is None:
            return spec.config_text
        try:
            return resolve(spec.config_text, self._secrets)
        except MissingSecretError as exc:
            raise LabError(f"{spec.hostname}: {exc}") from exc

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for runtime in self.devices.values():
            await self._close_listener(runtime)
            await self._close_blackhole(runtime)
            for conn in list(runtime.connections):
                conn.abort()

    def write_known_hosts(self) -> None:
        lines = [known_hosts_line(rt.host, rt.spec.port, rt.key) for rt in self.devices.values()]
        write_private(self.known_hosts, "\n".join(lines) + "\n")

    def runtime(self, hostname: str) -> DeviceRuntime:
        try:
            return self.devices[hostname]
        except KeyError:
            raise LabError(f"no device {hostname!r} in this lab") from None

    async def set_faults(self, hostname: str, faults: Faults) -> None:
        runtime = self.runtime(hostname)
        runtime.faults = faults
        runtime.refusal_used, runtime.refuse_until = False, 0.0
        if faults.cut_management_after is None:
            runtime.state.cut = None
        runtime.apply_faults()
        await self.refresh(runtime)

    async def rotate_host_key(self, hostname: str) -> None:
        """Give the device a new host key (as after an RMA) and rewrite known_hosts."""
        runtime = self.runtime(hostname)
        runtime.key = load_or_create_key(self.state_dir / KEYS_DIR, hostname, regenerate=True)
        self.write_known_hosts()
        if runtime.listening == "ssh":
            await self._close_listener(runtime)
            await self._listen(runtime)

    async def _listen(self, runtime: DeviceRuntime) -> None:
        runtime.acceptor = await asyncssh.create_server(
            lambda: _SshServer(runtime),
            str(runtime.host),
            runtime.spec.port,
            server_host_keys=[runtime.key],
            line_editor=False,
            allow_pty=True,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            login_timeout=30,
            keepalive_interval=0,
            reuse_address=True,
        )

    @staticmethod
    async def _open_blackhole(runtime: DeviceRuntime) -> None:
        """Accept TCP on the device's address and never say a word (as a path that drops
        everything after the handshake looks to an SSH client: it times out)."""

        async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            runtime.held.add(writer)

        runtime.blackhole = await asyncio.start_server(hold, str(runtime.host), runtime.spec.port, reuse_address=True)

    @staticmethod
    async def _close_blackhole(runtime: DeviceRuntime) -> None:
        server, runtime.blackhole = runtime.blackhole, None
        for writer in list(runtime.held):
            writer.close()
        runtime.held.clear()
        if server is not None:
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    @staticmethod
    async def _close_listener(runtime: DeviceRuntime) -> None:
        acceptor, runtime.acceptor = runtime.acceptor, None
        if acceptor is not None:
            acceptor.close()
            with contextlib.suppress(Exception):
                await acceptor.wait_closed()
