"""`access.yaml`: how estate reaches devices, per environment (optional file).

Without it every device is reached at the management address the device model derives, on
port 22, as `cisco_xe`, with the username from ESTATE_SSH_USERNAME. With it, an environment's
`defaults` apply to every device of that environment and `devices.<HOSTNAME>` entries override
them for one device: a management host or address of its own (an out-of-band address, a DNS
name), a port, the netmiko device type, a jump host (`[user@]host[:port]`, reached through
OpenSSH's `ssh -W`, so the user's keys, agent and ssh_config apply), the environment variable
holding the username, and the platform and software train the device must report.

    environments:
      prod:
        defaults: {jump_host: "ops@bastion.net.example:22", software_train: "17."}
        devices:
          MPS-0001-CORE-01: {host: 10.255.0.1, port: 2222}
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from estate.inventory.models import DNS_LABEL, EnvName
from estate.problems import Problem, did_you_mean_id

if TYPE_CHECKING:
    from estate.change.connections import DeviceAccess
    from estate.inventory.inventory import Inventory
    from estate.inventory.yaml_source import YamlDocument

ACCESS_FILE = "access.yaml"
HOST_NAME = re.compile(rf"^(?:{DNS_LABEL}\.)*{DNS_LABEL}$", re.IGNORECASE)
JUMP_HOST = re.compile(r"^(?:(?P<user>[a-z_][a-z0-9_.-]{0,31})@)?"
                       rf"(?P<host>(?:{DNS_LABEL}\.)*{DNS_LABEL}|\[[0-9a-fA-F:]+\])(?::(?P<port>[0-9]{{1,5}}))?$",
                       re.IGNORECASE)
Hostname = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
Port = Annotated[int, Field(ge=1, le=65535, strict=True)]
EnvVar = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]{0,63}$")]
Family = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9]{1,15}$")]
Train = Annotated[str, Field(pattern=r"^[0-9]{1,2}(\.[0-9]{1,2}){0,2}\.?$")]
DeviceType = Literal["cisco_xe", "cisco_ios"]  # both drive IOS's CLI; estate's engine speaks IOS


def check_host(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if len(value) > 253 or not HOST_NAME.match(value):
        raise ValueError("expected an IP address or a DNS name")
    return value.lower()


def check_jump_host(value: str) -> str:
    found = JUMP_HOST.match(value)
    if found is None:
        raise ValueError("expected [user@]host[:port], such as ops@bastion.example.net:22")
    if found.group("port") is not None and not 1 <= int(found.group("port")) <= 65535:
        raise ValueError("the jump host's port must be from 1 to 65535")
    return value


class AccessSettings(BaseModel):
    """One layer of settings; a field left out inherits from the layer below."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str | None = None
    port: Port | None = None
    device_type: DeviceType | None = None
    username_env: EnvVar | None = None
    jump_host: str | None = None
    platform: Family | None = None
    software_train: Train | None = None

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        return None if value is None else check_host(value)

    @field_validator("jump_host")
    @classmethod
    def _jump(cls, value: str | None) -> str | None:
        return None if value is None else check_jump_host(value)

    def over(self, access: DeviceAccess) -> DeviceAccess:
        changes = {name: value for name, value in self.model_dump().items() if value is not None}
        return dataclasses.replace(access, **changes)


class Defaults(AccessSettings):
    @field_validator("host")
    @classmethod
    def _no_shared_host(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError("a host is one device's: set it under devices.<HOSTNAME>")
        return value


class EnvironmentAccess(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: Defaults = Defaults()
    devices: dict[Hostname, AccessSettings] = {}


class AccessFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    environments: dict[EnvName, EnvironmentAccess] = {}

    def apply(self, env: str, access: DeviceAccess) -> DeviceAccess:
        """`access` (derived) under the environment's defaults, then the device's own entry."""
        settings = self.environments.get(env)
        if settings is None:
            return access
        access = settings.defaults.over(access)
        own = settings.devices.get(access.hostname)
        return access if own is None else own.over(access)


def validate_access(doc: YamlDocument, problems: list[Problem]) -> AccessFile | None:
    """The file's model, or None with every problem reported (file, line, field)."""
    from estate.inventory.source_errors import dotted, inventory_hint, message, source_loc

    for key, line in doc.duplicate_keys:
        problems.append(Problem(ACCESS_FILE, f"key '{key}' appears twice", line=line, field=key,
                                hint="keep one of them"))
    data = {} if doc.data is None else doc.data
    try:
        return AccessFile.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            path = source_loc(error)
            problems.append(Problem(ACCESS_FILE, message(error), line=doc.line_of(path),
                                    field=dotted(path) or None, hint=inventory_hint(error)))
        return None


def access_problems(access: AccessFile | None, doc: YamlDocument | None, inventory: Inventory) -> list[Problem]:
    """Environments and devices `access.yaml` names that the inventory does not hold."""
    if access is None or doc is None:
        return []
    problems: list[Problem] = []
    known_envs = list(inventory.estate.environments)
    for env, settings in access.environments.items():
        if env not in known_envs:
            problems.append(Problem(ACCESS_FILE, f"unknown environment '{env}'",
                                    line=doc.line_of(("environments", env)), field=f"environments.{env}",
                                    hint=f"environments are: {', '.join(known_envs)}"))
            continue
        if not settings.devices:
            continue
        names = _hostnames(inventory, env)
        for name in settings.devices:
            if name not in names:
                path = ("environments", env, "devices", name)
                problems.append(Problem(ACCESS_FILE, f"device {name} is not in environment {env}",
                                        line=doc.line_of(path), field=".".join(path),
                                        hint=f"check the hostname{did_you_mean_id(name, names)}"))
    return problems


def _hostnames(inventory: Inventory, env: str) -> set[str]:
    from estate.build.device_model import build_site, wlc_hostnames

    names = set(wlc_hostnames(inventory, env))
    for site in inventory.env_sites(env):
        try:
            names.update(switch.hostname for switch in build_site(inventory, env, site).switches)
        except Exception:  # noqa: S112 - a site that cannot be built is reported by its own check
            continue
    return names

