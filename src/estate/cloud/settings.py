"""The stack configuration (`estate:*` keys of `Pulumi.<stack>.yaml`), parsed once into a typed,
frozen model. Environments differ only through these values.

Values arrive the way the Pulumi CLI passes them to a program: every value a string, structured
values as JSON text. Unknown keys are refused (a typo would otherwise silently fall back to a
default), and every error names the key as the user wrote it, e.g. `estate:voice.azCount`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from estate.capacity import CapacitySettings, Codec
from estate.inventory.inventory import Inventory

NAMESPACE = "estate"
AZ_LETTERS = "abc"
# RFC 1918, loopback, link-local, CGNAT: a site VPN peer on these could never be reached
NOT_ROUTABLE = tuple(IPv4Network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10"))
InstanceType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")]


class SettingsError(ValueError):
    """A stack configuration value that cannot be used; the message names the key."""


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel,
                              populate_by_name=True)


class VpnHub(Model):
    """A WAN hub router that terminates site traffic and peers with the Transit Gateway."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9-]{2,32}$")]
    public_ip: IPv4Address
    bgp_asn: Annotated[int, Field(ge=1, le=4_294_967_294)]

    @field_validator("public_ip")
    @classmethod
    def _public(cls, value: IPv4Address) -> IPv4Address:
        if any(value in net for net in NOT_ROUTABLE) or value.is_multicast or value.is_unspecified:
            raise ValueError(f"{value} is not a public address (a VPN peer must be reachable)")
        return value


class Network(Model):
    az_count: Annotated[int, Field(ge=2, le=3)] = 2
    vpc_cidr: IPv4Network
    transit_gateway_asn: Annotated[int, Field(ge=64512, le=65534)] = 64512
    vpn_hubs: list[VpnHub] = Field(default_factory=list)
    direct_connect_gateway_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")] | None = None

    @field_validator("vpc_cidr")
    @classmethod
    def _size(cls, value: IPv4Network) -> IPv4Network:
        if not 16 <= value.prefixlen <= 22:
            raise ValueError(f"{value} must be between a /16 and a /22 to hold a subnet per AZ and tier")
        return value

    @field_validator("vpn_hubs")
    @classmethod
    def _unique(cls, value: list[VpnHub]) -> list[VpnHub]:
        names = [hub.name for hub in value]
        if len(names) != len(set(names)):
            raise ValueError(f"hub names repeat: {names}")
        return value

    @property
    def azs(self) -> list[str]:
        return [f"eu-west-2{AZ_LETTERS[i]}" for i in range(self.az_count)]


class Voice(Model):
    erlang_per_phone: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1
    grade_of_service: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.01
    codec: Codec = Codec.G711
    channels_per_sbc: Annotated[int, Field(ge=10, le=20_000)] = 500
    calls_per_call_control: Annotated[int, Field(ge=10, le=50_000)] = 2000
    sbc_instance_type: InstanceType = "c6i.xlarge"
    call_control_instance_type: InstanceType = "m6i.large"
    ami_id: Annotated[str, Field(pattern=r"^ami-[0-9a-f]{8,17}$")]
    private_ca_arn: Annotated[str, Field(
        pattern=r"^arn:aws:acm-pca:eu-west-2:\d{12}:certificate-authority/[0-9a-f-]{36}$")]
    sip_subdomain: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,32}$")] = "sip"


class Evidence(Model):
    ingest_retention_days: Annotated[int, Field(ge=1, le=365)] = 31
    evidential_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "COMPLIANCE"
    evidential_retention_days: Annotated[int, Field(ge=1, le=36_500)] = 2557  # 7 years
    glacier_after_days: Annotated[int, Field(ge=1, le=3650)] = 90
    deep_archive_after_days: Annotated[int, Field(ge=2, le=3650)] = 365
    audit_retention_days: Annotated[int, Field(ge=90, le=3650)] = 400
    kms_deletion_window_days: Annotated[int, Field(ge=7, le=30)] = 30
    bwv_gb_per_hour: Annotated[float, Field(gt=0.0, le=50.0)] = 2.2
    bwv_hours_per_camera_day: Annotated[float, Field(ge=0.0, le=24.0)] = 0.5
    evidential_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1

    @model_validator(mode="after")
    def _order(self) -> Evidence:
        if self.deep_archive_after_days <= self.glacier_after_days:
            raise ValueError("deepArchiveAfterDays must come after glacierAfterDays")
        return self


class StackSettings(Model):
    stack: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,15}$")]
    inventory: str | None = None
    network: Network
    voice: Voice
    evidence: Evidence

    @model_validator(mode="after")
    def _prod_locks_for_good(self) -> StackSettings:
        if self.stack == "prod" and self.evidence.evidential_lock_mode != "COMPLIANCE":
            raise ValueError(f"{NAMESPACE}:evidence.evidentialLockMode must be COMPLIANCE in prod "
                             "(prod keeps evidence under COMPLIANCE lock)")
        return self

    def capacity(self) -> CapacitySettings:
        """The capacity assumptions this stack is sized with."""
        return CapacitySettings(
            erlang_per_phone=self.voice.erlang_per_phone,
            grade_of_service=self.voice.grade_of_service,
            codec=self.voice.codec,
            bwv_gb_per_hour=self.evidence.bwv_gb_per_hour,
            bwv_hours_per_camera_day=self.evidence.bwv_hours_per_camera_day,
            ingest_retention_days=self.evidence.ingest_retention_days,
            evidential_share=self.evidence.evidential_share,
        )

    def inventory_path(self, project_dir: Path) -> Path:
        if self.inventory is None:
            return project_dir / "network_configs"
        path = Path(self.inventory)
        return path if path.is_absolute() else project_dir / path


def _location(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return NAMESPACE  # a check across several keys; its message names them
    head, *rest = loc
    text = f"{NAMESPACE}:{head}"
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def parse_settings(stack: str, values: Mapping[str, str]) -> StackSettings:
    """Settings from the `estate:*` config values (strings, structured ones as JSON text)."""
    document: dict[str, Any] = {"stack": stack}
    for key, raw in values.items():
        namespace, _, name = key.partition(":")
        if namespace != NAMESPACE:
            continue
        if name not in StackSettings.model_fields or name == "stack":
            known = ", ".join(f"{NAMESPACE}:{k}" for k in StackSettings.model_fields if k != "stack")
            raise SettingsError(f"{key}: unknown setting (known: {known})")
        if name == "inventory":
            document[name] = raw
            continue
        try:
            document[name] = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SettingsError(f"{key}: expected a structured value (JSON object): {exc.msg}") from None
    try:
        return StackSettings.model_validate(document)
    except ValidationError as exc:
        messages = [f"{_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise SettingsError("; ".join(messages)) from None


def check_against_inventory(settings: StackSettings, inventory: Inventory) -> None:
    """What the settings can only be checked against: the environment's sites and supernet."""
    env = inventory.environment(settings.stack)
    if settings.network.vpc_cidr.overlaps(env.supernet):
        raise SettingsError(f"{NAMESPACE}:network.vpcCidr: {settings.network.vpc_cidr} overlaps the "
                            f"sites' supernet {env.supernet} of environment {settings.stack}")
    hubs = {site.wan_hub for site in inventory.env_sites(settings.stack)}
    for i, hub in enumerate(settings.network.vpn_hubs):
        if hub.name not in hubs:
            raise SettingsError(f"{NAMESPACE}:network.vpnHubs[{i}].name: no site of {settings.stack} "
                                f"uses hub '{hub.name}' (sites use: {', '.join(sorted(hubs))})")


def read_stack_config(project_dir: Path, stack: str) -> dict[str, str]:
    """`Pulumi.<stack>.yaml` flattened the way the CLI hands config to a program."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise SettingsError(f"no stack configuration {path.name} in {project_dir}")
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config = document.get("config") or {}
    return {key: value if isinstance(value, str) else json.dumps(value)
            for key, value in config.items()}
