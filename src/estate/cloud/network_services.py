"""Private services in the VPC that the sites use over their VPN/DX path: interface endpoints
for S3 (the body-worn-video uploads stay off the internet), STS and IAM Roles Anywhere (the docks'
certificate-based credentials), a Route 53 Resolver inbound endpoint that the site resolvers
forward the SIP zone and those endpoint names to, and VPC flow logs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

import pulumi
import pulumi_aws as aws

REGION = "eu-west-2"
# names a dock resolves through the inbound endpoint; each endpoint answers with its own addresses
INTERFACE_SERVICES = ("s3", "sts", "rolesanywhere")
# CloudWatch Logs accepts only these retention periods (days)
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)


@dataclass(frozen=True)
class ServicesArgs:
    env: str
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    route_table_ids: list[pulumi.Input[str]]
    site_supernet: IPv4Network
    site_resolvers: list[IPv4Address]
    flow_log_retention_days: int


def log_retention(days: int) -> int:
    """The shortest retention CloudWatch Logs offers that keeps at least `days`."""
    return next((d for d in LOG_RETENTION_DAYS if d >= days), LOG_RETENTION_DAYS[-1])


class NetworkServices(pulumi.ComponentResource):
    s3_endpoint_id: pulumi.Output[str]
    resolver_endpoint_id: pulumi.Output[str]
    resolver_ips: pulumi.Output[list[str]]

    def __init__(self, name: str, args: ServicesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:NetworkServices", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        tags = {"tier": "connectivity"}
        sg = aws.ec2.SecurityGroup(f"{name}-endpoints", name=f"estate-{args.env}-endpoints",
                                   description="HTTPS from the sites to the AWS service endpoints",
                                   vpc_id=args.vpc_id, tags=tags, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
            cidr_ipv4=str(args.site_supernet), description="sites (docks, devices) over VPN/DX", opts=child)
        # S3 private DNS on an interface endpoint needs a gateway endpoint beside it: in-VPC
        # clients then use the gateway, and only the resolver's inbound endpoint (the sites)
        # answers with the interface endpoint's addresses
        gateway = aws.ec2.VpcEndpoint(
            f"{name}-s3-gateway", vpc_id=args.vpc_id, service_name=f"com.amazonaws.{REGION}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=args.route_table_ids, tags=tags, opts=child)
        endpoints = {}
        for service in INTERFACE_SERVICES:
            endpoints[service] = aws.ec2.VpcEndpoint(
                f"{name}-{service}", vpc_id=args.vpc_id, service_name=f"com.amazonaws.{REGION}.{service}",
                vpc_endpoint_type="Interface", subnet_ids=args.subnet_ids, security_group_ids=[sg.id],
                private_dns_enabled=True,
                dns_options=aws.ec2.VpcEndpointDnsOptionsArgs(
                    dns_record_ip_type="ipv4",
                    private_dns_only_for_inbound_resolver_endpoint=True if service == "s3" else None),
                tags={**tags, "Name": f"estate-{args.env}-{service}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway] if service == "s3" else []))
        resolver = self._resolver(tags)
        self._flow_logs(tags)
        self.s3_endpoint_id = endpoints["s3"].id
        self.resolver_endpoint_id = resolver.id
        self.resolver_ips = resolver.ip_addresses.apply(lambda found: [a.ip or "" for a in found or []])
        self.register_outputs({"s3EndpointId": self.s3_endpoint_id,
                               "endpointIds": {s: e.id for s, e in endpoints.items()},
                               "resolverEndpointId": resolver.id, "resolverIps": self.resolver_ips})

    def _resolver(self, tags: dict[str, str]) -> aws.route53.ResolverEndpoint:
        """Inbound endpoint, one address per AZ subnet: the site resolvers forward the SIP zone
        and the service names above to these addresses."""
        args, name, child = self._args, self._name, pulumi.ResourceOptions(parent=self)
        sg = aws.ec2.SecurityGroup(f"{name}-resolver", name=f"estate-{args.env}-resolver-inbound",
                                   description="DNS from the site resolvers", vpc_id=args.vpc_id, tags=tags,
                                   opts=child)
        for resolver_ip in args.site_resolvers:
            for protocol in ("udp", "tcp"):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-dns-{protocol}-{resolver_ip}", security_group_id=sg.id, ip_protocol=protocol,
                    from_port=53, to_port=53, cidr_ipv4=f"{resolver_ip}/32", description="site resolver",
                    opts=child)
        return aws.route53.ResolverEndpoint(
            f"{name}-inbound", name=f"estate-{args.env}-inbound", direction="INBOUND",
            security_group_ids=[sg.id],
            ip_addresses=[aws.route53.ResolverEndpointIpAddressArgs(subnet_id=s) for s in args.subnet_ids],
            protocols=["Do53"], tags=tags, opts=child)

    def _flow_logs(self, tags: dict[str, str]) -> None:
        args, name, child = self._args, self._name, pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", name=f"/estate/{args.env}/vpc-flow-logs",
            retention_in_days=log_retention(args.flow_log_retention_days), tags=tags, opts=child)
        role = aws.iam.Role(f"{name}-flow-logs", name=f"estate-{args.env}-vpc-flow-logs",
                            assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}}]}),
            tags=tags, opts=child)
        aws.iam.RolePolicy(f"{name}-flow-logs", name="deliver-flow-logs", role=role.name,
                           policy=group.arn.apply(lambda arn: json.dumps({
                               "Version": "2012-10-17", "Statement": [{
                                   "Effect": "Allow", "Resource": [arn, f"{arn}:*"],
                                   "Action": ["logs:CreateLogStream", "logs:PutLogEvents",
                                              "logs:DescribeLogStreams"]}]})),
                           opts=child)
        aws.ec2.FlowLog(f"{name}-flow-log", vpc_id=args.vpc_id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=group.arn,
                        iam_role_arn=role.arn, max_aggregation_interval=60, tags=tags, opts=child)
