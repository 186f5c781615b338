"""The WFM feed as the contact-centre tier declares it, under the moto-backed mocks: the bucket,
key, role and failure queue asserted through boto3; the Lambda and its event source mapping
(plain mocks) on their declared inputs; the Lambda's archive run on its own, without the repo;
the policy rules clean on the feed and firing when it is broken."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from estate.cloud.policy_rules import PlanResource, evaluate
from estate.contact.wfm import adherence, to_csv
from estate.inventory.inventory import Inventory
from tests.contact.test_tier import STREAM
from tests.contact.test_wfm import EVENTS, events
from tests.contact.tier_setup import Tier

pytestmark = [pytest.mark.stack, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
FUNCTION = "aws:lambda/function:Function"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
KEY = "aws:kms/key:Key"
QUEUE = "aws:sqs/queue:Queue"
ARCHIVE = {"estate/__init__.py", "estate/contact/__init__.py", "estate/contact/wfm.py",
           "estate/contact/wfm_lambda.py"}


def one(t: Tier, typ: str, suffix: str) -> dict[str, Any]:
    [found] = [d for d in t.of(typ) if d.name.endswith(suffix)]
    return {**found.state, "id": found.id}


@pytest.fixture
def bucket(tier: Tier, contact_inventory: Inventory) -> str:
    return f"estate-{tier.env}-wfm-{contact_inventory.environment(tier.env).aws_account}"


def test_bucket_in_moto_is_private_versioned_encrypted_and_expires(tier: Tier, bucket: str) -> None:
    s3, name = boto3.client("s3", region_name="eu-west-2"), bucket
    key = one(tier, KEY, "-wfm-key")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    [rule] = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["arn"]}
    assert rule["BucketKeyEnabled"] is True
    evidence_key = one(tier, KEY, "evidence-key")
    assert key["arn"] != evidence_key["arn"]  # the rostering system's grant must not open recordings
    assert boto3.client("kms", region_name="eu-west-2").get_key_rotation_status(KeyId=key["id"])["KeyRotationEnabled"]
    block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                   "RestrictPublicBuckets"), True)
    [expiry] = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    assert expiry["Status"] == "Enabled" and expiry["Expiration"] == {"Days": 400}
    assert expiry["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    statements = {s["Sid"]: s for s in json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"]}
    assert statements["TlsOnly"]["Effect"] == "Deny"
    assert statements["TlsOnly"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements["ThisKeyWhenStated"]["Condition"]["StringNotEquals"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": key["arn"]}


def test_role_may_read_the_agent_stream_and_write_its_prefix_only(tier: Tier, bucket: str) -> None:
    iam = boto3.client("iam", region_name="eu-west-2")
    role = f"estate-{tier.env}-wfm-feed"
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]
    [name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    statements = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Allow" for s in statements)
    granted = {(action, s["Resource"]) for s in statements
               for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    streams = {s.inputs["name"]: s.state["arn"] for s in tier.of(STREAM)}
    agent_events = streams[f"estate-{tier.env}-connect-agent-events"]
    bucket_arn = f"arn:aws:s3:::{bucket}"
    key, queue = one(tier, KEY, "-wfm-key")["arn"], one(tier, QUEUE, "-wfm-failures")["arn"]
    log_group = f"arn:aws:logs:eu-west-2:123456789012:log-group:/aws/lambda/estate-{tier.env}-wfm-feed"
    account = bucket.rsplit("-", 1)[1]
    assert granted == {
        *((f"kinesis:{a}", agent_events) for a in ("GetRecords", "GetShardIterator", "DescribeStream",
                                                    "DescribeStreamSummary", "ListShards")),
        ("kinesis:ListStreams", "*"),
        ("kms:Decrypt", f"arn:aws:kms:eu-west-2:{account}:key/*"),
        ("s3:PutObject", f"{bucket_arn}/wfm/adherence/*"),
        ("kms:GenerateDataKey", key),
        ("sqs:SendMessage", queue),
        ("logs:CreateLogStream", f"{log_group}:*"), ("logs:PutLogEvents", f"{log_group}:*"),
    }
    assert agent_events != streams[f"estate-{tier.env}-connect-ctr"]
    [decrypt] = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "kinesis.eu-west-2.amazonaws.com"},
                                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/aws/kinesis"}}


def test_function_runs_the_repo_handler_with_the_feed_settings(tier: Tier, bucket: str) -> None:
    function = one(tier, FUNCTION, "-wfm-function")
    assert function["runtime"] == "python3.11"
    assert function["handler"] == "estate.contact.wfm_lambda.handler"
    assert function["role"] == boto3.client("iam").get_role(RoleName=f"estate-{tier.env}-wfm-feed")["Role"]["Arn"]
    assert function["environment"]["variables"] == {
        "WFM_BUCKET": bucket, "WFM_PREFIX": "wfm/adherence", "WFM_INTERVAL_MINUTES": "30"}
    [declared] = [d for d in tier.of(FUNCTION) if d.name.endswith("-wfm-function")]
    assert set(declared.inputs["code"]["assetArchive"]) == ARCHIVE


def test_mapping_reads_agent_events_and_cannot_be_blocked_by_a_poison_record(tier: Tier) -> None:
    mapping = one(tier, MAPPING, "-wfm-agent-events")
    streams = {s.inputs["name"]: s.state["arn"] for s in tier.of(STREAM)}
    assert mapping["eventSourceArn"] == streams[f"estate-{tier.env}-connect-agent-events"]
    assert mapping["functionName"] == one(tier, FUNCTION, "-wfm-function")["arn"]
    assert mapping["startingPosition"] == "LATEST"
    assert (mapping["batchSize"], mapping["maximumBatchingWindowInSeconds"]) == (500, 60)
    assert mapping["bisectBatchOnFunctionError"] is True
    assert (mapping["maximumRetryAttempts"], mapping["maximumRecordAgeInSeconds"]) == (5, 86_400)
    queue = one(tier, QUEUE, "-wfm-failures")
    assert mapping["destinationConfig"] == {"onFailure": {"destinationArn": queue["arn"]}}
    attributes = boto3.client("sqs", region_name="eu-west-2").get_queue_attributes(
        QueueUrl=queue["url"], AttributeNames=["All"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == "1209600"
    assert attributes["SqsManagedSseEnabled"] == "true"


def test_contact_centre_outputs_name_bucket_and_prefix(tier: Tier, bucket: str) -> None:
    assert (tier.outputs["wfmBucket"], tier.outputs["wfmPrefix"]) == (bucket, "wfm/adherence")
    assert tier.centre.wfm.prefix == "wfm/adherence"


RUN_FROM_ARCHIVE = """
import base64, json, os, sys
sys.path.insert(0, os.getcwd())
os.environ.update(WFM_BUCKET="wfm-exports", WFM_PREFIX="wfm/adherence", WFM_INTERVAL_MINUTES="30")
from estate.contact.wfm_lambda import handler
events = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
records = [{"kinesis": {"data": base64.b64encode(json.dumps(e).encode()).decode()}} for e in events]
written = []
class Context:
    aws_request_id = "req-1"
result = handler({"Records": records}, Context(), put=lambda bucket, key, body: written.append((bucket, key, body)))
[(bucket, key, body)] = written
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "estate")
print(json.dumps({"result": result, "bucket": bucket, "key": key, "body": body.decode(), "loaded": loaded,
                  "from": sys.modules["estate"].__file__}))
"""


def test_archive_alone_runs_the_handler(tier: Tier, tmp_path: Path) -> None:
    """Only the archive's files on the path, no site-packages (-I -S): every module the handler
    imports must be in it, and nothing it does not import."""
    [declared] = [d for d in tier.of(FUNCTION) if d.name.endswith("-wfm-function")]
    for path, asset in declared.inputs["code"]["assetArchive"].items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(asset["fileAsset"], tmp_path / path)
    done = subprocess.run([sys.executable, "-I", "-S", "-c", RUN_FROM_ARCHIVE, str(EVENTS)], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert Path(out["from"]).is_relative_to(tmp_path)
    assert {f"{m.replace('.', '/')}.py" for m in out["loaded"] if m not in ("estate", "estate.contact")} | {
        "estate/__init__.py", "estate/contact/__init__.py"} == set(declared.inputs["code"]["assetArchive"])
    assert out["key"] == "wfm/adherence/2026-11-27/req-1.csv" and out["bucket"] == "wfm-exports"
    assert out["body"] == to_csv(adherence(events()))
    assert out["result"] == {"records": len(adherence(events())), "key": out["key"]}


def test_policies_pass_on_the_feed(tier: Tier) -> None:
    feed = [r for r in tier.policy_resources() if "-wfm-" in r.name]
    assert {r.typ for r in feed} >= {"aws:s3/bucket:Bucket", KEY, "aws:s3/bucketPolicy:BucketPolicy"}
    assert evaluate(tier.policy_resources()) == []


def _drop(typ: str) -> Any:
    return lambda r: None if r.typ == typ and "-wfm-" in r.name else r.props


@pytest.mark.parametrize(("rule", "breaks"), [
    ("bucket-tls-only", _drop("aws:s3/bucketPolicy:BucketPolicy")),
    ("bucket-private-and-encrypted", _drop("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")),
    ("kms-rotation", lambda r: {**r.props, "enableKeyRotation": False}
     if r.typ == KEY and "-wfm-" in r.name else r.props),
])
def test_rules_fire_on_a_broken_feed(tier: Tier, rule: str, breaks: Any) -> None:
    resources = [PlanResource(r.typ, r.name, props, r.urn, r.property_dependencies)
                 for r in tier.policy_resources() if (props := breaks(r)) is not None]
    found = evaluate(resources)
    assert {v.rule for v in found} == {rule}
    assert all("wfm" in v.message for v in found)
