"""Connectivity tier: the VPC the voice tier lives in, joined to the sites' WAN through a
Transit Gateway (an IPsec VPN per WAN hub, alarmed on tunnel state, and the Direct Connect
gateway that carries the video volume, proposed here and accepted in the network account that
owns it), public subnets for the SBCs' path to the PSTN, the default security group emptied, and
the private services of `network_services` (endpoints, resolver, flow logs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pulumi
import pulumi_aws as aws

from estate.cloud.network_services import NetworkServices, ServicesArgs
from estate.cloud.settings import VpnHub

TGW_SUBNET_PREFIX = 28  # AWS recommends small dedicated subnets for TGW attachments
# IPsec proposals for both tunnels: IKEv2 only, AES-256-GCM, SHA-384, DH group 20 (NCSC-style)
IKE_VERSIONS = ["ikev2"]
CIPHERS = ["AES256-GCM-16"]
INTEGRITY = ["SHA2-384"]
DH_GROUPS = [20]
# Tunnel inside addresses: /30s of 169.254.0.0/16 chosen by the hub's place in the stack's
# `vpnHubs` (new hubs go at the end: an inside CIDR cannot change without replacing the VPN).
# AWS refuses these /30s (EC2 VpnTunnelOptionsSpecification.TunnelInsideCidr):
INSIDE_RANGE = IPv4Network("169.254.0.0/16")
INSIDE_START = IPv4Network("169.254.100.0/30")  # readable, and clear of the reserved low /30s
RESERVED_INSIDE = frozenset(IPv4Network(n) for n in (
    "169.254.0.0/30", "169.254.1.0/30", "169.254.2.0/30", "169.254.3.0/30", "169.254.4.0/30",
    "169.254.5.0/30", "169.254.169.252/30"))
TUNNELS_PER_VPN = 2


@dataclass(frozen=True)
class CrossAccountDx:
    """A Direct Connect gateway owned by the network account, and the role this program assumes
    there to accept the association it proposes."""

    gateway_id: str
    owner_account_id: str
    role_arn: str


@dataclass(frozen=True)
class ConnectivityArgs:
    env: str
    account_id: str
    vpc_cidr: IPv4Network
    azs: list[str]
    transit_gateway_asn: int
    site_supernet: IPv4Network
    voice_supernet: IPv4Network | None = None
    site_resolvers: list[IPv4Address] = field(default_factory=list)
    vpn_hubs: list[VpnHub] = field(default_factory=list)
    direct_connect: CrossAccountDx | None = None
    flow_log_retention_days: int = 400


@dataclass(frozen=True)
class Carved:
    workload: list[IPv4Network]
    tgw: list[IPv4Network]
    public: list[IPv4Network]


def carve(vpc_cidr: IPv4Network, az_count: int) -> Carved:
    """Workload subnets (one quarter of the VPC per AZ); in the last quarter, TGW attachment /28s
    at its start and, after its first sixteenth-of-the-VPC, a public subnet per AZ."""
    quarters = list(vpc_cidr.subnets(prefixlen_diff=2))
    tgw = list(quarters[3].subnets(new_prefix=TGW_SUBNET_PREFIX))[:az_count]
    public = list(quarters[3].subnets(prefixlen_diff=2))[1:1 + az_count]
    return Carved(quarters[:az_count], tgw, public)


def site_routes(args: ConnectivityArgs) -> list[IPv4Network]:
    """What the VPC reaches through the Transit Gateway: the site blocks, the phones' voice
    aggregate and the site DNS resolvers that forward to the inbound endpoint."""
    routes = [args.site_supernet]
    if args.voice_supernet is not None:
        routes.append(args.voice_supernet)
    routes += [IPv4Network(ip) for ip in args.site_resolvers
               if not any(ip in net for net in routes)]
    return routes


def tunnel_inside_cidrs(hub_index: int) -> tuple[IPv4Network, IPv4Network]:
    """The inside /30s of the two tunnels of the `hub_index`-th hub's VPN connection: the next two
    /30s from `INSIDE_START` that AWS accepts, so every hub's tunnels differ (one Transit Gateway,
    and a hub router terminating several environments' VPNs, must not see a /30 twice)."""
    if hub_index < 0:
        raise ValueError(f"hub index {hub_index} is negative")
    start = int(INSIDE_START.network_address)
    last = int(INSIDE_RANGE.broadcast_address)
    found: list[IPv4Network] = []
    wanted = TUNNELS_PER_VPN * hub_index
    address, usable = start, 0
    while len(found) < TUNNELS_PER_VPN:
        if address + 3 > last:
            raise ValueError(f"hub index {hub_index}: no room left in {INSIDE_RANGE} for its tunnels")
        network = IPv4Network((address, 30))
        if network not in RESERVED_INSIDE:
            if usable >= wanted:
                found.append(network)
            usable += 1
        address += 4
    return found[0], found[1]


def tunnel_outputs(vpn: aws.ec2.VpnConnection) -> list[dict[str, Any]]:
    """Both tunnels as the provider reports them: the hub router's parameters. The pre-shared
    keys are AWS-generated secret outputs: `--show-secrets` reveals them for the operator to
    set `ESTATE_SECRET_VPN_PSK_<HUB>_T<n>`; estate never writes them into a config."""
    return [
        {"outsideAddress": vpn.tunnel1_address, "insideCidr": vpn.tunnel1_inside_cidr,
         "cgwInsideAddress": vpn.tunnel1_cgw_inside_address, "vgwInsideAddress": vpn.tunnel1_vgw_inside_address,
         "presharedKey": vpn.tunnel1_preshared_key},
        {"outsideAddress": vpn.tunnel2_address, "insideCidr": vpn.tunnel2_inside_cidr,
         "cgwInsideAddress": vpn.tunnel2_cgw_inside_address, "vgwInsideAddress": vpn.tunnel2_vgw_inside_address,
         "presharedKey": vpn.tunnel2_preshared_key},
    ]


def site_supernets(args: ConnectivityArgs) -> list[IPv4Network]:
    """The sites' aggregates the VPC routes to the Transit Gateway: what the hubs must advertise."""
    return [args.site_supernet, *([args.voice_supernet] if args.voice_supernet is not None else [])]


class Connectivity(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    subnet_ids: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]
    transit_gateway_id: pulumi.Output[str]
    oncall_topic_arn: pulumi.Output[str]
    s3_endpoint_id: pulumi.Output[str]
    resolver_endpoint_id: pulumi.Output[str]
    wan_hubs: dict[str, dict[str, Any]]  # per hub: what its router needs (the `wanHubs` export)

    def __init__(self, name: str, args: ConnectivityArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:Connectivity", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        tags = {"tier": "connectivity"}
        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=str(args.vpc_cidr), enable_dns_support=True,
                          enable_dns_hostnames=True, tags={**tags, "Name": f"estate-{args.env}"},
                          opts=child)
        # with no rules declared, the provider strips the default group's allow-all rules
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id,
                                     tags={**tags, "Name": f"estate-{args.env}-default-unused"}, opts=child)
        tgw = aws.ec2transitgateway.TransitGateway(
            f"{name}-tgw", amazon_side_asn=args.transit_gateway_asn,
            description=f"estate {args.env}: sites' WAN to the cloud tiers",
            auto_accept_shared_attachments="disable", dns_support="enable",
            vpn_ecmp_support="enable", tags=tags, opts=child)
        carved = carve(args.vpc_cidr, len(args.azs))
        subnets, tgw_subnets, public = [], [], []
        for az, cidr, tgw_cidr, public_cidr in zip(args.azs, carved.workload, carved.tgw, carved.public,
                                                   strict=True):
            subnets.append(self._subnet(f"private-{az}", vpc, cidr, az))
            tgw_subnets.append(self._subnet(f"tgw-{az}", vpc, tgw_cidr, az))
            public.append(self._subnet(f"public-{az}", vpc, public_cidr, az))
        attachment = aws.ec2transitgateway.VpcAttachment(
            f"{name}-tgw-vpc", transit_gateway_id=tgw.id, vpc_id=vpc.id,
            subnet_ids=[s.id for s in tgw_subnets], dns_support="enable", tags=tags, opts=child)
        via_tgw = pulumi.ResourceOptions(parent=self, depends_on=[attachment])
        tables = []
        for az, subnet in zip(args.azs, subnets, strict=True):
            table = aws.ec2.RouteTable(f"{name}-rt-{az}", vpc_id=vpc.id, tags=tags, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-rta-{az}", route_table_id=table.id,
                                          subnet_id=subnet.id, opts=child)
            self._site_routes(f"{az}", table, tgw, via_tgw)
            tables.append(table)
        self._public_routes(vpc, public, tgw, via_tgw, tags)
        self.oncall_topic_arn = aws.sns.Topic(
            f"{name}-oncall", name=f"estate-{args.env}-network-oncall",
            display_name=f"estate {args.env} network on-call", tags=tags, opts=child).arn
        self.wan_hubs = {hub.name: self._hub_vpn(index, hub, tgw, tags)
                         for index, hub in enumerate(args.vpn_hubs)}
        vpn_ids = {name: hub["vpnConnectionId"] for name, hub in self.wan_hubs.items()}
        if args.direct_connect is not None:
            self._direct_connect(args.direct_connect, tgw)
        services = NetworkServices(f"{name}-services", ServicesArgs(
            env=args.env, vpc_id=vpc.id, subnet_ids=[s.id for s in subnets],
            route_table_ids=[t.id for t in tables], site_supernet=args.site_supernet,
            site_resolvers=args.site_resolvers, flow_log_retention_days=args.flow_log_retention_days),
            opts=child)
        self.vpc_id = vpc.id
        self.subnet_ids = [s.id for s in subnets]
        self.public_subnet_ids = [s.id for s in public]
        self.transit_gateway_id = tgw.id
        self.s3_endpoint_id = services.s3_endpoint_id
        self.resolver_endpoint_id = services.resolver_endpoint_id
        self.register_outputs({"vpcId": vpc.id, "subnetIds": self.subnet_ids,
                               "publicSubnetIds": self.public_subnet_ids,
                               "transitGatewayId": tgw.id, "vpnConnectionIds": vpn_ids,
                               "s3EndpointId": services.s3_endpoint_id,
                               "resolverInboundIps": services.resolver_ips,
                               "oncallTopicArn": self.oncall_topic_arn})

    def _subnet(self, label: str, vpc: aws.ec2.Vpc, cidr: IPv4Network, az: str) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{self._name}-{label}", vpc_id=vpc.id, cidr_block=str(cidr), availability_zone=az,
            map_public_ip_on_launch=False,
            tags={"tier": "connectivity", "Name": f"estate-{self._args.env}-{label}"},
            opts=pulumi.ResourceOptions(parent=self))

    def _site_routes(self, label: str, table: aws.ec2.RouteTable,
                     tgw: aws.ec2transitgateway.TransitGateway, opts: pulumi.ResourceOptions) -> None:
        for index, network in enumerate(site_routes(self._args)):
            # the first route keeps its original name so existing stacks do not replace it
            suffix = "" if index == 0 else f"-{index}"
            aws.ec2.Route(f"{self._name}-sites-{label}{suffix}", route_table_id=table.id,
                          destination_cidr_block=str(network), transit_gateway_id=tgw.id, opts=opts)

    def _public_routes(self, vpc: aws.ec2.Vpc, public: list[aws.ec2.Subnet],
                       tgw: aws.ec2transitgateway.TransitGateway, via_tgw: pulumi.ResourceOptions,
                       tags: dict[str, str]) -> None:
        """The SBCs' subnets: the PSTN (Voice Connector) through an internet gateway, the phones
        through the Transit Gateway. Nothing is reachable from the internet unless a security
        group admits it, and only the SBC group admits the Voice Connector's ranges."""
        child = pulumi.ResourceOptions(parent=self)
        igw = aws.ec2.InternetGateway(f"{self._name}-igw", vpc_id=vpc.id, tags=tags, opts=child)
        table = aws.ec2.RouteTable(f"{self._name}-rt-public", vpc_id=vpc.id, tags=tags, opts=child)
        aws.ec2.Route(f"{self._name}-internet", route_table_id=table.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=igw.id, opts=child)
        self._site_routes("public", table, tgw, via_tgw)
        for az, subnet in zip(self._args.azs, public, strict=True):
            aws.ec2.RouteTableAssociation(f"{self._name}-rta-public-{az}", route_table_id=table.id,
                                          subnet_id=subnet.id, opts=child)

    def _direct_connect(self, dx: CrossAccountDx, tgw: aws.ec2transitgateway.TransitGateway) -> None:
        """The DX gateway belongs to the network account: this account proposes the association,
        and the network account accepts it, through a provider that assumes its role there."""
        args = self._args
        proposal = aws.directconnect.GatewayAssociationProposal(
            f"{self._name}-dx-proposal", dx_gateway_id=dx.gateway_id,
            dx_gateway_owner_account_id=dx.owner_account_id, associated_gateway_id=tgw.id,
            allowed_prefixes=[str(args.vpc_cidr)], opts=pulumi.ResourceOptions(parent=self))
        network_account = aws.Provider(
            f"{self._name}-network-account", region="eu-west-2", allowed_account_ids=[dx.owner_account_id],
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=dx.role_arn,
                                                     session_name=f"estate-{args.env}-dx-accept")],
            opts=pulumi.ResourceOptions(parent=self))
        aws.directconnect.GatewayAssociation(
            f"{self._name}-dx", dx_gateway_id=dx.gateway_id, proposal_id=proposal.id,
            associated_gateway_owner_account_id=args.account_id,
            allowed_prefixes=[str(args.vpc_cidr)],
            opts=pulumi.ResourceOptions(parent=self, provider=network_account))

    def _hub_vpn(self, index: int, hub: VpnHub, tgw: aws.ec2transitgateway.TransitGateway,
                 tags: dict[str, str]) -> dict[str, Any]:
        """The hub's customer gateway and VPN connection, its tunnel alarms, and what its router
        needs from them (exported as `wanHubs.<hub>`)."""
        name, child = self._name, pulumi.ResourceOptions(parent=self)
        inside1, inside2 = tunnel_inside_cidrs(index)
        gateway = aws.ec2.CustomerGateway(
            f"{name}-cgw-{hub.name}", bgp_asn=str(hub.bgp_asn), ip_address=str(hub.public_ip),
            type="ipsec.1", tags={**tags, "Name": hub.name}, opts=child)
        vpn = aws.ec2.VpnConnection(
            f"{name}-vpn-{hub.name}", customer_gateway_id=gateway.id, transit_gateway_id=tgw.id,
            type="ipsec.1", static_routes_only=False,
            tunnel1_ike_versions=IKE_VERSIONS, tunnel2_ike_versions=IKE_VERSIONS,
            tunnel1_phase1_encryption_algorithms=CIPHERS,
            tunnel2_phase1_encryption_algorithms=CIPHERS,
            tunnel1_phase2_encryption_algorithms=CIPHERS,
            tunnel2_phase2_encryption_algorithms=CIPHERS,
            tunnel1_phase1_integrity_algorithms=INTEGRITY,
            tunnel2_phase1_integrity_algorithms=INTEGRITY,
            tunnel1_phase1_dh_group_numbers=DH_GROUPS, tunnel2_phase1_dh_group_numbers=DH_GROUPS,
            tunnel1_phase2_dh_group_numbers=DH_GROUPS, tunnel2_phase2_dh_group_numbers=DH_GROUPS,
            tunnel1_inside_cidr=str(inside1), tunnel2_inside_cidr=str(inside2),
            tags={**tags, "Name": f"estate-{hub.name}"}, opts=child)
        # TunnelState per connection is 1 with both tunnels up, 0 with both down, between when
        # one is down. AWS publishes it for as long as the connection exists, so silence is a
        # fault too (breaching); one tunnel down is a lost spare, both down cuts the hub's sites.
        for label, statistic, operator, threshold, what in (
                ("degraded", "Minimum", "LessThanThreshold", 1, "a tunnel is down (no spare left)"),
                ("down", "Maximum", "LessThanOrEqualToThreshold", 0, "both tunnels are down")):
            aws.cloudwatch.MetricAlarm(
                f"{name}-vpn-{hub.name}-{label}", name=f"estate-{self._args.env}-vpn-{hub.name}-{label}",
                namespace="AWS/VPN", metric_name="TunnelState", dimensions={"VpnId": vpn.id},
                statistic=statistic, period=300, evaluation_periods=2, threshold=threshold,
                comparison_operator=operator, treat_missing_data="breaching",
                alarm_description=f"VPN to {hub.name}: {what}",
                alarm_actions=[self.oncall_topic_arn], ok_actions=[self.oncall_topic_arn], opts=child)
        args = self._args
        return {
            "customerGatewayId": gateway.id, "customerGatewayAddress": gateway.ip_address,
            "customerGatewayAsn": gateway.bgp_asn, "transitGatewayAsn": tgw.amazon_side_asn,
            "vpnConnectionId": vpn.id, "tunnels": tunnel_outputs(vpn),
            "siteSupernets": [str(n) for n in site_supernets(args)],
            "serviceRoutes": [str(n) for n in site_routes(args) if n not in site_supernets(args)],
            "vpcCidrs": [str(args.vpc_cidr)],
        }
