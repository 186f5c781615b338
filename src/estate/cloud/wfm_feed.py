"""The WFM feed, deployed: the Lambda of `estate.contact.wfm_lambda` reading the contact centre's
agent-event stream, and the bucket it writes interval adherence CSVs to, where the rostering
system collects them.

Why the bucket has its own KMS key and not the evidence key: the rostering system (and whoever
runs it) must be able to decrypt these CSVs; a grant on the evidential key would also open every
call recording to it. Adherence records are staff data, not evidence: no Object Lock, and they
expire (`EXPIRY_DAYS`) since the WFM keeps its own copy.

Why a failure queue: a batch the Lambda cannot turn into a CSV is retried, split in halves to
find the bad record, and after `MAX_RETRIES` or `MAX_RECORD_AGE_SECONDS` its shard position is
sent to the queue, so one poison record never blocks the shard; the stream keeps records a
week, long enough to replay from the positions the queue holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pulumi
import pulumi_aws as aws

import estate
import estate.contact
import estate.contact.wfm
import estate.contact.wfm_lambda
from estate.cloud.buckets import private_bucket_baseline
from estate.cloud.evidence_policies import document, encryption_if_stated, key_policy, tls_only
from estate.cloud.promotion import LOG_RETENTION_DAYS, service_trust
from estate.contact.wfm_lambda import DEFAULT_PREFIX

RUNTIME = "python3.11"
HANDLER = "estate.contact.wfm_lambda.handler"
# what the handler imports from the repo, and nothing else: no settings, inventory or secrets
# (boto3 comes with the Lambda runtime)
PACKAGED: tuple[ModuleType, ...] = (estate, estate.contact, estate.contact.wfm, estate.contact.wfm_lambda)
SOURCE_ROOT = Path(estate.__file__).parent.parent
EXPIRY_DAYS = 400
BATCH_SIZE = 500
BATCH_WINDOW_SECONDS = 60  # one CSV a minute at most per shard, not one per agent event
MAX_RETRIES = 5
MAX_RECORD_AGE_SECONDS = 86_400
FAILURE_RETENTION_SECONDS = 1_209_600  # SQS's longest: two weeks to replay what failed


@dataclass(frozen=True)
class WfmFeedArgs:
    env: str
    account_id: str
    break_glass_arn: str  # the only role that may disable or delete the bucket's key
    agent_event_stream_arn: pulumi.Input[str]
    stream_key: str  # the stream's KMS key: an alias (`alias/aws/kinesis`) or a key ARN
    interval_minutes: int
    region: str = "eu-west-2"


def archive_files() -> dict[str, Path]:
    """The Lambda's code: archive path -> file in the repo."""
    return {Path(str(m.__file__)).relative_to(SOURCE_ROOT).as_posix(): Path(str(m.__file__)) for m in PACKAGED}


def _stream_key_statement(key: str, account_id: str, region: str) -> dict[str, object]:
    via = {"kms:ViaService": f"kinesis.{region}.amazonaws.com"}
    if key.startswith("alias/"):
        # an alias's key ARN is not known when the stack is declared: match the key by its alias
        return {"Sid": "DecryptStream", "Effect": "Allow", "Action": "kms:Decrypt",
                "Resource": f"arn:aws:kms:{region}:{account_id}:key/*",
                "Condition": {"StringEquals": via, "ForAnyValue:StringEquals": {"kms:ResourceAliases": key}}}
    return {"Sid": "DecryptStream", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key,
            "Condition": {"StringEquals": via}}


def feed_role_policy(*, stream_arn: str, stream_key: str, bucket_arn: str, prefix: str, bucket_key_arn: str,
                     log_group_arn: str, failure_queue_arn: str, account_id: str, region: str) -> str:
    """What the feed may do: read the agent-event stream, write CSVs under its prefix, report
    failed batches, log; nothing more."""
    return document([
        {"Sid": "ReadAgentEvents", "Effect": "Allow",
         "Action": ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary", "kinesis:ListShards"],
         "Resource": stream_arn},
        # ListStreams has no resource type in IAM: it matches only "*" (it lists names, no data)
        {"Sid": "ListStreams", "Effect": "Allow", "Action": "kinesis:ListStreams", "Resource": "*"},
        _stream_key_statement(stream_key, account_id, region),
        {"Sid": "WriteAdherence", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{prefix}/*"},
        {"Sid": "EncryptAdherence", "Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": bucket_key_arn},
        {"Sid": "ReportFailedBatches", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": failure_queue_arn},
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"{log_group_arn}:*"},
    ])


class WfmFeed(pulumi.ComponentResource):
    bucket: pulumi.Output[str]
    prefix: str
    function_arn: pulumi.Output[str]

    def __init__(self, name: str, args: WfmFeedArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:WfmFeed", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        base = f"estate-{args.env}-wfm"
        key = aws.kms.Key(
            f"{name}-key", description=f"estate {args.env}: WFM adherence records", enable_key_rotation=True,
            rotation_period_in_days=365, deletion_window_in_days=30,
            policy=key_policy(args.account_id, args.break_glass_arn),
            # the policy denies PutKeyPolicy to all but the break-glass role, deployer included
            bypass_policy_lockout_safety_check=True, opts=child)
        aws.kms.Alias(f"{name}-key-alias", name=f"alias/{base}", target_key_id=key.key_id, opts=child)
        bucket = self._bucket(name, f"{base}-{args.account_id}", key)
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/lambda/{base}-feed",
                                       retention_in_days=LOG_RETENTION_DAYS, opts=child)
        failures = aws.sqs.Queue(f"{name}-failures", name=f"{base}-feed-failures",
                                 message_retention_seconds=FAILURE_RETENTION_SECONDS, sqs_managed_sse_enabled=True,
                                 opts=child)
        role = aws.iam.Role(f"{name}-role", name=f"{base}-feed",
                            assume_role_policy=service_trust("lambda.amazonaws.com"), opts=child)
        policy = aws.iam.RolePolicy(
            f"{name}-policy", role=role.name, name="wfm-feed", opts=child, policy=pulumi.Output.all(
                args.agent_event_stream_arn, bucket.arn, key.arn, logs.arn, failures.arn).apply(
                lambda a: feed_role_policy(
                    stream_arn=a[0], stream_key=args.stream_key, bucket_arn=a[1], prefix=DEFAULT_PREFIX,
                    bucket_key_arn=a[2], log_group_arn=a[3], failure_queue_arn=a[4], account_id=args.account_id,
                    region=args.region)))
        function = aws.lambda_.Function(
            f"{name}-function", name=f"{base}-feed", role=role.arn, runtime=RUNTIME, handler=HANDLER,
            timeout=60, memory_size=256,
            code=pulumi.AssetArchive({path: pulumi.FileAsset(str(file)) for path, file in archive_files().items()}),
            environment=aws.lambda_.FunctionEnvironmentArgs(variables={
                "WFM_BUCKET": bucket.id, "WFM_PREFIX": DEFAULT_PREFIX,
                "WFM_INTERVAL_MINUTES": str(args.interval_minutes)}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]))
        aws.lambda_.EventSourceMapping(
            f"{name}-agent-events", event_source_arn=args.agent_event_stream_arn, function_name=function.arn,
            starting_position="LATEST", batch_size=BATCH_SIZE, maximum_batching_window_in_seconds=BATCH_WINDOW_SECONDS,
            parallelization_factor=1,  # one batch at a time per shard keeps an agent's events in order
            bisect_batch_on_function_error=True, maximum_retry_attempts=MAX_RETRIES,
            maximum_record_age_in_seconds=MAX_RECORD_AGE_SECONDS,
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=failures.arn)),
            # Lambda checks the role can read the stream when the mapping is created
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
        self.bucket = bucket.id
        self.prefix = DEFAULT_PREFIX
        self.function_arn = function.arn
        self.register_outputs({"bucket": bucket.id, "prefix": DEFAULT_PREFIX, "keyArn": key.arn,
                               "functionArn": function.arn, "failureQueueUrl": failures.url})

    def _bucket(self, name: str, bucket_name: str, key: aws.kms.Key) -> aws.s3.Bucket:
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=bucket_name, force_destroy=False, opts=child)
        private_bucket_baseline(f"{name}-bucket", bucket, child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-bucket-encryption", bucket=bucket.id, opts=child,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3
                .BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=key.arn),
                bucket_key_enabled=True)])
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-bucket-lifecycle", bucket=bucket.id, opts=child,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-adherence", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=EXPIRY_DAYS),
                noncurrent_version_expiration=aws.s3
                .BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(noncurrent_days=30),
                abort_incomplete_multipart_upload=aws.s3
                .BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=2))])
        aws.s3.BucketPolicy(
            f"{name}-bucket-policy", bucket=bucket.id, opts=child,
            policy=pulumi.Output.all(bucket.arn, key.arn).apply(
                lambda a: document([tls_only(a[0]), *encryption_if_stated(a[0], a[1])])))
        return bucket


def feed_outputs(feed: WfmFeed) -> dict[str, object]:
    """What the rostering system needs to collect the CSVs."""
    return {"wfmBucket": feed.bucket, "wfmPrefix": feed.prefix}

