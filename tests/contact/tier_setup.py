"""Test support: the contact-centre tier declared under the moto-backed mocks for one
environment, beside a stand-in for what the evidence tier gives it (a locked, versioned,
KMS-encrypted bucket). The `tier` fixture in conftest.py runs it once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pulumi
import pulumi_aws as aws
import pytest
from moto import mock_aws

from estate.cloud.contact_centre import ContactCentre, EvidenceTarget, declare_contact_centre
from estate.cloud.evidence_policies import document, key_policy, tls_only
from estate.cloud.mocks import Declared, EstateMocks, run_program
from estate.cloud.policy_rules import PlanResource
from tests.stacks import moto_contact  # noqa: F401  # registers the WFM feed's failure queue
from tests.stacks.moto_backend import MotoBackend

ENVIRONMENTS = ("dev", "staging", "prod")


@dataclass(frozen=True)
class Tier:
    env: str
    mocks: EstateMocks
    instance: dict[str, Any]  # as moto describes it
    centre: ContactCentre
    outputs: dict[str, Any]  # what the ContactCentre registered, resolved

    def of(self, typ: str) -> list[Declared]:
        return [d for d in self.mocks.custom() if d.typ == typ]

    def named(self, typ: str, name: str) -> Declared:
        return next(d for d in self.of(typ) if d.inputs.get("name") == name)

    def policy_resources(self) -> list[PlanResource]:
        return [PlanResource(d.typ, d.name, d.inputs, d.urn, d.property_dependencies) for d in self.mocks.custom()]


def evidence_program(env: str, inventory: Path) -> ContactCentre:
    """What the evidence tier gives the contact centre: a locked, versioned, KMS-encrypted bucket."""
    key = aws.kms.Key("evidence-key", enable_key_rotation=True, description="evidential",
                      policy=key_policy("123456789012", "arn:aws:iam::123456789012:role/estate-break-glass"))
    bucket = aws.s3.Bucket("evidence", bucket=f"estate-{env}-evidential", object_lock_enabled=True)
    versioned = aws.s3.BucketVersioning("evidence-ver", bucket=bucket.id,
                                        versioning_configuration={"status": "Enabled"})
    aws.s3.BucketObjectLockConfiguration("evidence-lock", bucket=bucket.id, rule={
        "default_retention": {"mode": "COMPLIANCE", "days": 2557}}, opts=pulumi.ResourceOptions(depends_on=[versioned]))
    aws.s3.BucketServerSideEncryptionConfiguration("evidence-sse", bucket=bucket.id, rules=[{
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}])
    aws.s3.BucketPublicAccessBlock("evidence-pab", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                                   ignore_public_acls=True, restrict_public_buckets=True)
    aws.s3.BucketPolicy("evidence-policy", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: document([
        tls_only(arn)])))
    return declare_contact_centre(env, inventory, EvidenceTarget(bucket=bucket.id, kms_key_arn=key.arn))


@contextmanager
def declared_tier(env: str, inventory: Path) -> Iterator[Tier]:
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
            monkeypatch.setenv(key, "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
        mocks = EstateMocks(MotoBackend())
        centres: list[ContactCentre] = []
        registered: dict[str, Any] = {}
        original = ContactCentre.register_outputs

        def record(self: ContactCentre, outputs: dict[str, Any]) -> None:
            # the mock monitor drops registered outputs: resolve them while the program runs
            pulumi.Output.from_input(outputs).apply(registered.update)
            original(self, outputs)

        monkeypatch.setattr(ContactCentre, "register_outputs", record)
        run_program(mocks, "estate", env, {}, lambda: centres.append(evidence_program(env, inventory)))
        connect = boto3.client("connect", region_name="eu-west-2")
        [summary] = connect.list_instances()["InstanceSummaryList"]
        yield Tier(env, mocks, connect.describe_instance(InstanceId=summary["Id"])["Instance"], centres[0], registered)


