"""Test support: decide every S3 call of a boto3 client as AWS would, from the policies the stack
stored in moto: the caller's role policies (IAM), the bucket policy, and for SSE-KMS the key
policy and the role's KMS permissions. moto keeps the policies but cannot evaluate a Condition
(it would deny everything), so its own bucket-policy check is switched off for the gated test
and `iam_eval` decides; a denial raises the `AccessDenied` ClientError AWS would send.

The request context is what AWS would see: the encryption headers from the call's parameters,
`aws:SecureTransport` from the client's endpoint scheme, `aws:SourceVpce` when the caller is
said to come through an endpoint, the role's ARN and its session's principal tags."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from tests.stacks.iam_eval import Request, Verdict, evaluate

OPERATIONS = {
    "PutObject": "s3:PutObject", "CreateMultipartUpload": "s3:PutObject", "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject", "CopyObject": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload", "ListParts": "s3:ListMultipartUploadParts",
    "GetObject": "s3:GetObject", "HeadObject": "s3:GetObject", "DeleteObject": "s3:DeleteObject",
    "PutObjectLegalHold": "s3:PutObjectLegalHold", "GetObjectLegalHold": "s3:GetObjectLegalHold",
    "PutObjectRetention": "s3:PutObjectRetention", "GetObjectTagging": "s3:GetObjectTagging",
}
VERSIONED = {"s3:GetObject": "s3:GetObjectVersion", "s3:DeleteObject": "s3:DeleteObjectVersion",
             "s3:GetObjectTagging": "s3:GetObjectVersionTagging"}
HEADERS = {"ServerSideEncryption": "s3:x-amz-server-side-encryption",
           "SSEKMSKeyId": "s3:x-amz-server-side-encryption-aws-kms-key-id"}
# what SSE-KMS asks of the caller's KMS permissions, per S3 operation
KMS_NEEDS = {"PutObject": ("kms:GenerateDataKey",), "CreateMultipartUpload": ("kms:GenerateDataKey",),
             "UploadPart": ("kms:GenerateDataKey",), "CompleteMultipartUpload": ("kms:Decrypt",),
             "GetObject": ("kms:Decrypt",), "CopyObject": ("kms:GenerateDataKey",)}


def _copy_source(value: Any) -> dict[str, str]:
    """botocore has already turned a CopySource mapping into `bucket/key?versionId=v` text."""
    if isinstance(value, dict):
        return value
    path, _, query = str(value).partition("?")
    bucket, _, key = unquote(path).partition("/")
    found = {"Bucket": bucket, "Key": key}
    if query.startswith("versionId="):
        found["VersionId"] = unquote(query.removeprefix("versionId="))
    return found


@dataclass(frozen=True)
class Caller:
    role_arn: str
    tags: dict[str, str] = field(default_factory=dict)
    source_vpce: str | None = None


@dataclass
class PolicyGate:
    admin: dict[str, Any]  # unrestricted moto clients: s3, iam, kms (to read the stored policies)
    decisions: list[tuple[str, Verdict]] = field(default_factory=list)

    def attach(self, client: Any, caller: Caller) -> Any:
        secure = str(client.meta.endpoint_url).startswith("https://")
        client.meta.events.register("before-parameter-build.s3", lambda params, model, **_: self._check(
            caller, secure, model.name, params))
        return client

    def _identity(self, role_arn: str) -> list[dict[str, Any]]:
        iam, name = self.admin["iam"], role_arn.rsplit("/", 1)[1]
        documents = []
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            found = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            documents.append(json.loads(found) if isinstance(found, str) else found)
        return documents

    def _bucket_policy(self, bucket: str) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.admin["s3"].get_bucket_policy(Bucket=bucket)["Policy"]))
        except ClientError:
            return None

    def _key_of(self, bucket: str, params: dict[str, Any]) -> str | None:
        if params.get("SSEKMSKeyId"):
            return str(params["SSEKMSKeyId"])
        if params.get("ServerSideEncryption") not in (None, "aws:kms"):
            return None
        rules = self.admin["s3"].get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0]["ApplyServerSideEncryptionByDefault"]
        return default.get("KMSMasterKeyID") if default["SSEAlgorithm"] == "aws:kms" else None

    def _check(self, caller: Caller, secure: bool, operation: str, params: dict[str, Any]) -> None:
        bucket, key = params["Bucket"], params.get("Key", "")
        action = OPERATIONS[operation]
        if params.get("VersionId"):
            action = VERSIONED.get(action, action)
        context = {"aws:SecureTransport": "true" if secure else "false",
                   **{f"aws:PrincipalTag/{k}": v for k, v in caller.tags.items()},
                   **{condition: str(params[name]) for name, condition in HEADERS.items() if name in params}}
        if caller.source_vpce:
            context["aws:SourceVpce"] = caller.source_vpce
        identity = self._identity(caller.role_arn)
        asked = [(action, bucket, key)]
        if operation == "CopyObject":  # a copy also reads its source
            source = _copy_source(params["CopySource"])
            asked.append(("s3:GetObjectVersion" if source.get("VersionId") else "s3:GetObject",
                          source["Bucket"], source["Key"]))
        for asked_action, asked_bucket, asked_key in asked:
            request = Request(asked_action, f"arn:aws:s3:::{asked_bucket}/{asked_key}", caller.role_arn, context)
            verdict = evaluate(request, identity, self._bucket_policy(asked_bucket))
            self.decisions.append((operation, verdict))
            if verdict.decision != "allow":
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": f"{asked_action} {verdict.decision} "
                                             f"({verdict.because or 'no statement allows it'})"}}, operation)
        key_arn = self._key_of(bucket, params) if operation in KMS_NEEDS else None
        for kms_action in KMS_NEEDS.get(operation, ()) if key_arn else ():
            key_policy = json.loads(self.admin["kms"].get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
            kms_arn = self.admin["kms"].describe_key(KeyId=key_arn)["KeyMetadata"]["Arn"]
            kms_verdict = evaluate(Request(kms_action, kms_arn, caller.role_arn, context), identity, key_policy,
                                   both_must_allow=True)
            self.decisions.append((f"{operation}:{kms_action}", kms_verdict))
            if kms_verdict.decision != "allow":
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": f"{kms_action} on {kms_arn} "
                                             f"{kms_verdict.decision}"}}, operation)


def moto_defers_to_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto would deny every object call under a policy with a Condition: let the gate decide."""
    monkeypatch.setattr(FakeBucket, "get_permission", lambda self, action, resource: PermissionResult.NEUTRAL)
