"""What every estate bucket gets beside itself: versioning, all public access blocked and
object ownership enforced for the bucket owner. Encryption, lifecycle and policy differ per
bucket and stay with the tier that owns it."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def private_bucket_baseline(
    prefix: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions
) -> aws.s3.BucketVersioning:
    """Declare the side-cars as `<prefix>-versioning`, `-public-access`, `-ownership`."""
    versioning = aws.s3.BucketVersioning(
        f"{prefix}-versioning", bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"), opts=opts)
    aws.s3.BucketPublicAccessBlock(
        f"{prefix}-public-access", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=opts)
    aws.s3.BucketOwnershipControls(
        f"{prefix}-ownership", bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=opts)
    return versioning
