"""The custody promotion, as deployed to AWS Lambda: S3 (ingest bucket) → EventBridge → here.

When footage in the ingest bucket is tagged evidential (`evidential=true`, `case=<reference>`,
optionally `legal_hold=true`), this copies that exact version into the evidential bucket under
`<case>/<key>`, where Object Lock's default retention applies at once; sets the legal hold when
flagged; and appends a custody record (who marked it, when, the source key, version and SHA-256,
the destination version and checksum) to the custody table, never overwriting one.

Footage without a SHA-256 checksum recorded at upload is refused (S3 has no bucket-policy key
that could demand `x-amz-checksum-sha256`, so this is where the requirement is enforced). An
event delivered twice promotes once: the record for a source version is looked up first and
written only if absent.

The module is the Lambda's whole package: standard library only, boto3 from the Lambda runtime,
imported only when the handler runs, so importing this module loads no AWS library.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

LOG = logging.getLogger("estate.custody")
TRUE = "true"
# a force's case or occurrence reference: letters, digits, / - _ (it becomes a key prefix)
CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_-]{1,62}[A-Za-z0-9]$")
Status = Literal["promoted", "already-promoted", "not-evidential", "refused"]


class CustodyError(RuntimeError):
    """A promotion that went wrong after the copy: the event must be retried and looked at."""


@dataclass(frozen=True)
class Config:
    evidential_bucket: str
    evidential_key_arn: str
    table: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Config:
        return cls(environ["EVIDENTIAL_BUCKET"], environ["EVIDENTIAL_KEY_ARN"], environ["CUSTODY_TABLE"])


@dataclass(frozen=True)
class CustodyRecord:
    source: str  # s3://bucket/key?versionId=... : one record per source version
    case: str
    marked_by: str  # the principal whose request made the object evidential (from the S3 event)
    marked_at: str
    promoted_by: str
    promoted_at: str
    source_bucket: str
    source_key: str
    source_version: str
    source_sha256: str
    destination_bucket: str
    destination_key: str
    destination_version: str
    destination_sha256: str
    checksums_match: bool
    retain_until: str
    retention_mode: str
    legal_hold: bool


@dataclass(frozen=True)
class Outcome:
    status: Status
    reason: str = ""
    record: CustodyRecord | None = None


def _item(record: CustodyRecord) -> dict[str, Any]:
    return {k: ({"BOOL": v} if isinstance(v, bool) else {"S": str(v)}) for k, v in asdict(record).items()}


def _refused(reason: str) -> Outcome:
    LOG.error("custody promotion refused: %s", reason)
    return Outcome("refused", reason)


def _object_of(detail: Mapping[str, Any]) -> tuple[str, str, str] | str:
    """The bucket, key and version an event names, or why it names none."""
    bucket = (detail.get("bucket") or {}).get("name", "")
    obj = detail.get("object") or {}
    key, version = obj.get("key", ""), obj.get("version-id", "")
    if not bucket or not key:
        return f"event names no object: {json.dumps(detail)[:200]}"
    if not version:
        return f"s3://{bucket}/{key} has no version id (the ingest bucket must be versioned)"
    return bucket, key, version


def promote(s3: Any, dynamodb: Any, config: Config, event: Mapping[str, Any], *, promoted_by: str,
            now: datetime | None = None) -> Outcome:
    """Promote the object version an S3 EventBridge event names, if it is tagged evidential."""
    detail = event.get("detail") or {}
    named = _object_of(detail)
    if isinstance(named, str):
        return _refused(named)
    bucket, key, version = named
    tags = {t["Key"]: t["Value"] for t in
            s3.get_object_tagging(Bucket=bucket, Key=key, VersionId=version)["TagSet"]}
    if tags.get("evidential") != TRUE:
        return Outcome("not-evidential")
    case = tags.get("case", "")
    if not CASE_REFERENCE.match(case):
        return _refused(f"s3://{bucket}/{key}: tag case={case!r} is not a case reference")
    source = f"s3://{bucket}/{key}?versionId={version}"
    found = dynamodb.get_item(TableName=config.table, Key={"source": {"S": source}}, ConsistentRead=True)
    if "Item" in found:
        return Outcome("already-promoted", source)
    head = s3.head_object(Bucket=bucket, Key=key, VersionId=version, ChecksumMode="ENABLED")
    source_sha = head.get("ChecksumSHA256", "")
    if not source_sha:
        return _refused(f"{source} has no SHA-256 checksum from its upload (x-amz-checksum-sha256)")
    destination = f"{case}/{key}"
    copied = s3.copy_object(
        Bucket=config.evidential_bucket, Key=destination,
        CopySource={"Bucket": bucket, "Key": key, "VersionId": version},
        ChecksumAlgorithm="SHA256", ServerSideEncryption="aws:kms", SSEKMSKeyId=config.evidential_key_arn,
        MetadataDirective="REPLACE", TaggingDirective="COPY",
        Metadata={**head.get("Metadata", {}), "case": case, "source-version": version, "source-sha256": source_sha})
    dest_version = copied["VersionId"]
    dest_sha = copied.get("CopyObjectResult", {}).get("ChecksumSHA256", "")
    hold = tags.get("legal_hold") == TRUE
    if hold:
        s3.put_object_legal_hold(Bucket=config.evidential_bucket, Key=destination, VersionId=dest_version,
                                 LegalHold={"Status": "ON"})
    locked = s3.head_object(Bucket=config.evidential_bucket, Key=destination, VersionId=dest_version)
    if not locked.get("ObjectLockRetainUntilDate"):
        raise CustodyError(f"s3://{config.evidential_bucket}/{destination} ({dest_version}) has no retention")
    when = (now or datetime.now(UTC)).isoformat()
    record = CustodyRecord(
        source=source, case=case, marked_by=str(detail.get("requester", "")), marked_at=str(event.get("time", "")),
        promoted_by=promoted_by, promoted_at=when, source_bucket=bucket, source_key=key, source_version=version,
        source_sha256=source_sha, destination_bucket=config.evidential_bucket, destination_key=destination,
        destination_version=dest_version, destination_sha256=dest_sha,
        # a multipart upload's checksum is a checksum of part checksums ("...-N"): the copy's
        # whole-object checksum cannot equal it, so only single-part footage is compared here
        checksums_match=dest_sha == source_sha,
        retain_until=locked["ObjectLockRetainUntilDate"].isoformat(), retention_mode=locked.get("ObjectLockMode", ""),
        legal_hold=hold)
    dynamodb.put_item(TableName=config.table, Item=_item(record),
                      ConditionExpression="attribute_not_exists(#source)",
                      ExpressionAttributeNames={"#source": "source"})
    if not record.checksums_match and "-" not in source_sha:
        raise CustodyError(f"{source}: checksum {source_sha} became {dest_sha} in the evidential copy")
    LOG.info("promoted %s to s3://%s/%s (%s)", source, config.evidential_bucket, destination, dest_version)
    return Outcome("promoted", record=record)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # pragma: no cover - the Lambda entry
    import boto3  # the Lambda runtime provides it; nothing else in estate needs it at import

    outcome = promote(boto3.client("s3"), boto3.client("dynamodb"), Config.from_environment(os.environ), event,
                      promoted_by=getattr(context, "invoked_function_arn", "custody-promotion"))
    return {"status": outcome.status, "reason": outcome.reason}
