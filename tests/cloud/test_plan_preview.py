"""How `estate plan --detail` shows inputs: human units, sorted and indented keys, JSON
documents opened up, secrets masked whether the program marked them or their key names them."""

from __future__ import annotations

import json

import pytest
from pulumi.runtime import rpc

from estate.cloud.preview import MASK, duration, human, lines, masked, size


def secret(value: object) -> dict[str, object]:
    """A value the way the SDK hands a secret input to the mocks."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def test_alarm_threshold_in_bytes_reads_as_terabytes() -> None:
    alarm = {"metricName": "BucketSizeBytes", "threshold": 1141872599999998.5, "period": 86400.0}
    text = "\n".join(lines(alarm))
    assert "threshold: 1,141.9 TB" in text
    assert "period: 86,400 s (1 day)" in text
    assert "1141872599999998" not in text and "e+" not in text
    # the same number under a key that is not a size stays a number, with separators
    assert human("threshold", 1141872599999998.5, {"metricName": "GroupInServiceInstances"}) == \
        "1,141,872,599,999,998"


@pytest.mark.parametrize(("key", "value", "shown"), [
    ("evidentialRetentionDays", 2557.0, "2,557 days (7.0 years)"),
    ("deletionWindowInDays", 30.0, "30 days"),
    ("maxSessionDuration", 43200.0, "43,200 s (12 h)"),
    ("healthCheckGracePeriod", 300.0, "300 s (5 min)"),
    ("retentionPeriod", 168.0, "168 h (7 days)"),
    ("volumeSize", 30.0, "30 GiB"),
    ("fromPort", 5060.0, "5060"),
    ("amazonSideAsn", 64512.0, "64512"),
    ("maxEntries", 1_000_000.0, "1,000,000"),
    ("ratio", 0.25, "0.25"),
])
def test_units_by_key(key: str, value: float, shown: str) -> None:
    assert human(key, value) == shown


def test_sizes_and_durations() -> None:
    assert size(24_556_000_000_000) == "24.6 TB"
    assert size(2.2e9) == "2.2 GB"
    assert duration(86400 * 365) == "1 year"
    assert duration(90) == "90 s"


def test_keys_sorted_nested_indented_and_policies_opened() -> None:
    inputs = {"zeta": 1.0, "alpha": {"b": True, "a": None},
              "policy": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*"}]})}
    assert lines(inputs) == [
        "alpha:",
        "  a: null",
        "  b: true",
        "policy:",
        "  Statement:",
        "    - Action: s3:*",
        "      Effect: Deny",
        "  Version: 2012-10-17",
        "zeta: 1",
    ]


def test_secrets_masked_in_text_and_json() -> None:
    inputs = {"tunnel1PresharedKey": "hunter2-psk", "name": "vpn", "nested": {"value": secret("s3cr3t")},
              "masterPassword": "pa55", "tags": [secret("tag-secret")]}
    text = "\n".join(lines(inputs))
    document = json.dumps(masked(inputs))
    for leaked in ("hunter2-psk", "s3cr3t", "pa55", "tag-secret"):
        assert leaked not in text and leaked not in document
    assert text.count(MASK) == 4 and document.count(MASK) == 4
    assert "name: vpn" in text
