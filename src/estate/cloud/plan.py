"""The offline plan: run the stack program in-process under recording mocks and report what it
declares, with the policy verdicts. Nothing here talks to AWS or the Pulumi engine, so this is
what the program *asks for*; `pulumi preview` is the provider's real diff against the cloud.

Besides the resources, a plan carries what a reviewer needs before a first `pulumi up`: each
resource's protect / retain-on-delete options, the tiers (top-level components), placeholder
values still present in the settings, and a monthly cost estimate per tier (`estate.cloud.cost`).
It also keeps the stack outputs the program exports, so `estate plan --outputs FILE` writes what
`pulumi stack output --json --show-secrets` would, with what only AWS knows (tunnel outside
addresses, pre-shared keys) as documentation-range placeholders or absent, and says so."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as pulumi_settings

from estate.build.stack_outputs import OFFLINE_MARKER
from estate.cloud import placeholders, plan_usage
from estate.cloud.cost import CostEstimate, estimate, load_prices
from estate.cloud.mocks import PLACEHOLDER_OUTSIDE, Declared, EstateMocks, run_program
from estate.cloud.placeholders import Placeholder
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
class Options:
    """The resource options a reviewer must see: what `pulumi destroy` would not delete."""

    protect: bool = False
    retain_on_delete: bool = False

    @property
    def markers(self) -> tuple[str, ...]:
        return (("protected",) if self.protect else ()) + (("retained on delete",) if self.retain_on_delete else ())


class OptionsRecorder:
    """Notes each resource's protect and retain-on-delete as the SDK registers it. The mocks
    receive only inputs, so this wraps the monitor's registration call for the run."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], Options] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        monitor = pulumi_settings.get_monitor()
        if monitor is None:  # set_mocks has always set one by the time the program runs
            raise RuntimeError("no resource monitor: run the program under run_program")
        register: Callable[[Any], Any] = monitor.RegisterResource

        def recording(request: Any) -> Any:
            with self._lock:
                self.seen[(request.type, request.name)] = Options(bool(request.protect), bool(request.retainOnDelete))
            return register(request)

        monitor.RegisterResource = recording


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
    options: dict[tuple[str, str], Options] = field(default_factory=dict)
    placeholders: tuple[Placeholder, ...] = ()
    cost: CostEstimate | None = None
    outputs: dict[str, Any] = field(default_factory=dict)  # the stack outputs, as plain data

    def options_of(self, r: Declared) -> Options:
        return self.options.get((r.typ, r.name), Options())

    def tiers(self) -> list[PlanNode]:
        """The top-level components (connectivity, voice, evidence, contact centre...)."""
        return self.tree()

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
    options = OptionsRecorder()
    outputs: dict[str, Any] = {}

    def program() -> pulumi.Output[None]:
        options.install()
        define_stack(inputs)
        # the exports as the engine would store them: every Output resolved (the test runner
        # awaits what the program returns), secrets as their values
        root = pulumi_settings.get_root_resource()
        exported = dict(getattr(root, "outputs", {}))
        return pulumi.Output.from_input(exported).apply(outputs.update)

    monitor = run_program(recorder, source.project, env, config, program)
    resources = monitor.link()
    plan = Plan(env, inputs, tuple(resources), tuple(evaluate(as_policy_resources(resources))), options.seen)
    tier_of = tier_names(plan)
    found = _placeholders(source.path, env, inputs)
    facts = plan_usage.tier_facts(resources, tier_of, [n.resource.name for n in plan.tiers()])
    cost = estimate(facts, plan_usage.usage(resources, tier_of, facts, inputs), load_prices())
    return Plan(plan.env, inputs, plan.resources, plan.violations, options.seen,
                tuple(placeholders.with_users(found, resources)), cost, outputs)


def stack_outputs_json(plan: Plan) -> str:
    """The plan's stack outputs as `pulumi stack output --json --show-secrets` prints them, plus
    `offlinePlan` saying which values are placeholders."""
    note = (f"offline plan of stack {plan.env} under mocks: tunnel outsideAddress values are "
            f"documentation-range placeholders ({PLACEHOLDER_OUTSIDE}), not AWS endpoints; pre-shared "
            "keys are absent (AWS generates them); ids are mock ids")
    document = {OFFLINE_MARKER: note, **plan.outputs}
    return json.dumps(document, indent=2, sort_keys=True, default=str) + "\n"


def tier_names(plan: Plan) -> dict[str, str]:
    """Each resource's URN to the name of the tier (top-level component) it belongs to."""
    found: dict[str, str] = {}

    def walk(node: PlanNode, tier: str) -> None:
        found[node.resource.urn] = tier
        for child in node.children:
            walk(child, tier)

    for root in plan.tiers():
        walk(root, root.resource.name)
    return found


CONTACT_MODEL = "contact_centre/contact_centre.yaml"


def _placeholders(stack_file: Path, env: str, inputs: StackInputs) -> list[Placeholder]:
    root = inputs.inventory.root
    # named as inventory problems are: the stack file by name, inventory files within the inventory
    return [*placeholders.in_file(stack_file, stack_file.name),
            *placeholders.in_file(root / "estate.yaml", "estate.yaml", f"environments.{env}"),
            *placeholders.in_file(root / CONTACT_MODEL, CONTACT_MODEL, f"environments.{env}")]


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def key_props(r: Declared) -> dict[str, Any]:
    """The properties shown for a resource; the engine passes numbers as floats."""
    return {k: _whole(r.inputs[k]) for k in KEY_PROPS.get(r.typ, ()) if k in r.inputs}
