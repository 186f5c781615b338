"""Evidence storage tier: body-worn-video footage lands in a short-retention ingest bucket
(uploaded by the docks through the VPC's S3 endpoint); footage marked evidential is promoted,
with a custody record, into a bucket under Object Lock. KMS keys rotate and only a break-glass
role can disable or delete them; buckets are TLS-only and never public; a multi-region trail
with data events on both footage buckets writes into its own Object-Locked bucket."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from estate.cloud.buckets import private_bucket_baseline
from estate.cloud.evidence_policies import (
    EVERYONE,
    cloudtrail_key_statements,
    dock_role_policy,
    document,
    evidential_bucket_policy,
    ingest_bucket_policy,
    key_policy,
    tls_only,
)
from estate.cloud.promotion import PromotionArgs, declare_promotion
from estate.cloud.settings import Evidence

# Roles Anywhere puts the dock certificate's subject into principal tags: the OU names the site.
SITE_TAG = "${aws:PrincipalTag/x509Subject/OU}"
LOGGED = ("ingest", "evidential")  # buckets whose server access logs go to the audit bucket


@dataclass(frozen=True)
class EvidenceArgs:
    env: str
    account_id: str
    settings: Evidence
    private_ca_arn: str
    ingest_retained_bytes: int
    # the VPC's S3 interface endpoint: docks may upload through it only (none: no such rule)
    s3_endpoint_id: pulumi.Input[str] | None = None
    region: str = "eu-west-2"

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    @property
    def break_glass_arn(self) -> str:
        return self.role_arn(self.settings.break_glass_role_name)

    @property
    def trail_name(self) -> str:
        return f"estate-{self.env}-evidence"


class EvidenceStore(pulumi.ComponentResource):
    ingest_bucket: pulumi.Output[str]
    evidential_bucket: pulumi.Output[str]
    evidential_key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EvidenceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:EvidenceStore", name, None, opts)
        self._name, self._args = name, args
        s = args.settings
        locked = s.evidential_lock_mode == "COMPLIANCE"
        # Evidence outlives the stack: never deleted with it, and under COMPLIANCE not even changed
        # without first lifting `protect` in code review.
        keep = pulumi.ResourceOptions(parent=self, retain_on_delete=True, protect=locked)
        child = pulumi.ResourceOptions(parent=self)
        ingest_key = self._key("ingest", "body-worn-video footage in ingest", child)
        evidential_key = self._key("evidential", "evidential footage and custody records", keep)
        trail_key = self._key("trail", "the evidence audit trail", keep, cloudtrail_key_statements(
            args.account_id, args.region, args.trail_name))

        audit, _ = self._bucket("audit", child)
        self._encrypt(audit, "audit", None)  # server access logs can only land in an SSE-S3 bucket
        self._lifecycle(audit, "audit", [self._expiry("expire-audit", s.audit_retention_days)])

        ingest, _ = self._bucket("ingest", child)
        self._encrypt(ingest, "ingest", ingest_key)
        self._lifecycle(ingest, "ingest", [self._expiry("expire-non-evidential", s.ingest_retention_days)])

        evidential, lock = self._locked_bucket("evidential", keep, s.evidential_retention_days)
        self._encrypt(evidential, "evidential", evidential_key, keep)
        self._lifecycle(evidential, "evidential", [aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="to-glacier", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            transitions=[
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(days=s.glacier_after_days,
                                                                      storage_class="GLACIER"),
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(days=s.deep_archive_after_days,
                                                                      storage_class="DEEP_ARCHIVE")])],
            keep)

        # CloudTrail's digest files prove the logs unaltered; the lock keeps them from deletion
        trail_bucket, _ = self._locked_bucket("trail", keep, s.audit_retention_days)
        self._encrypt(trail_bucket, "trail", trail_key, keep)
        self._lifecycle(trail_bucket, "trail", [self._expiry("expire-trail", s.audit_retention_days)], keep)
        trail_policy = self._policy(trail_bucket, "trail", trail_bucket.arn.apply(self._trail_policy), keep)

        audit_policy = self._policy(audit, "audit", audit.arn.apply(self._audit_policy))
        for label, bucket in zip(LOGGED, (ingest, evidential), strict=True):
            # S3 checks the target's policy lets the logging service write before it accepts this
            aws.s3.BucketLogging(f"{name}-{label}-logging", bucket=bucket.id, target_bucket=audit.id,
                                 target_prefix=f"access-logs/{label}/",
                                 opts=pulumi.ResourceOptions(parent=self, depends_on=[audit_policy]))
        dock_arn = args.role_arn(f"estate-{args.env}-bwv-dock-upload")
        self._policy(ingest, "ingest", pulumi.Output.all(ingest.arn, ingest_key.arn, args.s3_endpoint_id).apply(
            lambda a: ingest_bucket_policy(a[0], a[1], dock_arn, a[2])))
        hold_setters = [args.role_arn(f"estate-{args.env}-legal-hold"),
                        args.role_arn(f"estate-{args.env}-custody-promotion")]
        self._policy(evidential, "evidential", pulumi.Output.all(evidential.arn, evidential_key.arn).apply(
            lambda a: evidential_bucket_policy(a[0], a[1], args.break_glass_arn, hold_setters)), keep)

        footage = pulumi.Output.all(ingest.arn, evidential.arn).apply(lambda arns: [f"{a}/" for a in arns])
        trail = aws.cloudtrail.Trail(
            f"{name}-trail", name=args.trail_name, s3_bucket_name=trail_bucket.id, s3_key_prefix="cloudtrail",
            kms_key_id=trail_key.arn, enable_log_file_validation=True, include_global_service_events=True,
            is_multi_region_trail=True,
            event_selectors=[aws.cloudtrail.TrailEventSelectorArgs(
                read_write_type="All", include_management_events=True,
                data_resources=[aws.cloudtrail.TrailEventSelectorDataResourceArgs(
                    type="AWS::S3::Object", values=footage)])],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[trail_policy]))
        upload_role = self._upload_role(ingest, ingest_key, dock_arn)
        promotion = declare_promotion(self, name, PromotionArgs(
            env=args.env, account_id=args.account_id, ingest=ingest, ingest_key=ingest_key,
            evidential=evidential, evidential_key=evidential_key, break_glass_arn=args.break_glass_arn,
            protect=locked))
        aws.cloudwatch.MetricAlarm(
            f"{name}-ingest-size", name=f"estate-{args.env}-ingest-above-plan",
            namespace="AWS/S3", metric_name="BucketSizeBytes",
            dimensions={"BucketName": ingest.id, "StorageType": "StandardStorage"},
            statistic="Maximum", period=86400, evaluation_periods=1,
            threshold=float(args.ingest_retained_bytes) * 1.5, comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_description="ingest holds half as much again as the capacity plan: check expiry and camera use",
            opts=child)

        self.ingest_bucket = ingest.id
        self.evidential_bucket = evidential.id
        self.evidential_key_arn = evidential_key.arn
        self.register_outputs({
            "ingestBucket": ingest.id, "evidentialBucket": evidential.id, "auditBucket": audit.id,
            "trailBucket": trail_bucket.id, "ingestKeyArn": ingest_key.arn, "evidentialKeyArn": evidential_key.arn,
            "uploadRoleArn": upload_role.arn, "trailArn": trail.arn, "lockId": lock.id,
            "promotionFunctionArn": promotion.function.arn, "custodyTable": promotion.table.name,
            "legalHoldRoleArn": promotion.legal_hold_role.arn,
        })

    def _expiry(self, rule_id: str, days: int) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
        return aws.s3.BucketLifecycleConfigurationRuleArgs(
            id=rule_id, status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=1),
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=2))

    def _locked_bucket(self, label: str, keep: pulumi.ResourceOptions,
                       days: int) -> tuple[aws.s3.Bucket, aws.s3.BucketObjectLockConfiguration]:
        bucket, versioned = self._bucket(label, keep, object_lock=True)
        lock = aws.s3.BucketObjectLockConfiguration(
            f"{self._name}-{label}-lock", bucket=bucket.id,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode=self._args.settings.evidential_lock_mode, days=days)),
            opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=[versioned])))
        return bucket, lock

    def _key(self, label: str, what: str, opts: pulumi.ResourceOptions,
             services: list[dict[str, Any]] | None = None) -> aws.kms.Key:
        args = self._args
        key = aws.kms.Key(
            f"{self._name}-{label}-key", description=f"estate {args.env}: {what}",
            enable_key_rotation=True, rotation_period_in_days=365,
            deletion_window_in_days=args.settings.kms_deletion_window_days,
            policy=key_policy(args.account_id, args.break_glass_arn, services),
            # the policy denies PutKeyPolicy to all but the break-glass role, deployer included:
            # AWS's lockout check would refuse that, which is the point
            bypass_policy_lockout_safety_check=True, opts=opts)
        aws.kms.Alias(f"{self._name}-{label}-alias", name=f"alias/estate-{args.env}-{label}",
                      target_key_id=key.key_id, opts=pulumi.ResourceOptions(parent=self))
        return key

    def _bucket_name(self, label: str) -> str:
        return f"estate-{self._args.env}-{label}-{self._args.account_id}"

    def _bucket(self, label: str, opts: pulumi.ResourceOptions,
                object_lock: bool = False) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        name = f"{self._name}-{label}"
        bucket = aws.s3.Bucket(name, bucket=self._bucket_name(label),
                               object_lock_enabled=object_lock, force_destroy=False, opts=opts)
        side = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self))
        return bucket, private_bucket_baseline(name, bucket, side)

    def _encrypt(self, bucket: aws.s3.Bucket, label: str, key: aws.kms.Key | None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms" if key else "AES256", kms_master_key_id=key.arn if key else None)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{self._name}-{label}-encryption", bucket=bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=default, bucket_key_enabled=key is not None)],
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self)))

    def _lifecycle(self, bucket: aws.s3.Bucket, label: str,
                   rules: list[aws.s3.BucketLifecycleConfigurationRuleArgs],
                   opts: pulumi.ResourceOptions | None = None) -> None:
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-{label}-lifecycle", bucket=bucket.id, rules=rules,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self)))

    def _policy(self, bucket: aws.s3.Bucket, label: str, document: pulumi.Output[str],
                opts: pulumi.ResourceOptions | None = None) -> aws.s3.BucketPolicy:
        return aws.s3.BucketPolicy(f"{self._name}-{label}-policy", bucket=bucket.id, policy=document,
                                   opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self)))

    def _audit_policy(self, arn: str) -> str:
        account = self._args.account_id
        return document([
            tls_only(arn),
            *({"Sid": f"AccessLogs{label.title()}", "Effect": "Allow",
               "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
               "Resource": f"{arn}/access-logs/{label}/*",
               "Condition": {"StringEquals": {"aws:SourceAccount": account},
                             "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{self._bucket_name(label)}"}}}
              for label in LOGGED),
        ])

    def _trail_policy(self, arn: str) -> str:
        args = self._args
        source = {"StringEquals": {"aws:SourceArn":
                                   f"arn:aws:cloudtrail:{args.region}:{args.account_id}:trail/{args.trail_name}"}}
        return document([
            tls_only(arn),
            {"Sid": "TrailAcl", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": arn, "Condition": source},
            {"Sid": "TrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"{arn}/cloudtrail/AWSLogs/{args.account_id}/*",
             "Condition": source},
            {"Sid": "NoDeletes", "Effect": "Deny", "Principal": EVERYONE,
             "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"],
             "Resource": f"{arn}/*"},
        ])

    def _upload_role(self, ingest: aws.s3.Bucket, key: aws.kms.Key, arn: str) -> aws.iam.Role:
        """One role for every dock; IAM Roles Anywhere maps the dock's certificate (issued by the
        force's private CA, OU = site id) to a principal tag that confines it to its site prefix."""
        child = pulumi.ResourceOptions(parent=self)
        anchor = aws.rolesanywhere.TrustAnchor(
            f"{self._name}-docks-anchor", name=f"estate-{self._args.env}-bwv-docks", enabled=True,
            source=aws.rolesanywhere.TrustAnchorSourceArgs(
                source_type="AWS_ACM_PCA",
                source_data=aws.rolesanywhere.TrustAnchorSourceSourceDataArgs(
                    acm_pca_arn=self._args.private_ca_arn)),
            opts=child)
        trust = anchor.arn.apply(lambda anchor_arn: json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
            "Condition": {"ArnEquals": {"aws:SourceArn": anchor_arn}}}]}))
        role = aws.iam.Role(f"{self._name}-docks-role", name=arn.rsplit("/", 1)[1],
                            assume_role_policy=trust, max_session_duration=3600, opts=child)
        policy = pulumi.Output.all(ingest.arn, key.arn).apply(lambda a: dock_role_policy(a[0], a[1], SITE_TAG))
        aws.iam.RolePolicy(f"{self._name}-docks-put", role=role.name, policy=policy, opts=child)
        aws.rolesanywhere.Profile(f"{self._name}-docks-profile", name=f"estate-{self._args.env}-bwv-docks",
                                  enabled=True, role_arns=[role.arn], duration_seconds=3600, opts=child)
        return role
