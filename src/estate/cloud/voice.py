"""Voice tier: SIP call control behind an internal NLB and session border controllers, each an
Auto Scaling group across the AZs sized from `capacity`; SIP and RTP admitted only from the
environment's voice aggregate (every site's phones, one rule per protocol); DNS SRV for the SIP
service; alarms with an on-call topic; PSTN through a Chime SDK Voice Connector that the SBCs
reach from a pool of Elastic IPs (termination allow list and origination routes)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

from estate.cloud.sizes import Fleet, SiteVoiceSubnet

# the console's default and AWS's recommendation: TLS 1.3, and TLS 1.2 with forward-secret AEAD only
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
# Voice Connector in eu-west-2 (service CHIME_VOICECONNECTOR of AWS's ip-ranges.json): SIP over
# TLS on 5061 (encryption is required), SRTP on any high UDP port
VOICE_CONNECTOR_RANGES = ("99.77.249.0/24",)
VOICE_CONNECTOR_SIPS = 5061
VOICE_CONNECTOR_MEDIA = (1024, 65535)
CALLING_REGIONS = ["GB"]
MEAN_HOLD_SECONDS = 180  # planning figure: calls per second = concurrent calls / mean hold time
ASG_METRICS = [aws.autoscaling.Metric(m) for m in (
    "GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances",
    "GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances")]


@dataclass(frozen=True)
class VoiceArgs:
    env: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: list[pulumi.Input[str]]
    public_subnet_ids: list[pulumi.Input[str]]
    voice_ranges: tuple[IPv4Network, ...]
    voice_subnets: tuple[SiteVoiceSubnet, ...]
    sip_domain: str
    sip_subdomain: str
    sip_port: int
    sips_port: int
    rtp_first: int
    rtp_last: int
    sbc: Fleet
    call_control: Fleet
    concurrent_calls: int
    sbc_instance_type: str
    call_control_instance_type: str
    ami_id: str
    private_ca_arn: str
    instance_tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Listen:
    """One NLB listener: protocol (for listener and target group), port, health-check port."""

    protocol: str
    port: int


def arn_suffix(arn: pulumi.Output[str]) -> pulumi.Output[str]:
    """The part of an ELB ARN that CloudWatch uses as a dimension: `net/<name>/<id>` of
    `...:loadbalancer/net/<name>/<id>`, `targetgroup/<name>/<id>` of a target group's."""
    return arn.apply(lambda value: (value or "").split(":", 5)[-1].removeprefix("loadbalancer/"))


def calls_per_second(concurrent_calls: int) -> int:
    return max(1, math.ceil(concurrent_calls / MEAN_HOLD_SECONDS))


class VoiceTier(pulumi.ComponentResource):
    nlb_dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    voice_connector_host: pulumi.Output[str]
    oncall_topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: VoiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estate:cloud:VoiceTier", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(f"{name}-oncall", name=f"estate-{args.env}-voice-oncall",
                              display_name=f"estate {args.env} voice on-call", opts=child)
        self.oncall_topic_arn = topic.arn
        nlb_sg = self._group("nlb", "SIP from the sites' phones to the NLB")
        cc_sg = self._group("call-control", "SIP from the NLB to call control")
        sbc_sg = self._group("sbc", "RTP from the sites' phones, SIP from call control, the PSTN trunk")
        sip, sips = args.sip_port, args.sips_port
        for index, voice in enumerate(args.voice_ranges):
            self._rule(f"nlb-sip-udp-{index}", nlb_sg, "udp", sip, sip, cidr=voice)
            self._rule(f"nlb-sip-tcp-{index}", nlb_sg, "tcp", sip, sips, cidr=voice)
            self._rule(f"sbc-rtp-{index}", sbc_sg, "udp", args.rtp_first, args.rtp_last, cidr=voice)
            # call control reaches the phones directly (NOTIFY, INVITE to a registered phone)
            self._rule(f"cc-egress-sip-udp-{index}", cc_sg, "udp", sip, sip, cidr=voice, egress=True)
            self._rule(f"cc-egress-sip-tcp-{index}", cc_sg, "tcp", sip, sips, cidr=voice, egress=True)
            self._rule(f"sbc-egress-rtp-{index}", sbc_sg, "udp", args.rtp_first, args.rtp_last, cidr=voice,
                       egress=True)
        self._rule("cc-sip-udp", cc_sg, "udp", sip, sip, source_group=nlb_sg.id)
        self._rule("cc-sip-tcp", cc_sg, "tcp", sip, sips, source_group=nlb_sg.id)
        self._rule("sbc-sip-udp", sbc_sg, "udp", sip, sip, source_group=cc_sg.id)
        self._rule("sbc-sip-tcp", sbc_sg, "tcp", sip, sips, source_group=cc_sg.id)
        for index, pstn in enumerate(VOICE_CONNECTOR_RANGES):
            first, last = VOICE_CONNECTOR_MEDIA
            for egress in (False, True):
                way = "egress-" if egress else ""
                self._rule(f"sbc-{way}pstn-sips-{index}", sbc_sg, "tcp", VOICE_CONNECTOR_SIPS,
                           VOICE_CONNECTOR_SIPS, cidr=IPv4Network(pstn), egress=egress)
                self._rule(f"sbc-{way}pstn-srtp-{index}", sbc_sg, "udp", first, last, cidr=IPv4Network(pstn),
                           egress=egress)
        for label, group in (("nlb", nlb_sg), ("call-control", cc_sg), ("sbc", sbc_sg)):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{label}-egress-vpc", security_group_id=group.id, ip_protocol="-1",
                cidr_ipv4=args.vpc_cidr, description="inside the voice VPC", opts=child)

        fqdn = f"{args.sip_subdomain}.{args.sip_domain}"
        certificate = aws.acm.Certificate(
            f"{name}-sip-cert", domain_name=fqdn, certificate_authority_arn=args.private_ca_arn,
            key_algorithm="EC_prime256v1", opts=child)
        nlb = aws.lb.LoadBalancer(
            f"{name}-nlb", name=f"estate-{args.env}-sip", internal=True, load_balancer_type="network",
            subnets=args.subnet_ids, security_groups=[nlb_sg.id],
            enable_cross_zone_load_balancing=True, ip_address_type="ipv4", opts=child)
        # AWS allows one listener per port: SIP over UDP and TCP share one TCP_UDP listener
        listens = [Listen("TCP_UDP", sip), Listen("TLS", sips)]
        groups = [self._listen(nlb, listen, certificate.arn) for listen in listens]
        cc = self._fleet("call-control", args.call_control, args.call_control_instance_type, cc_sg,
                         target_groups=[g.arn for g in groups], subnet_ids=args.subnet_ids)
        sbc = self._fleet("sbc", args.sbc, args.sbc_instance_type, sbc_sg, target_groups=[],
                          subnet_ids=args.public_subnet_ids)

        zone = aws.route53.Zone(f"{name}-zone", name=args.sip_domain,
                                comment=f"estate {args.env}: SIP service discovery",
                                vpcs=[aws.route53.ZoneVpcArgs(vpc_id=args.vpc_id)], opts=child)
        aws.route53.Record(f"{name}-sip-alias", zone_id=zone.zone_id, name=fqdn, type="A",
                           aliases=[aws.route53.RecordAliasArgs(
                               name=nlb.dns_name, zone_id=nlb.zone_id, evaluate_target_health=True)],
                           opts=child)
        for srv, port in (("_sip._udp", sip), ("_sip._tcp", sip), ("_sips._tcp", sips)):
            # the SRV target is the name on the TLS certificate, an alias of the NLB
            aws.route53.Record(f"{name}-srv-{srv.strip('_').replace('._', '-')}",
                               zone_id=zone.zone_id, name=f"{srv}.{args.sip_domain}",
                               type="SRV", ttl=300, records=[f"10 100 {port} {fqdn}."],
                               opts=child)
        self._alarms(nlb, groups, listens, [("call-control", cc, args.call_control), ("sbc", sbc, args.sbc)])
        connector = self._pstn()

        self.nlb_dns_name = nlb.dns_name
        self.zone_id = zone.zone_id
        self.voice_connector_host = connector.outbound_host_name
        self.register_outputs({
            "nlbDnsName": nlb.dns_name, "sipFqdn": fqdn, "zoneId": zone.zone_id,
            "voiceConnectorHost": connector.outbound_host_name,
            "voiceRanges": [str(r) for r in args.voice_ranges], "oncallTopicArn": topic.arn,
        })

    def _pstn(self) -> aws.chime.VoiceConnector:
        """The Voice Connector and the SBCs' path to it: a pool of Elastic IPs (one per SBC the
        fleet may hold, claimed by each SBC at boot) is the termination allow list and the
        origination targets, so the trunk accepts calls only from, and sends calls only to, us."""
        args, name, child = self._args, self._name, pulumi.ResourceOptions(parent=self)
        connector = aws.chime.VoiceConnector(
            f"{name}-pstn", name=f"estate-{args.env}-pstn", require_encryption=True,
            aws_region="eu-west-2", opts=child)
        pool = [aws.ec2.Eip(f"{name}-sbc-eip-{k}", domain="vpc",
                            tags={"Name": f"estate-{args.env}-sbc-{k}", "estate-pool": f"estate-{args.env}-sbc"},
                            opts=child)
                for k in range(1, args.sbc.maximum + 1)]
        aws.chime.VoiceConnectorTermination(
            f"{name}-pstn-termination", voice_connector_id=connector.id, calling_regions=CALLING_REGIONS,
            cidr_allow_lists=[eip.public_ip.apply(lambda ip: f"{ip}/32") for eip in pool],
            cps_limit=calls_per_second(args.concurrent_calls), disabled=False, opts=child)
        aws.chime.VoiceConnectorOrigination(
            f"{name}-pstn-origination", voice_connector_id=connector.id, disabled=False,
            routes=[aws.chime.VoiceConnectorOriginationRouteArgs(
                host=eip.public_ip, port=VOICE_CONNECTOR_SIPS, protocol="TCP", priority=1, weight=1)
                for eip in pool],
            opts=child)
        aws.chime.VoiceConnectorLogging(
            f"{name}-pstn-logging", voice_connector_id=connector.id, enable_sip_logs=True,
            enable_media_metric_logs=True, opts=child)
        return connector

    def _alarms(self, nlb: aws.lb.LoadBalancer, groups: list[aws.lb.TargetGroup], listens: list[Listen],
                fleets: list[tuple[str, aws.autoscaling.Group, Fleet]]) -> None:
        args, name, child = self._args, self._name, pulumi.ResourceOptions(parent=self)
        actions = [self.oncall_topic_arn]
        for label, asg, fleet_size in fleets:
            # the groups publish this metric every minute (enabled_metrics): silence is a fault
            aws.cloudwatch.MetricAlarm(
                f"{name}-{label}-in-service", name=f"estate-{args.env}-{label}-below-capacity",
                namespace="AWS/AutoScaling", metric_name="GroupInServiceInstances",
                dimensions={"AutoScalingGroupName": asg.name}, statistic="Minimum", period=60,
                evaluation_periods=3, threshold=fleet_size.desired - fleet_size.az_count,
                comparison_operator="LessThanThreshold", treat_missing_data="breaching",
                alarm_description=f"{label} has lost more than its N+1 spares",
                alarm_actions=actions, ok_actions=actions, opts=child)
        balancer = arn_suffix(nlb.arn)
        for group, listen in zip(groups, listens, strict=True):
            # no data points while no target is registered (a new or drained group): not a fault
            aws.cloudwatch.MetricAlarm(
                f"{name}-unhealthy-{listen.protocol.lower().replace('_', '-')}",
                name=f"estate-{args.env}-sip-{listen.protocol.lower().replace('_', '-')}-unhealthy-hosts",
                namespace="AWS/NetworkELB", metric_name="UnHealthyHostCount",
                dimensions={"LoadBalancer": balancer, "TargetGroup": arn_suffix(group.arn)},
                statistic="Maximum", period=60, evaluation_periods=3, threshold=0,
                comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
                alarm_description=f"call control failing SIP health checks behind {listen.protocol} {listen.port}",
                alarm_actions=actions, ok_actions=actions, opts=child)

    def _group(self, label: str, description: str) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-{label}", name=f"estate-{self._args.env}-{label}", description=description,
            vpc_id=self._args.vpc_id, opts=pulumi.ResourceOptions(parent=self))

    def _rule(self, label: str, group: aws.ec2.SecurityGroup, protocol: str, first: int, last: int, *,
              cidr: IPv4Network | None = None, source_group: pulumi.Input[str] | None = None,
              egress: bool = False) -> None:
        kind = aws.vpc.SecurityGroupEgressRule if egress else aws.vpc.SecurityGroupIngressRule
        kind(f"{self._name}-{label}", security_group_id=group.id, ip_protocol=protocol,
             from_port=first, to_port=last, cidr_ipv4=None if cidr is None else str(cidr),
             referenced_security_group_id=source_group,
             description="voice tier peer" if cidr is None else
             ("the sites' phones" if any(cidr == r for r in self._args.voice_ranges) else "PSTN trunk"),
             opts=pulumi.ResourceOptions(parent=self))

    def _listen(self, nlb: aws.lb.LoadBalancer, service: Listen,
                certificate_arn: pulumi.Input[str]) -> aws.lb.TargetGroup:
        args, child = self._args, pulumi.ResourceOptions(parent=self)
        label = service.protocol.lower().replace("_", "-")  # target group names allow no "_"
        target = aws.lb.TargetGroup(
            f"{self._name}-tg-{label}", name=f"estate-{args.env}-sip-{label}", port=service.port,
            protocol=service.protocol, vpc_id=args.vpc_id, target_type="instance",
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

    def _fleet(self, label: str, size: Fleet, instance_type: str, group: aws.ec2.SecurityGroup, *,
               target_groups: list[pulumi.Output[str]],
               subnet_ids: list[pulumi.Input[str]]) -> aws.autoscaling.Group:
        args, child = self._args, pulumi.ResourceOptions(parent=self)
        template = aws.ec2.LaunchTemplate(
            f"{self._name}-{label}-lt", name=f"estate-{args.env}-{label}", image_id=args.ami_id,
            instance_type=instance_type, vpc_security_group_ids=[group.id],
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_tokens="required", http_endpoint="enabled", http_put_response_hop_limit=1),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda", ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    encrypted="true", volume_size=30, volume_type="gp3"))],
            tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(
                resource_type=kind, tags={**args.instance_tags, "environment": args.env, "estate:fleet": label})
                for kind in ("instance", "volume", "network-interface")],
            opts=child)
        return aws.autoscaling.Group(
            f"{self._name}-{label}-asg", name=f"estate-{args.env}-{label}",
            min_size=size.desired, max_size=size.maximum, desired_capacity=size.desired,
            vpc_zone_identifiers=subnet_ids, target_group_arns=target_groups,
            enabled_metrics=ASG_METRICS, metrics_granularity="1Minute",
            health_check_type="ELB" if target_groups else "EC2", health_check_grace_period=300,
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(id=template.id, version="$Latest"),
            tags=[aws.autoscaling.GroupTagArgs(key="tier", value=f"voice-{label}",
                                               propagate_at_launch=True)],
            opts=child)
