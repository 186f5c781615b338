"""What a plan says about a month of running the stack, for `estate.cloud.cost`: the priced
resources each tier declares (read from the resources' inputs) and the usage derived from the
stack's sizes (capacity: footage a day, cameras, calls; the buckets' lifecycle and lock
settings; the contact-centre forecast). Every usage figure that is an assumption rather than a
size or a setting is a named constant here and is printed with the estimate."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from estate.cloud.cost import DAYS_PER_MONTH, GB, MIB, Footage, TierFacts, Usage
from estate.cloud.mocks import Declared
from estate.cloud.program import StackInputs

PART_MIB = 16  # the docks' multipart part size
EVIDENTIAL_READS = 2.0  # GETs per evidential object in the month it arrives (review, disclosure)
BUSY_HOURS_PER_DAY = 8.0  # a day's voice traffic as hours of busy-hour load
PSTN_SHARE = 0.3  # share of voice minutes to or from the PSTN through the Voice Connector
NLB_LCU_PER_HOUR = 1.0  # SIP signalling stays within one NLB capacity unit
CTR_KB, AGENT_EVENTS_KB = 5.0, 20.0  # per contact, into the two Kinesis streams
WEEKS_PER_MONTH = 52 / 12


def _whole(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


SIMPLE_KINDS = {
    "aws:ec2transitgateway/transitGateway:TransitGateway": "tgw", "aws:route53/zone:Zone": "zone",
    "aws:kms/key:Key": "kms_key", "aws:cloudwatch/metricAlarm:MetricAlarm": "alarm",
    "aws:chime/voiceConnector:VoiceConnector": "voice_connector", "aws:connect/instance:Instance": "connect",
    "aws:cloudtrail/trail:Trail": "trail", "aws:kinesis/stream:Stream": "kinesis_stream",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "tgw_attachment",
}


def _kinds(r: Declared) -> dict[str, int]:
    """The priced kinds one resource counts as (see cost.HOURLY, cost.MONTHLY)."""
    i, t = r.inputs, r.typ
    if t in SIMPLE_KINDS:
        return {SIMPLE_KINDS[t]: 1}
    if t == "aws:lb/loadBalancer:LoadBalancer":
        return {"nlb": 1} if i.get("loadBalancerType") == "network" else {}
    if t == "aws:ec2/vpnConnection:VpnConnection":
        return {"vpn": 1, "tgw_attachment": 1 if i.get("transitGatewayId") else 0}
    if t == "aws:ec2/vpcEndpoint:VpcEndpoint" and i.get("vpcEndpointType") == "Interface":
        s3 = str(i.get("serviceName", "")).endswith(".s3")
        return {"endpoint_az": len(i.get("subnetIds") or []), "s3_endpoint": int(s3)}
    if t == "aws:route53/resolverEndpoint:ResolverEndpoint":
        return {"resolver_eni": len(i.get("ipAddresses") or [])}
    return {}


def tier_facts(resources: Sequence[Declared], tier_of: Mapping[str, str], tiers: Iterable[str]) -> dict[str, TierFacts]:
    counts: dict[str, dict[str, int]] = {tier: {} for tier in tiers}
    instances: dict[str, dict[str, int]] = {tier: {} for tier in counts}
    templates = {r.id: str(r.inputs.get("instanceType")) for r in resources
                 if r.typ == "aws:ec2/launchTemplate:LaunchTemplate"}
    dx_gateways: dict[str, set[str]] = {}
    for r in resources:
        if not r.custom or (tier := tier_of.get(r.urn)) is None:
            continue
        for kind, n in _kinds(r).items():
            counts[tier][kind] = counts[tier].get(kind, 0) + n
        if r.typ.startswith("aws:directconnect/gatewayAssociation"):  # proposal and acceptance: one attachment
            dx_gateways.setdefault(tier, set()).add(str(r.inputs.get("dxGatewayId")))
        if r.typ == "aws:autoscaling/group:Group":
            kind = templates.get(str((r.inputs.get("launchTemplate") or {}).get("id")), "unknown")
            instances[tier][kind] = instances[tier].get(kind, 0) + _whole(r.inputs.get("desiredCapacity"))
        elif r.typ == "aws:ec2/instance:Instance":
            kind = str(r.inputs.get("instanceType"))
            instances[tier][kind] = instances[tier].get(kind, 0) + 1
    for tier, gateways in dx_gateways.items():
        counts[tier]["tgw_attachment"] = counts[tier].get("tgw_attachment", 0) + len(gateways)
    return {tier: TierFacts(counts[tier], instances[tier]) for tier in counts}


def _by_bucket(resources: Sequence[Declared], typ: str) -> dict[str, dict[str, Any]]:
    return {str(r.inputs.get("bucket")): r.inputs for r in resources if r.typ == typ}


def _lifecycle(config: Mapping[str, Any] | None) -> tuple[int | None, tuple[tuple[int, str], ...]]:
    """Expiry and transitions of the bucket-wide enabled rules."""
    expiry, transitions = None, []
    for rule in (config or {}).get("rules") or []:
        if rule.get("status") != "Enabled":
            continue
        if days := _whole((rule.get("expiration") or {}).get("days")):
            expiry = days if expiry is None else min(expiry, days)
        transitions += [(_whole(t.get("days")), str(t.get("storageClass"))) for t in rule.get("transitions") or []]
    return expiry, tuple(sorted(transitions))


def _lock_days(config: Mapping[str, Any] | None) -> int | None:
    retention = ((config or {}).get("rule") or {}).get("defaultRetention") or {}
    return _whole(retention.get("days")) or (_whole(retention.get("years")) * 365) or None


def footage(resources: Sequence[Declared], tier_of: Mapping[str, str], inputs: StackInputs) -> tuple[Footage, ...]:
    """Footage into the ingest bucket (every camera's recordings) and the evidential bucket (the
    evidential share, copied), each kept as its lifecycle or lock says."""
    totals, evidence = inputs.sizes.capacity.totals, inputs.settings.evidence
    lifecycles = _by_bucket(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    locks = _by_bucket(resources, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    trails = json.dumps([r.inputs for r in resources if r.typ == "aws:cloudtrail/trail:Trail"], default=str)
    daily_gb, cameras = totals.video_tb_per_day * 1000, float(totals.bwv_cameras)
    found = []
    for r in resources:
        if r.typ != "aws:s3/bucket:Bucket" or (tier := tier_of.get(r.urn)) is None:
            continue
        name = str(r.inputs.get("bucket") or r.id)
        expiry, transitions = _lifecycle(lifecycles.get(r.id))
        events = f"arn:aws:s3:::{name}" in trails
        if r.name.endswith("-ingest") and cameras:
            object_gb = daily_gb / cameras
            parts = math.ceil(object_gb * GB / (PART_MIB * MIB))
            found.append(Footage(tier, name, daily_gb, cameras, expiry or evidence.ingest_retention_days,
                                 transitions, parts + 2 if parts > 1 else 1, 0.0, events, from_sites=True))
        elif r.name.endswith("-evidential") and cameras:
            keep = _lock_days(locks.get(r.id)) or evidence.evidential_retention_days
            found.append(Footage(tier, name, daily_gb * evidence.evidential_share, cameras * evidence.evidential_share,
                                 min(keep, expiry or keep), transitions, 1, EVIDENTIAL_READS, events))
    return tuple(found)


def contact_minutes(inputs: StackInputs) -> float:
    """Call minutes a month from the contact-centre forecast (a typical week, scaled per env)."""
    from estate.contact.load import has_contact_centre, load_contact_centre
    from estate.contact.staffing import plan_staffing

    if not has_contact_centre(inputs.inventory.root):
        return 0.0
    report = plan_staffing(load_contact_centre(inputs.inventory), inputs.inventory, inputs.settings.stack)
    return sum(q.erlang for q in report.queues) * report.interval_minutes * WEEKS_PER_MONTH


def usage(resources: Sequence[Declared], tier_of: Mapping[str, str], facts: Mapping[str, TierFacts],
          inputs: StackInputs) -> Usage:
    totals, evidence = inputs.sizes.capacity.totals, inputs.settings.evidence
    flows = footage(resources, tier_of, inputs)
    via_vpc = any(f.counts.get("s3_endpoint") for f in facts.values())
    holder = {kind: next((t for t, f in facts.items() if f.counts.get(kind)), None)
              for kind in ("tgw", "voice_connector", "connect")}
    voice_gb = totals.voice_mbps_cloud * 2 * BUSY_HOURS_PER_DAY * 3600 / 8 / 1000 * DAYS_PER_MONTH
    voice_minutes = totals.erlang * BUSY_HOURS_PER_DAY * 60 * DAYS_PER_MONTH
    connect = contact_minutes(inputs) if holder["connect"] else 0.0
    notes: dict[str, list[str]] = {}
    for f in flows:
        notes.setdefault(f.tier, []).append(
            f"{f.bucket}: one recording per camera a day ({evidence.bwv_gb_per_hour:g} GB/h x "
            f"{evidence.bwv_hours_per_camera_day:g} h)" + (
                f", uploaded in {PART_MIB} MiB parts" if f.from_sites else
                f", {evidence.evidential_share:.0%} of footage copied in, read {EVIDENTIAL_READS:g} times"))
    if holder["tgw"]:
        path = ("through the Transit Gateway and the S3 interface endpoint" if via_vpc else
                "over the internet (no S3 interface endpoint declared): no TGW or endpoint charge for it")
        notes.setdefault(holder["tgw"], []).extend([
            f"footage reaches S3 {path}",
            f"voice: {totals.voice_mbps_cloud:,.1f} Mb/s each way at the busy hour, for "
            f"{BUSY_HOURS_PER_DAY:g} busy-hour equivalents a day, all through the Transit Gateway",
            "Direct Connect ports and their data are billed in the network account: not priced here"])
    if holder["voice_connector"]:
        notes.setdefault(holder["voice_connector"], []).extend([
            f"calls: {totals.erlang:,.0f} E at the busy hour, {BUSY_HOURS_PER_DAY:g} busy-hour equivalents a day, "
            f"{PSTN_SHARE:.0%} of minutes to or from the PSTN",
            f"NLB: {NLB_LCU_PER_HOUR:g} capacity unit per hour (SIP signalling)",
            "EBS root volumes and instance data transfer: not priced"])
    if holder["connect"]:
        notes.setdefault(holder["connect"], []).extend([
            "Connect minutes from the contact-centre forecast (a typical week, scaled for the environment)",
            f"Kinesis: {CTR_KB:g} KB of contact record and {AGENT_EVENTS_KB:g} KB of agent events per minute of call",
            "telephony (DID days and per-minute carrier charges) and recordings storage: not priced"])
    return Usage(
        footage=flows, footage_via_vpc=via_vpc, voice_gb_per_month=voice_gb if holder["tgw"] else 0.0,
        nlb_lcu_per_hour=NLB_LCU_PER_HOUR, pstn_minutes_per_month=voice_minutes * PSTN_SHARE,
        connect_minutes_per_month=connect,
        kinesis_gb_per_month=connect * (CTR_KB + AGENT_EVENTS_KB) * 1000 / GB,
        assumptions={tier: tuple(texts) for tier, texts in notes.items()})
