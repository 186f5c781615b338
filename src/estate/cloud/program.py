"""The stack program: settings from the stack config, sizes from the inventory, one component
per tier, and the outputs operators need. `stacks/__main__.py`, `estate plan` and the tests all
run this same function."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from estate.build.capacity import plan_capacity
from estate.build.validate import load_inventory
from estate.cloud.connectivity import Connectivity, ConnectivityArgs, CrossAccountDx
from estate.cloud.contact_centre import EvidenceTarget, declare_contact_centre
from estate.cloud.evidence import EvidenceArgs, EvidenceStore
from estate.cloud.settings import (
    SettingsError,
    StackFile,
    StackSettings,
    check_against_inventory,
    load_stack_file,
    parse_settings,
)
from estate.cloud.sizes import StackSizes, stack_sizes
from estate.cloud.voice import VoiceArgs, VoiceTier
from estate.contact.load import has_contact_centre
from estate.inventory.inventory import Inventory
from estate.paths import PROJECT_ROOT


@dataclass(frozen=True)
class StackInputs:
    settings: StackSettings
    inventory: Inventory
    sizes: StackSizes
    # `aws:defaultTags` reach what the provider creates, not what an Auto Scaling group
    # launches: instances, volumes and interfaces get them through their launch templates
    default_tags: dict[str, str] = field(default_factory=dict)


def config_values() -> dict[str, str]:
    """Every config value the engine passed, so an unknown `estate:` key can be refused."""
    return {**get_config_env(), **CONFIG.get()}


def prepare(
    stack: str, values: dict[str, str], project_dir: Path = PROJECT_ROOT, source: StackFile | None = None
) -> StackInputs:
    """Parse and cross-check the settings and size the tiers; no resource is declared here.
    `source` is the stack file the values came from, so that problems name their line."""
    try:
        settings = parse_settings(stack, values)
        inventory = load_inventory(settings.inventory_path(project_dir))
        check_against_inventory(settings, inventory)
    except SettingsError as exc:
        raise exc.located(source) from None
    report = plan_capacity(inventory, stack, settings.capacity())
    sizes = stack_sizes(inventory, stack, report, az_count=settings.network.az_count,
                        channels_per_sbc=settings.voice.channels_per_sbc,
                        calls_per_call_control=settings.voice.calls_per_call_control)
    return StackInputs(settings, inventory, sizes, default_tags(values))


def default_tags(values: dict[str, str]) -> dict[str, str]:
    """The stack's `aws:defaultTags` tags (the CLI passes structured config as JSON text)."""
    try:
        tags = json.loads(values.get("aws:defaultTags", "{}")).get("tags", {})
    except (ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {}


def cross_account_dx(settings: StackSettings) -> CrossAccountDx | None:
    gateway, owner = settings.network.direct_connect_gateway_id, settings.network_account
    if gateway is None or owner is None:  # settings refuse a gateway without its owner
        return None
    return CrossAccountDx(gateway_id=gateway, owner_account_id=owner.account_id, role_arn=owner.role_arn)


def define_stack(inputs: StackInputs) -> None:
    settings, inventory, sizes = inputs.settings, inputs.inventory, inputs.sizes
    env = settings.stack
    environment = inventory.environment(env)
    net, voice = settings.network, settings.voice
    connectivity = Connectivity(f"{env}-connectivity", ConnectivityArgs(
        env=env, account_id=environment.aws_account, vpc_cidr=net.vpc_cidr, azs=net.azs,
        transit_gateway_asn=net.transit_gateway_asn, site_supernet=environment.supernet,
        voice_supernet=environment.voice_supernet, site_resolvers=list(inventory.estate.services.dns_servers),
        vpn_hubs=net.vpn_hubs, direct_connect=cross_account_dx(settings),
        flow_log_retention_days=settings.evidence.audit_retention_days))
    ports = inventory.estate.voice
    tier = VoiceTier(f"{env}-voice", VoiceArgs(
        env=env, vpc_id=connectivity.vpc_id, vpc_cidr=str(net.vpc_cidr),
        subnet_ids=list(connectivity.subnet_ids), public_subnet_ids=list(connectivity.public_subnet_ids),
        voice_ranges=sizes.voice_ranges, voice_subnets=sizes.voice_subnets,
        concurrent_calls=sizes.capacity.totals.channels,
        sip_domain=ports.sip_domain, sip_subdomain=voice.sip_subdomain,
        sip_port=ports.sip_ports.udp_tcp, sips_port=ports.sip_ports.tls,
        rtp_first=ports.rtp_ports.first, rtp_last=ports.rtp_ports.last,
        sbc=sizes.sbc, call_control=sizes.call_control,
        sbc_instance_type=voice.sbc_instance_type,
        call_control_instance_type=voice.call_control_instance_type,
        ami_id=voice.ami_id, private_ca_arn=voice.private_ca_arn, instance_tags=inputs.default_tags))
    store = EvidenceStore(f"{env}-evidence", EvidenceArgs(
        env=env, account_id=environment.aws_account, settings=settings.evidence,
        private_ca_arn=voice.private_ca_arn, ingest_retained_bytes=sizes.ingest_retained_bytes,
        s3_endpoint_id=connectivity.s3_endpoint_id, region=environment.region))
    totals = sizes.capacity.totals
    pulumi.export("transitGatewayId", connectivity.transit_gateway_id)
    # per WAN hub, what its router needs: `estate render --stack-outputs` reads this back
    pulumi.export("wanHubs", connectivity.wan_hubs)
    pulumi.export("vpcId", connectivity.vpc_id)
    pulumi.export("sipFqdn", f"{voice.sip_subdomain}.{ports.sip_domain}")
    pulumi.export("nlbDnsName", tier.nlb_dns_name)
    pulumi.export("voiceConnectorHost", tier.voice_connector_host)
    pulumi.export("s3EndpointId", connectivity.s3_endpoint_id)
    pulumi.export("resolverInboundEndpointId", connectivity.resolver_endpoint_id)
    pulumi.export("ingestBucket", store.ingest_bucket)
    pulumi.export("evidentialBucket", store.evidential_bucket)
    if has_contact_centre(inventory.root):
        centre = declare_contact_centre(env, inventory, EvidenceTarget(
            bucket=store.evidential_bucket, kms_key_arn=store.evidential_key_arn),
            break_glass_role=settings.evidence.break_glass_role_name)
        pulumi.export("contactCentre", {"instanceArn": centre.instance_arn, "ctrStreamArn": centre.ctr_stream_arn,
                                        "agentEventStreamArn": centre.agent_event_stream_arn,
                                        "wfmBucket": centre.wfm.bucket, "wfmPrefix": centre.wfm.prefix})
    pulumi.export("sizing", {
        "sites": totals.sites, "concurrentCalls": totals.channels,
        "sbcPerAz": sizes.sbc.per_az, "callControlPerAz": sizes.call_control.per_az,
        "videoTbPerDay": round(totals.video_tb_per_day, 2),
        "ingestRetainedTb": round(totals.ingest_retained_tb, 1),
        "ingestGbpsInWindow": round(totals.ingest_gbps_in_window, 2),
    })


def main(project_dir: Path = PROJECT_ROOT) -> None:
    """What `stacks/__main__.py` runs under the Pulumi engine (or the mocks). The engine hands
    over the values; the stack file, when there is one, is read too, to refuse duplicate keys
    (which the values no longer show) and to name lines."""
    stack = pulumi.get_stack()
    source = load_stack_file(project_dir, stack) if (project_dir / f"Pulumi.{stack}.yaml").is_file() else None
    define_stack(prepare(stack, config_values(), project_dir, source))
