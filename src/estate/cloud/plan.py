"""The offline plan: run the stack program in-process under recording mocks and report what it
declares, with the policy verdicts. Nothing here talks to AWS or the Pulumi engine, so this is
what the program *asks for*; `pulumi preview` is the provider's real diff against the cloud."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estate.cloud.mocks import Declared, EstateMocks, run_program
from estate.cloud.policy_rules import RULES, PlanResource, Violation, evaluate
from estate.cloud.program import StackInputs, define_stack, prepare
from estate.cloud.settings import load_stack_file
from estate.paths import PROJECT_ROOT

# the properties worth showing per type in the tree (engine names)
KEY_PROPS: dict[str, tuple[str, ...]] = {
    "aws:ec2/vpc:Vpc": ("cidrBlock",),
    "aws:ec2/subnet:Subnet": ("cidrBlock", "availabilityZone"),
    "aws:ec2/route:Route": ("destinationCidrBlock",),
    "aws:ec2transitgateway/transitGateway:TransitGateway": ("amazonSideAsn",),
    "aws:ec2/customerGateway:CustomerGateway": ("ipAddress", "bgpAsn"),
    "aws:ec2/managedPrefixList:ManagedPrefixList": ("maxEntries",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("ipProtocol", "fromPort", "toPort"),
    "aws:autoscaling/group:Group": ("minSize", "desiredCapacity", "maxSize"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("instanceType",),
    "aws:lb/loadBalancer:LoadBalancer": ("loadBalancerType", "internal"),
    "aws:lb/listener:Listener": ("protocol", "port"),
    "aws:route53/record:Record": ("name", "type", "records"),
    "aws:s3/bucket:Bucket": ("bucket", "objectLockEnabled"),
    "aws:kms/key:Key": ("enableKeyRotation", "deletionWindowInDays"),
    "aws:chime/voiceConnector:VoiceConnector": ("requireEncryption", "awsRegion"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "threshold"),
}


@dataclass(frozen=True)
class PlanNode:
    resource: Declared
    children: tuple[PlanNode, ...]


@dataclass(frozen=True)
class Plan:
    env: str
    inputs: StackInputs
    resources: tuple[Declared, ...]
    violations: tuple[Violation, ...]

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r.typ for r in self.resources if r.custom).items()))

    @property
    def mandatory_violations(self) -> tuple[Violation, ...]:
        mandatory = {rule.name for rule in RULES if rule.mandatory}
        return tuple(v for v in self.violations if v.rule in mandatory)

    def tree(self) -> list[PlanNode]:
        by_parent: dict[str, list[Declared]] = {}
        for r in self.resources:
            by_parent.setdefault(r.parent, []).append(r)

        def node(r: Declared) -> PlanNode:
            kids = sorted(by_parent.get(r.urn, []), key=lambda c: (c.custom, c.typ, c.name))
            return PlanNode(r, tuple(node(k) for k in kids))

        urns = {r.urn for r in self.resources}
        roots = [r for r in self.resources if r.parent not in urns]
        return [node(r) for r in sorted(roots, key=lambda r: (r.custom, r.name))]


def as_policy_resources(resources: list[Declared]) -> list[PlanResource]:
    return [PlanResource(r.typ, r.name, r.inputs, r.urn, r.property_dependencies)
            for r in resources if r.custom]


def run_plan(
    env: str, project_dir: Path = PROJECT_ROOT, mocks: EstateMocks | None = None, inventory: Path | None = None
) -> Plan:
    """Declare the stack `env` of the project in `project_dir` (its `Pulumi.yaml` and
    `Pulumi.<env>.yaml`) under mocks (recording ones unless given) and check the policies;
    `inventory` stands in for the stack's `estate:inventory` setting."""
    source = load_stack_file(project_dir, env)
    config = dict(source.values)
    if inventory is not None:
        config["estate:inventory"] = str(inventory.resolve())
    inputs = prepare(env, config, project_dir, source)
    recorder = mocks or EstateMocks(account=inputs.inventory.environment(env).aws_account)
    monitor = run_program(recorder, source.project, env, config, lambda: define_stack(inputs))
    resources = monitor.link()
    return Plan(env, inputs, tuple(resources), tuple(evaluate(as_policy_resources(resources))))


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def key_props(r: Declared) -> dict[str, Any]:
    """The properties shown for a resource; the engine passes numbers as floats."""
    return {k: _whole(r.inputs[k]) for k in KEY_PROPS.get(r.typ, ()) if k in r.inputs}
