"""Connectivity tier: the VPC the voice tier lives in, joined to the sites' WAN through a
Transit Gateway (an IPsec VPN per WAN hub, and the Direct Connect gateway that carries the
video volume where one is configured)."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

from estate.cloud.settings import VpnHub

TGW_SUBNET_PREFIX = 28  # AWS recommends small dedicated subnets for TGW attachments
# IPsec proposals for both tunnels: IKEv2 only, AES-256-GCM, SHA-384, DH group 20 (NCSC-style)
IKE_VERSIONS = ["ikev2"]
CIPHERS = ["AES256-GCM-16"]
INTEGRITY = ["SHA2-384"]
DH_GROUPS = [20]


@dataclass(frozen=True)
class ConnectivityArgs:
    env: str
    vpc_cidr: IPv4Network
    azs: list[str]
    transit_gateway_asn: int
    site_supernet: IPv4Network
    vpn_hubs: list[VpnHub] = field(default_factory=list)
    direct_connect_gateway_id: str | None = None


def carve(vpc_cidr: IPv4Network, az_count: int) -> tuple[list[IPv4Network], list[IPv4Network]]:
    """Workload subnets (one quarter of the VPC per AZ) and TGW attachment /28s (last quarter)."""
    quarters = list(vpc_cidr.subnets(prefixlen_diff=2))
    tgw = list(quarters[3].subnets(new_prefix=TGW_SUBNET_PREFIX))[:az_count]
    return quarters[:az_count], tgw


class Connectivity(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    subnet_ids: list[pulumi.Output[str]]
    transit_gateway_id: pulumi.Output[str]

    def __init__(self, name: str, args: ConnectivityArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:Connectivity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {"tier": "connectivity"}
        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=str(args.vpc_cidr), enable_dns_support=True,
                          enable_dns_hostnames=True, tags={**tags, "Name": f"estate-{args.env}"},
                          opts=child)
        tgw = aws.ec2transitgateway.TransitGateway(
            f"{name}-tgw", amazon_side_asn=args.transit_gateway_asn,
            description=f"estate {args.env}: sites' WAN to the cloud tiers",
            auto_accept_shared_attachments="disable", dns_support="enable",
            vpn_ecmp_support="enable", tags=tags, opts=child)
        workload, tgw_cidrs = carve(args.vpc_cidr, len(args.azs))
        subnets, tgw_subnets = [], []
        for az, cidr, tgw_cidr in zip(args.azs, workload, tgw_cidrs, strict=True):
            subnets.append(aws.ec2.Subnet(
                f"{name}-private-{az}", vpc_id=vpc.id, cidr_block=str(cidr), availability_zone=az,
                map_public_ip_on_launch=False, tags={**tags, "Name": f"estate-{args.env}-private-{az}"},
                opts=child))
            tgw_subnets.append(aws.ec2.Subnet(
                f"{name}-tgw-{az}", vpc_id=vpc.id, cidr_block=str(tgw_cidr), availability_zone=az,
                tags={**tags, "Name": f"estate-{args.env}-tgw-{az}"}, opts=child))
        attachment = aws.ec2transitgateway.VpcAttachment(
            f"{name}-tgw-vpc", transit_gateway_id=tgw.id, vpc_id=vpc.id,
            subnet_ids=[s.id for s in tgw_subnets], dns_support="enable", tags=tags, opts=child)
        for az, subnet in zip(args.azs, subnets, strict=True):
            table = aws.ec2.RouteTable(f"{name}-rt-{az}", vpc_id=vpc.id, tags=tags, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-rta-{az}", route_table_id=table.id,
                                          subnet_id=subnet.id, opts=child)
            aws.ec2.Route(f"{name}-sites-{az}", route_table_id=table.id,
                          destination_cidr_block=str(args.site_supernet), transit_gateway_id=tgw.id,
                          opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]))
        vpn_ids = {hub.name: self._hub_vpn(name, hub, tgw, tags).id for hub in args.vpn_hubs}
        if args.direct_connect_gateway_id:
            aws.directconnect.GatewayAssociation(
                f"{name}-dx", dx_gateway_id=args.direct_connect_gateway_id,
                associated_gateway_id=tgw.id, allowed_prefixes=[str(args.vpc_cidr)], opts=child)
        self.vpc_id = vpc.id
        self.subnet_ids = [s.id for s in subnets]
        self.transit_gateway_id = tgw.id
        self.register_outputs({"vpcId": vpc.id, "subnetIds": self.subnet_ids,
                               "transitGatewayId": tgw.id, "vpnConnectionIds": vpn_ids})

    def _hub_vpn(self, name: str, hub: VpnHub, tgw: aws.ec2transitgateway.TransitGateway,
                 tags: dict[str, str]) -> aws.ec2.VpnConnection:
        child = pulumi.ResourceOptions(parent=self)
        gateway = aws.ec2.CustomerGateway(
            f"{name}-cgw-{hub.name}", bgp_asn=str(hub.bgp_asn), ip_address=str(hub.public_ip),
            type="ipsec.1", tags={**tags, "Name": hub.name}, opts=child)
        return aws.ec2.VpnConnection(
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
            tags={**tags, "Name": f"estate-{hub.name}"}, opts=child)
