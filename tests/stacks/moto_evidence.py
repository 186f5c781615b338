"""moto handlers for the chain-of-custody resources: the custody table and its resource policy,
the promotion's log group, the ingest bucket's EventBridge notifications and the EventBridge
rule and target. The Lambda function and its permission stay plain mocks: moto runs Lambda code
only in Docker, and the tests call the handler's code directly."""

from __future__ import annotations

from typing import Any

from tests.stacks.moto_backend import REGION, MotoBackend, handles


@handles("aws:dynamodb/table:Table")
def _table(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    keys = [{"AttributeName": i["hashKey"], "KeyType": "HASH"}]
    if i.get("rangeKey"):
        keys.append({"AttributeName": i["rangeKey"], "KeyType": "RANGE"})
    sse = i.get("serverSideEncryption") or {}
    extra: dict[str, Any] = {}
    if sse.get("enabled"):
        extra["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": sse.get("kmsKeyArn", "")}
    dynamodb = m.client("dynamodb")
    table = dynamodb.create_table(
        TableName=i["name"], KeySchema=keys, BillingMode=i.get("billingMode", "PAY_PER_REQUEST"),
        AttributeDefinitions=[{"AttributeName": a["name"], "AttributeType": a["type"]} for a in i["attributes"]],
        DeletionProtectionEnabled=bool(i.get("deletionProtectionEnabled")), **extra)["TableDescription"]
    if (i.get("pointInTimeRecovery") or {}).get("enabled"):
        dynamodb.update_continuous_backups(TableName=i["name"], PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
    return i["name"], {"arn": table["TableArn"], "name": i["name"]}


@handles("aws:dynamodb/resourcePolicy:ResourcePolicy")
def _table_policy(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = m.client("dynamodb").put_resource_policy(ResourceArn=i["resourceArn"], Policy=i["policy"])
    return i["resourceArn"], {"revisionId": found["RevisionId"]}


@handles("aws:cloudwatch/logGroup:LogGroup")
def _log_group(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    logs = m.client("logs")
    logs.create_log_group(logGroupName=i["name"])
    if i.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=i["name"], retentionInDays=int(i["retentionInDays"]))
    return i["name"], {"arn": f"arn:aws:logs:{REGION}:123456789012:log-group:{i['name']}"}


@handles("aws:s3/bucketNotification:BucketNotification")
def _notification(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    config: dict[str, Any] = {"EventBridgeConfiguration": {}} if i.get("eventbridge") else {}
    m.client("s3").put_bucket_notification_configuration(Bucket=i["bucket"], NotificationConfiguration=config)
    return i["bucket"], {}


@handles("aws:cloudwatch/eventRule:EventRule")
def _event_rule(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = m.client("events").put_rule(Name=i["name"], EventPattern=i["eventPattern"],
                                        Description=i.get("description", ""), State="ENABLED")
    return i["name"], {"arn": found["RuleArn"], "name": i["name"]}


@handles("aws:cloudwatch/eventTarget:EventTarget")
def _event_target(m: MotoBackend, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    target: dict[str, Any] = {"Id": name, "Arn": i["arn"]}
    retry = i.get("retryPolicy") or {}
    if retry:
        target["RetryPolicy"] = {"MaximumEventAgeInSeconds": int(retry["maximumEventAgeInSeconds"]),
                                 "MaximumRetryAttempts": int(retry["maximumRetryAttempts"])}
    m.client("events").put_targets(Rule=i["rule"], Targets=[target])
    return f"{i['rule']}-{name}", {"targetId": name}
