"""Policy checks on evidence, keys, trails and address lists: the gaps an audit found (GOVERNANCE
or a one-day retention in prod, a bucket without a TLS-only policy, an ingest bucket that never
expires, a single-region or unvalidated trail, a KMS key anyone can schedule for deletion, a
prefix list or rule that admits the whole internet, including as two /1 halves)."""

from __future__ import annotations

import json
from ipaddress import ip_network
from typing import Any

from estate.cloud.policy_base import BUCKETS, OBJECT_LOCK, PlanResource, is_evidential, side_cars, stack_of

BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
TRAIL = "aws:cloudtrail/trail:Trail"
KMS_KEY = "aws:kms/key:Key"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
PROD = "prod"
# MoPI's shortest review period for retained police information (group 3): six years
MIN_PROD_RETENTION_DAYS = 6 * 365
KEY_DESTRUCTION = {"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"}
# wider than this is "the internet" for a source address (0.0.0.0/0, or the /1 halves)
WIDEST = {4: 8, 6: 16}


def too_wide(cidr: Any) -> bool:
    try:
        network = ip_network(str(cidr), strict=False)
    except ValueError:
        return False
    return network.prefixlen < WIDEST[network.version]


def _statements(document: Any) -> list[dict[str, Any]] | None:
    """A policy's statements; None while the document is unknown (a preview)."""
    if not isinstance(document, str):
        return None
    try:
        parsed = json.loads(document)
    except ValueError:
        return []
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    return statements if isinstance(statements, list) else [statements]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _denies_plain_http(statement: dict[str, Any]) -> bool:
    condition = (statement.get("Condition") or {}).get("Bool") or {}
    actions = set(_listed(statement.get("Action", [])))
    return statement.get("Effect") == "Deny" and str(condition.get("aws:SecureTransport")).lower() == "false" \
        and bool(actions & {"s3:*", "*"})


def check_bucket_tls(resources: list[PlanResource]) -> list[tuple[str, str]]:
    problems = []
    for bucket in (r for r in resources if r.typ in BUCKETS):
        documents = [_statements(p.props.get("policy")) for p in side_cars(resources, BUCKET_POLICY, bucket)]
        if any(d is None for d in documents):
            continue  # not known until the apply: the real preview checks it
        if not any(_denies_plain_http(s) for d in documents for s in d or []):
            problems.append((bucket.urn, f"bucket {bucket.name} has no policy denying requests without TLS "
                                         "(aws:SecureTransport false)"))
    return problems


def _retention_days(lock: PlanResource) -> int:
    retention = ((lock.props.get("rule") or {}).get("defaultRetention") or {})
    return int(retention.get("days") or 0) + 365 * int(retention.get("years") or 0)


def check_prod_lock(resources: list[PlanResource]) -> list[tuple[str, str]]:
    """In prod, locked buckets are COMPLIANCE (nobody, root included, can shorten or lift it) and
    keep their objects at least MoPI's shortest review period."""
    problems = []
    for bucket in (r for r in resources if r.typ in BUCKETS and is_evidential(r) and stack_of(r.urn) == PROD):
        for lock in side_cars(resources, OBJECT_LOCK, bucket):
            mode = ((lock.props.get("rule") or {}).get("defaultRetention") or {}).get("mode")
            if mode != "COMPLIANCE":
                problems.append((lock.urn or bucket.urn, f"bucket {bucket.name} is locked in {mode} mode in prod "
                                                         "(COMPLIANCE required)"))
            days = _retention_days(lock)
            if days < MIN_PROD_RETENTION_DAYS:
                problems.append((lock.urn or bucket.urn, f"bucket {bucket.name} keeps objects {days} days in prod, "
                                                         f"under the minimum {MIN_PROD_RETENTION_DAYS}"))
    return problems


def _expires_everything(rule: dict[str, Any]) -> bool:
    whole = (rule.get("filter") or {}).get("prefix", "") in ("", None) and not (rule.get("filter") or {}).get("and")
    return rule.get("status") == "Enabled" and whole and bool((rule.get("expiration") or {}).get("days"))


def check_ingest_expiry(resources: list[PlanResource]) -> list[tuple[str, str]]:
    problems = []
    for bucket in (r for r in resources if r.typ in BUCKETS and "ingest" in str(r.props.get("bucket", r.name))):
        rules = [rule for c in side_cars(resources, LIFECYCLE, bucket) for rule in c.props.get("rules") or []]
        if not any(_expires_everything(rule) for rule in rules):
            problems.append((bucket.urn, f"ingest bucket {bucket.name} has no enabled rule expiring every object "
                                         "(non-evidential footage must not be kept)"))
    return problems


def check_trail(r: PlanResource) -> list[str]:
    if r.typ != TRAIL:
        return []
    wanted = {"isMultiRegionTrail": "multi-region (IAM and STS events are recorded in us-east-1)",
              "enableLogFileValidation": "with log file validation", "includeGlobalServiceEvents":
              "with global service events"}
    found = [f"trail is not {why}" for prop, why in wanted.items() if r.props.get(prop) is not True]
    if not r.props.get("kmsKeyId"):
        found.append("trail logs are not encrypted with a KMS key")
    return found


def check_key_policy(r: PlanResource) -> list[str]:
    if r.typ != KMS_KEY:
        return []
    statements = _statements(r.props.get("policy"))
    if statements is None and "policy" in r.props:
        return []  # unknown during a preview
    denied = {a for s in statements or [] if s.get("Effect") == "Deny" for a in _listed(s.get("Action", []))}
    if "kms:*" in denied or denied >= KEY_DESTRUCTION:
        return []
    return [f"KMS key policy does not deny {', '.join(sorted(KEY_DESTRUCTION - denied))} (only a break-glass "
            "role may destroy the key or change its policy)"]


def check_prefix_list(r: PlanResource) -> list[str]:
    if r.typ == PREFIX_LIST:
        cidrs = [e.get("cidr") for e in r.props.get("entries") or []]
    elif r.typ == PREFIX_LIST_ENTRY:
        cidrs = [r.props.get("cidr")]
    else:
        return []
    return [f"prefix list entry {c} admits (a large part of) the internet" for c in cidrs if too_wide(c)]
