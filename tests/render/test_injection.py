"""Text that cannot become configuration: the renderer's own guard, independent of validation.

Values are put into the inventory behind validation's back (`model_copy(update=...)` does not
validate), as a field added later without rules would be. Whatever the text, a render either
refuses it, naming template, site, device and value, or prints it inside the one line the
template meant, leaving every other line as it is.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jinja2 import nodes

from estate.build.render import ENTRY_TEMPLATES, Renderer, RenderError, render_environment
from estate.inventory.inventory import Inventory
from estate.paths import TEMPLATES_DIR

SITE = "MPS-0042"  # dev: one core switch, its WLC share, and the WLC global part
NEUTRAL = "Zq7Neutral"
LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
OTHER_HOSTILE = ["\x00", "\t", "\x1b", "\x7f", "\u200b", "\u202e", "\ufeff", "\xa0", '"', "\\", "^", "?", "'"]
INJECTED = "\nusername evil privilege 15 secret 0 x"

Inject = Callable[[Inventory, str], Inventory]


def _site(field: str) -> Inject:
    def inject(inventory: Inventory, value: str) -> Inventory:
        site = inventory.sites[SITE].model_copy(update={field: value})
        return dataclasses.replace(inventory, sites={**inventory.sites, SITE: site})
    return inject


def _organisation(inventory: Inventory, value: str) -> Inventory:
    return dataclasses.replace(inventory, estate=inventory.estate.model_copy(update={"organisation": value}))


def _data_vlan_name(inventory: Inventory, value: str) -> Inventory:
    vlans = [v.model_copy(update={"name": value}) if v.role == "data" else v for v in inventory.estate.vlans]
    return dataclasses.replace(inventory, estate=inventory.estate.model_copy(update={"vlans": vlans}))


FIELDS: dict[str, Inject] = {
    "site.name": _site("name"),  # snmp-server location; the WLC's quoted descriptions
    "site.borough": _site("borough"),
    "estate.organisation": _organisation,  # a line of the login banner
    "vlans[data].name": _data_vlan_name,  # vlan database, SVI description, flex profile
}
# where a value is printed inside double quotes or the banner, these end the string early
CONTEXT_REFUSED = {"site.name": '"\\', "site.borough": '"\\', "estate.organisation": "^", "vlans[data].name": ""}


def _render(inventory: Inventory) -> dict[str, str]:
    return {a.relpath: a.text for a in render_environment(inventory, "dev", [SITE])}


@dataclasses.dataclass(frozen=True)
class Baseline:
    inventory: Inventory
    neutral: dict[str, dict[str, str]]  # field -> the render with NEUTRAL in it

    def __repr__(self) -> str:  # hypothesis prints its arguments: keep failures readable
        return "Baseline(...)"


@pytest.fixture(scope="module")
def baseline(sample_inventory: Inventory) -> Baseline:
    rendered = {name: _render(inject(sample_inventory, NEUTRAL)) for name, inject in FIELDS.items()}
    for name, files in rendered.items():
        assert any(NEUTRAL in text for text in files.values()), f"{name} reaches no template"
    return Baseline(sample_inventory, rendered)


hostile_text = st.lists(
    st.one_of(st.characters(), st.sampled_from(LINE_BREAKS + OTHER_HOSTILE), st.sampled_from(["ab", " ", "x y"])),
    max_size=12,
).map("".join)


@pytest.mark.parametrize("field", sorted(FIELDS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile_text)
@example(value=INJECTED)
@example(value="Ealing Broadway\r")
@example(value="nul\x00byte")
@example(value='say "hello"')
@example(value="O'Brien House, Camden")
def test_no_rendered_line_the_template_did_not_produce(field: str, value: str, baseline: Baseline) -> None:
    try:
        got = _render(FIELDS[field](baseline.inventory, value))
    except RenderError as refused:
        message = str(refused)
        assert f"site {SITE}" in message or "environment dev" in message
        assert "device " in message and "refused the value" in message
        assert not value.isprintable() or any(c in value for c in CONTEXT_REFUSED[field]), "refused a safe value"
        return
    assert value.isprintable(), "a non-printable value was printed"
    assert not any(c in value for c in CONTEXT_REFUSED[field]), "a value that ends its quoted string was printed"
    expected = baseline.neutral[field]
    assert got.keys() == expected.keys()
    for relpath, text in got.items():
        assert text.count("\n") == expected[relpath].count("\n"), relpath
        assert len(text.splitlines()) == len(expected[relpath].splitlines()), relpath
        # every line is the neutral render's line, with the value where the neutral text was
        assert text.split("\n") == [line.replace(NEUTRAL, value) for line in expected[relpath].split("\n")], relpath


def test_the_injection_from_the_issue_is_refused_with_where_and_what(sample_inventory: Inventory) -> None:
    with pytest.raises(RenderError) as caught:
        _render(FIELDS["site.name"](sample_inventory, "Hendon" + INJECTED))
    message = str(caught.value)
    assert message.startswith("ios_xe/core.j2 for site MPS-0042, device mps-0042-cs01: refused the value ")
    # the value as printed (the location line), escaped: the line break shows as \n, on one line
    assert "'MPS-0042 Hendon\\nusername evil privilege 15 secret 0 x, Croydon'" in message
    assert "line break (U+000A)" in message
    assert "(at ios_xe/partials/snmp.j2, line " in message
    assert "\n" not in message


def test_a_long_value_is_shown_truncated(sample_inventory: Inventory) -> None:
    with pytest.raises(RenderError) as caught:
        _render(FIELDS["site.borough"](sample_inventory, "x" * 1000 + "\x00" + "y" * 100))
    message = str(caught.value)
    # cut around the offending character, so the message shows it
    assert f"refused the value ...'{'x' * 40}\\x00{'y' * 39}'... (1144 characters): " in message
    assert "U+0000" in message


@pytest.mark.parametrize(("value", "partial"), [
    ('Hendon "North"', "c9800/partials/ap_profile.j2"),
    ("Hendon \\", "c9800/partials/ap_profile.j2"),
])
def test_a_quote_or_backslash_in_a_quoted_wlc_description_is_refused(
    value: str, partial: str, sample_inventory: Inventory
) -> None:
    with pytest.raises(RenderError) as caught:
        _render(FIELDS["site.name"](sample_inventory, value))
    message = str(caught.value)
    assert message.startswith("c9800/wlc_site.j2 for site MPS-0042, device mps-dev-wlc01: ")
    assert "printed inside double quotes" in message
    assert f"(at {partial}, line 2)" in message


def test_an_apostrophe_prints_inside_the_quoted_descriptions(sample_inventory: Inventory) -> None:
    wlc_site = _render(FIELDS["site.name"](sample_inventory, "O'Brien House"))[f"dev/{SITE}/wlc-site.cfg"]
    descriptions = [line for line in wlc_site.splitlines() if line.startswith(" description ")]
    assert len(descriptions) == 4
    assert all(line.startswith(' description "O\'Brien House, ') and line.endswith('"') for line in descriptions)


def test_the_banner_delimiter_in_the_organisation_is_refused(sample_inventory: Inventory) -> None:
    with pytest.raises(RenderError) as caught:
        _render(FIELDS["estate.organisation"](sample_inventory, "Met^Police"))
    assert "refused the value 'This system is the property of the Met^Police.'" in str(caught.value)
    assert "contains '^', which ends the banner (at ios_xe/partials/banner.j2, line 3)" in str(caught.value)


def _template_lines() -> list[tuple[str, int, str]]:
    return [
        (path.relative_to(TEMPLATES_DIR).as_posix(), number, line)
        for path in sorted(TEMPLATES_DIR.rglob("*.j2"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
    ]


def test_every_value_printed_inside_double_quotes_goes_through_in_quotes() -> None:
    unguarded = []
    for name, number, line in _template_lines():
        for match in re.finditer(r"\{\{(.*?)\}\}", line):
            inside_quotes = line[: match.start()].count('"') % 2 == 1
            if inside_quotes and not match.group(1).strip().endswith("| in_quotes"):
                unguarded.append(f"{name}:{number}: {line.strip()}")
    assert unguarded == []
    assert any("| in_quotes" in line for _, _, line in _template_lines())


def test_every_value_printed_in_the_banner_goes_through_banner_text() -> None:
    banner = (TEMPLATES_DIR / "ios_xe/partials/banner.j2").read_text(encoding="utf-8")
    body = banner.split("^C", 2)[1]
    outputs = re.findall(r"\{\{(.*?)\}\}", body)
    assert outputs and all(o.strip().endswith("| banner_text") for o in outputs)


def test_templates_print_only_through_the_checked_output() -> None:
    # a {% filter %} block prints its body without finalize, and a macro's output is several
    # lines in one value (which the check refuses): both would break the one-line guarantee
    environment = Renderer().environment
    for name in environment.list_templates(extensions=["j2"]):
        tree = environment.parse((TEMPLATES_DIR / name).read_text(encoding="utf-8"))
        assert not list(tree.find_all((nodes.FilterBlock, nodes.Macro, nodes.CallBlock))), name


def test_template_text_with_a_hidden_line_break_is_refused(tmp_path: Path, sample_inventory: Inventory) -> None:
    root = tmp_path / "templates"
    for template in ENTRY_TEMPLATES.values():
        (root / template).parent.mkdir(parents=True, exist_ok=True)
        (root / template).write_text("hostname x\nend\n", encoding="utf-8")
    (root / "ios_xe/core.j2").write_text("hostname x\n!\u2028username evil\nend\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"ios_xe/core.j2 for site MPS-0042.*line break \(U\+2028\)"):
        render_environment(sample_inventory, "dev", [SITE], renderer=Renderer(templates=root))


def test_crlf_templates_still_render_one_line_per_template_line(tmp_path: Path, sample_inventory: Inventory) -> None:
    root = tmp_path / "templates"
    for template in ENTRY_TEMPLATES.values():
        (root / template).parent.mkdir(parents=True, exist_ok=True)
        (root / template).write_bytes(b"hostname {{ g.domain }}\r\nend\r\n")
    text = render_environment(sample_inventory, "dev", [SITE], renderer=Renderer(templates=root))[0].text
    assert text == f"hostname {sample_inventory.estate.domain}\nend\n"
