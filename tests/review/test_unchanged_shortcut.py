"""The review skips the diff of a device whose running text `surely_unchanged` judges equal to
the intended one. That shortcut must never hide a change: on converged and drifted devices and
WLC shares of the fixed inventory (and texts spaced or indented another way) its verdict is
the full diff's. Converged WLC shares, cut out and re-indented by `split_wlc`, must take it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from estate.build.device_model import Role
from estate.build.render import render_environment
from estate.change.diff import DiffError, compute_diff, surely_unchanged
from estate.change.fetch import FetchResult
from estate.change.review import Target, review_compared, scoped_running, scoped_text, targets_from
from estate.change.risk import RiskSettings
from estate.inventory.inventory import Inventory

ENV = "dev"
Estate = tuple[list[Target], dict[str, FetchResult], list[str]]


@pytest.fixture(scope="module")
def estate(sample_inventory: Inventory) -> Estate:
    """Targets, running configs exactly as intended (the WLC as one config), every site id."""
    targets = targets_from(render_environment(sample_inventory, ENV))
    running: dict[str, FetchResult] = {}
    wlc: dict[str, list[str]] = {}
    for target in targets:
        if target.is_wlc:
            wlc.setdefault(target.hostname, []).extend(line for line in target.intended.splitlines() if line != "end")
        else:
            running[target.hostname] = FetchResult(target.hostname, target.intended)
    for hostname, lines in wlc.items():
        running[hostname] = FetchResult(hostname, "\n".join(lines) + "\n")
    return targets, running, [site.site_id for site in sample_inventory.env_sites(ENV, None)]


def _sample(targets: list[Target]) -> list[Target]:
    """Two switches of each role, the WLC's environment-wide part and a few of its site shares."""
    picked: list[Target] = []
    for role in Role:
        picked.extend([t for t in targets if t.role is role][: 4 if role is Role.WLC_SITE else 2])
    return picked


def _reindent(text: str) -> str:
    return "".join(re.sub(r"^( +)", lambda m: m.group(1) * 2, line) + "\n" for line in text.splitlines())


def _no_bang(text: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if line.strip() != "!")


def _nth_indented(text: str, change: Callable[[str], str], nth: int = 3) -> str:
    """The nth line one level into a section, changed (a WLC share is indented by two)."""
    lines = text.splitlines()
    step = min(len(line) - len(line.lstrip()) for line in lines if line.startswith(" "))
    indices = [i for i, line in enumerate(lines)
               if len(line) - len(line.lstrip()) == step and not line.lstrip().startswith(("!", "exit"))]
    index = indices[min(nth, len(indices) - 1)]
    lines[index] = change(lines[index])
    return "\n".join(lines) + "\n"


VARIANTS: dict[str, Callable[[str], str]] = {  # what a device or `split_wlc` may do to a converged text, and real drift
    "as is": lambda t: t,
    "no ! lines": _no_bang,
    "indented by two": _reindent,  # a switch's ` exit-address-family` then stays: not parsable
    "indented by two, no ! lines": lambda t: _no_bang(_reindent(t)),
    "a line changed": lambda t: _nth_indented(t, lambda line: line + " 9"),
    "a line gone": lambda t: _nth_indented(t, lambda line: ""),
    "a line moved to the top level": lambda t: _nth_indented(t, str.lstrip),
    "a line added": lambda t: _nth_indented(t, lambda line: f"{line}\n{line[: len(line) - len(line.lstrip())]}x drift"),
    "a line changed, no ! lines": lambda t: _no_bang(_nth_indented(t, lambda line: line + " 9")),
    "a top-level line added": lambda t: t + "ip domain lookup\n",
}


def _cases(estate: Estate) -> list[tuple[Target, str]]:
    targets, running, site_ids = estate
    scoped = scoped_running(targets, running, site_ids)
    return [(t, scoped[t.name].text or "") for t in _sample(targets)]


def _diff_says_unchanged(target: Target, text: str) -> bool:
    try:
        return not compute_diff(target.name, target.hostname, text, target.intended).changed
    except DiffError:  # the review reports an error: not "unchanged" either
        return False


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_shortcut_says_what_the_full_diff_says(estate: Estate, variant: str) -> None:
    skipped: dict[bool, set[bool]] = {True: set(), False: set()}  # is a WLC target -> verdicts
    for target, running_text in _cases(estate):
        text = VARIANTS[variant](running_text)
        verdict = _diff_says_unchanged(target, text)
        assert surely_unchanged(text, target.intended) == verdict, (target.name, variant)
        skipped[target.is_wlc].add(verdict)
    if variant in {"as is", "no ! lines"}:
        assert skipped == {True: {True}, False: {True}}
    elif not variant.startswith("indented by two"):  # drift (a write-only line's loss is none)
        assert False in skipped[True] and False in skipped[False]


def test_a_line_the_parser_drops_only_at_one_indent_is_not_skipped() -> None:
    # hier_config drops ` no ip address` (one space) but keeps it indented by two: the
    # shortcut must see the same difference the parser does
    intended = "interface Vlan1\n no ip address\n shutdown\n"
    running = "interface Vlan1\n  no ip address\n  shutdown\n"
    assert compute_diff("sw", "sw", running, intended).changed
    assert not surely_unchanged(running, intended)
    assert surely_unchanged("interface Vlan1\n  shutdown\n", intended)


def test_banners_and_duplicate_sections_are_left_to_the_diff() -> None:
    banner = "banner motd ^C\n  hello\n^C\nhostname sw\n"
    assert surely_unchanged(banner, banner)  # equal texts: the diff ignores nothing more
    assert not surely_unchanged(banner.replace("  hello", "hello"), banner)
    ended_by_bang = "banner motd ^C\nhello\n!\ninterface Vlan1\n shutdown\n"  # `!` ends it for the parser
    wider = ended_by_bang.replace(" shut", "  shut")
    assert not compute_diff("sw", "sw", wider, ended_by_bang).changed
    assert surely_unchanged(wider, ended_by_bang)
    twice = "interface Vlan1\n shutdown\ninterface Vlan1\n shutdown\n"
    assert not surely_unchanged(twice.replace(" shut", "  shut"), twice)


def test_every_converged_wlc_share_skips_the_diff(estate: Estate) -> None:
    targets, running, site_ids = estate
    scoped = scoped_running(targets, running, site_ids)
    wlc = [t for t in targets if t.is_wlc]
    assert len(wlc) > 2
    for target in wlc:
        assert surely_unchanged(scoped[target.name].text or "", target.intended), target.name


def test_compliance_classifies_the_texts_the_review_diffed_and_push_rechecks(estate: Estate) -> None:
    targets, running, site_ids = estate
    review, compared = review_compared(ENV, targets, running, secrets={}, risk=RiskSettings(), source="test",
                                       all_site_ids=site_ids, processes=1)
    assert review.ok and not any(d.diff and d.diff.changed for d in review.devices)
    for target in targets:
        assert compared[target.name] == scoped_text(target, running[target.hostname].text or "", site_ids, {})
