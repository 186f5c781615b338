"""The connectivity tier of each environment under the moto-backed mocks, read back through boto3:
private endpoints reachable from the sites, the resolver's inbound endpoint, flow logs, the
default security group emptied, routes to the sites and phones, VPN tunnel alarms."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

import boto3
import pytest

from estate.cloud.network_services import log_retention
from tests.stacks.conftest import DeployedStack

pytestmark = [pytest.mark.stack, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
REGION = "eu-west-2"


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def vpc_id(stack: DeployedStack) -> str:
    cidr = str(stack.inputs.settings.network.vpc_cidr)
    return str(client("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": [cidr]}])["Vpcs"][0]["VpcId"])


def group_rules(name: str) -> list[dict[str, Any]]:
    ec2 = client("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"][0]
    found = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])
    return list(found["SecurityGroupRules"])


def test_service_endpoints_for_the_sites(stack: DeployedStack) -> None:
    endpoints = client("ec2").describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id(stack)]}])["VpcEndpoints"]
    kinds = {(e["ServiceName"].rsplit(".", 1)[-1], e["VpcEndpointType"]) for e in endpoints}
    assert kinds == {("s3", "Gateway"), ("s3", "Interface"), ("sts", "Interface"), ("rolesanywhere", "Interface")}
    for endpoint in endpoints:
        if endpoint["VpcEndpointType"] == "Interface":
            assert endpoint["PrivateDnsEnabled"] is True
            assert len(endpoint["SubnetIds"]) == stack.inputs.settings.network.az_count
    supernet = str(stack.inputs.inventory.environment(stack.env).supernet)
    ingress = [r for r in group_rules(f"estate-{stack.env}-endpoints") if not r["IsEgress"]]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIpv4"]) for r in ingress] == \
        [("tcp", 443, 443, supernet)]
    s3_interface = next(e["VpcEndpointId"] for e in endpoints
                        if e["ServiceName"].endswith(".s3") and e["VpcEndpointType"] == "Interface")
    declared = [d for d in stack.mocks.declared.values() if d.typ == "aws:ec2/vpcEndpoint:VpcEndpoint"]
    assert s3_interface in {d.id for d in declared}


def test_resolver_inbound_endpoint_for_the_site_resolvers(stack: DeployedStack) -> None:
    resolver = client("route53resolver")
    (endpoint,) = resolver.list_resolver_endpoints()["ResolverEndpoints"]
    assert endpoint["Direction"] == "INBOUND"
    assert endpoint["IpAddressCount"] == stack.inputs.settings.network.az_count
    resolvers = {f"{ip}/32" for ip in stack.inputs.inventory.estate.services.dns_servers}
    ingress = [r for r in group_rules(f"estate-{stack.env}-resolver-inbound") if not r["IsEgress"]]
    assert {(r["IpProtocol"], r["CidrIpv4"]) for r in ingress} == \
        {(proto, cidr) for proto in ("udp", "tcp") for cidr in resolvers}
    assert all((r["FromPort"], r["ToPort"]) == (53, 53) for r in ingress)


def test_flow_logs_and_empty_default_group(stack: DeployedStack) -> None:
    ec2, vpc = client("ec2"), vpc_id(stack)
    (flow,) = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])["FlowLogs"]
    assert flow["TrafficType"] == "ALL" and flow["LogDestinationType"] == "cloud-watch-logs"
    groups = client("logs").describe_log_groups(logGroupNamePrefix=flow["LogGroupName"])["logGroups"]
    wanted = stack.inputs.settings.evidence.audit_retention_days
    assert groups[0]["retentionInDays"] == log_retention(wanted) >= wanted
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                    {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert default[0]["IpPermissions"] == [] and default[0]["IpPermissionsEgress"] == []


def test_routes_to_sites_phones_and_resolvers(stack: DeployedStack) -> None:
    environment = stack.inputs.inventory.environment(stack.env)
    tables = client("ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id(stack)]}])
    wanted = {str(environment.supernet), str(environment.voice_supernet)}
    wanted |= {f"{ip}/32" for ip in stack.inputs.inventory.estate.services.dns_servers
               if not any(ip in IPv4Network(n) for n in wanted)}
    routed = 0
    for table in tables["RouteTables"]:
        if not table.get("Associations") or any(a.get("Main") for a in table["Associations"]):
            continue
        via_tgw = {r["DestinationCidrBlock"] for r in table["Routes"] if r.get("TransitGatewayId")}
        assert via_tgw == wanted
        routed += 1
    assert routed == stack.inputs.settings.network.az_count + 1  # one per AZ and the public one


def test_vpn_tunnel_alarms_page_network_on_call(stack: DeployedStack) -> None:
    (topic,) = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]
                if t["TopicArn"].endswith(f":estate-{stack.env}-network-oncall")]
    alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix=f"estate-{stack.env}-vpn-")["MetricAlarms"]
    vpns = {v["VpnConnectionId"] for v in client("ec2").describe_vpn_connections()["VpnConnections"]}
    assert len(alarms) == 2 * len(stack.inputs.settings.network.vpn_hubs)
    for alarm in alarms:
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/VPN", "TunnelState")
        assert alarm["Dimensions"][0]["Value"] in vpns
        assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic]
