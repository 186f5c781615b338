"""Test support: moto handlers for the network and voice resources that moto emulates beyond
`moto_backend` (endpoints, resolver, flow logs, internet gateway, Elastic IPs, SNS, the default
security group), and three extensions of its handlers: routes to an internet gateway, Auto
Scaling metrics collection, and alarm actions. Importing this module registers them."""

from __future__ import annotations

from typing import Any

from tests.stacks.moto_backend import HANDLERS, REGION, Handler, MotoBackend, handles

Result = tuple[str, dict[str, Any]]
_ROUTE, _ASG, _ALARM = ("aws:ec2/route:Route", "aws:autoscaling/group:Group",
                        "aws:cloudwatch/metricAlarm:MetricAlarm")
_BASE: dict[str, Handler] = {typ: HANDLERS[typ] for typ in (_ROUTE, _ASG, _ALARM)}


@handles(_ROUTE)
def _route(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    if not i.get("gatewayId"):
        return _BASE[_ROUTE](m, name, i)
    m.client("ec2").create_route(RouteTableId=i["routeTableId"], DestinationCidrBlock=i["destinationCidrBlock"],
                                 GatewayId=i["gatewayId"])
    return f"r-{i['routeTableId']}-{i['destinationCidrBlock']}", {}


@handles(_ASG)
def _asg(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    group, state = _BASE[_ASG](m, name, i)
    if i.get("enabledMetrics"):
        m.client("autoscaling").enable_metrics_collection(
            AutoScalingGroupName=group, Metrics=list(i["enabledMetrics"]),
            Granularity=i.get("metricsGranularity", "1Minute"))
    return group, state


@handles(_ALARM)
def _alarm(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    alarm, state = _BASE[_ALARM](m, name, i)
    if i.get("alarmActions") or i.get("okActions"):
        cloudwatch = m.client("cloudwatch")
        found = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
        keep = ("AlarmName", "Namespace", "MetricName", "Dimensions", "Statistic", "Period",
                "EvaluationPeriods", "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmDescription")
        cloudwatch.put_metric_alarm(**{k: found[k] for k in keep if k in found},
                                    AlarmActions=list(i.get("alarmActions", [])),
                                    OKActions=list(i.get("okActions", [])))
    return alarm, state


@handles("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
def _default_group(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    """As the provider does: adopt the VPC's default group and revoke every rule not declared."""
    ec2 = m.client("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [i["vpcId"]]},
                                                  {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    if group["IpPermissions"] and not i.get("ingress"):
        ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    if group["IpPermissionsEgress"] and not i.get("egress"):
        ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
    return group["GroupId"], {"arn": f"arn:aws:ec2:{REGION}:123456789012:security-group/{group['GroupId']}"}


@handles("aws:ec2/internetGateway:InternetGateway")
def _internet_gateway(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    ec2 = m.client("ec2")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    if i.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=i["vpcId"])
    return igw, {"arn": f"arn:aws:ec2:{REGION}:123456789012:internet-gateway/{igw}"}


@handles("aws:ec2/eip:Eip")
def _eip(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    ec2 = m.client("ec2")
    found = ec2.allocate_address(Domain=i.get("domain", "vpc"))
    tags = [{"Key": k, "Value": v} for k, v in (i.get("tags") or {}).items()]
    if tags:
        ec2.create_tags(Resources=[found["AllocationId"]], Tags=tags)
    return found["AllocationId"], {"allocationId": found["AllocationId"], "publicIp": found["PublicIp"]}


@handles("aws:ec2/vpcEndpoint:VpcEndpoint")
def _vpc_endpoint(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    args: dict[str, Any] = {"VpcId": i["vpcId"], "ServiceName": i["serviceName"],
                            "VpcEndpointType": i.get("vpcEndpointType", "Gateway")}
    if args["VpcEndpointType"] == "Interface":
        args.update(SubnetIds=i.get("subnetIds", []), SecurityGroupIds=i.get("securityGroupIds", []),
                    PrivateDnsEnabled=bool(i.get("privateDnsEnabled")))
    else:
        args["RouteTableIds"] = i.get("routeTableIds", [])
    endpoint = m.client("ec2").create_vpc_endpoint(**args)["VpcEndpoint"]
    return endpoint["VpcEndpointId"], {"arn": f"arn:aws:ec2:{REGION}:123456789012:vpc-endpoint/"
                                              f"{endpoint['VpcEndpointId']}"}


@handles("aws:route53/resolverEndpoint:ResolverEndpoint")
def _resolver_endpoint(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    resolver = m.client("route53resolver")
    endpoint = resolver.create_resolver_endpoint(
        CreatorRequestId=name, Name=i.get("name", name), Direction=i["direction"],
        SecurityGroupIds=i["securityGroupIds"],
        IpAddresses=[{"SubnetId": a["subnetId"]} for a in i["ipAddresses"]])["ResolverEndpoint"]
    addresses = resolver.list_resolver_endpoint_ip_addresses(ResolverEndpointId=endpoint["Id"])["IpAddresses"]
    return endpoint["Id"], {"arn": endpoint["Arn"], "ipAddresses": [
        {"subnetId": a["SubnetId"], "ip": a["Ip"], "ipId": a["IpId"]} for a in addresses]}


@handles("aws:cloudwatch/logGroup:LogGroup")
def _log_group(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    logs, group = m.client("logs"), i.get("name", name)
    logs.create_log_group(logGroupName=group)
    if i.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=group, retentionInDays=int(i["retentionInDays"]))
    return group, {"arn": f"arn:aws:logs:{REGION}:123456789012:log-group:{group}"}


@handles("aws:ec2/flowLog:FlowLog")
def _flow_log(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    group = i["logDestination"].split(":log-group:", 1)[1].removesuffix(":*")
    found = m.client("ec2").create_flow_logs(
        ResourceIds=[i["vpcId"]], ResourceType="VPC", TrafficType=i["trafficType"],
        LogDestinationType=i["logDestinationType"], LogGroupName=group,
        DeliverLogsPermissionArn=i["iamRoleArn"], MaxAggregationInterval=int(i.get("maxAggregationInterval", 600)))
    return found["FlowLogIds"][0], {}


@handles("aws:sns/topic:Topic")
def _topic(m: MotoBackend, name: str, i: dict[str, Any]) -> Result:
    arn: str = m.client("sns").create_topic(Name=i.get("name", name))["TopicArn"]
    return arn, {"arn": arn, "name": i.get("name", name)}
