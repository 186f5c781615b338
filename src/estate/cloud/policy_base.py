"""What the policy rules are made of: the resources as the rules see them, violations, rules,
the type tokens they read (`Bucket` and the deprecated `BucketV2` alike), and how a bucket's
side-car resources are found."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

BUCKET = "aws:s3/bucket:Bucket"
# the deprecated V2 classes still deploy: every bucket rule must see them too
BUCKETS = (BUCKET, "aws:s3/bucketV2:BucketV2")
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
CONNECT_INSTANCE = "aws:connect/instance:Instance"
CONNECT_STORAGE = "aws:connect/instanceStorageConfig:InstanceStorageConfig"
CONTACT_FLOW = "aws:connect/contactFlow:ContactFlow"
EVIDENTIAL_MEDIA = ("CALL_RECORDINGS", "CHAT_TRANSCRIPTS")
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


def side_cars(resources: list[PlanResource], typ: str, bucket: PlanResource) -> list[PlanResource]:
    """Side-car resources of `bucket`: joined through the `bucket` property's dependency (known
    during a preview) or, failing that, by the bucket's name."""
    names = {bucket.props.get("bucket"), bucket.name}
    found = []
    for r in resources:
        if r.typ not in (typ, versioned_v2(typ)):
            continue
        deps = r.property_dependencies.get("bucket") or []
        if (bucket.urn and bucket.urn in deps) or (not deps and r.props.get("bucket") in names):
            found.append(r)
    return found


def is_evidential(bucket: PlanResource) -> bool:
    return bool(bucket.props.get("objectLockEnabled")) or "evidential" in str(bucket.props.get("bucket", bucket.name))


def versioned_v2(typ: str) -> str:
    """`aws:s3/bucketVersioning:BucketVersioning` -> its deprecated `...V2:...V2` twin."""
    module, _, kind = typ.rpartition(":")
    return f"{module}V2:{kind}V2"


def stack_of(urn: str) -> str:
    """The stack a URN belongs to (`urn:pulumi:<stack>::<project>::...`); "" when unknown."""
    head = urn.split("::", 1)[0]
    return head.split(":")[2] if head.startswith("urn:pulumi:") and head.count(":") >= 2 else ""
