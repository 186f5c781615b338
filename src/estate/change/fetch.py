"""Reaching devices: where each one listens, how we log in, and reading running configs.

Owns the Nornir inventory built in code (no YAML files: the device model is the inventory),
the netmiko connection settings (host keys checked against a known_hosts file unless trust on
first use is asked for explicitly), credentials from the environment, one retry on connection
errors, and reading saved running configs from a folder. A device that cannot be read is a
`FetchResult` with an error, never an exception out of `fetch_running`.
"""

from __future__ import annotations

import functools
import os
import shlex
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from estate.change.connections import ConnectFailure, DeviceAccess, EnableError, classify

ENV_USERNAME = "ESTATE_SSH_USERNAME"
ENV_PASSWORD = "ESTATE_SSH_PASSWORD"  # noqa: S105 - the variable's name
ENV_SECRET = "ESTATE_ENABLE_SECRET"  # noqa: S105 - the variable's name
DEFAULT_USERNAME = "estate"
SSH_PORT = 22
CONNECTION = "netmiko"


class FetchError(Exception):
    """Devices cannot be reached as asked (missing credentials, no lab, bad folder)."""


class Credentials(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    password: SecretStr
    secret: SecretStr

    def values(self) -> dict[str, str]:
        """The secret values, for masking anything written."""
        return {"SSH_PASSWORD": self.password.get_secret_value(), "ENABLE_SECRET": self.secret.get_secret_value()}


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    env = os.environ if environ is None else environ
    password = env.get(ENV_PASSWORD, "")
    if not password:
        raise FetchError(f"no SSH password: set {ENV_PASSWORD} (and {ENV_USERNAME}, {ENV_SECRET})")
    return Credentials(
        username=env.get(ENV_USERNAME) or DEFAULT_USERNAME,
        password=SecretStr(password),
        secret=SecretStr(env.get(ENV_SECRET) or password),
    )


Endpoint = DeviceAccess  # the old name: one access model for fetch, review and push


@dataclass(frozen=True, slots=True)
class ConnectSettings:
    """How to connect. Host keys: `known_hosts` file (default: the user's ~/.ssh/known_hosts);
    `trust_on_first_use` accepts a key never seen before (a known key that changed is still
    refused) and appends it to `known_hosts`."""

    known_hosts: Path | None = None
    trust_on_first_use: bool = False
    workers: int = 50
    conn_timeout: float = 10.0
    auth_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 1
    retry_delay: float = 0.5


@dataclass(slots=True)
class FetchResult:
    hostname: str
    text: str | None = None
    error: str | None = None
    attempts: int = 0
    seconds: float = 0.0
    source: str = "ssh"
    failure: ConnectFailure | None = None

    @property
    def ok(self) -> bool:
        return self.text is not None


@dataclass(slots=True)
class _Counter:
    attempts: dict[str, int] = field(default_factory=dict)


def netmiko_params(endpoint: Endpoint, credentials: Credentials, settings: ConnectSettings) -> dict[str, Any]:
    known = settings.known_hosts
    params: dict[str, Any] = {
        "device_type": endpoint.device_type,
        "host": endpoint.host,
        "port": endpoint.port,
        "username": os.environ.get(endpoint.username_env) or credentials.username,
        "password": credentials.password.get_secret_value(),
        "secret": credentials.secret.get_secret_value(),
        # RejectPolicy unless TOFU; paramiko refuses a *changed* known key under either policy
        "ssh_strict": not settings.trust_on_first_use,
        "system_host_keys": known is None,
        "alt_host_keys": known is not None,
        "alt_key_file": str(known) if known is not None else "",
        "use_keys": False,
        "allow_agent": False,
        "conn_timeout": settings.conn_timeout,
        "auth_timeout": settings.auth_timeout,
        "banner_timeout": settings.conn_timeout,
        "read_timeout_override": settings.read_timeout,
        "fast_cli": True,
    }
    if endpoint.jump_host:
        params["sock"] = jump_sock(endpoint, settings)
    return params


def jump_sock(endpoint: Endpoint, settings: ConnectSettings) -> Any:
    """A channel to the device through its jump host, opened by OpenSSH (`ssh -W`): the user's
    keys, agent, known_hosts and ssh_config apply to the jump host as they do by hand. The
    jump host string was validated (`[user@]host[:port]`, no leading dash), and the command is
    an argument list, so nothing in it reaches a shell."""
    import paramiko  # type: ignore[import-untyped]

    assert endpoint.jump_host is not None
    target, _, port = endpoint.jump_host.rpartition(":") if not endpoint.jump_host.endswith("]") else ("", "", "")
    if not target or not port.isdigit():
        target, port = endpoint.jump_host, ""
    command = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, int(settings.conn_timeout))}"]
    if port:
        command += ["-p", port]
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    command += ["-W", f"{host}:{endpoint.port}", "--", target]
    return paramiko.ProxyCommand(" ".join(shlex.quote(part) for part in command))


def _retryable(exc: BaseException) -> bool:
    """Connection-level failures worth one more try. Not: bad credentials (a retry can lock
    the account) and host keys (a retry cannot make a wrong key right)."""
    from netmiko import NetmikoAuthenticationException, NetmikoTimeoutException
    from paramiko.ssh_exception import BadHostKeyException, SSHException  # type: ignore[import-untyped]

    if isinstance(exc, NetmikoAuthenticationException | BadHostKeyException | EnableError) or _host_key_problem(exc):
        return False
    return isinstance(exc, NetmikoTimeoutException | SSHException | OSError | EOFError)


def _host_key_problem(exc: BaseException) -> str | None:
    """netmiko wraps paramiko's host key errors in its timeout exception: read the message."""
    text = str(exc)
    if "does not match" in text and "Host key" in text:
        return "changed"
    if "not found in known_hosts" in text:
        return "unknown"
    return None


def describe_error(exc: BaseException, endpoint: Endpoint | None = None) -> str:
    """One line for a failure, without the device's name (callers name it): see `classify`."""
    kind, text = classify(exc, endpoint or DeviceAccess("device", "?"))
    return f"{kind}: {text.split(': ', 1)[1]}" if endpoint is None else f"{kind}: {text}"


def _remember_key(connection: Any, endpoint: Endpoint, known_hosts: Path | None) -> None:
    """Trust on first use: append the device's key to known_hosts if it is not there yet."""
    if known_hosts is None:
        return
    import paramiko

    key = connection.remote_conn.get_transport().get_remote_server_key()
    name = endpoint.host if endpoint.port == SSH_PORT else f"[{endpoint.host}]:{endpoint.port}"
    existing = paramiko.HostKeys(str(known_hosts)) if known_hosts.is_file() else paramiko.HostKeys()
    if existing.lookup(name) is None:
        known_hosts.parent.mkdir(parents=True, exist_ok=True)
        with known_hosts.open("a", encoding="utf-8") as stream:
            stream.write(f"{name} {key.get_name()} {key.get_base64()}\n")


def preload_host_keys(settings: ConnectSettings) -> Any:
    """The known_hosts file parsed once, for many connections (`connect(host_keys=...)`), or
    None where each connection must read it itself (trust on first use appends to it; no
    explicit file means the user's own)."""
    import paramiko

    known = settings.known_hosts
    if known is None or settings.trust_on_first_use or not known.is_file():
        return None
    return paramiko.HostKeys(str(known))


@functools.cache
def _preloaded_keys_class() -> Any:
    """netmiko's `cisco_xe` class whose SSH client gets its host's keys from a known_hosts file
    parsed once per run. Stock netmiko re-reads the whole file for every connection, and
    paramiko takes the process-wide logging lock for every line it reads: 500 threads reading
    500 lines each spent a minute of CPU queueing on that lock. Same checks: a key that differs
    is refused (BadHostKeyException), a host not listed is refused by the reject policy."""
    from netmiko.ssh_dispatcher import ssh_dispatcher

    base: Any = ssh_dispatcher("cisco_xe")

    class PreloadedHostKeys(base):  # type: ignore[misc]
        def __init__(self, *, host_keys: Any, **kwargs: Any) -> None:
            self._preloaded_host_keys = host_keys
            super().__init__(**kwargs)

        def _build_ssh_client(self) -> Any:
            client = self._get_ssh_client_instance()
            name = self.host if self.port == SSH_PORT else f"[{self.host}]:{self.port}"
            for key_type, key in (self._preloaded_host_keys.lookup(name) or {}).items():
                client.get_host_keys().add(name, key_type, key)
            client.set_missing_host_key_policy(self.key_policy)
            return client

    return PreloadedHostKeys


def connect(endpoint: Endpoint, credentials: Credentials, settings: ConnectSettings,
            host_keys: Any = None) -> tuple[Any, int]:
    """A netmiko connection in privileged mode, retrying connection errors; (conn, attempts).
    `host_keys`: known_hosts already parsed by `preload_host_keys` (None: netmiko reads the
    file named in the settings)."""
    from netmiko import ConnectHandler

    params = netmiko_params(endpoint, credentials, settings)
    attempt = 0
    while True:
        attempt += 1
        try:
            if host_keys is not None:
                connection = _preloaded_keys_class()(host_keys=host_keys, **params)
            else:
                connection = ConnectHandler(**params)
            if settings.trust_on_first_use:
                _remember_key(connection, endpoint, settings.known_hosts)
            _enable(connection)
            return connection, attempt
        except Exception as exc:
            if attempt > settings.retries or not _retryable(exc):
                raise
            time.sleep(settings.retry_delay)


def _enable(connection: Any) -> None:
    """Privileged EXEC, or `EnableError` (a wrong enable secret is not "unreachable")."""
    try:
        connection.enable()
    except Exception as exc:
        connection.disconnect()
        raise EnableError(str(exc).splitlines()[0] if str(exc) else "enable refused") from exc
    if not connection.check_enable_mode():
        connection.disconnect()
        raise EnableError("still at the user EXEC prompt after `enable`")


def show_running(connection: Any, settings: ConnectSettings) -> str:
    text: str = connection.send_command("show running-config", read_timeout=settings.read_timeout)
    return text


def _nornir(endpoints: list[Endpoint], credentials: Credentials, settings: ConnectSettings) -> Any:
    from nornir.core import Nornir
    from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
    from nornir.plugins.runners import ThreadedRunner

    hosts = Hosts()
    for endpoint in endpoints:
        params = netmiko_params(endpoint, credentials, settings)
        extras = {k: v for k, v in params.items() if k not in {"host", "port", "username", "password", "device_type"}}
        hosts[endpoint.hostname] = Host(
            name=endpoint.hostname,
            hostname=endpoint.host,
            port=endpoint.port,
            username=credentials.username,
            password=credentials.password.get_secret_value(),
            platform="cisco_xe",
            data={"site_id": endpoint.site_id, "role": endpoint.role, "endpoint": endpoint},
            connection_options={CONNECTION: ConnectionOptions(extras=extras)},
        )
    inventory = Inventory(hosts=hosts, groups=Groups(), defaults=Defaults())
    return Nornir(inventory=inventory, runner=ThreadedRunner(num_workers=max(1, settings.workers)))


Progress = Callable[[int, int], None]  # (devices done, devices in all)


class Ticker:
    """Counts finished devices across Nornir's threads for a progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress
        self._lock = threading.Lock()

    def tick(self) -> None:
        if self.progress is None:
            return
        with self._lock:
            self.done += 1
            self.progress(self.done, self.total)


def _read_task(task: Any, credentials: Credentials, settings: ConnectSettings, host_keys: Any = None,
               ticker: Ticker | None = None) -> str:
    """Nornir task: connect (with retry), `show running-config`, disconnect."""
    endpoint: Endpoint = task.host.data["endpoint"]
    started = time.monotonic()
    try:
        connection, attempts = connect(endpoint, credentials, settings, host_keys)
        try:
            text = show_running(connection, settings)
        finally:
            connection.disconnect()
    finally:
        if ticker is not None:
            ticker.tick()  # a failed device is done too
    task.host.data["attempts"] = attempts
    task.host.data["seconds"] = time.monotonic() - started
    return text


def fetch_running(
    endpoints: Iterable[Endpoint], credentials: Credentials, settings: ConnectSettings,
    progress: Progress | None = None,
) -> dict[str, FetchResult]:
    """Read every device's running config in parallel (Nornir threaded runner). Failures are
    results with an error; this never raises for a device. `progress(done, total)` is called
    from the worker threads as each device finishes."""
    chosen = list(endpoints)
    if not chosen:
        return {}
    nornir = _nornir(chosen, credentials, settings)
    aggregated = nornir.run(task=_read_task, credentials=credentials, settings=settings,
                            host_keys=preload_host_keys(settings), ticker=Ticker(len(chosen), progress),
                            on_failed=True)
    results: dict[str, FetchResult] = {}
    for name, multi in aggregated.items():
        host = nornir.inventory.hosts[name]
        result = multi[0]
        if result.failed or result.result is None:
            failure, error = None, "failed"
            if result.exception is not None:
                failure, error = classify(result.exception, host.data["endpoint"])
            results[name] = FetchResult(name, None, error, settings.retries + 1, failure=failure)
        else:
            results[name] = FetchResult(name, str(result.result), None, host.data.get("attempts", 1),
                                        host.data.get("seconds", 0.0))
    return results


def read_running_dir(folder: Path, hostnames: Iterable[str]) -> dict[str, FetchResult]:
    """Saved running configs under `folder`: `<hostname>.cfg` anywhere (flat, `estate backup`'s
    `<site>/` layout, or render's `<env>/<site>/`). In a render folder (its `manifest.json`
    lists the artefacts) the WLC is rebuilt whole, its global part and every site's share joined
    as the lab serves it. A device without a file, or saved in two places (two environments'
    renders, two backups), is reported as not read: picking one would be a guess."""
    if not folder.is_dir():
        raise FetchError(f"running-config folder {folder} does not exist")
    index = _saved_configs(folder)
    results: dict[str, FetchResult] = {}
    for name in hostnames:
        found = index.get(name, [])
        if not found:
            results[name] = FetchResult(name, None, f"no saved config {name}.cfg under {folder}", source="file")
        elif len(found) > 1:
            places = ", ".join(str(saved.where) for saved in found)
            results[name] = FetchResult(name, None, f"saved in more than one place ({places}): name one folder",
                                        source="file")
        else:
            try:
                results[name] = FetchResult(name, found[0].read(), source="file")
            except (OSError, UnicodeDecodeError) as exc:
                results[name] = FetchResult(name, None, f"cannot read {found[0].where}: "
                                            f"{getattr(exc, 'strerror', None) or exc}", source="file")
    return results


@dataclass(frozen=True, slots=True)
class _Saved:
    """One device's saved config: a file, or a render's WLC parts (read and joined on demand)."""

    where: Path
    parts: tuple[Any, ...] = ()  # (manifest entry, file) pairs of a rendered WLC

    def read(self) -> str:
        if not self.parts:
            return self.where.read_text(encoding="utf-8")
        from estate.build.device_configs import device_configs
        from estate.build.device_model import Role
        from estate.build.render import Artifact

        artifacts = [Artifact(entry.get("env", ""), entry.get("site"), entry["device"], Role(entry["role"]),
                              entry.get("template", ""), entry["path"], path.read_text(encoding="utf-8"))
                     for entry, path in self.parts]
        return next(iter(device_configs(artifacts).values()))[1]


def _saved_configs(folder: Path) -> dict[str, list[_Saved]]:
    """hostname -> where it is saved. Files a render manifest lists as WLC parts are claimed by
    their WLC; a manifest that does not parse as a render's is just a file."""
    wlc_roles = {"wlc_global", "wlc_site"}  # estate.build.device_model.Role values
    claimed: set[Path] = set()
    index: dict[str, list[_Saved]] = {}
    for manifest in sorted(folder.rglob("manifest.json")):
        entries = _render_entries(manifest)
        root = manifest.parent.parent  # a render's paths start with the environment's folder
        wlc: dict[str, list[tuple[dict[str, Any], Path]]] = {}
        for entry in entries:
            if entry.get("role") in wlc_roles:
                path = root / str(entry["path"])
                wlc.setdefault(str(entry["device"]), []).append((entry, path))
                claimed.add(path)
        for hostname, parts in wlc.items():
            index.setdefault(hostname, []).append(_Saved(manifest.parent, tuple(parts)))
    for found in sorted(folder.rglob("*.cfg")):
        if found not in claimed:
            index.setdefault(found.stem, []).append(_Saved(found))
    return index


def _render_entries(manifest: Path) -> list[dict[str, Any]]:
    import json

    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        entries = data["artifacts"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("path"), str)
            and isinstance(e.get("device"), str) and isinstance(e.get("role"), str)]


def port_reachable(endpoint: Endpoint, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return True
    except OSError:
        return False
