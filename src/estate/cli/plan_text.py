"""How `estate plan` prints a plan: a summary per tier (or every input with `--detail`), the
placeholders still to replace, the monthly cost estimate with its assumptions and prices, the
policy verdicts and the counts; or all of it as JSON. Loaded only by `estate plan` (it needs
pulumi)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from estate.cloud.cost import CostEstimate, TierCost
from estate.cloud.plan import Plan, PlanNode, key_props
from estate.cloud.policy_rules import RULES
from estate.cloud.preview import lines as input_lines
from estate.cloud.preview import masked

USED_BY_SHOWN = 6  # an account id is in most ARNs: name a few users, count the rest


def _rate(rate: float) -> str:
    return f"${rate:,.7f}".rstrip("0").rstrip(".")


def _money(amount: float) -> str:
    return f"${amount:,.2f}"


def _quantity(n: float) -> str:
    return f"{n:,.0f}" if n >= 100 or float(n).is_integer() else f"{n:,.2f}"


def _resources(node: PlanNode) -> list[PlanNode]:
    return [node, *(d for c in node.children for d in _resources(c))]


def _markers(plan: Plan, node: PlanNode) -> str:
    return "".join(f"  [{m}]" for m in plan.options_of(node.resource).markers)


def _tier_summary(plan: Plan, tier: PlanNode) -> list[str]:
    custom = [n for n in _resources(tier) if n.resource.custom]
    counts = Counter(n.resource.typ for n in custom)
    marked = [n for n in custom if plan.options_of(n.resource).markers]
    head = f"  {tier.resource.name}  [{tier.resource.typ}]  {len(custom)} resources"
    protected = sum(plan.options_of(n.resource).protect for n in custom)
    retained = sum(plan.options_of(n.resource).retain_on_delete for n in custom)
    head += f", {protected} protected, {retained} retained on delete" if marked else ""
    out = [head + _markers(plan, tier)]
    out += [f"  + {n:>4}  {typ}" for typ, n in sorted(counts.items())]
    out += [f"    {n.resource.name}{_markers(plan, n)}" for n in marked]
    return out


def _detail(plan: Plan, node: PlanNode, depth: int) -> list[str]:
    r, pad = node.resource, "  " * depth
    out = [f"{pad}{'+ ' if r.custom else ''}{r.name}  [{r.typ}]{_markers(plan, node)}"]
    if r.custom:
        out += input_lines(r.inputs, depth=depth + 2) if r.inputs else [f"{pad}    (no inputs)"]
    for child in node.children:
        out += _detail(plan, child, depth + 1)
    return out


def _cost_tier(tier: TierCost) -> list[str]:
    out = [f"  {tier.tier:<40} {_money(tier.total):>16}"]
    out += [f"      {_money(line.amount):>14}  {line.item}: {_quantity(line.quantity)} {line.unit} x "
            f"{_rate(line.rate)} ({line.price_key})" for line in sorted(tier.lines, key=lambda li: -li.amount)]
    out += [f"      assumes: {text}" for text in tier.assumptions]
    out += [f"      not priced: {text}" for text in tier.not_priced]
    return out


def _cost(cost: CostEstimate) -> list[str]:
    out = [f"monthly cost estimate ({cost.currency}, {cost.region} public list prices, on demand, steady state):"]
    for tier in cost.tiers:
        out += _cost_tier(tier)
    out += [f"  {'total':<40} {_money(cost.total):>16}", "", "  prices used (src/estate/cloud/prices.yaml):"]
    out += [f"    {key}: {price.what}; {price.source} read {price.read.isoformat()} ({price.checked})"
            for key, price in cost.used_prices().items()]
    return out


def as_text(plan: Plan, detail: bool = False) -> str:
    totals, sizes = plan.inputs.sizes.capacity.totals, plan.inputs.sizes
    out = [
        f"offline plan of stack {plan.env} (mocks; `pulumi preview` shows the real diff)",
        f"sized from {totals.sites:,} sites: {totals.channels:,} concurrent calls -> SBC {sizes.sbc.per_az}/AZ, "
        f"call control {sizes.call_control.per_az}/AZ over {sizes.sbc.az_count} AZs; "
        f"{totals.video_tb_per_day:,.2f} TB/day footage, {totals.ingest_retained_tb:,.1f} TB in ingest",
        # pulumi preview's marks; offline there is no stack state, so every resource is a create
        "+ create (from no state)   [protected] pulumi refuses to delete it   [retained] destroy leaves it in AWS",
        "",
    ]
    if detail:
        for tier in plan.tiers():
            out += [*_detail(plan, tier, 0), ""]
    else:
        out.append("tiers (--detail shows every input):")
        for tier in plan.tiers():
            out += _tier_summary(plan, tier)
        out.append("")
    if plan.placeholders:
        out.append(f"placeholders still present ({len(plan.placeholders)}): replace them before the first `pulumi up`")
        for p in plan.placeholders:
            out.append(f"  WARNING {p.render()}")
            if p.used_by:
                more = f" and {len(p.used_by) - USED_BY_SHOWN} more" if len(p.used_by) > USED_BY_SHOWN else ""
                out.append(f"      used by: {', '.join(p.used_by[:USED_BY_SHOWN])}{more}")
        out.append("")
    if plan.cost is not None:
        out += [*_cost(plan.cost), ""]
    out.append("policies:")
    for rule in RULES:
        hits = [v for v in plan.violations if v.rule == rule.name]
        verdict = "pass" if not hits else f"FAIL ({len(hits)})"
        out.append(f"  {rule.name:<30} {verdict:<10} {rule.description}")
        out += [f"      - {v.message}" for v in hits]
    counts = plan.counts
    out += ["", f"resources by type ({sum(counts.values())} in all):"]
    out += [f"  {n:>4}  {typ}" for typ, n in counts.items()]
    return "\n".join(out) + "\n"


def _cost_json(cost: CostEstimate) -> dict[str, Any]:
    return {
        "currency": cost.currency, "region": cost.region, "total": round(cost.total, 2),
        "tiers": [{"tier": t.tier, "total": round(t.total, 2), "assumptions": list(t.assumptions),
                   "notPriced": list(t.not_priced),
                   "lines": [{"item": li.item, "quantity": li.quantity, "unit": li.unit, "price": li.price_key,
                              "rate": li.rate, "amount": round(li.amount, 2)} for li in t.lines]}
                  for t in cost.tiers],
        "prices": {key: price.model_dump(mode="json", exclude_none=True) for key, price in cost.used_prices().items()},
    }


def as_json(plan: Plan) -> str:
    def node(n: PlanNode) -> dict[str, Any]:
        r, options = n.resource, plan.options_of(n.resource)
        return {"type": r.typ, "name": r.name, "props": key_props(r), "inputs": masked(r.inputs),
                "protect": options.protect, "retainOnDelete": options.retain_on_delete,
                "children": [node(c) for c in n.children]}

    def tier(n: PlanNode) -> dict[str, Any]:
        custom = [d.resource for d in _resources(n) if d.resource.custom]
        return {"name": n.resource.name, "type": n.resource.typ, "resources": len(custom),
                "counts": dict(sorted(Counter(r.typ for r in custom).items())),
                "protected": sorted(r.name for r in custom if plan.options_of(r).protect),
                "retainedOnDelete": sorted(r.name for r in custom if plan.options_of(r).retain_on_delete)}

    document = {
        "stack": plan.env,
        "offline": True,
        "tiers": [tier(n) for n in plan.tiers()],
        "resources": [node(n) for n in plan.tree()],
        "placeholders": [{"file": p.file, "line": p.line, "key": p.key, "value": p.value, "why": p.why,
                          "usedBy": list(p.used_by)} for p in plan.placeholders],
        "cost": None if plan.cost is None else _cost_json(plan.cost),
        "policies": [{"rule": rule.name, "mandatory": rule.mandatory,
                      "violations": [v.message for v in plan.violations if v.rule == rule.name]}
                     for rule in RULES],
        "counts": plan.counts,
    }
    return json.dumps(document, indent=2, default=str) + "\n"
