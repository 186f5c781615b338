"""The policy rules: no violations over any environment's mocked plan; each rule fires on a
deliberately bad resource; the pulumi-policy wrappers report through their callback."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

from estate.cloud.plan import run_plan
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

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_no_violations_in_mocked_plan(env: str) -> None:
    plan = run_plan(env)
    assert plan.violations == ()
    assert plan.counts["aws:s3/bucket:Bucket"] == 4  # audit (access logs), trail, ingest, evidential


def good_bucket(name: str, locked: bool) -> list[PlanResource]:
    urn = f"urn:{name}"
    dep = {"bucket": [urn]}
    sse = "aws:kms" if locked else "AES256"
    return [
        PlanResource(BUCKET, name, {"bucket": name, "objectLockEnabled": locked}, urn),
        PlanResource(PUBLIC_ACCESS_BLOCK, f"{name}-pab", {
            "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
            "restrictPublicBuckets": True}, property_dependencies=dep),
        PlanResource(ENCRYPTION, f"{name}-sse", {"rules": [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": sse}}]}, property_dependencies=dep),
        PlanResource(VERSIONING, f"{name}-ver", {"versioningConfiguration": {"status": "Enabled"}},
                     property_dependencies=dep),
        *([PlanResource(OBJECT_LOCK, f"{name}-lock", {"rule": {"defaultRetention": {
            "mode": "COMPLIANCE", "days": 2557}}}, property_dependencies=dep)] if locked else []),
    ]


def without(resources: list[PlanResource], suffix: str) -> list[PlanResource]:
    return [r for r in resources if not r.name.endswith(suffix)]


def rules_hit(resources: list[PlanResource]) -> set[str]:
    return {v.rule for v in evaluate(resources)}


def test_good_resources_pass() -> None:
    assert rules_hit(good_bucket("evidential", True) + good_bucket("plain", False)) == set()


BAD_CASES: dict[str, list[PlanResource]] = {
    "evidential-bucket-locked": without(good_bucket("evidential", True), "-lock"),
    "bucket-private-and-encrypted": without(good_bucket("logs", False), "-pab"),
    "kms-rotation": [PlanResource("aws:kms/key:Key", "key", {"enableKeyRotation": False})],
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
