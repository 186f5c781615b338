"""The policy rules over a stack's resources, as plain functions: the pulumi-policy pack in
`policy/` wraps them, and `estate plan` and the tests call them directly (constructing a
`PolicyPack` starts a gRPC server and blocks, so nothing here does).

Rules read the engine's property names (camelCase), which is what both the policy analyzer and
the mocks see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
KMS_KEY = "aws:kms/key:Key"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
SIP_RTP_PORTS = ((5060, 5061), (16384, 32767))
ANYWHERE = ("0.0.0.0/0", "::/0")
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@dataclass(frozen=True)
class PlanResource:
    """A declared resource as the rules see it."""

    typ: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    # input property -> URNs of the resources it came from (how side-cars name their bucket)
    property_dependencies: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    urn: str = ""


ResourceCheck = Callable[[PlanResource], list[str]]
StackCheck = Callable[[list[PlanResource]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    mandatory: bool = True


def _covers_sip_or_rtp(protocol: str, first: Any, last: Any) -> bool:
    if str(protocol) in ("-1", "all"):
        return True
    if str(protocol).lower() not in ("udp", "tcp", "6", "17"):
        return False
    low, high = int(first or 0), int(last if last is not None else 65535)
    return any(low <= port_high and high >= port_low for port_low, port_high in SIP_RTP_PORTS)


def check_open_sip_rtp(r: PlanResource) -> list[str]:
    p = r.props
    openings: list[tuple[str, Any, Any, list[str]]] = []
    if r.typ == INGRESS_RULE:
        openings.append((p.get("ipProtocol", ""), p.get("fromPort"), p.get("toPort"),
                         [p.get("cidrIpv4") or "", p.get("cidrIpv6") or ""]))
    elif r.typ == LEGACY_RULE and p.get("type") == "ingress":
        openings.append((p.get("protocol", ""), p.get("fromPort"), p.get("toPort"),
                         [*(p.get("cidrBlocks") or []), *(p.get("ipv6CidrBlocks") or [])]))
    elif r.typ == SECURITY_GROUP:
        openings += [(i.get("protocol", ""), i.get("fromPort"), i.get("toPort"),
                      [*(i.get("cidrBlocks") or []), *(i.get("ipv6CidrBlocks") or [])])
                     for i in p.get("ingress") or []]
    return [f"admits SIP/RTP (protocol {proto}, ports {first}-{last}) from {cidr}"
            for proto, first, last, cidrs in openings for cidr in cidrs
            if cidr in ANYWHERE and _covers_sip_or_rtp(proto, first, last)]


def check_kms_rotation(r: PlanResource) -> list[str]:
    if r.typ == KMS_KEY and r.props.get("enableKeyRotation") is not True:
        return ["KMS key without automatic rotation (set enable_key_rotation=True)"]
    return []


def check_nlb_internal(r: PlanResource) -> list[str]:
    if r.typ in LOAD_BALANCERS and r.props.get("loadBalancerType") == "network" \
            and r.props.get("internal") is not True:
        return ["network load balancer is internet-facing (set internal=True)"]
    return []


def _side_cars(resources: list[PlanResource], typ: str, bucket: PlanResource) -> list[PlanResource]:
    """Side-car resources of `bucket`: joined through the `bucket` property's dependency (known
    during a preview) or, failing that, by the bucket's name."""
    names = {bucket.props.get("bucket"), bucket.name}
    found = []
    for r in resources:
        if r.typ != typ:
            continue
        deps = r.property_dependencies.get("bucket") or []
        if (bucket.urn and bucket.urn in deps) or (not deps and r.props.get("bucket") in names):
            found.append(r)
    return found


def is_evidential(bucket: PlanResource) -> bool:
    return bool(bucket.props.get("objectLockEnabled")) or "evidential" in str(bucket.props.get("bucket", bucket.name))


def check_every_bucket(resources: list[PlanResource]) -> list[tuple[str, str]]:
    problems = []
    for bucket in (r for r in resources if r.typ == BUCKET):
        blocks = _side_cars(resources, PUBLIC_ACCESS_BLOCK, bucket)
        if not any(all(b.props.get(flag) is True for flag in PAB_FLAGS) for b in blocks):
            problems.append((bucket.urn, f"bucket {bucket.name} has no public access block with all four settings on"))
        rules = [rule for e in _side_cars(resources, ENCRYPTION, bucket) for rule in e.props.get("rules") or []]
        if not any((rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") for rule in rules):
            problems.append((bucket.urn, f"bucket {bucket.name} has no default encryption"))
    return problems


def check_evidential_buckets(resources: list[PlanResource]) -> list[tuple[str, str]]:
    problems = []
    for bucket in (r for r in resources if r.typ == BUCKET and is_evidential(r)):
        where = f"evidential bucket {bucket.name}"
        if not bucket.props.get("objectLockEnabled"):
            problems.append((bucket.urn, f"{where} is created without Object Lock"))
        locks = _side_cars(resources, OBJECT_LOCK, bucket)
        retention = [((lock.props.get("rule") or {}).get("defaultRetention") or {}) for lock in locks]
        if not any(r.get("mode") in ("COMPLIANCE", "GOVERNANCE") and (r.get("days") or r.get("years"))
                   for r in retention):
            problems.append((bucket.urn, f"{where} has no default retention"))
        versioned = [(v.props.get("versioningConfiguration") or {}).get("status")
                     for v in _side_cars(resources, VERSIONING, bucket)]
        if "Enabled" not in versioned:
            problems.append((bucket.urn, f"{where} is not versioned"))
        rules = [rule for e in _side_cars(resources, ENCRYPTION, bucket) for rule in e.props.get("rules") or []]
        if not any((rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") == "aws:kms"
                   for rule in rules):
            problems.append((bucket.urn, f"{where} is not encrypted with a KMS key by default"))
    return problems


RULES: tuple[Rule, ...] = (
    Rule("evidential-bucket-locked", "Evidential buckets are Object-Locked with a default retention, "
         "versioned and KMS-encrypted", stack_check=check_evidential_buckets),
    Rule("bucket-private-and-encrypted", "Every bucket has a full public access block and default "
         "encryption", stack_check=check_every_bucket),
    Rule("kms-rotation", "KMS keys rotate automatically", resource_check=check_kms_rotation),
    Rule("no-open-sip-rtp", "No ingress from 0.0.0.0/0 or ::/0 on SIP (5060-5061) or RTP "
         "(16384-32767)", resource_check=check_open_sip_rtp),
    Rule("nlb-internal", "Network load balancers are internal", resource_check=check_nlb_internal),
)


def evaluate(resources: Iterable[PlanResource], rules: Iterable[Rule] = RULES) -> list[Violation]:
    """Every violation of every rule over a stack's resources."""
    listed = list(resources)
    found: list[Violation] = []
    for rule in rules:
        if rule.resource_check is not None:
            found += [Violation(rule.name, f"{r.name}: {m}", r.urn) for r in listed for m in rule.resource_check(r)]
        if rule.stack_check is not None:
            found += [Violation(rule.name, m, urn) for urn, m in rule.stack_check(listed)]
    return found
