"""Power over Ethernet: what a switch's powered ports draw against its model's budget.

Draws are each device class's allocation at the switch (its PoE class), and a budget keeps
`poe.margin` free, from `estate.yaml`; the datasheet figures are data, never code.
"""

from __future__ import annotations

from collections.abc import Iterable

from estate.inventory.models import EstateFile


class PoeError(ValueError):
    pass


def port_draw(kind: str, estate: EstateFile) -> float:
    """Watts one port of this kind (`PortKind` value) is allocated; 0 for unpowered kinds."""
    return _draws(estate).get(kind, 0.0)


def draw(kinds: Iterable[str], estate: EstateFile) -> float:
    draws = _draws(estate)
    return sum(draws.get(kind, 0.0) for kind in kinds)


def _draws(estate: EstateFile) -> dict[str, float]:
    return {str(kind): watts for kind, watts in estate.poe.draw_w.items()}


def usable_budget(model: str, estate: EstateFile) -> float:
    """The watts a switch of `model` may allot once the margin is kept free."""
    spec = estate.switch_models.get(model)
    if spec is None:
        raise PoeError(f"switch model {model} has no entry in switch_models (PoE budget)")
    return spec.poe_budget_w * (1 - estate.poe.margin)


def port_max(model: str, estate: EstateFile) -> float:
    spec = estate.switch_models.get(model)
    return 0.0 if spec is None else spec.poe_port_max_w
