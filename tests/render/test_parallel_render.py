"""The prod render splits its sites across two processes (`render_environment` forks for the
second half): the output must be exactly the serial render's, in the same order, and a failure in
the child's half must reach the caller as the same error, with no child left behind."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from estate.build import render
from estate.build.render import Artifact, RenderError, render_environment
from estate.inventory.inventory import Inventory

ENV = "prod"


def _shape(artifacts: list[Artifact]) -> list[tuple[str, str, str | None, str]]:
    return [(a.relpath, a.hostname, a.site_id, a.text) for a in artifacts]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_the_forked_render_is_the_serial_render(sample_inventory: Inventory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_can_fork", lambda: True)
    ticks: list[int] = []
    parallel = render_environment(sample_inventory, ENV, progress=lambda n, total: ticks.append(n))
    monkeypatch.setattr(render, "PARALLEL_MIN_SITES", 10**9)
    serial = render_environment(sample_inventory, ENV)
    assert _shape(parallel) == _shape(serial)
    assert ticks[-1] == len(sample_inventory.env_sites(ENV)) and ticks == sorted(ticks)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_failure_in_the_childs_half_reaches_the_caller(
    sample_inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = sample_inventory.env_sites(ENV)
    last = sites[-1].site_id  # rendered by the child
    real = render._site_artifacts

    def failing(*args: object, **kwargs: object) -> Iterable[Artifact]:
        model = args[3]
        if model.site.site_id == last:  # type: ignore[attr-defined]
            raise RenderError(f"refused a value for site {last}")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "_can_fork", lambda: True)
    monkeypatch.setattr(render, "_site_artifacts", failing)
    before = _children()
    with pytest.raises(RenderError, match=f"site {last}"):
        render_environment(sample_inventory, ENV)
    assert _children() == before  # the child was reaped, not left a zombie


def _children() -> set[str]:
    """This process's child pids (Linux), whatever else the test session started."""
    found: set[str] = set()
    for task in Path("/proc/self/task").iterdir():
        found.update((task / "children").read_text(encoding="ascii").split())
    return found
