"""The one mocks class for running the stack program without the Pulumi engine or AWS.

`EstateMocks()` records every declared resource and answers with plausible ids and ARNs (what
`estate plan` needs). `EstateMocks(backend=...)` additionally hands each resource whose type the
backend handles to it and returns the backend's ids: the stack tests pass the moto backend
(`tests/stacks/moto_backend.py`, test support, never installed) so they can assert real AWS
state; types it lacks stay plain mocks, and the mocks say which was which. Nothing here imports
boto3 or moto, so `estate plan` runs without them. `run_program` runs a program under the mocks
and waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any, Protocol

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockMonitor


class Backend(Protocol):
    """Where declared resources are really created (the tests' moto backend)."""

    def handles(self, typ: str) -> bool: ...

    def create(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]: ...


@dataclass
class Declared:
    """One resource the program declared: its type, name, inputs and what the mocks answered."""

    typ: str
    name: str
    inputs: dict[str, Any]
    custom: bool
    id: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    backed: bool = False  # created in moto
    urn: str = ""
    parent: str = ""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)


def _service(typ: str) -> tuple[str, str]:
    package_module, _, kind = typ.rpartition(":")
    return package_module.split(":")[-1].split("/")[0], kind[:1].lower() + kind[1:]


def plain_outputs(typ: str, name: str, inputs: dict[str, Any], account: str) -> tuple[str, dict[str, Any]]:
    """Computed outputs a provider would fill in, enough for the program's `apply`s."""
    service, kind = _service(typ)
    ident = str(inputs.get("bucket") or inputs.get("name") or f"{name}-id")
    state: dict[str, Any] = {"arn": f"arn:aws:{service}:eu-west-2:{account}:{kind}/{ident}"}
    if typ == "aws:s3/bucket:Bucket":
        state["arn"] = f"arn:aws:s3:::{ident}"
        state["bucket"] = ident
    elif typ == "aws:lb/loadBalancer:LoadBalancer":
        state.update(dnsName=f"{ident}.elb.eu-west-2.amazonaws.com", zoneId="ZD4D7Y8KGAS4G")
    elif typ == "aws:route53/zone:Zone":
        state["zoneId"] = f"Z{abs(hash(ident)) % 10**12:012d}"
    elif typ == "aws:kms/key:Key":
        state["keyId"] = f"{name}-id"
    elif typ == "aws:chime/voiceConnector:VoiceConnector":
        state["outboundHostName"] = f"{ident}.voiceconnector.chime.aws"
    elif typ == "aws:ec2/vpnConnection:VpnConnection":
        state.update(vpn_tunnels(inputs))
    return ident if typ == "aws:s3/bucket:Bucket" else f"{name}-id", state


# AWS picks each tunnel's outside address; offline they are documentation addresses
# (RFC 5737 TEST-NET-1), never a real endpoint: a config rendered from them cannot reach AWS
PLACEHOLDER_OUTSIDE = IPv4Network("192.0.2.0/24")


def vpn_tunnels(inputs: dict[str, Any]) -> dict[str, Any]:
    """What AWS computes per tunnel of a VPN connection: the inside addresses from the inside /30
    (AWS's side the first host, the customer gateway's the second) and a placeholder outside
    address, one per /30 (so distinct across hubs)."""
    state: dict[str, Any] = {}
    for n in (1, 2):
        cidr = inputs.get(f"tunnel{n}InsideCidr")
        if not isinstance(cidr, str):
            continue  # AWS would choose the /30: nothing to derive offline
        network = IPv4Network(cidr)
        slot = (int(network.network_address) >> 2) % (PLACEHOLDER_OUTSIDE.num_addresses - 2)
        state[f"tunnel{n}Address"] = str(PLACEHOLDER_OUTSIDE[1 + slot])
        state[f"tunnel{n}VgwInsideAddress"] = str(network[1])
        state[f"tunnel{n}CgwInsideAddress"] = str(network[2])
    return state


def described(value: Any) -> Any:
    """Inputs as plain data: an asset or archive (a Lambda's code) as what it holds, not an object."""
    if isinstance(value, pulumi.FileAsset):
        return {"fileAsset": str(value.path)}
    if isinstance(value, pulumi.StringAsset):
        return {"stringAsset": f"{len(value.text)} characters"}
    if isinstance(value, pulumi.AssetArchive):
        return {"assetArchive": {name: described(item) for name, item in sorted(value.assets.items())}}
    if isinstance(value, dict):
        return {key: described(item) for key, item in value.items()}
    if isinstance(value, list):
        return [described(item) for item in value]
    return value


class EstateMocks(pulumi.runtime.Mocks):
    def __init__(self, backend: Backend | None = None, account: str = "123456789012") -> None:
        self.backend = backend
        self.account = account
        self.declared: dict[tuple[str, str], Declared] = {}
        self._lock = threading.Lock()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)  # the engine's values: the state handed back keeps their types
        record = Declared(args.typ, args.name, {key: described(value) for key, value in inputs.items()},
                          bool(args.custom))
        if not args.custom:
            record.id = ""
        elif self.backend is not None and self.backend.handles(args.typ):
            record.id, extra = self.backend.create(args.typ, args.name, inputs)
            record.state, record.backed = {**inputs, **extra}, True
        else:
            record.id, extra = plain_outputs(args.typ, args.name, inputs, self.account)
            record.state = {**inputs, **extra}
        with self._lock:
            self.declared[(args.typ, args.name)] = record
        return record.id or None, record.state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None  # the program reads no data sources: AZs and account come from settings

    def custom(self) -> list[Declared]:
        return sorted((d for d in self.declared.values() if d.custom), key=lambda d: (d.typ, d.name))

    def types(self, backed: bool) -> set[str]:
        return {d.typ for d in self.declared.values() if d.custom and d.backed == backed}


class TreeMonitor(MockMonitor):
    """The SDK's mock monitor, also noting each resource's URN and parent for the plan's tree."""

    def __init__(self, mocks: EstateMocks) -> None:
        super().__init__(mocks)
        self.estate_mocks = mocks
        self.stack_urn = ""
        self.links: dict[tuple[str, str], tuple[str, str, dict[str, list[str]]]] = {}
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # SDK untyped
        with self._lock:
            if request.type == "pulumi:pulumi:Stack":
                self.stack_urn = response.urn
            deps = {key: list(value.urns) for key, value in request.propertyDependencies.items()}
            self.links[(request.type, request.name)] = (response.urn, request.parent, deps)
        return response

    def link(self) -> list[Declared]:
        """Every declared resource with its URN and parent URN filled in."""
        resources = list(self.estate_mocks.declared.values())
        for record in resources:
            record.urn, record.parent, record.property_dependencies = self.links.get(
                (record.typ, record.name), ("", "", {}))
        return resources


def run_program(mocks: EstateMocks, project: str, stack: str, config: dict[str, str],
                program: Callable[[], object]) -> TreeMonitor:
    """Run `program` as stack `stack` under `mocks` with `config`, waiting for every resource.

    The config is process-global in the SDK, so it is replaced for every run; mocks are set
    before the program declares anything (a resource declared earlier would never reach them).
    """
    pulumi.runtime.set_all_config(config)
    settings.ROOT.set(None)  # a fresh root stack per run, named for this stack
    monitor = TreeMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]  # the SDK leaves it untyped
    monitor.link()
    return monitor
