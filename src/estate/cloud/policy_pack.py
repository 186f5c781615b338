"""The rules of `estate.cloud.policy_rules` as pulumi-policy policies, for `policy/__main__.py`.
Building the policies starts nothing; only constructing the `PolicyPack` does."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from estate.cloud.policy_rules import RULES, PlanResource, ResourceCheck, Rule, StackCheck


def _resource(args: Any) -> PlanResource:
    # stack validation passes PolicyResources, which carry property dependencies; resource
    # validation args do not
    deps = getattr(args, "property_dependencies", None) or {}
    return PlanResource(args.resource_type, args.name, args.props, getattr(args, "urn", ""),
                        {key: [d.urn for d in found] for key, found in deps.items()})


def _resource_validation(check: ResourceCheck) -> Any:
    def validate(args: Any, report_violation: Any) -> None:
        for message in check(_resource(args)):
            report_violation(message)
    return validate


def _stack_validation(check: StackCheck) -> Any:
    def validate(args: Any, report_violation: Any) -> None:
        for urn, message in check([_resource(r) for r in args.resources]):
            report_violation(message, urn or None)
    return validate


def policy_for(rule: Rule) -> Any:
    level = EnforcementLevel.MANDATORY if rule.mandatory else EnforcementLevel.ADVISORY
    if rule.resource_check is not None:
        return ResourceValidationPolicy(name=rule.name, description=rule.description,
                                        validate=_resource_validation(rule.resource_check),
                                        enforcement_level=level)
    assert rule.stack_check is not None
    return StackValidationPolicy(name=rule.name, description=rule.description,
                                 validate=_stack_validation(rule.stack_check), enforcement_level=level)


def policies() -> list[Any]:
    return [policy_for(rule) for rule in RULES]
