"""Device access settings resolved per device, and connection failures classified.

Owns `DeviceAccess` (where and how estate reaches one device: address, port, netmiko device
type, jump host, username variable, and what platform it must be), the two sources of them
(the inventory's `access.yaml` over the device model's derived addresses, or a running lab's
lab.json) and `classify`, which turns anything raised while connecting into one
`ConnectFailure` and a one-line message naming the device, its address and port. The full
exception goes to a log the caller keeps; the terminal gets the line.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

DEFAULT_PORT = 22
DEFAULT_DEVICE_TYPE = "cisco_xe"
DEFAULT_USERNAME_ENV = "ESTATE_SSH_USERNAME"
DEFAULT_TRAIN = "17."


@dataclass(frozen=True, slots=True)
class DeviceAccess:
    """One device's way in. Field order keeps `Endpoint(hostname, host, port, site_id, role)`
    working (fetch's old name for it); pass the rest by keyword."""

    hostname: str
    host: str
    port: int = DEFAULT_PORT
    site_id: str | None = None
    role: str = ""
    device_type: str = DEFAULT_DEVICE_TYPE
    username_env: str = DEFAULT_USERNAME_ENV
    jump_host: str | None = None  # [user@]host[:port], reached with OpenSSH (ssh -W)
    platform: str = ""  # model family expected, e.g. "C9300"; "" = not checked
    software_train: str = ""  # version prefix expected, e.g. "17."; "" = not checked

    @property
    def where(self) -> str:
        via = f" via {self.jump_host}" if self.jump_host else ""
        return f"{self.hostname} ({self.host}:{self.port}{via})"


class ConnectFailure(StrEnum):
    AUTH_FAILED = "auth-failed"
    ENABLE_FAILED = "enable-failed"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    HOST_KEY_UNKNOWN = "host-key-unknown"
    HOST_KEY_CHANGED = "host-key-changed"
    UNREACHABLE = "unreachable"
    PROTOCOL = "protocol"


class EnableError(Exception):
    """Privileged EXEC refused (wrong enable secret); raised by `fetch.connect`."""


def model_family(model: str) -> str:
    """`C9300-48P` → `C9300`, `C9800-40` → `C9800`: what a platform check compares."""
    return model.split("-", 1)[0].upper()


def access_for(inventory: Any, env: str, hostnames: Iterable[str]) -> dict[str, DeviceAccess]:
    """Access settings of each named device of `env`: the device model's management address
    and model (switches, each site's edge router on its loopback, the hub routers, the WLCs),
    then the environment's defaults and the device's own entry of `access.yaml`. A name the
    environment does not hold is left out (the caller reports it)."""
    from estate.build.device_model import Role, build_site
    from estate.build.wlc_pairs import pair_hostname

    wanted = set(hostnames)
    derived: dict[str, DeviceAccess] = {}
    for site in inventory.env_sites(env):
        model = build_site(inventory, env, site)
        for switch in model.switches:
            if switch.hostname in wanted:
                derived[switch.hostname] = DeviceAccess(
                    switch.hostname, str(switch.mgmt_ip), DEFAULT_PORT, switch.site_id, switch.role.value,
                    platform=model_family(switch.model), software_train=DEFAULT_TRAIN)
        edge = model.edge
        if edge.hostname in wanted:  # reached on its loopback, like the core
            derived[edge.hostname] = DeviceAccess(edge.hostname, str(edge.loopback), DEFAULT_PORT, edge.site_id,
                                                  Role.EDGE.value, platform=model_family(edge.model),
                                                  software_train=DEFAULT_TRAIN)
    derived.update(_hub_access(inventory, env, wanted))
    wireless = inventory.environment(env).wireless
    # each SSO pair and the guest anchor: one device, one management address
    for unit in [*wireless.pairs, *([wireless.guest_anchor] if wireless.guest_anchor else [])]:
        wlc = pair_hostname(inventory, env, unit)
        if wlc in wanted:
            derived[wlc] = DeviceAccess(wlc, str(unit.address), DEFAULT_PORT, None, Role.WLC_GLOBAL.value,
                                        platform=model_family(wireless.model), software_train=DEFAULT_TRAIN)
    settings = getattr(inventory, "access", None)
    if settings is None:
        return derived
    return {name: settings.apply(env, access) for name, access in derived.items()}


def _hub_access(inventory: Any, env: str, wanted: set[str]) -> dict[str, DeviceAccess]:
    """The environment's hub routers that are wanted, reached on their first carrier link (the
    address their management leaves from: `estate.build.hubs`)."""
    from estate.build.device_model import Role
    from estate.build.hubs import HUB_PLATFORM
    from estate.build.wan import env_hubs, hub_hostname, hub_links

    found = {}
    for hub in env_hubs(inventory.estate, env):
        hostname = hub_hostname(inventory, env, hub)
        links = hub_links(inventory.estate, hub.name)
        if hostname in wanted and links:
            found[hostname] = DeviceAccess(hostname, str(links[0].local), DEFAULT_PORT, None, Role.HUB.value,
                                           platform=model_family(HUB_PLATFORM.model), software_train=DEFAULT_TRAIN)
    return found


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it was raised from or during, and the per-address errors paramiko
    folds into one `NoValidConnectionsError` (netmiko wraps that in its timeout exception)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (getattr(current, "errors", None) or {}).values() if isinstance(e, BaseException)]
        following = current.__cause__ or current.__context__
        if following is not None:
            pending.append(following)


def _first_line(exc: BaseException) -> str:
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return text or type(exc).__name__


def classify(exc: BaseException, access: DeviceAccess) -> tuple[ConnectFailure, str]:
    """(outcome, one-line message naming device, address and port), never a traceback."""
    kind, what = _kind(exc, access)
    return kind, f"{access.where}: {what}"


def _kind(exc: BaseException, access: DeviceAccess) -> tuple[ConnectFailure, str]:  # noqa: PLR0911 - one per outcome
    from netmiko import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
    from paramiko.ssh_exception import (  # type: ignore[import-untyped]
        AuthenticationException,
        BadHostKeyException,
    )

    chain = list(_chain(exc))
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, EnableError) for e in chain):
        return ConnectFailure.ENABLE_FAILED, ("logged in, but privileged EXEC was refused: "
                                              "check ESTATE_ENABLE_SECRET")
    if any(isinstance(e, BadHostKeyException) for e in chain) or ("Host key" in text and "does not match" in text):
        return ConnectFailure.HOST_KEY_CHANGED, ("the device's host key differs from known_hosts (refused: "
                                                 "a replaced device, or someone in the path); remove the old "
                                                 "entry only once you know which")
    if "not found in known_hosts" in text:
        return ConnectFailure.HOST_KEY_UNKNOWN, ("host key not in known_hosts (refused); add it, or use "
                                                 "--trust-on-first-use once")
    if any(isinstance(e, NetmikoAuthenticationException | AuthenticationException) for e in chain):
        return ConnectFailure.AUTH_FAILED, (f"authentication failed: check {access.username_env} and "
                                            "ESTATE_SSH_PASSWORD")
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or (isinstance(e, OSError) and e.errno == errno.ECONNREFUSED):
            return ConnectFailure.REFUSED, "connection refused (nothing listens on that port)"
        if isinstance(e, socket.gaierror):
            return ConnectFailure.UNREACHABLE, f"the name {access.host} does not resolve"
        if isinstance(e, OSError) and e.errno in {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL}:
            return ConnectFailure.UNREACHABLE, f"no route to the device ({e.strerror or _first_line(e)})"
        if isinstance(e, TimeoutError | socket.timeout):
            return ConnectFailure.TIMEOUT, "no answer in time (a firewall, or the device is down)"
    if "DNS failure" in text or "not resolvable" in text:
        return ConnectFailure.UNREACHABLE, f"the name {access.host} does not resolve"
    if any(isinstance(e, ReadTimeout) for e in chain):
        return ConnectFailure.TIMEOUT, f"connected, but the device stopped answering: {_first_line(exc)}"
    if any(isinstance(e, NetmikoTimeoutException) for e in chain):
        return ConnectFailure.TIMEOUT, f"timed out: {_first_line(exc)}"
    return ConnectFailure.PROTOCOL, f"the SSH session failed: {type(exc).__name__}: {_first_line(exc)}"
