"""Round-trip goldens for the diff module, one test id per case folder under
tests/golden/diff/<case>/: running.cfg + intended.cfg in, remediation.cfg + rollback.cfg out.
running + remediation = intended; (running + remediation) + rollback = running, modulo the line
rules (encrypted keys by presence, write-only lines, never-removed lines kept)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estate.change.diff import compute_diff, configs_equal, parse, push_blocks, split_wlc
from estate.change.risk import RiskKind, RiskSettings, assess
from estate.change.rules import apply_rules
from tests.golden import GOLDEN_ROOT, check_golden

CASES = sorted(p for p in (GOLDEN_ROOT / "diff").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_round_trip(case: Path, update_goldens: bool) -> None:
    running = (case / "running.cfg").read_text(encoding="utf-8")
    intended = (case / "intended.cfg").read_text(encoding="utf-8")
    diff = compute_diff(case.name, case.name, running, intended)
    check_golden(case / "remediation.cfg", "\n".join(diff.remediation) + "\n", update_goldens)
    check_golden(case / "rollback.cfg", "\n".join(diff.rollback) + "\n", update_goldens)
    ruled = apply_rules(parse(running), parse(intended))
    future = ruled.running.future(parse("\n".join(diff.remediation)))
    assert configs_equal(future, ruled.intended)
    assert configs_equal(future.future(parse("\n".join(diff.rollback))), ruled.rollback_target)
    assert diff.converged and diff.rollback_converged
    assert not compute_diff(case.name, case.name, intended, intended).changed


def test_physical_interface_defaulted_and_banner_not_negated_line_by_line() -> None:
    case = GOLDEN_ROOT / "diff" / "banner-and-ports"
    diff = compute_diff("x", "x", (case / "running.cfg").read_text(), (case / "intended.cfg").read_text())
    assert "default interface GigabitEthernet1/0/2" in diff.remediation
    assert not any(line.startswith("no interface GigabitEthernet") for line in diff.remediation)
    assert not any(line.startswith("no banner") for line in diff.remediation)
    blocks = push_blocks(diff.remediation)
    assert blocks[-1][0] is True and blocks[-1][1][0].startswith("banner motd")


def test_wlc_split_keeps_each_site_to_itself() -> None:
    text = (GOLDEN_ROOT / "diff" / "wlc-site-MPS-0024" / "intended.cfg").read_text()
    other = text.replace("MPS-0024", "MPS-0240")
    _rest, shares = split_wlc(text + other, ["MPS-0024", "MPS-0240"])
    assert "MPS-0240" not in shares["MPS-0024"] and "MPS-0024" not in shares["MPS-0240"]
    assert not compute_diff("w", "w", shares["MPS-0024"], text).changed


def test_secrets_become_placeholders() -> None:
    diff = compute_diff("x", "x", "snmp-server user u g v3 auth sha OLDVALUE\n",
                        "snmp-server user u g v3 auth sha ${SNMP_AUTH}\n", secrets={"SNMP_AUTH": "OLDVALUE"})
    assert not diff.changed


def test_risks_flag_management_and_vty() -> None:
    lines = ["interface Vlan10", "  shutdown", "  exit", "line vty 0 4", "  transport input ssh", "  exit",
             "no vlan 20", "spanning-tree mode mst"]
    kinds = {r.kind for r in assess(lines, 4, 1, RiskSettings(management_vlan=10, large_change_lines=3))}
    assert kinds == {RiskKind.MANAGEMENT, RiskKind.VTY, RiskKind.VLAN_REMOVAL, RiskKind.STP_MODE,
                     RiskKind.LARGE_CHANGE}


_LINES = st.sampled_from(["ntp server 10.0.0.1", "ntp server 10.0.0.2", "logging host 10.1.1.1", "vlan 30",
                          "ip domain lookup", "snmp-server location here", "snmp-server location there"])


@settings(max_examples=40, deadline=None)
@given(st.lists(_LINES, unique=True), st.lists(_LINES, unique=True))
def test_remediation_converges(running: list[str], intended: list[str]) -> None:
    run_text = "\n".join(running) + "\n"
    want = "\n".join(intended) + "\n"
    # two values of a single-valued command cannot both be intended
    if any(sum(line.startswith("snmp-server location") for line in lines) > 1 for lines in (running, intended)):
        return
    diff = compute_diff("p", "p", run_text, want)
    assert diff.converged


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_unchanged_shortcut_matches_the_full_computation(case: Path) -> None:
    """Identical trees skip the remediation work: what that work would have found, exactly."""
    text = (case / "intended.cfg").read_text(encoding="utf-8")
    running, intended = parse(text), parse(text)
    remediation = running.config_to_get_to(intended)
    rollback = intended.config_to_get_to(running)
    assert not remediation.children and not rollback.children
    assert configs_equal(running.future(remediation), intended)
    assert not tuple(running.unified_diff(intended))
    diff = compute_diff(case.name, case.name, text, text)
    assert diff.remediation == diff.rollback == diff.unified == ()
    assert diff.converged and diff.rollback_converged
