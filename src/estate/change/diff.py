"""Running config → intended config: the one module that talks to hier_config (3.x).

Owns the IOS-XE rules our devices need on top of hier_config's Cisco IOS driver, the
`DeviceDiff` result (remediation, rollback, convergence, counts, unified view), the WLC share
filters (one site's objects, or the environment-wide rest), and the config comparison used to
verify a device after a push or a rollback.

Secrets: callers pass the known secret values; both texts are compared with every value
replaced by its `${NAME}` placeholder, so no `DeviceDiff` ever holds a secret value and its
lines can be written to plans and reports as they are (`resolve` them just before a push).
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from hier_config import HConfig, HConfigChild, MatchRule, get_hconfig
from hier_config.models import IdempotentCommandsRule
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverRules

from estate.change.rules import (
    IDEMPOTENT,
    IDEMPOTENT_NESTED,
    IDEMPOTENT_NESTED_REGEX,
    IDEMPOTENT_REGEX,
    KeptLine,
    apply_rules,
    keep_shown_forms,
    order_management_last,
)
from estate.secrets import placeholders_in

__all__ = [
    "DeviceDiff",
    "DiffError",
    "KeptLine",
    "compute_diff",
    "configs_equal",
    "normalise_running",
    "parse",
    "push_blocks",
    "running_sha256",
    "same_config",
    "split_wlc",
    "surely_unchanged",
    "to_placeholders",
]

# Header lines a device prints around its running config that change without a config change.
_VOLATILE = re.compile(
    r"^(Building configuration|Current configuration|! Last configuration change|"
    r"! NVRAM config last updated|ntp clock-period|end$)"
)
_PHYSICAL = re.compile(
    r"^interface (FastEthernet|GigabitEthernet|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet|"
    r"HundredGigE|AppGigabitEthernet|TwoGigabitEthernet|FiveGigabitEthernet)\S+$"
)
_BANNER = re.compile(r"^banner (\S+)")

class DiffError(Exception):
    """A config pair cannot be compared (the diff phase's one exception class)."""


class EstateIOSDriver(HConfigDriverCiscoIOS):
    """hier_config's IOS driver plus: single-valued commands, physical interfaces negated with
    `default interface` (IOS rejects `no interface` on a physical port), banners negated in one
    line instead of the whole multi-line text."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        rules = HConfigDriverCiscoIOS._instantiate_rules()
        for parent, commands in IDEMPOTENT.items():
            for command in commands:
                lineage = (MatchRule(startswith=parent),) if parent else ()
                rules.idempotent_commands.append(
                    IdempotentCommandsRule(match_rules=(*lineage, MatchRule(startswith=command)))
                )
        for prefixes in IDEMPOTENT_NESTED:
            rules.idempotent_commands.append(
                IdempotentCommandsRule(match_rules=tuple(MatchRule(startswith=p) for p in prefixes)))
        for *parents, pattern in IDEMPOTENT_NESTED_REGEX:
            rules.idempotent_commands.append(IdempotentCommandsRule(
                match_rules=(*(MatchRule(startswith=p) for p in parents), MatchRule(re_search=pattern))))
        for parent, patterns in IDEMPOTENT_REGEX.items():
            for pattern in patterns:
                lineage = (MatchRule(startswith=parent),) if parent else ()
                rules.idempotent_commands.append(
                    IdempotentCommandsRule(match_rules=(*lineage, MatchRule(re_search=pattern)))
                )
        return rules

    def negate_with(self, config: HConfigChild) -> str | None:
        if config.parent is config.root:
            if _PHYSICAL.match(config.text):
                return f"default {config.text}"
            if banner := _BANNER.match(config.text):
                return f"no banner {banner.group(1)}"
        return super().negate_with(config)


_DRIVER = EstateIOSDriver()

def normalise_running(text: str) -> str:
    """The running config without the lines a device changes on its own (headers, `end`)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    kept = [line for line in lines if line and not _VOLATILE.match(line)]
    return "\n".join(kept) + "\n"


_Shape = tuple[tuple[int, str], ...]


class _Node:
    __slots__ = ("children", "depth", "indent", "parent")

    def __init__(self, indent: int, parent: _Node | None) -> None:
        self.indent = indent
        self.parent = parent
        self.depth: int = 0 if parent is None else parent.depth + 1
        self.children: set[str] = set()


# what `_shape` models of hier_config's loader: per-line rules only (each anchored pattern is
# tried on a line only when the union of them matches it, which leaves every other line as is)
_MODELLED = not (_DRIVER.rules.full_text_sub or _DRIVER.rules.indent_adjust)
_SUBS = tuple((rule.search, rule.replace) for rule in _DRIVER.rules.per_line_sub)
_ANY_SUB = re.compile("|".join(f"(?:{search})" for search, _ in _SUBS) or r"(?!)")


def _loaded(raw: str) -> tuple[int, str] | None:
    """A line as the loader keeps it: (indent, text), or None where a per-line rule empties it."""
    indent = len(raw) - len(raw.lstrip())
    line = " " * indent + " ".join(raw.split())
    if _ANY_SUB.search(line):
        for search, replace in _SUBS:
            line = re.sub(search, replace, line)
    line = line.rstrip()
    return (len(line) - len(line.lstrip()), line.lstrip()) if line else None


def _items(text: str) -> list[tuple[int, str]] | None:
    """(indent, text) of every line the loader keeps, a banner's lines joined into one top-level
    line as it joins them (ended by the markers it collects); None for an unfinished banner."""
    found: list[tuple[int, str]] = []
    banner: list[str] = []
    ends, ends_within = {"EOF", "%", "!"}, list[str]()
    for raw in text.splitlines():
        if banner:
            if raw != "!":
                banner.append(raw)
            if raw.startswith("^") or raw in ends or any(end in raw for end in ends_within):
                found.append((0, "\n".join(banner)))
                banner = []
        elif raw.startswith("banner ") and raw != "banner motd ##":
            banner = [raw]
            words = raw.split()
            if len(words) > 2:
                ends_within.append(words[2])
                if words[2].startswith('"'):
                    ends_within.append('"')
                ends.update((words[2][:1], words[2][:2]))
        elif (kept := _loaded(raw)) is not None:
            found.append(kept)
    return None if banner else found


def _shape(text: str) -> _Shape | None:
    """The (depth, line) sequence hier_config builds its tree from, computed the way its
    loader does (banners as one line, per-line rules, whitespace, indentation relative to the
    section above), so two texts of equal shape parse to equal trees whatever their indentation
    width or `!` lines. None where the loader does more than this models: an unfinished banner,
    duplicate siblings (an error or a merge), or a driver with whole-text or indent-adjust rules."""
    items = _items(_DRIVER.config_preprocessor(text)) if _MODELLED else None
    if items is None:
        return None
    current = recent = _Node(-1, None)
    found: list[tuple[int, str]] = []
    for indent, line in items:  # a banner (indent 0) walks back to the top like any such line
        while indent <= current.indent and current.parent is not None:
            current = current.parent
        if indent > recent.indent:
            current = recent
        if line in current.children:
            return None
        current.children.add(line)
        recent = _Node(indent, current)
        found.append((recent.depth, line))
    return tuple(found)


def surely_unchanged(running_text: str, intended_text: str) -> bool:
    """Whether `compute_diff` would certainly find nothing to change (before rotation), without
    parsing: the texts are equal once the lines a device prints on its own are dropped, or they
    have the same shape (a WLC share cut out by `split_wlc` is indented and spaced the parser's
    way, not the template's). False means only "diff it"."""
    if normalise_running(running_text) == normalise_running(intended_text):
        return True
    shape = _shape(running_text)
    return shape is not None and shape == _shape(intended_text)


def running_sha256(text: str) -> str:
    return hashlib.sha256(normalise_running(text).encode()).hexdigest()


def to_placeholders(text: str, secrets: Mapping[str, str]) -> str:
    """Replace every known secret value (longest first) by its `${NAME}` placeholder."""
    for name, value in sorted(secrets.items(), key=lambda item: len(item[1]), reverse=True):
        if value:
            text = text.replace(value, f"${{{name}}}")
    return text


def parse(text: str) -> HConfig:
    try:
        return get_hconfig(_DRIVER, text)
    except Exception as exc:  # hier_config raises assorted errors on malformed text
        raise DiffError(f"cannot parse config: {exc}") from exc


@contextmanager
def _collect_once() -> Iterator[None]:
    """Run without the cyclic garbage collector, then collect the youngest generation once.
    hier_config trees are cycles (children point at their parents): a diff allocates a few
    hundred thousand objects and the collector would otherwise walk them again and again
    (a quarter of the diff's time). Everything the block left behind is still in generation
    0 afterwards, so one young collection frees it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def _text(node: HConfigChild) -> list[str]:
    return [node.cisco_style_text(), *(line for child in node.children for line in _text(child))]


def split_wlc(running_text: str, site_ids: Iterable[str]) -> tuple[str, dict[str, str]]:
    """Split a WLC running config into (environment-wide part, {site id: that site's share}).

    A top-level object belongs to a site when it or a line inside it names the site id as a
    word (FP-, ST-, PT-, AJP-, AF-<site>, an AP section tagged with them), so one site's review
    never proposes removing another site's objects. Parsed once for all sites."""
    ids = sorted(set(site_ids), key=len, reverse=True)
    config = parse(running_text)
    shares: dict[str, list[str]] = {site_id: [] for site_id in ids}
    rest: list[str] = []
    if not ids:
        return running_text, {}
    pattern = re.compile(rf"(?<![A-Za-z0-9])({'|'.join(map(re.escape, ids))})(?![0-9])", re.IGNORECASE)
    canonical = {site_id.upper(): site_id for site_id in ids}
    for child in config.children:
        lines = _text(child)
        found = {canonical[m.upper()] for line in lines for m in pattern.findall(line)}
        if len(found) == 1:
            shares[found.pop()].extend(lines)
        else:  # no site, or several sites (a shared object): the environment-wide part
            rest.extend(lines)
    return "\n".join(rest) + "\n", {k: "\n".join(v) + "\n" if v else "" for k, v in shares.items()}


def _canonical(node: HConfig | HConfigChild) -> tuple[tuple[str, object], ...]:
    return tuple(sorted((child.text, _canonical(child)) for child in node.children))


def configs_equal(a: HConfig, b: HConfig) -> bool:
    """Same lines in the same sections, in any order of siblings (the order a device lists
    repeated commands in is its own business; ACL entries carry sequence numbers)."""
    return _canonical(a) == _canonical(b)


def _lines(config: HConfig) -> tuple[str, ...]:
    # a banner is one child holding its whole text: split it into the lines that are typed
    return tuple(line for entry in config.dump_simple(sectional_exiting=True) for line in entry.split("\n"))


def _count(unified: Iterable[str]) -> tuple[int, int]:
    added = removed = 0
    for line in unified:
        stripped = line.lstrip()
        if stripped.startswith("+ "):
            added += 1
        elif stripped.startswith("- "):
            removed += 1
    return added, removed


@dataclass(frozen=True, slots=True)
class DeviceDiff:
    """What one device (or one site's share of the WLC) needs. Lines carry placeholders."""

    target: str  # the hostname, or hostname@SITE for a WLC site share
    hostname: str
    running_sha256: str
    remediation: tuple[str, ...]
    rollback: tuple[str, ...]
    converged: bool  # running + remediation reaches intended (modulo the line rules)
    rollback_converged: bool  # (running + remediation) + rollback reaches running again (modulo the rules)
    added: int
    removed: int
    unified: tuple[str, ...] = field(repr=False)
    kept: tuple[KeptLine, ...] = ()  # negations the never-remove / write-only rules held back
    rotated: frozenset[str] = frozenset()  # secrets whose lines were re-sent even where present

    @property
    def changed(self) -> bool:
        return bool(self.remediation)

    def unified_text(self) -> str:
        return "\n".join(self.unified)


def _add_path(config: HConfig, node: HConfigChild) -> None:
    base: HConfig | HConfigChild = config
    for text in node.path():
        base = base.children.get(text) or base.add_child(text)


def compute_diff(
    target: str,
    hostname: str,
    running_text: str,
    intended_text: str,
    *,
    secrets: Mapping[str, str] | None = None,
    rotate: frozenset[str] = frozenset(),
) -> DeviceDiff:
    """Diff one device, or one share of the WLC (pass the share's text from `split_wlc`).
    The running hash covers exactly the running text compared.

    The line rules of `estate.change.rules` apply first: never-remove lines are kept (listed in
    `kept`), encrypted keys compare by presence, write-only lines count as present, and
    management-path removals come after the additions. `rotate` names secrets (`TACACS_KEY`)
    whose lines are sent even where the device has them: a rotation is never implicit.

    Each text is parsed once; the future (running + remediation) is computed once and serves
    both checks. When the two trees are already identical (hier_config's own equality: same
    lines, same order) and nothing is rotated, nothing is to change."""
    running_text = to_placeholders(running_text, secrets or {})
    rotated = frozenset(rotate) & placeholders_in(intended_text)
    with _collect_once():
        running = parse(running_text)
        intended = parse(intended_text)
        if running == intended and not rotated:
            return DeviceDiff(target=target, hostname=hostname, running_sha256=running_sha256(running_text),
                              remediation=(), rollback=(), converged=True, rollback_converged=True,
                              added=0, removed=0, unified=())
        try:
            rules = apply_rules(running, intended, rotated)
            remediation = running.config_to_get_to(rules.intended)
            for node in rules.resend:
                _add_path(remediation, node)
            remediation.set_order_weight()
            order_management_last(remediation)
            rollback = rules.intended.config_to_get_to(rules.rollback_target).set_order_weight()
            order_management_last(rollback)
            future = keep_shown_forms(running.future(remediation), remediation)
            converged = configs_equal(future, rules.intended)
            rollback_converged = configs_equal(keep_shown_forms(future.future(rollback), rollback),
                                               rules.rollback_target)
        except Exception as exc:  # hier_config raises assorted errors on configs it cannot model
            raise DiffError(f"{target}: cannot compute the change: {exc}") from exc
        unified = tuple(running.unified_diff(rules.intended))
        added, removed = _count(unified)
        return DeviceDiff(
            target=target,
            hostname=hostname,
            running_sha256=running_sha256(running_text),
            remediation=_lines(remediation),
            rollback=_lines(rollback),
            converged=converged,
            rollback_converged=rollback_converged,
            added=added,
            removed=removed,
            unified=unified,
            kept=tuple(rules.kept),
            rotated=rotated,
        )


def same_config(a_text: str, b_text: str) -> bool:
    """Whether two config texts hold the same lines in the same sections."""
    return configs_equal(parse(a_text), parse(b_text))


def push_blocks(lines: Iterable[str]) -> list[tuple[bool, list[str]]]:
    """Split push lines into blocks: (is_banner, lines). Banners are sent without command
    echo verification (their text is not echoed as typed); everything else with it."""
    blocks: list[tuple[bool, list[str]]] = []
    normal: list[str] = []
    banner: list[str] = []
    delimiter: str | None = None
    for line in lines:
        if delimiter is not None:
            banner.append(line)
            if delimiter in line:
                blocks.append((True, banner))
                banner, delimiter = [], None
            continue
        if match := re.match(r"^banner \S+ (\^C|\S)", line):
            found = match.group(1)
            rest = line[match.end():]
            if found in rest:
                blocks.append((True, [line]))
            else:
                banner, delimiter = [line], found
            continue
        normal.append(line)
    if banner:
        blocks.append((True, banner))
    if normal:
        blocks.insert(0, (False, normal))
    return blocks
