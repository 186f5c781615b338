"""The voice tier of each environment, declared under the moto-backed mocks and read back through
boto3: one listener per port, security groups inside the default quotas that admit SIP/RTP from
the phones' aggregate and nothing else of the sites, alarms that can fire, and the PSTN path."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

import boto3
import pytest

from estate.build.device_model import build_site
from estate.cloud.voice import TLS_POLICY, VOICE_CONNECTOR_RANGES, VOICE_CONNECTOR_SIPS
from estate.inventory.models import VlanRole
from tests.stacks.conftest import DeployedStack

pytestmark = [pytest.mark.stack, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
REGION = "eu-west-2"
SG_RULES_PER_DIRECTION = 60  # the default quota, inbound and outbound each


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def voice_groups(stack: DeployedStack) -> dict[str, str]:
    names = [f"estate-{stack.env}-{label}" for label in ("nlb", "call-control", "sbc")]
    found = client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": names}])
    return {g["GroupName"].removeprefix(f"estate-{stack.env}-"): g["GroupId"] for g in found["SecurityGroups"]}


def rules(group_id: str) -> list[dict[str, Any]]:
    found = client("ec2").describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    return list(found["SecurityGroupRules"])


def declared(stack: DeployedStack, typ: str) -> list[dict[str, Any]]:
    return [d.inputs for d in stack.mocks.declared.values() if d.typ == typ]


def test_one_tcp_udp_listener_on_5060_and_tls_on_5061(stack: DeployedStack) -> None:
    elbv2 = client("elbv2")
    nlb = elbv2.describe_load_balancers(Names=[f"estate-{stack.env}-sip"])["LoadBalancers"][0]
    listeners = elbv2.describe_listeners(LoadBalancerArn=nlb["LoadBalancerArn"])["Listeners"]
    assert sorted((x["Protocol"], x["Port"]) for x in listeners) == [("TCP_UDP", 5060), ("TLS", 5061)]
    tls = next(x for x in listeners if x["Protocol"] == "TLS")
    assert tls["SslPolicy"] == TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
    for listener in listeners:
        arn = listener["DefaultActions"][0]["TargetGroupArn"]
        group = elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
        assert (group["Protocol"], group["Port"]) == (listener["Protocol"], listener["Port"])
        assert group["HealthCheckProtocol"] == "TCP"  # a TCP_UDP group cannot be health-checked on UDP


def test_security_groups_within_quota(stack: DeployedStack) -> None:
    groups = voice_groups(stack)
    assert set(groups) == {"nlb", "call-control", "sbc"}
    for label, group_id in groups.items():
        found = rules(group_id)
        ingress = [r for r in found if not r["IsEgress"]]
        egress = [r for r in found if r["IsEgress"]]
        assert len(ingress) <= SG_RULES_PER_DIRECTION and len(egress) <= SG_RULES_PER_DIRECTION, label
        # a referenced prefix list counts as its maximum entries: none is used
        assert not any(r.get("PrefixListId") for r in found), label
    # the quota is independent of the number of sites: prod's 500 sites cost what dev's 3 do
    assert sum(len(rules(g)) for g in groups.values()) < 40


def test_sip_and_rtp_admitted_from_every_phone_and_no_other_site_subnet(stack: DeployedStack) -> None:
    inventory, env = stack.inputs.inventory, stack.env
    vpc = IPv4Network(str(stack.inputs.settings.network.vpc_cidr))
    pstn = {IPv4Network(r) for r in VOICE_CONNECTOR_RANGES}
    admitted: set[IPv4Network] = set()
    for label, group_id in voice_groups(stack).items():
        for rule in rules(group_id):
            if rule.get("CidrIpv4"):
                cidr = IPv4Network(rule["CidrIpv4"])
                assert cidr == vpc or cidr in pstn or cidr in stack.inputs.sizes.voice_ranges, (label, rule)
                if cidr in stack.inputs.sizes.voice_ranges:
                    admitted.add(cidr)
            else:
                assert rule.get("ReferencedGroupInfo"), (label, rule)  # a peer group of the tier
    assert admitted == set(stack.inputs.sizes.voice_ranges) and len(admitted) == 1
    checked_voice = checked_other = 0
    for site in inventory.env_sites(env):
        for subnet in build_site(inventory, env, site).addressing.subnets:
            inside = any(subnet.network.overlaps(cidr) for cidr in admitted)
            if subnet.role == VlanRole.VOICE:
                assert any(subnet.network.subnet_of(cidr) for cidr in admitted), (site.site_id, subnet)
                checked_voice += 1
            else:
                assert not inside, f"{site.site_id} {subnet.role} {subnet.network} is admitted"
                checked_other += 1
    assert checked_voice == len(stack.inputs.sizes.voice_subnets) and checked_other > checked_voice


def test_call_control_reaches_the_phones(stack: DeployedStack) -> None:
    group = voice_groups(stack)["call-control"]
    voice = {str(r) for r in stack.inputs.sizes.voice_ranges}
    sip = {(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in rules(group)
           if r["IsEgress"] and r.get("CidrIpv4") in voice}
    assert sip == {("udp", 5060, 5060), ("tcp", 5060, 5061)}


def test_fleets_publish_metrics_and_alarms_page_on_call(stack: DeployedStack) -> None:
    groups = client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[f"estate-{stack.env}-sbc", f"estate-{stack.env}-call-control"])["AutoScalingGroups"]
    assert len(groups) == 2
    for group in groups:
        assert "GroupInServiceInstances" in {m["Metric"] for m in group.get("EnabledMetrics", [])}
    topics = {t["TopicArn"] for t in client("sns").list_topics()["Topics"]}
    alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix=f"estate-{stack.env}-")["MetricAlarms"]
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for alarm in (a for a in alarms if a["Namespace"] in ("AWS/AutoScaling", "AWS/NetworkELB")):
        by_metric.setdefault(alarm["MetricName"], []).append(alarm)
        assert alarm["AlarmActions"] and set(alarm["AlarmActions"]) <= topics, alarm["AlarmName"]
    assert len(by_metric["GroupInServiceInstances"]) == 2
    elbv2 = client("elbv2")
    nlb = elbv2.describe_load_balancers(Names=[f"estate-{stack.env}-sip"])["LoadBalancers"][0]["LoadBalancerArn"]
    target_groups = {g["TargetGroupArn"].split(":")[-1] for g in elbv2.describe_target_groups(
        LoadBalancerArn=nlb)["TargetGroups"]}
    unhealthy = by_metric["UnHealthyHostCount"]
    assert len(unhealthy) == 2  # one per target group
    for alarm in unhealthy:
        assert alarm["TreatMissingData"] == "notBreaching" and alarm["Namespace"] == "AWS/NetworkELB"
        dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        assert dimensions["LoadBalancer"] == nlb.split(":loadbalancer/")[1]
        assert dimensions["TargetGroup"] in target_groups
    assert {d["Value"] for a in unhealthy for d in a["Dimensions"] if d["Name"] == "TargetGroup"} == target_groups


def test_sbcs_reach_the_voice_connector(stack: DeployedStack) -> None:
    ec2 = client("ec2")
    pool = ec2.describe_addresses(Filters=[{"Name": "tag:estate-pool", "Values": [f"estate-{stack.env}-sbc"]}])
    ips = {a["PublicIp"] for a in pool["Addresses"]}
    assert len(ips) == stack.inputs.sizes.sbc.maximum  # one per SBC the fleet can hold
    (termination,) = declared(stack, "aws:chime/voiceConnectorTermination:VoiceConnectorTermination")
    assert set(termination["cidrAllowLists"]) == {f"{ip}/32" for ip in ips}
    assert termination["callingRegions"] == ["GB"] and termination["cpsLimit"] >= 1
    (origination,) = declared(stack, "aws:chime/voiceConnectorOrigination:VoiceConnectorOrigination")
    assert {r["host"] for r in origination["routes"]} == ips
    assert {(r["port"], r["protocol"]) for r in origination["routes"]} == {(VOICE_CONNECTOR_SIPS, "TCP")}
    (logging,) = declared(stack, "aws:chime/voiceConnectorLogging:VoiceConnectorLogging")
    assert logging["enableSipLogs"] is True and logging["enableMediaMetricLogs"] is True
    sbc = voice_groups(stack)["sbc"]
    pstn = {(r["IsEgress"], r["IpProtocol"], r["FromPort"]) for r in rules(sbc)
            if r.get("CidrIpv4") in VOICE_CONNECTOR_RANGES}
    assert pstn == {(way, proto, port) for way in (False, True)
                    for proto, port in (("tcp", VOICE_CONNECTOR_SIPS), ("udp", 1024))}
    # the SBCs live in the public subnets, whose route table leads to the internet gateway
    group = client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[f"estate-{stack.env}-sbc"])["AutoScalingGroups"][0]
    subnet = group["VPCZoneIdentifier"].split(",")[0]
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    routes = tables["RouteTables"][0]["Routes"]
    assert any(r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("GatewayId", "").startswith("igw-")
               for r in routes)


def test_fleet_instances_carry_the_data_classification(stack: DeployedStack) -> None:
    # the provider's default tags never reach what an Auto Scaling group launches
    expected = stack.inputs.default_tags["data-classification"]
    ec2 = client("ec2")
    for label in ("sbc", "call-control"):
        version = ec2.describe_launch_template_versions(LaunchTemplateName=f"estate-{stack.env}-{label}")
        specs = version["LaunchTemplateVersions"][0]["LaunchTemplateData"]["TagSpecifications"]
        kinds = {spec["ResourceType"]: {t["Key"]: t["Value"] for t in spec["Tags"]} for spec in specs}
        assert set(kinds) == {"instance", "volume", "network-interface"}
        assert all(tags["data-classification"] == expected for tags in kinds.values())
