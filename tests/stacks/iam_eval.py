"""Test support: a small evaluator of IAM policy documents, for the tests that must decide what
AWS would allow where moto cannot (moto denies every object call once a bucket-policy statement
has a Condition). No policy-evaluation library for Python was available to us, so this is ours,
kept to what the estate's policies use and tested on its own (`test_iam_eval.py`):

- statements with Effect, Action/NotAction, Resource, Principal (resource policies), Condition;
- operators StringEquals/NotEquals/Like/NotLike, ArnEquals/NotEquals/Like/NotLike, Bool, Null,
  each with the `IfExists` suffix; several keys or operators in one block must all hold, several
  values of one key are alternatives (for negated operators: none may match);
- `${aws:...}` policy variables in resources and condition values;
- same-account decision: an explicit Deny anywhere wins; else an Allow in the identity or the
  resource policy allows; else the request is implicitly denied.
Absent keys behave as AWS documents: a positive operator is false, a negated one true, `Null`
tests presence, `...IfExists` is true.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

Decision = Literal["allow", "explicit-deny", "implicit-deny"]
VARIABLE = re.compile(r"\$\{([^}]+)\}")


class UnresolvedError(LookupError):
    """A policy variable the request has no value for: the statement cannot match."""


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    principal_arn: str  # aws:PrincipalArn: a role's ARN for its sessions
    context: Mapping[str, str] = field(default_factory=dict)  # condition keys present in the request

    def value(self, key: str) -> str | None:
        if key == "aws:PrincipalArn":
            return self.principal_arn
        found = {k.lower(): v for k, v in self.context.items()}
        return found.get(key.lower())


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _substitute(text: str, request: Request) -> str:
    def replace(match: re.Match[str]) -> str:
        found = request.value(match.group(1))
        if found is None:
            raise UnresolvedError(match.group(1))
        return found
    return VARIABLE.sub(replace, text)


def _matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def _operator_holds(operator: str, key: str, expected: list[str], request: Request) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    present = request.value(key)
    if base == "Null":
        return (present is None) == (str(expected[0]).lower() == "true")
    negated = "Not" in base
    if present is None:
        return True if if_exists else negated
    wanted = [_substitute(str(e), request) for e in expected]
    if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        hit = present in wanted
    elif base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        hit = any(_matches(w, present) for w in wanted)
    elif base == "Bool":
        hit = present.lower() in [w.lower() for w in wanted]
    else:
        raise NotImplementedError(f"condition operator {operator} is not supported by this evaluator")
    return not hit if negated else hit


def conditions_hold(condition: Mapping[str, Mapping[str, Any]], request: Request) -> bool:
    return all(_operator_holds(operator, key, [str(v) for v in _listed(values)], request)
               for operator, keys in condition.items() for key, values in keys.items())


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    account = request.principal_arn.split(":")[4] if request.principal_arn.count(":") >= 5 else ""
    for arn in _listed((principal or {}).get("AWS", [])):
        # the account root names every principal of the account (KMS and S3 delegation)
        if arn in ("*", request.principal_arn, f"arn:aws:iam::{account}:root", account):
            return True
    return False


def statement_applies(statement: Mapping[str, Any], request: Request, resource_policy: bool) -> bool:
    try:
        if resource_policy and not _principal_matches(statement.get("Principal"), request):
            return False
        if "Action" in statement:
            if not any(_matches(a, request.action, ignore_case=True) for a in _listed(statement["Action"])):
                return False
        elif any(_matches(a, request.action, ignore_case=True) for a in _listed(statement.get("NotAction", []))):
            return False
        resources = [_substitute(r, request) for r in _listed(statement.get("Resource", "*"))]
        if not any(_matches(r, request.resource) for r in resources):
            return False
        return conditions_hold(statement.get("Condition") or {}, request)
    except UnresolvedError:
        return False


def _effects(policy: Mapping[str, Any] | None, request: Request, resource_policy: bool) -> list[tuple[str, str]]:
    statements = _listed((policy or {}).get("Statement", []))
    return [(s["Effect"], s.get("Sid", "")) for s in statements if statement_applies(s, request, resource_policy)]


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    because: str = ""  # the Sid of the deciding statement


def evaluate(request: Request, identity: Sequence[Mapping[str, Any]], resource: Mapping[str, Any] | None,
             both_must_allow: bool = False) -> Verdict:
    """Same-account evaluation; `both_must_allow` for KMS, whose key policy must allow too."""
    from_identity = [e for policy in identity for e in _effects(policy, request, resource_policy=False)]
    from_resource = _effects(resource, request, resource_policy=True)
    denied = [sid for effect, sid in from_identity + from_resource if effect == "Deny"]
    if denied:
        return Verdict("explicit-deny", denied[0])
    identity_allows = any(effect == "Allow" for effect, _ in from_identity)
    resource_allows = any(effect == "Allow" for effect, _ in from_resource)
    allowed = identity_allows and resource_allows if both_must_allow else identity_allows or resource_allows
    return Verdict("allow") if allowed else Verdict("implicit-deny")
