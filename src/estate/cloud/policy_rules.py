"""The policy rules over a stack's resources, as plain functions: the pulumi-policy pack in
`policy/` wraps them, and `estate plan` and the tests call them directly (constructing a
`PolicyPack` starts a gRPC server and blocks, so nothing here does).

Rules read the engine's property names (camelCase), which is what both the policy analyzer and
the mocks see.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from estate.cloud.policy_base import (
    ANYWHERE,
    BUCKET,
    BUCKETS,
    CONNECT_INSTANCE,
    CONNECT_STORAGE,
    CONTACT_FLOW,
    ENCRYPTION,
    EVIDENTIAL_MEDIA,
    INGRESS_RULE,
    KMS_KEY,
    LEGACY_RULE,
    LOAD_BALANCERS,
    OBJECT_LOCK,
    PAB_FLAGS,
    PUBLIC_ACCESS_BLOCK,
    SECURITY_GROUP,
    SIP_RTP_PORTS,
    VERSIONING,
    PlanResource,
    ResourceCheck,
    Rule,
    StackCheck,
    Violation,
    is_evidential,
    side_cars,
)
from estate.cloud.policy_storage import (
    check_bucket_tls,
    check_ingest_expiry,
    check_key_policy,
    check_prefix_list,
    check_prod_lock,
    check_trail,
    too_wide,
)

# what other modules import from here, as before the base moved out
__all__ = ["BUCKET", "BUCKETS", "ENCRYPTION", "OBJECT_LOCK", "PUBLIC_ACCESS_BLOCK", "RULES", "VERSIONING",
           "PlanResource", "ResourceCheck", "Rule", "StackCheck", "Violation", "evaluate"]

def _covers_sip_or_rtp(protocol: str, first: Any, last: Any) -> bool:
    if str(protocol) in ("-1", "all"):
        return True
    if str(protocol).lower() not in ("udp", "tcp", "6", "17"):
        return False
    low, high = int(first or 0), int(last if last is not None else 65535)
    return any(low <= port_high and high >= port_low for port_low, port_high in SIP_RTP_PORTS)


def check_open_sip_rtp(r: PlanResource) -> list[str]:
    p = r.props
    openings: list[tuple[str, Any, Any, list[str]]] = []
    if r.typ == INGRESS_RULE:
        openings.append((p.get("ipProtocol", ""), p.get("fromPort"), p.get("toPort"),
                         [p.get("cidrIpv4") or "", p.get("cidrIpv6") or ""]))
    elif r.typ == LEGACY_RULE and p.get("type") == "ingress":
        openings.append((p.get("protocol", ""), p.get("fromPort"), p.get("toPort"),
                         [*(p.get("cidrBlocks") or []), *(p.get("ipv6CidrBlocks") or [])]))
    elif r.typ == SECURITY_GROUP:
        openings += [(i.get("protocol", ""), i.get("fromPort"), i.get("toPort"),
                      [*(i.get("cidrBlocks") or []), *(i.get("ipv6CidrBlocks") or [])])
                     for i in p.get("ingress") or []]
    return [f"admits SIP/RTP (protocol {proto}, ports {first}-{last}) from {cidr}"
            for proto, first, last, cidrs in openings for cidr in cidrs
            if (cidr in ANYWHERE or too_wide(cidr)) and _covers_sip_or_rtp(proto, first, last)]


def check_kms_rotation(r: PlanResource) -> list[str]:
    if r.typ == KMS_KEY and r.props.get("enableKeyRotation") is not True:
        return ["KMS key without automatic rotation (set enable_key_rotation=True)"]
    return []


def check_nlb_internal(r: PlanResource) -> list[str]:
    if r.typ in LOAD_BALANCERS and r.props.get("loadBalancerType") == "network" \
            and r.props.get("internal") is not True:
        return ["network load balancer is internet-facing (set internal=True)"]
    return []


def check_every_bucket(resources: list[PlanResource]) -> list[tuple[str, str]]:
    problems = []
    for bucket in (r for r in resources if r.typ in BUCKETS):
        blocks = side_cars(resources, PUBLIC_ACCESS_BLOCK, bucket)
        if not any(all(b.props.get(flag) is True for flag in PAB_FLAGS) for b in blocks):
            problems.append((bucket.urn, f"bucket {bucket.name} has no public access block with all four settings on"))
        rules = [rule for e in side_cars(resources, ENCRYPTION, bucket) for rule in e.props.get("rules") or []]
        if not any((rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") for rule in rules):
            problems.append((bucket.urn, f"bucket {bucket.name} has no default encryption"))
    return problems


def _evidential_problems(resources: list[PlanResource], bucket: PlanResource) -> list[str]:
    where = f"evidential bucket {bucket.name}"
    problems = []
    if not bucket.props.get("objectLockEnabled"):
        problems.append(f"{where} is created without Object Lock")
    locks = side_cars(resources, OBJECT_LOCK, bucket)
    retention = [((lock.props.get("rule") or {}).get("defaultRetention") or {}) for lock in locks]
    if not any(r.get("mode") in ("COMPLIANCE", "GOVERNANCE") and (r.get("days") or r.get("years"))
               for r in retention):
        problems.append(f"{where} has no default retention")
    versioned = [(v.props.get("versioningConfiguration") or {}).get("status")
                 for v in side_cars(resources, VERSIONING, bucket)]
    if "Enabled" not in versioned:
        problems.append(f"{where} is not versioned")
    rules = [rule for e in side_cars(resources, ENCRYPTION, bucket) for rule in e.props.get("rules") or []]
    if not any((rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") == "aws:kms"
               for rule in rules):
        problems.append(f"{where} is not encrypted with a KMS key by default")
    return problems


def check_evidential_buckets(resources: list[PlanResource]) -> list[tuple[str, str]]:
    return [(bucket.urn, message) for bucket in resources if bucket.typ in BUCKETS and is_evidential(bucket)
            for message in _evidential_problems(resources, bucket)]


def check_connect_saml(r: PlanResource) -> list[str]:
    if r.typ == CONNECT_INSTANCE and r.props.get("identityManagementType") != "SAML":
        return [f"Connect instance uses {r.props.get('identityManagementType')} identity, not SAML "
                "(users must sign in through the force's identity provider)"]
    return []


def _locked_buckets(resources: list[PlanResource]) -> list[PlanResource]:
    """Evidential buckets that pass every check of `check_evidential_buckets`."""
    return [r for r in resources if r.typ in BUCKETS and is_evidential(r) and not _evidential_problems(resources, r)]


def check_connect_recordings(resources: list[PlanResource]) -> list[tuple[str, str]]:
    """Call recordings and chat transcripts are evidence: KMS-encrypted, into a locked bucket."""
    problems: list[tuple[str, str]] = []
    locked = _locked_buckets(resources)
    stored: set[str] = set()
    for config in (r for r in resources if r.typ == CONNECT_STORAGE):
        kind = config.props.get("resourceType")
        if kind not in EVIDENTIAL_MEDIA:
            continue
        stored.add(str(kind))
        storage = config.props.get("storageConfig") or {}
        s3 = storage.get("s3Config") or {}
        encryption = s3.get("encryptionConfig") or {}
        where = f"{config.name}: {str(kind).lower().replace('_', ' ')}"
        if storage.get("storageType") != "S3":
            problems.append((config.urn, f"{where} are not stored in S3 (storage type {storage.get('storageType')})"))
            continue
        if encryption.get("encryptionType") != "KMS" or not encryption.get("keyId"):
            problems.append((config.urn, f"{where} are not encrypted with a KMS key"))
        deps = config.property_dependencies.get("storageConfig") or []
        name = s3.get("bucketName")
        if not any((b.urn and b.urn in deps) or (name and name in (b.props.get("bucket"), b.name)) for b in locked):
            problems.append((config.urn, f"{where} go to bucket {name}, which this stack does not declare "
                                         "Object-Locked, versioned and KMS-encrypted"))
    if any(r.typ == CONNECT_INSTANCE for r in resources) and "CALL_RECORDINGS" not in stored:
        problems.append(("", "a Connect instance has no CALL_RECORDINGS storage config (recordings must be kept "
                             "as evidence)"))
    return problems


def _flow_problems(content: dict[str, Any]) -> list[str]:
    actions = {a.get("Identifier"): a for a in content.get("Actions") or []}
    found = []
    if content.get("StartAction") not in actions:
        found.append(f"starts at {content.get('StartAction')!r}, which is not an action of the flow")
    for ident, action in actions.items():
        transitions = action.get("Transitions") or {}
        targets = [transitions.get("NextAction"), *(e.get("NextAction") for e in transitions.get("Errors") or []),
                   *(c.get("NextAction") for c in transitions.get("Conditions") or [])]
        found += [f"action {ident} leads to {t!r}, which is not an action of the flow"
                  for t in targets if t is not None and t not in actions]
        kind = action.get("Type")
        errors = {e.get("ErrorType") for e in transitions.get("Errors") or []}
        if kind == "TransferContactToQueue" and not {"QueueAtCapacity", "NoMatchingError"} <= errors:
            found.append(f"action {ident} has no fallback when the queue is at capacity or fails")
        if kind == "CheckHoursOfOperation":
            outcomes = {tuple((c.get("Condition") or {}).get("Operands") or [])
                        for c in transitions.get("Conditions") or []}
            if ("False",) not in outcomes:
                found.append(f"action {ident} has no branch for a closed queue")
    kinds = {a.get("Type") for a in actions.values()}
    if "TransferContactToQueue" in kinds and "CheckHoursOfOperation" not in kinds:
        found.append("transfers to a queue without checking its hours (no fallback when closed)")
    return found


def check_contact_flow_fallback(r: PlanResource) -> list[str]:
    if r.typ != CONTACT_FLOW or not isinstance(r.props.get("content"), str):
        return []  # content unknown during a preview: nothing to check yet
    try:
        content = json.loads(r.props["content"])
    except ValueError:
        return ["contact flow content is not JSON"]
    if not isinstance(content, dict):
        return ["contact flow content is not a flow-language object"]
    return _flow_problems(content)


RULES: tuple[Rule, ...] = (
    Rule("evidential-bucket-locked", "Evidential buckets are Object-Locked with a default retention, "
         "versioned and KMS-encrypted", stack_check=check_evidential_buckets),
    Rule("bucket-private-and-encrypted", "Every bucket has a full public access block and default "
         "encryption", stack_check=check_every_bucket),
    Rule("kms-rotation", "KMS keys rotate automatically", resource_check=check_kms_rotation),
    Rule("no-open-sip-rtp", "No ingress on SIP (5060-5061) or RTP (16384-32767) from 0.0.0.0/0, ::/0 or any "
         "range wider than a /8 (/16 for IPv6), such as two /1 halves", resource_check=check_open_sip_rtp),
    Rule("prefix-list-not-internet", "No managed prefix list entry wider than a /8 (/16 for IPv6)",
         resource_check=check_prefix_list),
    Rule("prod-evidence-compliance", "In prod, Object-Locked buckets use COMPLIANCE mode and keep objects at "
         "least six years (MoPI's shortest review period)", stack_check=check_prod_lock),
    Rule("bucket-tls-only", "Every bucket has a policy denying requests without TLS", stack_check=check_bucket_tls),
    Rule("ingest-expiry", "Ingest buckets expire every object (non-evidential footage is not kept)",
         stack_check=check_ingest_expiry),
    Rule("trail-multi-region", "Trails are multi-region, include global service events, validate log files and "
         "are KMS-encrypted", resource_check=check_trail),
    Rule("kms-key-policy", "KMS keys carry a policy denying deletion, disabling and policy changes (except to a "
         "break-glass role)", resource_check=check_key_policy),
    Rule("nlb-internal", "Network load balancers are internal", resource_check=check_nlb_internal),
    Rule("connect-saml", "Connect instances authenticate users through SAML", resource_check=check_connect_saml),
    Rule("connect-recordings-locked", "Call recordings and chat transcripts are KMS-encrypted and stored in an "
         "Object-Locked bucket", stack_check=check_connect_recordings),
    Rule("contact-flow-fallback", "Every contact flow that queues a call has a fallback when the queue is closed, "
         "at capacity or fails", resource_check=check_contact_flow_fallback),
)


def evaluate(resources: Iterable[PlanResource], rules: Iterable[Rule] = RULES) -> list[Violation]:
    """Every violation of every rule over a stack's resources."""
    listed = list(resources)
    found: list[Violation] = []
    for rule in rules:
        if rule.resource_check is not None:
            found += [Violation(rule.name, f"{r.name}: {m}", r.urn) for r in listed for m in rule.resource_check(r)]
        if rule.stack_check is not None:
            found += [Violation(rule.name, m, urn) for urn, m in rule.stack_check(listed)]
    return found
