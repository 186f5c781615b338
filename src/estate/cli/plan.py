"""`estate plan`: the resources a stack declares and the policy verdicts, offline (no CLI, no AWS)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estate.cli.common import UserError, add_env
from estate.paths import PROJECT_ROOT

if TYPE_CHECKING:
    from estate.cloud.plan import Plan, PlanNode

EXIT_VIOLATION = 1


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan", help="offline plan of a cloud stack: resources, policy verdicts, counts",
        description="Runs the Pulumi program for the stack in-process under mocks: shows what it "
        "declares and the policy verdicts. Offline; `pulumi preview` is the real diff against AWS.",
    )
    add_env(parser)
    parser.add_argument(
        "--inventory", type=Path, default=None, metavar="DIR",
        help="the source of truth folder (default: the stack's estate:inventory, else network_configs/)",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=PROJECT_ROOT, metavar="DIR",
        help="the Pulumi project folder: its Pulumi.yaml and Pulumi.<env>.yaml (default: this project's)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # pulumi and the stack program load only here: other commands start fast
    from estate.cloud.plan import run_plan
    from estate.cloud.settings import SettingsError

    if args.inventory is not None and not args.inventory.is_dir():
        raise UserError(f"inventory folder {args.inventory} does not exist")
    try:
        plan = run_plan(args.env, project_dir=args.project_dir, inventory=args.inventory)
    except SettingsError as exc:
        raise UserError(str(exc)) from None
    sys.stdout.write(as_json(plan) if args.format == "json" else as_text(plan))
    return EXIT_VIOLATION if plan.mandatory_violations else 0


def _node_lines(node: PlanNode, depth: int) -> list[str]:
    from estate.cloud.plan import key_props

    r = node.resource
    props = " ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in key_props(r).items())
    lines = [f"{'  ' * depth}{r.name}  [{r.typ}]" + (f"  {props}" if props else "")]
    for child in node.children:
        lines += _node_lines(child, depth + 1)
    return lines


def as_text(plan: Plan) -> str:
    from estate.cloud.policy_rules import RULES

    totals, sizes = plan.inputs.sizes.capacity.totals, plan.inputs.sizes
    lines = [
        f"offline plan of stack {plan.env} (mocks; `pulumi preview` shows the real diff)",
        f"sized from {totals.sites} sites: {totals.channels} concurrent calls -> SBC {sizes.sbc.per_az}/AZ, "
        f"call control {sizes.call_control.per_az}/AZ over {sizes.sbc.az_count} AZs; "
        f"{totals.video_tb_per_day:.2f} TB/day footage, {totals.ingest_retained_tb:.1f} TB in ingest",
        "",
    ]
    for node in plan.tree():
        lines += _node_lines(node, 0)
    lines += ["", "policies:"]
    for rule in RULES:
        hits = [v for v in plan.violations if v.rule == rule.name]
        verdict = "pass" if not hits else f"FAIL ({len(hits)})"
        lines.append(f"  {rule.name:<30} {verdict:<10} {rule.description}")
        lines += [f"      - {v.message}" for v in hits]
    counts = plan.counts
    lines += ["", f"resources by type ({sum(counts.values())} in all):"]
    lines += [f"  {n:>4}  {typ}" for typ, n in counts.items()]
    return "\n".join(lines) + "\n"


def as_json(plan: Plan) -> str:
    from estate.cloud.plan import key_props
    from estate.cloud.policy_rules import RULES

    def node(n: PlanNode) -> dict[str, Any]:
        r = n.resource
        return {"type": r.typ, "name": r.name, "props": key_props(r),
                "children": [node(c) for c in n.children]}

    document = {
        "stack": plan.env,
        "offline": True,
        "resources": [node(n) for n in plan.tree()],
        "policies": [{"rule": rule.name, "mandatory": rule.mandatory,
                      "violations": [v.message for v in plan.violations if v.rule == rule.name]}
                     for rule in RULES],
        "counts": plan.counts,
    }
    return json.dumps(document, indent=2, default=str) + "\n"
