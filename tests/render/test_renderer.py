"""The one strict Jinja environment: registered filters, and errors that name where they happened."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from estate.build.render import ENTRY_TEMPLATES, Renderer, RenderError, _filters, ip_mask, render_environment, vlan_list
from estate.inventory.inventory import Inventory
from estate.paths import PROJECT_ROOT, TEMPLATES_DIR


def _filters_used(environment: jinja2.Environment) -> set[str]:
    used: set[str] = set()
    for name in environment.list_templates(extensions=["j2"]):
        source = Path(TEMPLATES_DIR, name).read_text(encoding="utf-8")
        used |= {f.name for f in environment.parse(source).find_all(nodes.Filter)}
    return used


def test_every_filter_is_registered_and_every_registered_filter_is_used() -> None:
    environment = Renderer().environment
    used = _filters_used(environment)
    registered = set(_filters())
    builtin = set(jinja2.filters.FILTERS)
    assert used - registered - builtin == set(), "templates use filters nobody registered"
    assert registered - used == set(), "registered filters no template uses"
    assert all(environment.filters[name] is func for name, func in _filters().items())


def test_filters_are_registered_in_one_place_only() -> None:
    offenders = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "src").rglob("*.py")
        if ".filters[" in path.read_text(encoding="utf-8") or ".filters.update(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == ["src/estate/build/render.py"]


def test_every_entry_template_exists() -> None:
    for template in ENTRY_TEMPLATES.values():
        assert (TEMPLATES_DIR / template).is_file(), template


@pytest.mark.parametrize(
    ("ids", "expected"),
    [((), ""), ((10,), "10"), ((30, 10, 20), "10,20,30"), ((10, 11), "10,11"), ((10, 11, 12, 20), "10-12,20"),
     ((1, 2, 3, 5, 6, 7, 9), "1-3,5-7,9")],
)
def test_vlan_list_prints_like_ios(ids: tuple[int, ...], expected: str) -> None:
    assert vlan_list(ids) == expected


def test_ip_mask() -> None:
    from ipaddress import IPv4Interface

    assert ip_mask(IPv4Interface("10.1.2.3/22")) == "10.1.2.3 255.255.252.0"


def _templates_with(tmp_path: Path, core_partial: str) -> Path:
    root = tmp_path / "templates"
    for template in ENTRY_TEMPLATES.values():
        (root / template).parent.mkdir(parents=True, exist_ok=True)
        (root / template).write_text("hostname {{ g.domain }}\nend\n", encoding="utf-8")
    (root / "ios_xe/partials").mkdir(parents=True, exist_ok=True)
    (root / "ios_xe/core.j2").write_text('{% include "ios_xe/partials/broken.j2" %}\nend\n', encoding="utf-8")
    (root / "ios_xe/partials/broken.j2").write_text(core_partial, encoding="utf-8")
    return root


def test_an_undefined_variable_names_template_site_and_device(tmp_path: Path, sample_inventory: Inventory) -> None:
    templates = _templates_with(tmp_path, "hostname {{ switch.hostname }}\n ntp {{ switch.no_such_thing }}\n")
    with pytest.raises(RenderError) as caught:
        render_environment(sample_inventory, "dev", ["MPS-0042"], renderer=Renderer(templates=templates))
    message = str(caught.value)
    assert "ios_xe/core.j2" in message
    assert "site MPS-0042" in message
    assert "device mps-0042-cs01" in message
    assert "no_such_thing" in message
    assert "ios_xe/partials/broken.j2, line 2" in message


def test_a_top_level_undefined_name_is_an_error_too(tmp_path: Path, sample_inventory: Inventory) -> None:
    templates = _templates_with(tmp_path, "{{ nobody_defined_this }}\n")
    with pytest.raises(RenderError, match=r"nobody_defined_this' is undefined"):
        render_environment(sample_inventory, "dev", ["MPS-0042"], renderer=Renderer(templates=templates))
