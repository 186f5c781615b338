"""The evidence tier's policies in use, per environment, on the stack declared into moto: docks
upload multipart through their role *with the bucket policies in place* (decided by the policy
gate, since moto cannot evaluate a Condition), the custody promotion copies evidential footage
with its checksum, retention and hold and records it, the legal-hold role sets and clears holds
but deletes nothing, and locked versions cannot be deleted."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.events.models import EventPattern

from estate.cloud.custody import Config, promote
from estate.cloud.evidence_policies import ingest_bucket_policy
from tests.stacks.conftest import DeployedStack
from tests.stacks.iam_eval import Request, evaluate
from tests.stacks.policy_gate import Caller, PolicyGate, moto_defers_to_the_gate

pytestmark = [pytest.mark.stack, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
REGION = "eu-west-2"
SITE = "MPS-0004"
PART = 5 * 1024 * 1024  # S3's smallest part but the last
SITE_TAG = "x509Subject/OU"


@dataclass(frozen=True)
class Tier:
    env: str
    account: str
    ingest: str
    evidential: str
    ingest_key: str
    evidential_key: str
    table: str
    s3_endpoint: str | None
    admin: dict[str, Any]

    def role(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/estate-{self.env}-{name}"


@pytest.fixture
def tier(stack: DeployedStack, monkeypatch: pytest.MonkeyPatch) -> Tier:
    moto_defers_to_the_gate(monkeypatch)
    account = stack.inputs.inventory.environment(stack.env).aws_account
    admin = {s: boto3.client(s, region_name=REGION) for s in ("s3", "iam", "kms", "dynamodb", "events", "sts")}
    keys = {alias["AliasName"]: alias["TargetKeyId"] for alias in admin["kms"].list_aliases()["Aliases"]}
    endpoints = [d for d in stack.mocks.custom() if d.typ == "aws:ec2/vpcEndpoint:VpcEndpoint"
                 and d.inputs.get("vpcEndpointType") == "Interface" and str(d.inputs["serviceName"]).endswith(".s3")]

    def key_arn(label: str) -> str:
        return str(admin["kms"].describe_key(KeyId=keys[f"alias/estate-{stack.env}-{label}"])["KeyMetadata"]["Arn"])

    return Tier(stack.env, account, f"estate-{stack.env}-ingest-{account}", f"estate-{stack.env}-evidential-{account}",
                key_arn("ingest"), key_arn("evidential"), f"estate-{stack.env}-custody",
                endpoints[0].id if endpoints else None, admin)


def as_role(tier: Tier, role: str, tags: dict[str, str] | None = None, endpoint: str | None = None,
            secure: bool = True) -> tuple[Any, PolicyGate]:
    """An S3 client on the role's assumed-role credentials, every call decided by the gate."""
    sts_tags = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    creds = tier.admin["sts"].assume_role(RoleArn=tier.role(role), RoleSessionName="test",
                                          **({"Tags": sts_tags} if sts_tags else {}))["Credentials"]
    client = boto3.client("s3", region_name=REGION, aws_access_key_id=creds["AccessKeyId"],
                          aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
                          endpoint_url=None if secure else f"http://s3.{REGION}.amazonaws.com")
    gate = PolicyGate(tier.admin)
    gate.attach(client, Caller(tier.role(role), tags or {}, endpoint))
    return client, gate


def dock(tier: Tier, site: str = SITE, endpoint: bool = True, secure: bool = True) -> tuple[Any, PolicyGate]:
    return as_role(tier, "bwv-dock-upload", {SITE_TAG: site}, tier.s3_endpoint if endpoint else None, secure)


def multipart(s3: Any, bucket: str, key: str, parts: int = 3, **create: Any) -> dict[str, Any]:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256", **create)
    done = []
    for number in range(1, parts + 1):
        body = bytes([number]) * (PART if number < parts else 1024)
        part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number, Body=body,
                              ChecksumAlgorithm="SHA256")
        done.append({"PartNumber": number, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]})
    return dict(s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                             MultipartUpload={"Parts": done}))


def test_dock_multipart_upload_under_the_bucket_policies(tier: Tier) -> None:
    s3, gate = dock(tier)
    key = f"{SITE}/cam-17/2025-01-01T0800.mp4"
    done = multipart(s3, tier.ingest, key)
    head = tier.admin["s3"].head_object(Bucket=tier.ingest, Key=key, VersionId=done["VersionId"])
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == tier.ingest_key
    # the policies were really consulted: the bucket policy and the KMS grants for every part
    assert {op for op, _ in gate.decisions} >= {"CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
                                                "UploadPart:kms:GenerateDataKey", "CompleteMultipartUpload:kms:Decrypt"}
    assert tier.admin["s3"].get_bucket_policy(Bucket=tier.ingest)["Policy"]  # in place in moto all along
    stated = multipart(s3, tier.ingest, f"{SITE}/cam-17/stated.mp4", parts=2,
                       ServerSideEncryption="aws:kms", SSEKMSKeyId=tier.ingest_key)
    assert stated["VersionId"]


@pytest.mark.parametrize(("case", "expected"), [
    ("unencrypted", "KmsWhenStated"), ("other-key", "ThisKeyWhenStated"), ("not-tls", "TlsOnly"),
    ("other-site", "no statement allows it"), ("not-via-endpoint", "DocksThroughEndpointOnly"),
])
def test_dock_uploads_refused(tier: Tier, case: str, expected: str) -> None:
    if case == "not-via-endpoint" and tier.s3_endpoint is None:
        pytest.skip("this stack declares no S3 interface endpoint (see the document-level test below)")
    s3, _ = dock(tier, site="MPS-0099" if case == "other-site" else SITE, endpoint=case != "not-via-endpoint",
                 secure=case != "not-tls")
    create: dict[str, Any] = {"unencrypted": {"ServerSideEncryption": "AES256"},
                              "other-key": {"ServerSideEncryption": "aws:kms",
                                            "SSEKMSKeyId": tier.evidential_key}}.get(case, {})
    with pytest.raises(ClientError, match=expected):
        multipart(s3, tier.ingest, f"{SITE}/cam-17/{case}.mp4", parts=1, **create)


def test_ingest_policy_requires_the_endpoint_for_docks_only() -> None:
    policy = json.loads(ingest_bucket_policy("arn:aws:s3:::ingest", "arn:aws:kms:eu-west-2:1:key/k",
                                             "arn:aws:iam::111111111111:role/dock", "vpce-0abc"))
    allow_dock = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                          "Resource": "*"}]}

    def decide(principal: str, context: dict[str, str]) -> str:
        request = Request("s3:PutObject", "arn:aws:s3:::ingest/MPS-0004/x.mp4", principal,
                          {"aws:SecureTransport": "true", **context})
        return evaluate(request, [allow_dock], policy).decision

    assert decide("arn:aws:iam::111111111111:role/dock", {"aws:SourceVpce": "vpce-0abc"}) == "allow"
    assert decide("arn:aws:iam::111111111111:role/dock", {}) == "explicit-deny"
    assert decide("arn:aws:iam::111111111111:role/dock", {"aws:SourceVpce": "vpce-other"}) == "explicit-deny"
    assert decide("arn:aws:iam::111111111111:role/other", {}) == "allow"


def sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def event(tier: Tier, key: str, version: str) -> dict[str, Any]:
    return {"version": "0", "detail-type": "Object Tags Added", "source": "aws.s3", "time": "2025-01-02T09:00:00Z",
            "detail": {"bucket": {"name": tier.ingest}, "object": {"key": key, "version-id": version},
                       "requester": f"arn:aws:sts::{tier.account}:assumed-role/estate-{tier.env}-bwv-dock-upload/d1"}}


def promoter(tier: Tier) -> tuple[Any, PolicyGate]:
    s3, gate = as_role(tier, "custody-promotion")
    # moto, unlike S3, wants a checksum header on a body-less copy into a bucket with default retention
    s3.meta.events.register("before-sign.s3.CopyObject",
                            lambda request, **_: request.headers.__setitem__("x-amz-sdk-checksum-algorithm", "SHA256"))
    return s3, gate


def upload(tier: Tier, key: str, tags: str, checksum: bool = True) -> tuple[str, bytes]:
    body = f"footage {key}".encode()
    s3, _ = dock(tier)
    extra = {"ChecksumAlgorithm": "SHA256"} if checksum else {}
    version = s3.put_object(Bucket=tier.ingest, Key=key, Body=body, **extra)["VersionId"]
    tier.admin["s3"].put_object_tagging(Bucket=tier.ingest, Key=key, VersionId=version, Tagging={"TagSet": [
        {"Key": k, "Value": v} for k, v in (pair.split("=") for pair in tags.split("&"))]})
    return version, body


def test_promotion_copies_with_checksum_retention_hold_and_records_custody(tier: Tier) -> None:
    key = f"{SITE}/cam-17/arrest.mp4"
    version, body = upload(tier, key, "evidential=true&case=OP-2025-0042&legal_hold=true")
    s3, gate = promoter(tier)
    config = Config(tier.evidential, tier.evidential_key, tier.table)
    outcome = promote(s3, tier.admin["dynamodb"], config, event(tier, key, version), promoted_by="test")
    assert outcome.status == "promoted", outcome.reason
    assert all(v.decision == "allow" for _, v in gate.decisions)  # least privilege is enough
    record = outcome.record
    assert record is not None and record.source_sha256 == sha256(body) and record.checksums_match
    head = tier.admin["s3"].head_object(Bucket=tier.evidential, Key=f"OP-2025-0042/{key}",
                                        VersionId=record.destination_version, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == sha256(body)
    assert head["Metadata"]["source-sha256"] == sha256(body) and head["Metadata"]["source-version"] == version
    assert head["ObjectLockMode"] == tier_lock_mode(tier) and head["ObjectLockLegalHoldStatus"] == "ON"
    assert head["SSEKMSKeyId"] == tier.evidential_key
    item = tier.admin["dynamodb"].get_item(TableName=tier.table, Key={"source": {"S": record.source}})["Item"]
    assert item["source_version"]["S"] == version and item["destination_version"]["S"] == record.destination_version
    assert item["source_sha256"]["S"] == sha256(body) and item["marked_by"]["S"].endswith("/d1")
    assert item["legal_hold"]["BOOL"] is True
    again = promote(s3, tier.admin["dynamodb"], config, event(tier, key, version), promoted_by="test")
    assert again.status == "already-promoted"
    versions = tier.admin["s3"].list_object_versions(Bucket=tier.evidential, Prefix=f"OP-2025-0042/{key}")
    assert len(versions["Versions"]) == 1


def tier_lock_mode(tier: Tier) -> str:
    return "COMPLIANCE" if tier.env == "prod" else "GOVERNANCE"


@pytest.mark.parametrize(("tags", "checksum", "status"), [
    ("evidential=false&case=OP-1", True, "not-evidential"),
    ("camera=17", True, "not-evidential"),
    ("evidential=true&case=OP-2025-0043", False, "refused"),
    ("evidential=true&case=../etc", True, "refused"),
])
def test_promotion_leaves_or_refuses(tier: Tier, tags: str, checksum: bool, status: str) -> None:
    key = f"{SITE}/cam-18/{abs(hash(tags))}.mp4"
    version, _ = upload(tier, key, tags, checksum)
    s3, _ = promoter(tier)
    outcome = promote(s3, tier.admin["dynamodb"], Config(tier.evidential, tier.evidential_key, tier.table),
                      event(tier, key, version), promoted_by="test")
    assert outcome.status == status
    assert "Item" not in tier.admin["dynamodb"].get_item(
        TableName=tier.table, Key={"source": {"S": f"s3://{tier.ingest}/{key}?versionId={version}"}})


def test_legal_hold_role_clears_holds_but_deletes_nothing(tier: Tier) -> None:
    key = f"{SITE}/cam-19/hold.mp4"
    version, _ = upload(tier, key, "evidential=true&case=OP-2025-0044&legal_hold=true")
    s3, _ = promoter(tier)
    record = promote(s3, tier.admin["dynamodb"], Config(tier.evidential, tier.evidential_key, tier.table),
                     event(tier, key, version), promoted_by="test").record
    assert record is not None
    where = {"Bucket": tier.evidential, "Key": record.destination_key, "VersionId": record.destination_version}
    holder, _ = as_role(tier, "legal-hold")
    holder.put_object_legal_hold(**where, LegalHold={"Status": "OFF"})
    assert tier.admin["s3"].get_object_legal_hold(**where)["LegalHold"]["Status"] == "OFF"
    holder.put_object_legal_hold(**where, LegalHold={"Status": "ON"})
    with pytest.raises(ClientError, match="NoDeletes"):
        holder.delete_object(**where)
    dock_client, _ = dock(tier)
    with pytest.raises(ClientError, match="HoldsOnlyByHoldRoles"):
        dock_client.put_object_legal_hold(**where, LegalHold={"Status": "OFF"})
    # without the policy's deny, Object Lock itself refuses: the version is retained and held
    with pytest.raises(ClientError, match="AccessDenied"):
        tier.admin["s3"].delete_object(**where)


def test_delete_markers_and_versions_cannot_be_deleted(tier: Tier) -> None:
    policy = json.loads(tier.admin["s3"].get_bucket_policy(Bucket=tier.evidential)["Policy"])
    for principal in (tier.role("legal-hold"), f"arn:aws:iam::{tier.account}:role/estate-break-glass"):
        request = Request("s3:DeleteObjectVersion", f"arn:aws:s3:::{tier.evidential}/OP-1/x.mp4", principal,
                          {"aws:SecureTransport": "true"})
        assert evaluate(request, [{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}],
                        policy).because == "NoDeletes"


def test_custody_table_is_append_only(tier: Tier) -> None:
    dynamodb = tier.admin["dynamodb"]
    table = dynamodb.describe_table(TableName=tier.table)["Table"]
    assert table["DeletionProtectionEnabled"] is True
    assert dynamodb.describe_continuous_backups(TableName=tier.table)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    policy = json.loads(dynamodb.get_resource_policy(ResourceArn=table["TableArn"])["Policy"])
    everything = [{"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]
    for action, principal in (("dynamodb:DeleteItem", tier.role("custody-promotion")),
                              ("dynamodb:UpdateItem", f"arn:aws:iam::{tier.account}:role/estate-break-glass"),
                              ("dynamodb:DeleteTable", f"arn:aws:iam::{tier.account}:role/admin")):
        verdict = evaluate(Request(action, table["TableArn"], principal), everything, policy)
        assert verdict.decision == "explicit-deny", action
    promotion = json.loads(json.dumps(tier.admin["iam"].get_role_policy(
        RoleName=f"estate-{tier.env}-custody-promotion", PolicyName=f"{tier.env}-evidence-promotion-policy")[
        "PolicyDocument"]))
    for action, expected in (("dynamodb:PutItem", "allow"), ("dynamodb:DeleteItem", "explicit-deny"),
                             ("dynamodb:Scan", "implicit-deny")):
        request = Request(action, table["TableArn"], tier.role("custody-promotion"))
        assert evaluate(request, [promotion], policy).decision == expected, action


def test_s3_events_reach_the_promotion(tier: Tier, stack: DeployedStack) -> None:
    events = tier.admin["events"]
    rule = events.describe_rule(Name=f"estate-{tier.env}-custody-promotion")
    sample = event(tier, f"{SITE}/x.mp4", "v1") | {"id": "1", "account": tier.account, "region": REGION,
                                                   "resources": []}
    # moto's own matcher (its TestEventPattern API is a stub)
    pattern = EventPattern.load(rule["EventPattern"])
    assert pattern.matches_event(cast(Any, sample))
    other = sample | {"detail": sample["detail"] | {"bucket": {"name": tier.evidential}}}
    assert not pattern.matches_event(cast(Any, other))
    targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert [t["Arn"].rsplit(":", 1)[-1] for t in targets] == [f"function/estate-{tier.env}-custody-promotion"]
    # moto stores but does not return EventBridgeConfiguration: read what was declared
    notices = [d.inputs for d in stack.mocks.custom() if d.typ == "aws:s3/bucketNotification:BucketNotification"]
    assert notices == [{"bucket": tier.ingest, "eventbridge": True}]
    invoke = [d.inputs for d in stack.mocks.custom() if d.typ == "aws:lambda/permission:Permission"]
    assert [(p["principal"], p["sourceArn"]) for p in invoke] == [("events.amazonaws.com", rule["Arn"])]
