"""The cloud side of the WAN as the stack reports it: a file of stack outputs, either
`pulumi stack output --json --show-secrets > FILE` of a deployed stack or `estate plan --env E
--outputs FILE` (the offline plan under mocks). Only its `wanHubs` export is read: per hub router,
the customer gateway, the Transit Gateway's ASN, both tunnels of the VPN connection and the
prefixes the VPC routes through the Transit Gateway.

Pre-shared keys may be in the file (`--show-secrets`); they are dropped as the file is read, so
nothing downstream can print them: hub configs carry `${VPN_PSK_<HUB>_T<n>}` placeholders.
Every problem names the file and the key (`wanHubs.hub-north.tunnels[0].insideCidr`), all at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

EXPORT = "wanHubs"  # the stack output estate.cloud.program exports
OFFLINE_MARKER = "offlinePlan"  # only `estate plan --outputs` writes it (estate.cloud.plan)
MASKED_EXPORT = "[secret]"  # what `pulumi stack output` prints without --show-secrets
INSIDE_RANGE = IPv4Network("169.254.0.0/16")
HINT = ("write it with `pulumi stack output --json --show-secrets > FILE` (a deployed stack) or "
        "`estate plan --env ENV --outputs FILE` (offline)")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


class TunnelOutputs(_Model):
    """One IPsec tunnel of a VPN connection, as AWS set it up."""

    outside_address: IPv4Address  # AWS's endpoint: the hub's `tunnel destination`
    inside_cidr: IPv4Network  # the /30 inside the tunnel
    cgw_inside_address: IPv4Address  # the hub's end of it
    vgw_inside_address: IPv4Address  # AWS's end: the BGP neighbour

    @model_validator(mode="before")
    @classmethod
    def _drop_key(cls, data: Any) -> Any:
        # the pre-shared key is never kept: a value here could only ever leak
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in ("presharedKey", "preshared_key")}
        return data

    @field_validator("inside_cidr")
    @classmethod
    def _inside(cls, value: IPv4Network) -> IPv4Network:
        if value.prefixlen != 30 or not value.subnet_of(INSIDE_RANGE):
            raise ValueError(f"{value} is not a /30 of {INSIDE_RANGE} (what AWS uses inside a tunnel)")
        return value

    @model_validator(mode="after")
    def _ends_inside(self) -> TunnelOutputs:
        hosts = list(self.inside_cidr.hosts())
        if self.vgw_inside_address != hosts[0] or self.cgw_inside_address != hosts[1]:
            raise ValueError(f"vgwInsideAddress {self.vgw_inside_address} and cgwInsideAddress "
                             f"{self.cgw_inside_address} are not {hosts[0]} and {hosts[1]} of insideCidr "
                             f"{self.inside_cidr} (AWS takes the first host, the customer gateway the second)")
        return self


class HubOutputs(_Model):
    """What the stack declared for one hub router (`wanHubs.<hub>`)."""

    customer_gateway_id: str
    customer_gateway_address: IPv4Address
    customer_gateway_asn: Annotated[int, Field(ge=1, le=4_294_967_294)]  # the provider gives it as text
    transit_gateway_asn: Annotated[int, Field(ge=1, le=4_294_967_294)]
    vpn_connection_id: str
    tunnels: list[TunnelOutputs] = Field(min_length=2, max_length=2)
    site_supernets: list[IPv4Network] = Field(min_length=1)  # what the VPC routes to the sites
    service_routes: list[IPv4Network] = Field(default_factory=list)  # the site resolvers it also routes there
    vpc_cidrs: list[IPv4Network] = Field(min_length=1)


@dataclass(frozen=True)
class StackOutputs:
    path: Path
    hubs: dict[str, HubOutputs]
    offline: str | None  # the offline plan's note: outside addresses are placeholders

    def line_of(self, hub: str) -> str:
        """`FILE: wanHubs.<hub>`, how problems name a hub's entry."""
        return f"{self.path}: {EXPORT}.{hub}"


@dataclass(frozen=True)
class OutputsProblem:
    file: str
    key: str
    message: str

    def render(self) -> str:
        return f"{self.file}: {self.key}: {self.message}" if self.key else f"{self.file}: {self.message}"


class StackOutputsError(ValueError):
    """A stack-outputs file that cannot be used; every problem names the file and the key."""

    def __init__(self, problems: list[OutputsProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.render() for p in self.problems))


def _key(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def load_stack_outputs(path: Path) -> StackOutputs:
    """Read and check the file; raises `StackOutputsError` naming every problem."""
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StackOutputsError([OutputsProblem(label, "", f"no such file; {HINT}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise StackOutputsError([OutputsProblem(label, "", f"cannot be read: {reason}")]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StackOutputsError([OutputsProblem(
            label, "", f"line {exc.lineno}: not JSON ({exc.msg}); {HINT}")]) from None
    if not isinstance(document, dict):
        raise StackOutputsError([OutputsProblem(label, "", f"expected a JSON object of stack outputs; {HINT}")])
    hubs = document.get(EXPORT)
    if hubs is None:
        raise StackOutputsError([OutputsProblem(
            label, EXPORT, f"missing: the stack exports it since the hub routers were added (run `pulumi up` "
                           f"first, or use the offline plan); {HINT}")])
    if hubs == MASKED_EXPORT:
        raise StackOutputsError([OutputsProblem(
            label, EXPORT, "shown as [secret]: the file was written without --show-secrets (the tunnels' keys "
                           "make the export secret; estate reads the keys' presence, never prints them)")])
    if not isinstance(hubs, dict):
        raise StackOutputsError([OutputsProblem(label, EXPORT, "expected an object: hub name to its outputs")])
    problems: list[OutputsProblem] = []
    parsed: dict[str, HubOutputs] = {}
    for name, entry in hubs.items():
        try:
            parsed[str(name)] = HubOutputs.model_validate(entry)
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(OutputsProblem(label, f"{EXPORT}.{name}{_key(error['loc'])}", error["msg"]))
    if problems:
        raise StackOutputsError(problems)
    offline = document.get(OFFLINE_MARKER)
    return StackOutputs(path, parsed, offline if isinstance(offline, str) else None)
