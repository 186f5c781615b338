"""The contact-centre tier declared under the moto-backed mocks, per environment: the Connect
instance is created in moto (asserted through boto3); queues, hours, routing profiles, flows,
numbers and storage configs are plain mocks (moto has no API for them) and asserted on the
inputs the program declared. The policy rules pass on it and fire when it is broken."""

from __future__ import annotations

import json
from typing import Any

import pytest

from estate.cloud.policy_rules import PlanResource, evaluate
from estate.contact.model import ContactCentreData
from tests.contact.tier_setup import Tier

pytestmark = [pytest.mark.stack, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
ENVIRONMENTS = ("dev", "staging", "prod")
INSTANCE = "aws:connect/instance:Instance"
QUEUE = "aws:connect/queue:Queue"
HOURS = "aws:connect/hoursOfOperation:HoursOfOperation"
ROUTING = "aws:connect/routingProfile:RoutingProfile"
SECURITY = "aws:connect/securityProfile:SecurityProfile"
FLOW = "aws:connect/contactFlow:ContactFlow"
STORAGE = "aws:connect/instanceStorageConfig:InstanceStorageConfig"
NUMBER = "aws:connect/phoneNumber:PhoneNumber"
STREAM = "aws:kinesis/stream:Stream"


def test_instance_in_moto_uses_saml_in_eu_west_2(tier: Tier, contact_data: ContactCentreData) -> None:
    environment = contact_data.model.environments[tier.env]
    assert tier.instance["IdentityManagementType"] == "SAML"
    assert tier.instance["InstanceAlias"] == environment.instance_alias
    assert tier.instance["InboundCallsEnabled"] is True
    assert ":eu-west-2:" in tier.instance["Arn"]
    [declared] = tier.of(INSTANCE)
    assert declared.backed and declared.id == tier.instance["Id"]
    assert declared.inputs["region"] == "eu-west-2"
    assert tier.mocks.types(backed=True) >= {INSTANCE}
    assert QUEUE in tier.mocks.types(backed=False)  # moto has no queue API: a plain mock


def test_one_queue_per_model_queue_with_its_hours(tier: Tier, contact_data: ContactCentreData) -> None:
    model = contact_data.model
    assert sorted(q.inputs["name"] for q in tier.of(QUEUE)) == sorted(model.env_queues(tier.env))
    emergency = tier.named(QUEUE, "emergency")
    assert emergency.inputs["maxContacts"] == 60
    assert emergency.inputs["hoursOfOperationId"] == "emergency hours"  # the id is the hours' own (ARN tail)
    assert emergency.inputs["instanceId"] == tier.instance["Id"]
    always = tier.named(HOURS, "emergency hours").inputs
    assert always["timeZone"] == "Europe/London"
    assert len(always["configs"]) == 7
    assert all(c["startTime"] == {"hours": 0, "minutes": 0} == c["endTime"] for c in always["configs"])
    switchboard = {c["day"]: (c["startTime"]["hours"], c["endTime"]["hours"])
                   for c in tier.named(HOURS, "switchboard hours").inputs["configs"]}
    assert switchboard == {"MONDAY": (7, 22), "TUESDAY": (7, 22), "WEDNESDAY": (7, 22), "THURSDAY": (7, 22),
                           "FRIDAY": (7, 22), "SATURDAY": (8, 20), "SUNDAY": (8, 20)}


def test_routing_profile_per_role_in_priority_order(tier: Tier, contact_data: ContactCentreData) -> None:
    model = contact_data.model
    profiles = {p.inputs["name"]: p.inputs for p in tier.of(ROUTING)}
    assert sorted(profiles) == sorted(model.env_roles(tier.env))
    handler = profiles["emergency_call_handler"]
    assert [(c["queueId"], c["priority"]) for c in handler["queueConfigs"]] == [
        ("emergency", 1), ("emergency_resilience", 2), ("non_emergency", 3)]
    assert handler["defaultOutboundQueueId"] == "emergency"
    assert handler["mediaConcurrencies"] == [{"channel": "VOICE", "concurrency": 1}]
    security = {s.inputs["name"]: s.inputs["permissions"] for s in tier.of(SECURITY)}
    assert security == {name: model.security_profiles[name] for name in ("call_handler", "supervisor")}


def test_entry_flow_per_service_with_fallback(tier: Tier, contact_data: ContactCentreData) -> None:
    flows = {f.inputs["name"]: json.loads(f.inputs["content"]) for f in tier.of(FLOW)}
    assert sorted(flows) == sorted(f"{s} entry" for s in contact_data.model.environments[tier.env].services)
    queue_arns = {q.inputs["name"]: q.state["arn"] for q in tier.of(QUEUE)}
    emergency = {a["Identifier"]: a for a in flows["emergency_999 entry"]["Actions"]}
    assert emergency["primary-set-queue"]["Parameters"]["QueueId"] == queue_arns["emergency"]
    assert emergency["fallback-set-queue"]["Parameters"]["QueueId"] == queue_arns["emergency_resilience"]
    at_capacity = {e["ErrorType"]: e["NextAction"] for e in emergency["primary-transfer"]["Transitions"]["Errors"]}
    assert at_capacity["QueueAtCapacity"] == "fallback-set-queue"
    closed = {a["Identifier"]: a for a in flows["non_emergency_101 entry"]["Actions"]}
    assert "fallback-set-queue" not in closed
    assert "dial 999" in closed["closed-message"]["Parameters"]["Text"]
    hours = closed["primary-check-hours"]["Transitions"]["Conditions"]
    assert {c["Condition"]["Operands"][0]: c["NextAction"] for c in hours} == {
        "True": "primary-transfer", "False": "closed-message"}


def test_recordings_into_the_locked_bucket_and_records_to_kinesis(tier: Tier) -> None:
    configs = {c.inputs["resourceType"]: c.inputs["storageConfig"] for c in tier.of(STORAGE)}
    assert set(configs) == {"CALL_RECORDINGS", "CHAT_TRANSCRIPTS", "CONTACT_TRACE_RECORDS", "AGENT_EVENTS"}
    key_arn = next(d.state["arn"] for d in tier.of("aws:kms/key:Key") if d.name == "evidence-key")
    recordings = configs["CALL_RECORDINGS"]
    assert recordings["storageType"] == "S3"
    assert recordings["s3Config"]["bucketName"] == f"estate-{tier.env}-evidential"
    assert recordings["s3Config"]["bucketPrefix"] == f"connect/{tier.env}/call-recordings"
    assert recordings["s3Config"]["encryptionConfig"] == {"encryptionType": "KMS", "keyId": key_arn}
    streams = {s.inputs["name"]: s for s in tier.of(STREAM)}
    ctr = streams[f"estate-{tier.env}-connect-ctr"]
    assert configs["CONTACT_TRACE_RECORDS"] == {"storageType": "KINESIS_STREAM",
                                                "kinesisStreamConfig": {"streamArn": ctr.state["arn"]}}
    assert configs["AGENT_EVENTS"]["kinesisStreamConfig"]["streamArn"] == \
        streams[f"estate-{tier.env}-connect-agent-events"].state["arn"]
    assert all(s.inputs["encryptionType"] == "KMS" for s in streams.values())


def test_numbers_only_where_claimed(tier: Tier) -> None:
    numbers = tier.of(NUMBER)
    if tier.env == "prod":
        assert len(numbers) == 4
        assert all(n.inputs["countryCode"] == "GB" and n.inputs["type"] == "DID" for n in numbers)
        assert all(n.inputs["targetArn"] == tier.instance["Arn"] for n in numbers)
    else:
        assert numbers == []


def test_policies_pass(tier: Tier) -> None:
    assert evaluate(tier.policy_resources()) == []


@pytest.mark.parametrize(("rule", "breaks"), [
    ("connect-saml", lambda r: {**r.props, "identityManagementType": "CONNECT_MANAGED"}
     if r.typ == INSTANCE else r.props),
    ("connect-recordings-locked", lambda r: {**r.props, "storageConfig": {**r.props["storageConfig"], "s3Config": {
        **r.props["storageConfig"]["s3Config"], "encryptionConfig": None}}}
     if r.typ == STORAGE and r.props["resourceType"] == "CALL_RECORDINGS" else r.props),
    ("contact-flow-fallback", lambda r: {**r.props, "content": r.props["content"].replace(
        '"QueueAtCapacity"', '"QueueFull"')} if r.typ == FLOW else r.props),
])
def test_rules_fire_on_the_broken_tier(tier: Tier, rule: str, breaks: Any) -> None:
    resources = [PlanResource(r.typ, r.name, breaks(r), r.urn, r.property_dependencies)
                 for r in tier.policy_resources()]
    assert {v.rule for v in evaluate(resources)} == {rule}
