"""The policy documents of the evidence tier, as plain functions of ARNs and ids: bucket
policies, KMS key policies and role policies. Kept free of Pulumi so the tests can evaluate the
very documents the stack declares (moto cannot evaluate a statement with a Condition).

Why the conditions look as they do:
- Encryption headers are tested only when present (`Null: false` beside the comparison).
  `s3:PutObject` also authorises `UploadPart`, which carries no encryption header; a plain
  `StringNotEquals` (or `...IfExists`) on an absent key is true and would deny every part of a
  multipart upload. Requests without the header get the bucket's default SSE-KMS key.
- S3 has no condition key for `x-amz-checksum-*`: a bucket policy cannot require the SHA-256
  checksum. The custody promotion (`custody.py`) refuses footage that has none instead.
"""

from __future__ import annotations

import json
from typing import Any

EVERYONE = {"AWS": "*"}  # "Principal": "*"; the map form also suits moto's logging check
SSE = "s3:x-amz-server-side-encryption"
SSE_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id"
# Actions that would let anyone but the break-glass role destroy or re-own a key
KEY_PROTECTED_ACTIONS = (
    "kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKeyRotation",
    "kms:DeleteImportedKeyMaterial", "kms:UpdatePrimaryRegion", "kms:DeleteAlias", "kms:UpdateAlias",
)
# Actions that would let anyone but the break-glass role loosen the evidential bucket
BUCKET_PROTECTED_ACTIONS = (
    "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration",
)


def document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def tls_only(bucket_arn: str) -> dict[str, Any]:
    return {"Sid": "TlsOnly", "Effect": "Deny", "Principal": EVERYONE, "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def encryption_if_stated(bucket_arn: str, key_arn: str) -> list[dict[str, Any]]:
    """Refuse an upload that *asks* for other encryption or another key; say nothing when the
    request is silent (UploadPart), which the default encryption covers."""
    return [
        {"Sid": "KmsWhenStated", "Effect": "Deny", "Principal": EVERYONE, "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/*",
         "Condition": {"StringNotEquals": {SSE: "aws:kms"}, "Null": {SSE: "false"}}},
        {"Sid": "ThisKeyWhenStated", "Effect": "Deny", "Principal": EVERYONE, "Action": "s3:PutObject",
         "Resource": f"{bucket_arn}/*",
         "Condition": {"StringNotEquals": {SSE_KEY: key_arn}, "Null": {SSE_KEY: "false"}}},
    ]


def ingest_bucket_policy(bucket_arn: str, key_arn: str, dock_role_arn: str, s3_endpoint_id: str | None) -> str:
    statements = [tls_only(bucket_arn), *encryption_if_stated(bucket_arn, key_arn)]
    if s3_endpoint_id:
        # docks upload over the WAN to the VPC's S3 interface endpoint, never over the internet
        statements.append({
            "Sid": "DocksThroughEndpointOnly", "Effect": "Deny", "Principal": EVERYONE, "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"ArnLike": {"aws:PrincipalArn": dock_role_arn},
                          "StringNotEquals": {"aws:SourceVpce": s3_endpoint_id}}})
    return document(statements)


def except_principals(arns: list[str]) -> dict[str, Any]:
    """A condition true for every caller but these roles (an assumed-role session's
    `aws:PrincipalArn` is its role's ARN)."""
    return {"ArnNotLike": {"aws:PrincipalArn": arns}}


def evidential_bucket_policy(bucket_arn: str, key_arn: str, break_glass_arn: str, hold_setters: list[str]) -> str:
    objects = f"{bucket_arn}/*"
    return document([
        tls_only(bucket_arn), *encryption_if_stated(bucket_arn, key_arn),
        {"Sid": "NoGovernanceBypass", "Effect": "Deny", "Principal": EVERYONE,
         "Action": "s3:BypassGovernanceRetention", "Resource": objects},
        # a delete marker hides evidence from anyone reading the latest version; deleting a
        # version (marker or footage) is the only way to destroy it: nobody does either
        {"Sid": "NoDeletes", "Effect": "Deny", "Principal": EVERYONE,
         "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"], "Resource": objects},
        {"Sid": "HoldsOnlyByHoldRoles", "Effect": "Deny", "Principal": EVERYONE,
         "Action": "s3:PutObjectLegalHold", "Resource": objects, "Condition": except_principals(hold_setters)},
        {"Sid": "ProtectionOnlyByBreakGlass", "Effect": "Deny", "Principal": EVERYONE,
         "Action": list(BUCKET_PROTECTED_ACTIONS), "Resource": bucket_arn,
         "Condition": except_principals([break_glass_arn])},
    ])


def key_policy(account_id: str, break_glass_arn: str, services: list[dict[str, Any]] | None = None) -> str:
    """IAM policies of the account grant use of the key; nobody but the break-glass role can
    disable it, schedule its deletion or change this policy."""
    return document([
        {"Sid": "AccountIamPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "ProtectKeyExceptBreakGlass", "Effect": "Deny", "Principal": EVERYONE,
         "Action": list(KEY_PROTECTED_ACTIONS), "Resource": "*", "Condition": except_principals([break_glass_arn])},
        *(services or []),
    ])


def cloudtrail_key_statements(account_id: str, region: str, trail_name: str) -> list[dict[str, Any]]:
    trail_arn = f"arn:aws:cloudtrail:{region}:{account_id}:trail/{trail_name}"
    return [
        {"Sid": "CloudTrailEncrypts", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:GenerateDataKey*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn},
                       "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                      f"arn:aws:cloudtrail:*:{account_id}:trail/*"}}},
        {"Sid": "CloudTrailDescribes", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:DescribeKey", "Resource": "*"},
    ]


def dock_role_policy(ingest_arn: str, key_arn: str, site_variable: str) -> str:
    """A dock writes only under its own site's prefix; SSE-KMS multipart needs GenerateDataKey
    for each part and Decrypt to complete the upload."""
    own = f"{ingest_arn}/{site_variable}/*"
    return document([
        {"Sid": "OwnSitePrefixOnly", "Effect": "Allow",
         "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], "Resource": own},
        {"Sid": "EncryptWithIngestKey", "Effect": "Allow",
         "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key_arn},
    ])


def legal_hold_role_policy(evidential_arn: str) -> str:
    """Set and clear legal holds and read them; no delete, no retention change, no read of footage."""
    return document([{"Sid": "LegalHolds", "Effect": "Allow",
                      "Action": ["s3:PutObjectLegalHold", "s3:GetObjectLegalHold", "s3:GetObjectRetention",
                                 "s3:ListBucketVersions"],
                      "Resource": [evidential_arn, f"{evidential_arn}/*"]}])


def promotion_role_policy(*, ingest_arn: str, ingest_key_arn: str, evidential_arn: str, evidential_key_arn: str,
                          table_arn: str, log_group_arn: str) -> str:
    """What the custody promotion may do, and nothing more: read footage and its tags, write it
    once into the evidential bucket with retention and hold, append custody records."""
    return document([
        {"Sid": "ReadIngest", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging",
                    "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"],
         "Resource": f"{ingest_arn}/*"},
        {"Sid": "WriteEvidence", "Effect": "Allow",
         "Action": ["s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
                    "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes"],
         "Resource": f"{evidential_arn}/*"},
        {"Sid": "Keys", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": [ingest_key_arn, evidential_key_arn]},
        {"Sid": "AppendCustody", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
         "Resource": table_arn},
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"{log_group_arn}:*"},
    ])


def custody_table_policy(table_arn: str, break_glass_arn: str) -> str:
    """The custody table is append-only: nobody updates or deletes a record, and only the
    break-glass role may change the table itself."""
    return document([
        {"Sid": "AppendOnly", "Effect": "Deny", "Principal": EVERYONE,
         "Action": ["dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:PartiQLUpdate",
                    "dynamodb:PartiQLDelete", "dynamodb:BatchWriteItem"],
         "Resource": table_arn},
        {"Sid": "TableOnlyByBreakGlass", "Effect": "Deny", "Principal": EVERYONE,
         "Action": ["dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:DeleteResourcePolicy",
                    "dynamodb:PutResourcePolicy", "dynamodb:UpdateContinuousBackups"],
         "Resource": table_arn, "Condition": except_principals([break_glass_arn])},
    ])
