"""The stack configuration (`estate:*` keys of `Pulumi.<stack>.yaml`), parsed once into a typed,
frozen model. Environments differ only through these values.

Values arrive the way the Pulumi CLI passes them to a program: every value a string, structured
values as JSON text. Unknown keys are refused (a typo would otherwise silently fall back to a
default), and every error names the key as the user wrote it, e.g. `estate:voice.azCount`, and,
when the values were read from `Pulumi.<stack>.yaml`, the file and line. The stack's AWS account
and region (`aws:allowedAccountIds`, `aws:region`) must be the inventory environment's own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from estate.build.capacity import CapacitySettings, Codec
from estate.inventory.inventory import Inventory
from estate.inventory.yaml_source import YamlDocument, YamlSyntaxError, parse_yaml

NAMESPACE = "estate"
AWS = "aws"
PROJECT_FILE = "Pulumi.yaml"
AZ_LETTERS = "abc"
# RFC 1918, loopback, link-local, CGNAT: a site VPN peer on these could never be reached
NOT_ROUTABLE = tuple(IPv4Network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10"))
InstanceType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")]


KeyPath = tuple[str | int, ...]  # a place under `config:` of a stack file: ("estate:voice", "amiId")


@dataclass(frozen=True)
class SettingProblem:
    key: str  # as the user wrote it, e.g. estate:network.vpnHubs[0].publicIp
    message: str
    path: KeyPath = ()
    file: str | None = None
    line: int | None = None

    def render(self) -> str:
        where = "" if self.file is None else (f"{self.file}: " if self.line is None else f"{self.file}:{self.line}: ")
        return f"{where}{self.key}: {self.message}" if self.key else f"{where}{self.message}"


class SettingsError(ValueError):
    """Stack configuration that cannot be used; every problem names its key (and line)."""

    def __init__(self, problems: str | Sequence[SettingProblem]) -> None:
        self.problems = (SettingProblem("", problems),) if isinstance(problems, str) else tuple(problems)
        super().__init__("; ".join(p.render() for p in self.problems))

    def located(self, source: StackFile | None) -> SettingsError:
        """The same problems with the file and line each came from."""
        return self if source is None else SettingsError([source.locate(p) for p in self.problems])


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
    # the one role (created outside the stack, used under two-person control) that may disable or
    # delete the KMS keys, change their policies or loosen the evidential bucket
    break_glass_role_name: Annotated[str, Field(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$")] = "estate-break-glass"

    @model_validator(mode="after")
    def _order(self) -> Evidence:
        if self.deep_archive_after_days <= self.glacier_after_days:
            raise ValueError("deepArchiveAfterDays must come after glacierAfterDays")
        return self


AccountId = Annotated[str, Field(pattern=r"^\d{12}$")]


class NetworkAccount(Model):
    """The account that owns the Direct Connect gateway, and the role there that this stack
    assumes to accept its association proposal (`estate:networkAccount`)."""

    account_id: AccountId
    role_arn: Annotated[str, Field(pattern=r"^arn:aws:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")]

    @model_validator(mode="after")
    def _role_in_account(self) -> NetworkAccount:
        if self.role_arn.split(":")[4] != self.account_id:
            raise ValueError(f"roleArn {self.role_arn} is not in accountId {self.account_id}")
        return self


class AwsTarget(Model):
    """Where the stack deploys (`aws:region`, `aws:allowedAccountIds`); checked against the
    inventory's environment, since the provider refuses any other account only if pinned."""

    region: str | None = None
    allowed_account_ids: tuple[AccountId, ...] | None = None


class StackSettings(Model):
    stack: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,15}$")]
    inventory: str | None = None
    network: Network
    voice: Voice
    evidence: Evidence
    network_account: NetworkAccount | None = None
    aws: AwsTarget = AwsTarget()

    @model_validator(mode="after")
    def _prod_locks_for_good(self) -> StackSettings:
        if self.stack == "prod" and self.evidence.evidential_lock_mode != "COMPLIANCE":
            raise ValueError(f"{NAMESPACE}:evidence.evidentialLockMode must be COMPLIANCE in prod "
                             "(prod keeps evidence under COMPLIANCE lock)")
        return self

    @model_validator(mode="after")
    def _dx_owner_known(self) -> StackSettings:
        if self.network.direct_connect_gateway_id and self.network_account is None:
            raise ValueError(f"{NAMESPACE}:networkAccount (accountId, roleArn) is needed with "
                             f"{NAMESPACE}:network.directConnectGatewayId: the gateway's owner accepts the association")
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


RESERVED = {"stack", AWS}  # fields of StackSettings that are not `estate:*` keys


def _place(loc: tuple[int | str, ...]) -> tuple[str, KeyPath]:
    """A pydantic error location as the user wrote the key, and its place in the stack file."""
    if not loc:
        return NAMESPACE, ()  # a check across several keys; its message names them
    head, *rest = loc
    if head == AWS and rest:
        head, *rest = rest
        key = f"{AWS}:{head}"
    else:
        key = f"{NAMESPACE}:{head}"
    text = key + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    return text, (key, *rest)


def _aws_values(values: Mapping[str, str], problems: list[SettingProblem]) -> dict[str, Any]:
    target: dict[str, Any] = {}
    if f"{AWS}:region" in values:
        target["region"] = values[f"{AWS}:region"]
    key = f"{AWS}:allowedAccountIds"
    if key in values:
        try:
            target["allowedAccountIds"] = json.loads(values[key])
        except json.JSONDecodeError as exc:
            problems.append(SettingProblem(key, f"expected a list of account ids: {exc.msg}", (key,)))
    return target


def parse_settings(stack: str, values: Mapping[str, str]) -> StackSettings:
    """Settings from the config values (strings, structured ones as JSON text)."""
    document: dict[str, Any] = {"stack": stack}
    problems: list[SettingProblem] = []
    fields = [to_camel(k) for k in StackSettings.model_fields if k not in RESERVED]  # keys as written
    known = ", ".join(f"{NAMESPACE}:{k}" for k in fields)
    for key, raw in values.items():
        namespace, _, name = key.partition(":")
        if namespace != NAMESPACE:
            continue
        if name not in fields:
            problems.append(SettingProblem(key, f"unknown setting (known: {known})", (key,)))
        elif name == "inventory":
            document[name] = raw
        else:
            try:
                document[name] = json.loads(raw)
            except json.JSONDecodeError as exc:
                problems.append(SettingProblem(key, f"expected a structured value (JSON object): {exc.msg}", (key,)))
    document[AWS] = _aws_values(values, problems)
    try:
        settings = StackSettings.model_validate(document)
    except ValidationError as exc:
        reported = {p.path[0] for p in problems if p.path}
        for error in exc.errors():
            key, path = _place(error["loc"])
            if not path or path[0] not in reported:  # one problem per key that did not parse
                problems.append(SettingProblem(key, error["msg"], path))
    if problems:
        raise SettingsError(problems)
    return settings


def check_against_inventory(settings: StackSettings, inventory: Inventory) -> None:
    """What the settings can only be checked against: the environment's account, region,
    sites and supernet. Every mismatch is reported, each naming both values."""
    env = inventory.environment(settings.stack)
    problems: list[SettingProblem] = []
    where = f"environment {settings.stack} in the inventory"
    region, accounts = settings.aws.region, settings.aws.allowed_account_ids
    if region != env.region:
        found = "not set" if region is None else f"{region} is not {env.region}"
        problems.append(SettingProblem(f"{AWS}:region", f"{found}, the region of {where}", (f"{AWS}:region",)))
    if accounts is None or list(accounts) != [env.aws_account]:
        found = "not set" if accounts is None else f"{json.dumps(list(accounts))} is not [\"{env.aws_account}\"]"
        key = f"{AWS}:allowedAccountIds"
        problems.append(SettingProblem(key, f"{found}, the account of {where} (pin exactly that one)", (key,)))
    cidr = settings.network.vpc_cidr
    if cidr.overlaps(env.supernet):
        key = f"{NAMESPACE}:network.vpcCidr"
        problems.append(SettingProblem(key, f"{cidr} overlaps the sites' supernet {env.supernet} of environment "
                                            f"{settings.stack}", (f"{NAMESPACE}:network", "vpcCidr")))
    if env.voice_supernet is not None and cidr.overlaps(env.voice_supernet):
        key = f"{NAMESPACE}:network.vpcCidr"
        problems.append(SettingProblem(key, f"{cidr} overlaps the phones' voice_supernet {env.voice_supernet} of "
                                            f"environment {settings.stack}", (f"{NAMESPACE}:network", "vpcCidr")))
    if settings.network_account is not None and settings.network_account.account_id == env.aws_account:
        key = f"{NAMESPACE}:networkAccount.accountId"
        problems.append(SettingProblem(key, f"{env.aws_account} is this stack's own account; the network account "
                                            "owns the Direct Connect gateway",
                                       (f"{NAMESPACE}:networkAccount", "accountId")))
    hubs = {site.wan_hub for site in inventory.env_sites(settings.stack)}
    for i, hub in enumerate(settings.network.vpn_hubs):
        if hub.name not in hubs:
            problems.append(SettingProblem(
                f"{NAMESPACE}:network.vpnHubs[{i}].name",
                f"no site of {settings.stack} uses hub '{hub.name}' (sites use: {', '.join(sorted(hubs))})",
                (f"{NAMESPACE}:network", "vpnHubs", i, "name")))
    if problems:
        raise SettingsError(problems)


@dataclass(frozen=True)
class StackFile:
    """`Pulumi.<stack>.yaml` as read: the values the CLI would hand the program, and where each
    key is, so problems name their line."""

    path: Path
    project: str
    values: dict[str, str]
    document: YamlDocument

    def locate(self, problem: SettingProblem) -> SettingProblem:
        line = _key_line(self.document, ("config", *problem.path)) if problem.path else None
        return replace(problem, file=str(self.path), line=line)


def _key_line(document: YamlDocument, path: KeyPath) -> int | None:
    # the line of the key itself (a block mapping's value starts on the line after its key)
    node, line = document.root, None
    for step in path:
        found = None
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if str(k.value) == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            found = (node.value[step], node.value[step])
        if found is None:
            break
        line, node = found[0].start_mark.line + 1, found[1]
    return line


def _read_yaml(path: Path) -> YamlDocument:
    label = str(path)
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SettingsError([SettingProblem("", "not UTF-8 text", file=label)]) from None
    except YamlSyntaxError as exc:
        raise SettingsError([SettingProblem("", str(exc), file=label, line=exc.line)]) from None
    if document.duplicate_keys:
        raise SettingsError([SettingProblem(key, "duplicate key (YAML would silently keep only the last value)",
                                            file=label, line=line) for key, line in document.duplicate_keys])
    if not isinstance(document.data, dict):
        raise SettingsError([SettingProblem("", "expected a mapping of keys at the top", file=label, line=1)])
    return document


def project_name(project_dir: Path) -> str:
    """The project's name from `Pulumi.yaml`; refuses a folder that is not a Pulumi project."""
    path = project_dir / PROJECT_FILE
    if not project_dir.is_dir():
        raise SettingsError(f"project folder {project_dir} does not exist")
    if not path.is_file():
        raise SettingsError(f"{project_dir} is not a Pulumi project folder: it has no {PROJECT_FILE}")
    name = _read_yaml(path).data.get("name")
    if not isinstance(name, str) or not name:
        raise SettingsError([SettingProblem("name", "the project needs a name", file=str(path), line=1)])
    return name


def load_stack_file(project_dir: Path, stack: str) -> StackFile:
    """`Pulumi.<stack>.yaml` flattened the way the CLI hands config to a program: keys without
    a namespace take the project's, structured values become JSON text."""
    project = project_name(project_dir)
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise SettingsError(f"no stack configuration {path.name} in {project_dir}")
    document = _read_yaml(path)
    config = document.data.get("config") or {}
    if not isinstance(config, dict):
        line = _key_line(document, ("config",))
        raise SettingsError([SettingProblem("config", "expected a mapping of settings", file=str(path), line=line)])
    values: dict[str, str] = {}
    for key, value in config.items():
        name = str(key) if ":" in str(key) else f"{project}:{key}"
        if name in values:  # `voice` and `estate:voice` are one key to Pulumi
            raise SettingsError([SettingProblem(name, "duplicate key (written with and without its namespace)",
                                                file=str(path), line=_key_line(document, ("config", key)))])
        values[name] = value if isinstance(value, str) else json.dumps(value, default=str)
    return StackFile(path, project, values, document)


def read_stack_config(project_dir: Path, stack: str) -> dict[str, str]:
    return load_stack_file(project_dir, stack).values
