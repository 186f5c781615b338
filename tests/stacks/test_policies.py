"""The policy rules: no violations over any environment's mocked plan; each rule fires on a
deliberately bad resource; the pulumi-policy wrappers report through their callback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

from estate.cloud.plan import run_plan
from estate.cloud.policy_base import versioned_v2
from estate.cloud.policy_pack import policies
from estate.cloud.policy_rules import (
    BUCKET,
    ENCRYPTION,
    OBJECT_LOCK,
    PUBLIC_ACCESS_BLOCK,
    RULES,
    VERSIONING,
    PlanResource,
    evaluate,
)
from tests.fixtures import FIXTURE_PROJECT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_no_violations_in_mocked_plan(env: str) -> None:
    plan = run_plan(env, project_dir=FIXTURE_PROJECT)
    assert plan.violations == ()
    assert plan.counts["aws:s3/bucket:Bucket"] == 5  # audit (access logs), trail, ingest, evidential, WFM feed


TLS_POLICY = json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                                         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
KEY_POLICY = json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Resource": "*", "Action": [
    "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"]}]})


def good_bucket(name: str, locked: bool, *, stack: str = "dev", typ: str = BUCKET, mode: str = "COMPLIANCE",
                days: int = 2557) -> list[PlanResource]:
    urn = f"urn:pulumi:{stack}::estate::{typ}::{name}"
    dep = {"bucket": [urn]}
    sse = "aws:kms" if locked else "AES256"
    v2 = typ.endswith("V2")

    def side(kind: str) -> str:
        return versioned_v2(kind) if v2 else kind
    return [
        PlanResource(typ, name, {"bucket": name, "objectLockEnabled": locked}, urn),
        PlanResource("aws:s3/bucketPolicy:BucketPolicy", f"{name}-policy", {"policy": TLS_POLICY},
                     property_dependencies=dep),
        PlanResource(side("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"), f"{name}-expiry",
                     {"rules": [{"status": "Enabled", "filter": {"prefix": ""}, "expiration": {"days": 31.0}}]},
                     property_dependencies=dep),
        PlanResource(PUBLIC_ACCESS_BLOCK, f"{name}-pab", {
            "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
            "restrictPublicBuckets": True}, property_dependencies=dep),
        PlanResource(side(ENCRYPTION), f"{name}-sse", {"rules": [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": sse}}]}, property_dependencies=dep),
        PlanResource(side(VERSIONING), f"{name}-ver", {"versioningConfiguration": {"status": "Enabled"}},
                     property_dependencies=dep),
        *([PlanResource(side(OBJECT_LOCK), f"{name}-lock", {"rule": {"defaultRetention": {
            "mode": mode, "days": float(days)}}}, property_dependencies=dep)] if locked else []),
    ]


V2 = "aws:s3/bucketV2:BucketV2"
WIDE_RTP = [PlanResource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"rtp-{half}",
                         {"ipProtocol": "udp", "fromPort": 16384.0, "toPort": 32767.0, "cidrIpv4": f"{half}/1"})
            for half in ("0.0.0.0", "128.0.0.0")]
GOOD_TRAIL = {"isMultiRegionTrail": True, "enableLogFileValidation": True, "includeGlobalServiceEvents": True,
              "kmsKeyId": "arn:aws:kms:eu-west-2:1:key/k"}


def without(resources: list[PlanResource], suffix: str) -> list[PlanResource]:
    return [r for r in resources if not r.name.endswith(suffix)]


def rules_hit(resources: list[PlanResource]) -> set[str]:
    return {v.rule for v in evaluate(resources)}


def test_good_resources_pass() -> None:
    good = [*good_bucket("evidential", True, stack="prod"), *good_bucket("ingest", False),
            *good_bucket("evidential-v2", True, stack="prod", typ=V2),
            PlanResource("aws:cloudtrail/trail:Trail", "trail", GOOD_TRAIL),
            PlanResource("aws:kms/key:Key", "key", {"enableKeyRotation": True, "policy": KEY_POLICY}),
            PlanResource("aws:ec2/managedPrefixList:ManagedPrefixList", "voice",
                         {"entries": [{"cidr": "10.64.0.0/12"}]})]
    assert rules_hit(good) == set()


BAD_CASES: dict[str, list[PlanResource]] = {
    "evidential-bucket-locked": without(good_bucket("evidential", True), "-lock"),
    "bucket-private-and-encrypted": without(good_bucket("logs", False), "-pab"),
    "kms-rotation": [PlanResource("aws:kms/key:Key", "key", {"enableKeyRotation": False, "policy": KEY_POLICY})],
    "kms-key-policy": [PlanResource("aws:kms/key:Key", "key", {"enableKeyRotation": True})],
    "prefix-list-not-internet": [PlanResource("aws:ec2/managedPrefixList:ManagedPrefixList", "sites", {
        "entries": [{"cidr": "10.64.0.0/12"}, {"cidr": "0.0.0.0/0"}]})],
    "prod-evidence-compliance": good_bucket("evidential", True, stack="prod", mode="GOVERNANCE"),
    "bucket-tls-only": without(good_bucket("logs", False), "-policy"),
    "ingest-expiry": without(good_bucket("ingest", False), "-expiry"),
    "trail-multi-region": [PlanResource("aws:cloudtrail/trail:Trail", "trail",
                                        GOOD_TRAIL | {"isMultiRegionTrail": False})],
    "no-open-sip-rtp": [PlanResource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "open",
                                     {"ipProtocol": "udp", "fromPort": 10000.0, "toPort": 20000.0,
                                      "cidrIpv4": "0.0.0.0/0"})],
    "nlb-internal": [PlanResource("aws:lb/loadBalancer:LoadBalancer", "nlb",
                                  {"loadBalancerType": "network", "internal": False})],
}


# these fire on a broken copy of the declared contact-centre tier (tests/contact/test_tier.py)
TESTED_ON_THE_CONTACT_TIER = {"connect-saml", "connect-recordings-locked", "contact-flow-fallback"}


def test_every_rule_has_a_bad_case() -> None:
    assert set(BAD_CASES) | TESTED_ON_THE_CONTACT_TIER == {r.name for r in RULES}


@pytest.mark.parametrize("rule", sorted(BAD_CASES))
def test_each_rule_fires_on_a_bad_resource(rule: str) -> None:
    assert rules_hit(BAD_CASES[rule]) == {rule}


@pytest.mark.parametrize("bad", [
    pytest.param(good_bucket("evidential", True, stack="prod", days=1), id="prod-one-day-retention"),
    pytest.param(good_bucket("evidential", True, stack="prod", mode="GOVERNANCE", typ=V2), id="prod-governance-v2"),
    pytest.param(without(good_bucket("logs", False, typ=V2), "-pab"), id="bucketv2-without-public-access-block"),
    pytest.param(without(good_bucket("evidential", True, typ=V2), "-lock"), id="bucketv2-evidential-unlocked"),
    pytest.param(WIDE_RTP, id="rtp-as-two-slash-1s"),
    pytest.param([PlanResource("aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry", "e", {"cidr": "128.0.0.0/1"})],
                 id="prefix-list-entry-half-the-internet"),
    pytest.param([PlanResource("aws:cloudtrail/trail:Trail", "t", GOOD_TRAIL | {"enableLogFileValidation": False})],
                 id="trail-without-validation"),
    pytest.param([PlanResource("aws:kms/key:Key", "k", {"enableKeyRotation": True, "policy": json.dumps(
        {"Statement": [{"Effect": "Deny", "Action": "kms:DisableKey", "Principal": "*", "Resource": "*"}]})})],
        id="key-policy-that-allows-scheduled-deletion"),
])
def test_more_bad_shapes_fire(bad: list[PlanResource]) -> None:
    assert rules_hit(bad)


def test_governance_is_fine_outside_prod() -> None:
    assert rules_hit(good_bucket("evidential", True, stack="staging", mode="GOVERNANCE", days=30)) == set()


@pytest.mark.parametrize(("props", "fires"), [
    ({"ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrIpv4": "0.0.0.0/0"}, False),
    ({"ipProtocol": "-1", "cidrIpv6": "::/0"}, True),
    ({"ipProtocol": "udp", "fromPort": 5060.0, "toPort": 5060.0, "cidrIpv4": "10.0.44.0/22"}, False),
])
def test_sip_rtp_rule_boundaries(props: dict[str, Any], fires: bool) -> None:
    resource = PlanResource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", props)
    assert bool(rules_hit([resource])) is fires


def test_evidential_bucket_without_kms_and_versioning() -> None:
    resources = good_bucket("evidential", True)
    resources = [*without(resources, "-sse"), *without(good_bucket("x", False), "-lock")[2:3]]
    messages = [v.message for v in evaluate(without(resources, "-ver"))]
    assert any("not versioned" in m for m in messages)
    assert any("KMS" in m for m in messages)


def test_policy_pack_wrapper_reports() -> None:
    kms = next(p for p in policies() if p.name == "kms-rotation")
    reported: list[str] = []
    args = ResourceValidationArgs("aws:kms/key:Key", {"enableKeyRotation": False}, "urn:key", "key",
                                  PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), []), None)
    validate = kms.validate if callable(kms.validate) else kms.validate[0]
    validate(args, lambda message, urn=None: reported.append(message))
    assert reported and "rotation" in reported[0]
