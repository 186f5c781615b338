"""Each environment's stack, declared under moto-backed mocks, asserted through boto3."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.stacks.conftest import DeployedStack
from tests.stacks.policy_gate import moto_defers_to_the_gate

# pulumi_aws warns about its own deprecated aliases on import; nothing here uses them
pytestmark = [pytest.mark.stack, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
REGION = "eu-west-2"


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def bucket(stack: DeployedStack, label: str) -> str:
    return f"estate-{stack.env}-{label}-{stack.inputs.inventory.environment(stack.env).aws_account}"


def test_every_moto_type_was_created_in_moto(stack: DeployedStack) -> None:
    # moto emulates no Chime SDK Voice, Roles Anywhere or Direct Connect gateway call, and of
    # Amazon Connect only the instance (REFERENCE.md): everything else must be moto-backed
    plain = stack.mocks.types(backed=False)
    unemulated_connect = {f"aws:connect/{t}" for t in (
        "contactFlow:ContactFlow", "hoursOfOperation:HoursOfOperation", "instanceStorageConfig:InstanceStorageConfig",
        "queue:Queue", "routingProfile:RoutingProfile", "securityProfile:SecurityProfile",
        "phoneNumber:PhoneNumber", "phoneNumberContactFlowAssociation:PhoneNumberContactFlowAssociation")}
    # moto runs Lambda code only in Docker: the promotion's and WFM feed's code is tested directly
    # instead; moto refuses a mapping to a function it does not hold
    lambdas = {"aws:lambda/function:Function", "aws:lambda/permission:Permission",
               "aws:lambda/eventSourceMapping:EventSourceMapping"}
    assert plain <= {"aws:chime/voiceConnector:VoiceConnector", "aws:rolesanywhere/trustAnchor:TrustAnchor",
                     "aws:rolesanywhere/profile:Profile", *lambdas,
                     "aws:directconnect/gatewayAssociation:GatewayAssociation",
                     "aws:directconnect/gatewayAssociationProposal:GatewayAssociationProposal",
                     "pulumi:providers:aws",  # the network account's provider (Direct Connect acceptance)
                     *{f"aws:chime/voiceConnector{t}:VoiceConnector{t}" for t in ("Termination", "Origination",
                                                                                  "Logging")},
                     *unemulated_connect}
    assert len(stack.mocks.types(backed=True)) > 30


def test_contact_records_streams_encrypted(stack: DeployedStack) -> None:
    kinesis = client("kinesis")
    names = kinesis.list_streams()["StreamNames"]
    streams = [n for n in names if n.startswith(f"estate-{stack.env}-connect-")]
    assert len(streams) == 2  # contact trace records and agent events, for the WFM feed
    for name in streams:
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        assert summary["EncryptionType"] == "KMS"
        assert summary["RetentionPeriodHours"] > 24


def test_evidential_bucket_lock_and_retention(stack: DeployedStack) -> None:
    s3, evidence = client("s3"), stack.inputs.settings.evidence
    lock = s3.get_object_lock_configuration(Bucket=bucket(stack, "evidential"))["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert retention["Mode"] == evidence.evidential_lock_mode
    assert retention["Days"] == evidence.evidential_retention_days
    assert not retention.get("Years")
    assert evidence.evidential_lock_mode == ("COMPLIANCE" if stack.env == "prod" else "GOVERNANCE")
    assert s3.get_bucket_versioning(Bucket=bucket(stack, "evidential"))["Status"] == "Enabled"


def test_locked_object_cannot_be_deleted(stack: DeployedStack, monkeypatch: pytest.MonkeyPatch) -> None:
    s3, name = client("s3"), bucket(stack, "evidential")
    policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
    assert {"TlsOnly", "KmsWhenStated", "ThisKeyWhenStated", "NoDeletes"} <= {st["Sid"] for st in policy["Statement"]}
    # the policy stays; moto cannot evaluate its conditions, so only Object Lock decides here
    # (test_evidence_custody evaluates the policies themselves)
    moto_defers_to_the_gate(monkeypatch)
    version = s3.put_object(Bucket=name, Key="MPS-0004/cam-17/clip.mp4", Body=b"footage")["VersionId"]
    head = s3.head_object(Bucket=name, Key="MPS-0004/cam-17/clip.mp4")
    assert head["ObjectLockMode"] == stack.inputs.settings.evidence.evidential_lock_mode
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=name, Key="MPS-0004/cam-17/clip.mp4", VersionId=version)


def test_ingest_lifecycle_expires_after_retention(stack: DeployedStack) -> None:
    rules = client("s3").get_bucket_lifecycle_configuration(Bucket=bucket(stack, "ingest"))["Rules"]
    expiry = [r for r in rules if r["ID"] == "expire-non-evidential"]
    assert expiry and expiry[0]["Status"] == "Enabled"
    assert expiry[0]["Expiration"]["Days"] == stack.inputs.settings.evidence.ingest_retention_days


@pytest.mark.parametrize("label", ["audit", "ingest", "evidential", "trail"])
def test_encryption_and_public_access_block(stack: DeployedStack, label: str) -> None:
    s3, name = client("s3"), bucket(stack, label)
    block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    if label == "audit":
        assert default["SSEAlgorithm"] == "AES256"  # access logs cannot land in an SSE-KMS bucket
    else:
        assert default["SSEAlgorithm"] == "aws:kms" and rule["BucketKeyEnabled"] is True
        key = client("kms").describe_key(KeyId=default["KMSMasterKeyID"])["KeyMetadata"]["KeyId"]
        assert client("kms").get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True


def test_fleets_sized_from_capacity(stack: DeployedStack) -> None:
    sizes = stack.inputs.sizes
    groups = {g["AutoScalingGroupName"]: g for g in client("autoscaling").describe_auto_scaling_groups()[
        "AutoScalingGroups"]}
    for label, fleet in (("sbc", sizes.sbc), ("call-control", sizes.call_control)):
        group = groups[f"estate-{stack.env}-{label}"]
        assert (group["MinSize"], group["DesiredCapacity"], group["MaxSize"]) == \
            (fleet.desired, fleet.desired, fleet.maximum)
        assert len(group["VPCZoneIdentifier"].split(",")) == stack.inputs.settings.network.az_count
    calls = sizes.capacity.totals.channels
    per_az_capacity = (sizes.sbc.per_az - 1) * stack.inputs.settings.voice.channels_per_sbc
    assert per_az_capacity * sizes.sbc.az_count >= calls  # N carries the load; +1 spare per AZ


def test_srv_records_point_at_the_nlb(stack: DeployedStack) -> None:
    route53 = client("route53")
    domain = stack.inputs.inventory.estate.voice.sip_domain
    zone = route53.list_hosted_zones_by_name(DNSName=domain)["HostedZones"][0]
    assert zone["Config"]["PrivateZone"] is True
    records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    nlb = client("elbv2").describe_load_balancers(Names=[f"estate-{stack.env}-sip"])["LoadBalancers"][0]
    assert nlb["Scheme"] == "internal"
    fqdn = f"sip.{domain}."
    alias = next(r for r in records if r["Name"] == fqdn and r["Type"] == "A")
    assert alias["AliasTarget"]["DNSName"].rstrip(".") == nlb["DNSName"]
    srv = {r["Name"]: r["ResourceRecords"][0]["Value"] for r in records if r["Type"] == "SRV"}
    assert srv == {f"_sip._udp.{domain}.": f"10 100 5060 {fqdn}", f"_sip._tcp.{domain}.": f"10 100 5060 {fqdn}",
                   f"_sips._tcp.{domain}.": f"10 100 5061 {fqdn}"}
    listeners = client("elbv2").describe_listeners(LoadBalancerArn=nlb["LoadBalancerArn"])["Listeners"]
    assert sorted((x["Protocol"], x["Port"]) for x in listeners) == [("TCP_UDP", 5060), ("TLS", 5061)]


def test_transit_gateway_vpns(stack: DeployedStack) -> None:
    hubs = stack.inputs.settings.network.vpn_hubs
    vpns = client("ec2").describe_vpn_connections()["VpnConnections"]
    assert len(vpns) == len(hubs) and all(v.get("TransitGatewayId") for v in vpns)


def test_trail_multi_region_validated_encrypted_into_a_locked_bucket(stack: DeployedStack) -> None:
    cloudtrail, name = client("cloudtrail"), f"estate-{stack.env}-evidence"
    trail = cloudtrail.get_trail(Name=name)["Trail"]
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"] and trail["IncludeGlobalServiceEvents"]
    assert trail["KmsKeyId"] and trail["S3BucketName"] == bucket(stack, "trail")
    lock = client("s3").get_object_lock_configuration(Bucket=bucket(stack, "trail"))["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"]["Days"] == stack.inputs.settings.evidence.audit_retention_days
    values = cloudtrail.get_event_selectors(TrailName=name)["EventSelectors"][0]["DataResources"][0]["Values"]
    assert values == [f"arn:aws:s3:::{bucket(stack, 'ingest')}/", f"arn:aws:s3:::{bucket(stack, 'evidential')}/"]


@pytest.mark.parametrize("label", ["ingest", "evidential", "trail"])
def test_key_policy_protects_the_key_except_for_break_glass(stack: DeployedStack, label: str) -> None:
    kms = client("kms")
    key = kms.describe_key(KeyId=f"alias/estate-{stack.env}-{label}")["KeyMetadata"]["KeyId"]
    statements = {s["Sid"]: s for s in json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])[
        "Statement"]}
    protect = statements["ProtectKeyExceptBreakGlass"]
    assert protect["Effect"] == "Deny"
    assert {"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"} <= set(protect["Action"])
    account = stack.inputs.inventory.environment(stack.env).aws_account
    assert protect["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [
        f"arn:aws:iam::{account}:role/{stack.inputs.settings.evidence.break_glass_role_name}"]}}
    assert ("CloudTrailEncrypts" in statements) is (label == "trail")
