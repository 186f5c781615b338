"""Contact-centre tier (call handling): an Amazon Connect instance in eu-west-2 with SAML
identity, hours of operation, one queue per queue of the model, routing profiles per
control-room role, security profiles, an entry flow per service with a fallback, DIDs for the
services callers dial, and instance storage: call recordings and chat transcripts into the
evidence tier's KMS-encrypted, Object-Locked bucket (recordings are evidential), contact trace
records and agent events to Kinesis, and the WFM feed (`wfm_feed.WfmFeed`) consuming the agent
events into adherence CSVs for the rostering system.

Why DIDs and not the Voice Connector: Connect takes PSTN calls on numbers it owns; the Chime
Voice Connector is the estate phones' SIP trunk and does not deliver calls into Connect. The
emergency call service operator hands a 999 call over by dialling the force's handover number,
so that number (and 101's routing number) is ported to, or claimed as, a Connect DID.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from estate.build.validate import load_inventory
from estate.cloud.contact_flows import entry_flow
from estate.cloud.settings import Evidence
from estate.cloud.wfm_feed import WfmFeed, WfmFeedArgs, feed_outputs
from estate.contact.load import load_contact_centre
from estate.contact.model import CONNECT_DAYS, DayHours
from estate.contact.model import ContactCentre as Model
from estate.contact.staffing import plan_staffing
from estate.inventory.inventory import Inventory

REGION = "eu-west-2"
RECORDINGS_PREFIX = "connect/{env}/call-recordings"
TRANSCRIPTS_PREFIX = "connect/{env}/chat-transcripts"
STREAM_RETENTION_HOURS = 168  # a week: the WFM feed can be replayed after an outage of its consumer
STREAM_KEY = "alias/aws/kinesis"
# the stack settings' default; the program passes the stack's own (`estate:evidence.breakGlassRoleName`)
BREAK_GLASS_ROLE = str(Evidence.model_fields["break_glass_role_name"].default)


@dataclass(frozen=True)
class EvidenceTarget:
    """Where recordings go: the evidence tier's Object-Locked bucket and its KMS key."""

    bucket: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class ContactCentreArgs:
    env: str
    model: Model
    concurrency_limit: int  # from staffing's peak, with headroom
    over_default_quota: bool
    evidence: EvidenceTarget
    account_id: str
    break_glass_arn: str  # the one role that may disable or delete the WFM feed's key


def connect_id(arn: pulumi.Output[str]) -> pulumi.Output[str]:
    """A Connect resource's own id: the last segment of its ARN (`.../queue/<id>`), which is how
    Connect builds its ARNs. The plain mocks know ARNs only, so ids taken this way stay
    meaningful (the queue's name) in `estate plan` and the tests."""
    return arn.apply(lambda text: text.rsplit("/", 1)[-1])


def hours_configs(openings: list[DayHours]) -> list[aws.connect.HoursOfOperationConfigArgs]:
    # Connect writes 24:00 as 00:00: an opening from 00:00 to 00:00 is the whole day
    return [aws.connect.HoursOfOperationConfigArgs(
        day=CONNECT_DAYS[o.day],
        start_time=aws.connect.HoursOfOperationConfigStartTimeArgs(hours=o.start // 60, minutes=o.start % 60),
        end_time=aws.connect.HoursOfOperationConfigEndTimeArgs(hours=o.end % 1440 // 60, minutes=o.end % 60))
        for o in openings]


class ContactCentre(pulumi.ComponentResource):
    instance_id: pulumi.Output[str]
    instance_arn: pulumi.Output[str]
    ctr_stream_arn: pulumi.Output[str]
    agent_event_stream_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ContactCentreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:ContactCentre", name, None, opts)
        self._name, self._args = name, args
        model, env = args.model, args.env
        environment = model.environments[env]
        child = pulumi.ResourceOptions(parent=self)
        instance = aws.connect.Instance(
            f"{name}-instance", identity_management_type="SAML", instance_alias=environment.instance_alias,
            inbound_calls_enabled=True, outbound_calls_enabled=True, contact_flow_logs_enabled=True,
            region=REGION, tags={"estate:env": env, "estate:tier": "call-handling"},
            opts=pulumi.ResourceOptions(parent=self, protect=env == "prod"))
        self._instance = instance
        self._saml_role(environment.saml_provider_arn, instance)
        queues = {}
        for queue_name in model.env_queues(env):
            queue = model.queues[queue_name]
            hours = aws.connect.HoursOfOperation(
                f"{name}-hours-{queue_name}", instance_id=instance.id, name=f"{queue_name} hours",
                description=f"opening hours of {queue_name}", time_zone=model.time_zone,
                configs=hours_configs(queue.openings()), region=REGION, opts=child)
            queues[queue_name] = aws.connect.Queue(
                f"{name}-queue-{queue_name}", instance_id=instance.id, name=queue_name,
                description=queue.description, hours_of_operation_id=connect_id(hours.arn),
                max_contacts=queue.max_contacts, status="ENABLED", region=REGION,
                tags={"estate:skill": queue.skill}, opts=child)
        profiles = {
            profile: aws.connect.SecurityProfile(
                f"{name}-security-{profile}", instance_id=instance.id, name=profile,
                description=f"{profile} users", permissions=model.security_profiles[profile], region=REGION, opts=child)
            for profile in sorted({model.roles[r].security_profile for r in model.env_roles(env)})}
        for role_name in model.env_roles(env):
            role = model.roles[role_name]
            answered = [q for q in role.queues if q in queues]
            aws.connect.RoutingProfile(
                f"{name}-routing-{role_name}", instance_id=instance.id, name=role_name, description=role.description,
                default_outbound_queue_id=connect_id(queues[answered[0]].arn),
                media_concurrencies=[aws.connect.RoutingProfileMediaConcurrencyArgs(channel="VOICE", concurrency=1)],
                queue_configs=[aws.connect.RoutingProfileQueueConfigArgs(
                    channel="VOICE", delay=0, priority=rank, queue_id=connect_id(queues[q].arn))
                    for rank, q in enumerate(answered, start=1)],
                region=REGION, tags={"estate:security-profile": role.security_profile}, opts=child)
        flows = self._flows(queues)
        self._numbers(flows)
        ctr, agent_events = self._stream("ctr"), self._stream("agent-events")
        self._storage(ctr, agent_events)
        self.wfm = WfmFeed(f"{name}-wfm", WfmFeedArgs(
            env=env, account_id=args.account_id, break_glass_arn=args.break_glass_arn,
            agent_event_stream_arn=agent_events.arn, stream_key=STREAM_KEY, interval_minutes=model.interval_minutes,
            region=REGION), opts=child)
        if args.over_default_quota:
            pulumi.log.warn(
                f"{env}: Connect needs {args.concurrency_limit} concurrent calls, above the default quota of "
                f"{model.connect.default_concurrent_calls}: request the increase in Service Quotas before go-live",
                resource=self)
        self.instance_id = instance.id
        self.instance_arn = instance.arn
        self.ctr_stream_arn = ctr.arn
        self.agent_event_stream_arn = agent_events.arn
        self.register_outputs({
            "instanceId": instance.id, "instanceArn": instance.arn, "ctrStreamArn": ctr.arn,
            "agentEventStreamArn": agent_events.arn, "concurrencyLimit": args.concurrency_limit,
            "overDefaultQuota": args.over_default_quota, "profiles": sorted(profiles),
            "queues": {q: queue.arn for q, queue in queues.items()}, **feed_outputs(self.wfm),
        })

    def _saml_role(self, provider_arn: str, instance: aws.connect.Instance) -> None:
        """The role the identity provider's SAML assertion assumes to federate users into Connect."""
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]})
        role = aws.iam.Role(f"{self._name}-saml", name=f"estate-{self._args.env}-connect-saml",
                            assume_role_policy=trust, max_session_duration=43200,
                            opts=pulumi.ResourceOptions(parent=self))
        aws.iam.RolePolicy(f"{self._name}-saml-federation", role=role.name, name="connect-federation",
                           policy=instance.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [{
                               "Effect": "Allow", "Action": "connect:GetFederationToken",
                               "Resource": f"{arn}/user/${{aws:userid}}"}]})),
                           opts=pulumi.ResourceOptions(parent=self))

    def _flows(self, queues: dict[str, aws.connect.Queue]) -> dict[str, aws.connect.ContactFlow]:
        model, env = self._args.model, self._args.env
        flows = {}
        for service_name in model.environments[env].services:
            service = model.services[service_name]
            fallback = queues[service.fallback_queue].arn if service.fallback_queue else None
            content = pulumi.Output.all(queues[service.queue].arn, fallback).apply(
                _renderer(service.closed_message))
            flows[service_name] = aws.connect.ContactFlow(
                f"{self._name}-flow-{service_name}", instance_id=self._instance.id, name=f"{service_name} entry",
                description=f"entry flow of {service.description}", type="CONTACT_FLOW", content=content,
                region=REGION, opts=pulumi.ResourceOptions(parent=self))
        return flows

    def _numbers(self, flows: dict[str, aws.connect.ContactFlow]) -> None:
        model, env = self._args.model, self._args.env
        if not model.environments[env].claim_phone_numbers:
            return
        for service_name, flow in flows.items():
            if model.services[service_name].entry != "phone_number":
                continue
            number = aws.connect.PhoneNumber(
                f"{self._name}-number-{service_name}", country_code="GB", type="DID", target_arn=self._instance.arn,
                description=f"{service_name}: port the existing number onto this DID", region=REGION,
                opts=pulumi.ResourceOptions(parent=self, protect=env == "prod"))
            aws.connect.PhoneNumberContactFlowAssociation(
                f"{self._name}-number-{service_name}-flow", instance_id=self._instance.id,
                phone_number_id=number.id, contact_flow_id=connect_id(flow.arn), region=REGION,
                opts=pulumi.ResourceOptions(parent=self))

    def _stream(self, label: str) -> aws.kinesis.Stream:
        # contact records name callers' numbers: encrypted at rest
        return aws.kinesis.Stream(
            f"{self._name}-{label}", name=f"estate-{self._args.env}-connect-{label}",
            stream_mode_details=aws.kinesis.StreamStreamModeDetailsArgs(stream_mode="ON_DEMAND"),
            retention_period=STREAM_RETENTION_HOURS, encryption_type="KMS", kms_key_id=STREAM_KEY,
            region=REGION, opts=pulumi.ResourceOptions(parent=self))

    def _storage(self, ctr: aws.kinesis.Stream, agent_events: aws.kinesis.Stream) -> None:
        evidence, env = self._args.evidence, self._args.env
        for resource_type, prefix in (("CALL_RECORDINGS", RECORDINGS_PREFIX), ("CHAT_TRANSCRIPTS", TRANSCRIPTS_PREFIX)):
            aws.connect.InstanceStorageConfig(
                f"{self._name}-storage-{resource_type.lower().replace('_', '-')}", instance_id=self._instance.id,
                resource_type=resource_type, region=REGION,
                storage_config=aws.connect.InstanceStorageConfigStorageConfigArgs(
                    storage_type="S3", s3_config=aws.connect.InstanceStorageConfigStorageConfigS3ConfigArgs(
                        bucket_name=evidence.bucket, bucket_prefix=prefix.format(env=env),
                        encryption_config=aws.connect.InstanceStorageConfigStorageConfigS3ConfigEncryptionConfigArgs(
                            encryption_type="KMS", key_id=evidence.kms_key_arn))),
                opts=pulumi.ResourceOptions(parent=self))
        for resource_type, stream in (("CONTACT_TRACE_RECORDS", ctr), ("AGENT_EVENTS", agent_events)):
            aws.connect.InstanceStorageConfig(
                f"{self._name}-storage-{resource_type.lower().replace('_', '-')}", instance_id=self._instance.id,
                resource_type=resource_type, region=REGION,
                storage_config=aws.connect.InstanceStorageConfigStorageConfigArgs(
                    storage_type="KINESIS_STREAM",
                    kinesis_stream_config=aws.connect.InstanceStorageConfigStorageConfigKinesisStreamConfigArgs(
                        stream_arn=stream.arn)),
                opts=pulumi.ResourceOptions(parent=self))


def _renderer(message: str) -> Callable[[list[str | None]], str]:
    def render(arns: list[str | None]) -> str:
        return entry_flow(str(arns[0]), message, arns[1])
    return render


def declare_contact_centre(env: str, inventory: Inventory | Path, evidence: EvidenceTarget,
                           break_glass_role: str = BREAK_GLASS_ROLE) -> ContactCentre:
    """The tier for `env`, sized by staffing from the inventory's contact-centre model: what the
    stack program calls (three lines: build the `EvidenceTarget`, call this, export). Takes the
    loaded inventory (the program has one) or its folder, and the name of the stack's
    break-glass role (the key policy of the WFM feed's key names it)."""
    if isinstance(inventory, Path):
        inventory = load_inventory(inventory)
    data = load_contact_centre(inventory)
    report = plan_staffing(data, inventory, env)
    account = inventory.environment(env).aws_account
    return ContactCentre(f"{env}-contact-centre", ContactCentreArgs(
        env=env, model=data.model, concurrency_limit=report.concurrency_limit,
        over_default_quota=report.over_quota, evidence=evidence, account_id=account,
        break_glass_arn=f"arn:aws:iam::{account}:role/{break_glass_role}"))
