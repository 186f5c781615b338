"""The chain of custody, declared: the append-only custody table, the promotion Lambda (code in
`custody.py`) with a least-privilege role, the EventBridge rule that feeds it S3 events from the
ingest bucket, and the legal-hold role that can set and clear holds but delete nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from estate.cloud import custody
from estate.cloud.evidence_policies import (
    custody_table_policy,
    legal_hold_role_policy,
    promotion_role_policy,
)

CODE = Path(custody.__file__)
# tagging footage evidential is the usual trigger; a dock may also upload already tagged
S3_EVENTS = ["Object Created", "Object Tags Added"]
LOG_RETENTION_DAYS = 400


@dataclass(frozen=True)
class PromotionArgs:
    env: str
    account_id: str
    ingest: aws.s3.Bucket
    ingest_key: aws.kms.Key
    evidential: aws.s3.Bucket
    evidential_key: aws.kms.Key
    break_glass_arn: str
    protect: bool


@dataclass(frozen=True)
class Promotion:
    function: aws.lambda_.Function
    role: aws.iam.Role
    table: aws.dynamodb.Table
    legal_hold_role: aws.iam.Role


def service_trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def declare_promotion(parent: pulumi.Resource, name: str, args: PromotionArgs) -> Promotion:
    child = pulumi.ResourceOptions(parent=parent)
    keep = pulumi.ResourceOptions(parent=parent, retain_on_delete=True, protect=args.protect)
    prefix = f"estate-{args.env}"
    table = aws.dynamodb.Table(
        f"{name}-custody-table", name=f"{prefix}-custody", billing_mode="PAY_PER_REQUEST", hash_key="source",
        attributes=[aws.dynamodb.TableAttributeArgs(name="source", type="S")],
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
            enabled=True, kms_key_arn=args.evidential_key.arn),
        deletion_protection_enabled=True, opts=keep)
    aws.dynamodb.ResourcePolicy(
        f"{name}-custody-table-policy", resource_arn=table.arn,
        policy=table.arn.apply(lambda arn: custody_table_policy(arn, args.break_glass_arn)), opts=keep)
    logs = aws.cloudwatch.LogGroup(f"{name}-promotion-logs", name=f"/aws/lambda/{prefix}-custody-promotion",
                                   retention_in_days=LOG_RETENTION_DAYS, opts=child)
    role = aws.iam.Role(f"{name}-promotion-role", name=f"{prefix}-custody-promotion",
                        assume_role_policy=service_trust("lambda.amazonaws.com"), opts=child)
    aws.iam.RolePolicy(f"{name}-promotion-policy", role=role.name, opts=child, policy=pulumi.Output.all(
        args.ingest.arn, args.ingest_key.arn, args.evidential.arn, args.evidential_key.arn, table.arn, logs.arn,
    ).apply(lambda a: promotion_role_policy(
        ingest_arn=a[0], ingest_key_arn=a[1], evidential_arn=a[2], evidential_key_arn=a[3], table_arn=a[4],
        log_group_arn=a[5])))
    function = aws.lambda_.Function(
        f"{name}-promotion", name=f"{prefix}-custody-promotion", role=role.arn, runtime="python3.12",
        handler="custody.handler", timeout=300, memory_size=256,
        code=pulumi.AssetArchive({"custody.py": pulumi.FileAsset(str(CODE))}),
        environment=aws.lambda_.FunctionEnvironmentArgs(variables={
            "EVIDENTIAL_BUCKET": args.evidential.id, "EVIDENTIAL_KEY_ARN": args.evidential_key.arn,
            "CUSTODY_TABLE": table.name}),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[logs]))
    aws.s3.BucketNotification(f"{name}-ingest-events", bucket=args.ingest.id, eventbridge=True, opts=child)
    rule = aws.cloudwatch.EventRule(
        f"{name}-promotion-rule", name=f"{prefix}-custody-promotion",
        description="footage created or tagged in the ingest bucket: promote what is marked evidential",
        event_pattern=args.ingest.id.apply(lambda bucket: json.dumps({
            "source": ["aws.s3"], "detail-type": S3_EVENTS, "detail": {"bucket": {"name": [bucket]}}})),
        opts=child)
    aws.cloudwatch.EventTarget(
        f"{name}-promotion-target", rule=rule.name, arn=function.arn,
        retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(maximum_event_age_in_seconds=86400,
                                                               maximum_retry_attempts=185),
        opts=child)
    aws.lambda_.Permission(f"{name}-promotion-invoke", action="lambda:InvokeFunction", function=function.name,
                           principal="events.amazonaws.com", source_arn=rule.arn, opts=child)
    hold_role = aws.iam.Role(
        f"{name}-legal-hold-role", name=f"{prefix}-legal-hold", max_session_duration=3600, opts=child,
        assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{args.account_id}:root"},
            "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
    aws.iam.RolePolicy(f"{name}-legal-hold-policy", role=hold_role.name,
                       policy=args.evidential.arn.apply(legal_hold_role_policy), opts=child)
    return Promotion(function, role, table, hold_role)
