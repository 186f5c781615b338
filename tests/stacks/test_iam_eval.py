"""The policy evaluator the evidence tests rely on, checked against AWS's documented semantics for
each operator and case it supports."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks.iam_eval import Request, conditions_hold, evaluate

ROLE = "arn:aws:iam::111111111111:role/dock"
KEY = "s3:x-amz-server-side-encryption"


def holds(condition: dict[str, Any], context: dict[str, str]) -> bool:
    return conditions_hold(condition, Request("s3:PutObject", "arn:aws:s3:::b/k", ROLE, context))


@pytest.mark.parametrize(("condition", "context", "expected"), [
    ({"StringEquals": {KEY: "aws:kms"}}, {KEY: "aws:kms"}, True),
    ({"StringEquals": {KEY: "aws:kms"}}, {}, False),  # a positive operator on an absent key
    ({"StringNotEquals": {KEY: "aws:kms"}}, {}, True),  # a negated one is true: the multipart trap
    ({"StringNotEquals": {KEY: "aws:kms"}}, {KEY: "AES256"}, True),
    ({"StringNotEquals": {KEY: ["aws:kms", "aws:kms:dsse"]}}, {KEY: "aws:kms:dsse"}, False),
    ({"StringNotEqualsIfExists": {KEY: "aws:kms"}}, {}, True),
    ({"StringEqualsIfExists": {KEY: "aws:kms"}}, {}, True),
    ({"Null": {KEY: "false"}}, {}, False),
    ({"Null": {KEY: "false"}}, {KEY: "AES256"}, True),
    ({"Null": {KEY: "true"}}, {}, True),
    ({"StringNotEquals": {KEY: "aws:kms"}, "Null": {KEY: "false"}}, {}, False),  # both must hold
    ({"StringNotEquals": {KEY: "aws:kms"}, "Null": {KEY: "false"}}, {KEY: "AES256"}, True),
    ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "FALSE"}, True),
    ({"Bool": {"aws:SecureTransport": "false"}}, {}, False),
    ({"StringLike": {"s3:prefix": "MPS-*/cam-?"}}, {"s3:prefix": "MPS-0004/cam-1"}, True),
    ({"StringNotLike": {"s3:prefix": "MPS-*"}}, {"s3:prefix": "OTHER"}, True),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/do*"}}, {}, True),
    ({"ArnNotLike": {"aws:PrincipalArn": [ROLE, "arn:aws:iam::1:role/x"]}}, {}, False),
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::b"}}, {"aws:SourceArn": "arn:aws:s3:::b"}, True),
    ({"StringEquals": {"s3:x": "${aws:PrincipalTag/site}"}}, {"s3:x": "A", "aws:PrincipalTag/site": "A"}, True),
])
def test_operators(condition: dict[str, Any], context: dict[str, str], expected: bool) -> None:
    assert holds(condition, context) is expected


def test_unknown_operator_is_refused_not_guessed() -> None:
    with pytest.raises(NotImplementedError, match="NumericLessThan"):
        holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"})


ALLOW_OWN_PREFIX = {"Statement": [{"Effect": "Allow", "Action": "s3:Put*",
                                   "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/site}/*"}]}


@pytest.mark.parametrize(("resource", "tags", "expected"), [
    ("arn:aws:s3:::b/MPS-0004/x", {"aws:PrincipalTag/site": "MPS-0004"}, "allow"),
    ("arn:aws:s3:::b/MPS-0005/x", {"aws:PrincipalTag/site": "MPS-0004"}, "implicit-deny"),
    ("arn:aws:s3:::b/MPS-0004/x", {}, "implicit-deny"),  # an unresolved variable matches nothing
])
def test_policy_variables_in_resources(resource: str, tags: dict[str, str], expected: str) -> None:
    assert evaluate(Request("s3:PutObject", resource, ROLE, tags), [ALLOW_OWN_PREFIX], None).decision == expected


def test_explicit_deny_wins_and_either_policy_allows_in_one_account() -> None:
    request = Request("s3:PutObject", "arn:aws:s3:::b/k", ROLE, {"aws:SecureTransport": "false"})
    deny_http = {"Statement": [{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                "Resource": "arn:aws:s3:::b/*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    allow_all = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert evaluate(request, [allow_all], deny_http).because == "TlsOnly"
    bucket_allows = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:PutObject",
                                    "Resource": "arn:aws:s3:::b/*"}]}
    assert evaluate(request, [], bucket_allows).decision == "allow"
    other = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/x"},
                            "Action": "s3:PutObject", "Resource": "*"}]}
    assert evaluate(request, [], other).decision == "implicit-deny"


def test_kms_needs_the_key_policy_and_iam() -> None:
    request = Request("kms:Decrypt", "arn:aws:kms:eu-west-2:111111111111:key/k", ROLE)
    key_policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                                 "Action": "kms:*", "Resource": "*"}]}
    grants = {"Statement": [{"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}]}
    assert evaluate(request, [grants], key_policy, both_must_allow=True).decision == "allow"
    assert evaluate(request, [], key_policy, both_must_allow=True).decision == "implicit-deny"
    no_decrypt = {"Statement": [{"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": "*"}]}
    assert evaluate(request, [no_decrypt], key_policy, both_must_allow=True).decision == "implicit-deny"


def test_not_action() -> None:
    everything_but_delete = {"Statement": [{"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"}]}
    assert evaluate(Request("s3:GetObject", "x", ROLE), [everything_but_delete], None).decision == "allow"
    assert evaluate(Request("s3:DeleteObject", "x", ROLE), [everything_but_delete], None).decision == "implicit-deny"
