"""Voice tier: SIP call control behind an internal NLB and session border controllers, each an
Auto Scaling group across the AZs sized from `capacity`; SIP and RTP admitted only from the
sites' voice subnets; DNS SRV for the SIP service; alarms; PSTN through a Chime SDK Voice
Connector."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from estate.cloud.sizes import Fleet, SiteVoiceSubnet

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class VoiceArgs:
    env: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: list[pulumi.Input[str]]
    voice_subnets: tuple[SiteVoiceSubnet, ...]
    sip_domain: str
    sip_subdomain: str
    sip_port: int
    sips_port: int
    rtp_first: int
    rtp_last: int
    sbc: Fleet
    call_control: Fleet
    sbc_instance_type: str
    call_control_instance_type: str
    ami_id: str
    private_ca_arn: str


@dataclass(frozen=True)
class Listen:
    """One SIP service the NLB answers: listener protocol, target protocol, port, SRV name."""

    protocol: str
    target_protocol: str
    port: int
    srv: str


class VoiceTier(pulumi.ComponentResource):
    nlb_dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    voice_connector_host: pulumi.Output[str]

    def __init__(self, name: str, args: VoiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:VoiceTier", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        sites = aws.ec2.ManagedPrefixList(
            f"{name}-site-voice", name=f"estate-{args.env}-site-voice-subnets", address_family="IPv4",
            max_entries=max(len(args.voice_subnets), 1),
            entries=[aws.ec2.ManagedPrefixListEntryArgs(cidr=str(s.network), description=s.site_id)
                     for s in args.voice_subnets],
            opts=child)
        nlb_sg = self._group("nlb", "SIP from the sites' voice subnets to the NLB")
        cc_sg = self._group("call-control", "SIP from the NLB to call control")
        sbc_sg = self._group("sbc", "RTP from the sites' voice subnets, SIP from call control")
        sip, sips = args.sip_port, args.sips_port
        self._ingress("nlb-sip-udp", nlb_sg, "udp", sip, sip, prefix_list=sites.id)
        self._ingress("nlb-sip-tcp", nlb_sg, "tcp", sip, sips, prefix_list=sites.id)
        self._ingress("cc-sip-udp", cc_sg, "udp", sip, sip, source_group=nlb_sg.id)
        self._ingress("cc-sip-tcp", cc_sg, "tcp", sip, sips, source_group=nlb_sg.id)
        self._ingress("sbc-rtp", sbc_sg, "udp", args.rtp_first, args.rtp_last, prefix_list=sites.id)
        self._ingress("sbc-sip-udp", sbc_sg, "udp", sip, sip, source_group=cc_sg.id)
        self._ingress("sbc-sip-tcp", sbc_sg, "tcp", sip, sips, source_group=cc_sg.id)
        for label, group in (("nlb", nlb_sg), ("call-control", cc_sg), ("sbc", sbc_sg)):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{label}-egress-vpc", security_group_id=group.id, ip_protocol="-1",
                cidr_ipv4=args.vpc_cidr, description="inside the voice VPC", opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-sbc-egress-rtp", security_group_id=sbc_sg.id, ip_protocol="udp",
            from_port=args.rtp_first, to_port=args.rtp_last, prefix_list_id=sites.id,
            description="RTP back to the sites' phones", opts=child)

        fqdn = f"{args.sip_subdomain}.{args.sip_domain}"
        certificate = aws.acm.Certificate(
            f"{name}-sip-cert", domain_name=fqdn, certificate_authority_arn=args.private_ca_arn,
            key_algorithm="EC_prime256v1", opts=child)
        nlb = aws.lb.LoadBalancer(
            f"{name}-nlb", name=f"estate-{args.env}-sip", internal=True, load_balancer_type="network",
            subnets=args.subnet_ids, security_groups=[nlb_sg.id],
            enable_cross_zone_load_balancing=True, ip_address_type="ipv4", opts=child)
        services = [Listen("UDP", "UDP", sip, "_sip._udp"), Listen("TCP", "TCP", sip, "_sip._tcp"),
                    Listen("TLS", "TLS", sips, "_sips._tcp")]
        groups = [self._listen(nlb, service, certificate.arn) for service in services]
        cc = self._fleet("call-control", args.call_control, args.call_control_instance_type, cc_sg,
                         [g.arn for g in groups])
        sbc = self._fleet("sbc", args.sbc, args.sbc_instance_type, sbc_sg, [])

        zone = aws.route53.Zone(f"{name}-zone", name=args.sip_domain,
                                comment=f"estate {args.env}: SIP service discovery",
                                vpcs=[aws.route53.ZoneVpcArgs(vpc_id=args.vpc_id)], opts=child)
        aws.route53.Record(f"{name}-sip-alias", zone_id=zone.zone_id, name=fqdn, type="A",
                           aliases=[aws.route53.RecordAliasArgs(
                               name=nlb.dns_name, zone_id=nlb.zone_id, evaluate_target_health=True)],
                           opts=child)
        for service in services:
            # the SRV target is the name on the TLS certificate, an alias of the NLB
            aws.route53.Record(f"{name}-srv-{service.srv.strip('_').replace('._', '-')}",
                               zone_id=zone.zone_id, name=f"{service.srv}.{args.sip_domain}",
                               type="SRV", ttl=300, records=[f"10 100 {service.port} {fqdn}."],
                               opts=child)
        for label, asg, fleet_size in (("call-control", cc, args.call_control), ("sbc", sbc, args.sbc)):
            aws.cloudwatch.MetricAlarm(
                f"{name}-{label}-in-service", name=f"estate-{args.env}-{label}-below-capacity",
                namespace="AWS/AutoScaling", metric_name="GroupInServiceInstances",
                dimensions={"AutoScalingGroupName": asg.name}, statistic="Minimum", period=60,
                evaluation_periods=3, threshold=fleet_size.desired - fleet_size.az_count,
                comparison_operator="LessThanThreshold", treat_missing_data="breaching",
                alarm_description=f"{label} has lost more than its N+1 spares", opts=child)
        connector = aws.chime.VoiceConnector(
            f"{name}-pstn", name=f"estate-{args.env}-pstn", require_encryption=True,
            aws_region="eu-west-2", opts=child)

        self.nlb_dns_name = nlb.dns_name
        self.zone_id = zone.zone_id
        self.voice_connector_host = connector.outbound_host_name
        self.register_outputs({
            "nlbDnsName": nlb.dns_name, "sipFqdn": fqdn, "zoneId": zone.zone_id,
            "voiceConnectorHost": connector.outbound_host_name, "sitePrefixListId": sites.id,
        })

    def _group(self, label: str, description: str) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-{label}", name=f"estate-{self._args.env}-{label}", description=description,
            vpc_id=self._args.vpc_id, opts=pulumi.ResourceOptions(parent=self))

    def _ingress(self, label: str, group: aws.ec2.SecurityGroup, protocol: str, first: int, last: int,
                 *, prefix_list: pulumi.Input[str] | None = None,
                 source_group: pulumi.Input[str] | None = None) -> None:
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-{label}", security_group_id=group.id, ip_protocol=protocol,
            from_port=first, to_port=last, prefix_list_id=prefix_list,
            referenced_security_group_id=source_group,
            description="sites' voice subnets" if prefix_list else "voice tier peer",
            opts=pulumi.ResourceOptions(parent=self))

    def _listen(self, nlb: aws.lb.LoadBalancer, service: Listen,
                certificate_arn: pulumi.Input[str]) -> aws.lb.TargetGroup:
        args, child = self._args, pulumi.ResourceOptions(parent=self)
        label = service.protocol.lower()
        target = aws.lb.TargetGroup(
            f"{self._name}-tg-{label}", name=f"estate-{args.env}-sip-{label}", port=service.port,
            protocol=service.target_protocol, vpc_id=args.vpc_id, target_type="instance",
            health_check=aws.lb.TargetGroupHealthCheckArgs(protocol="TCP", port=str(args.sip_port)),
            opts=child)
        tls = service.protocol == "TLS"
        aws.lb.Listener(
            f"{self._name}-listen-{label}", load_balancer_arn=nlb.arn, port=service.port,
            protocol=service.protocol, certificate_arn=certificate_arn if tls else None,
            ssl_policy=TLS_POLICY if tls else None,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward",
                                                              target_group_arn=target.arn)],
            opts=child)
        return target

    def _fleet(self, label: str, size: Fleet, instance_type: str, group: aws.ec2.SecurityGroup,
               target_groups: list[pulumi.Output[str]]) -> aws.autoscaling.Group:
        args, child = self._args, pulumi.ResourceOptions(parent=self)
        template = aws.ec2.LaunchTemplate(
            f"{self._name}-{label}-lt", name=f"estate-{args.env}-{label}", image_id=args.ami_id,
            instance_type=instance_type, vpc_security_group_ids=[group.id],
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_tokens="required", http_endpoint="enabled", http_put_response_hop_limit=1),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda", ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    encrypted="true", volume_size=30, volume_type="gp3"))],
            opts=child)
        return aws.autoscaling.Group(
            f"{self._name}-{label}-asg", name=f"estate-{args.env}-{label}",
            min_size=size.desired, max_size=size.maximum, desired_capacity=size.desired,
            vpc_zone_identifiers=args.subnet_ids, target_group_arns=target_groups,
            health_check_type="ELB" if target_groups else "EC2", health_check_grace_period=300,
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(id=template.id, version="$Latest"),
            tags=[aws.autoscaling.GroupTagArgs(key="tier", value=f"voice-{label}",
                                               propagate_at_launch=True)],
            opts=child)
