"""Estate-wide compliance: per device and per feature, is the running config what the standard
says? A feature is one template partial (`ios_xe/partials/ntp.j2` is the feature `ntp`).

How a config line finds its feature: each partial's top-level template lines become patterns
(the literal text kept, every `{{ ... }}` a wildcard), read from the partials that the role's
entry template includes. A top-level line of a config (with its indented lines) belongs to the
partial whose pattern matches it with the most literal text (`interface Vlan10` is `svis`, not
`interfaces`). A line the standard does not have at all (a v2c community, an old server)
still finds its feature by its leading words (`snmp-server ...` is `snmp`). This needs no
second render and classifies the lines only the device has, which a render cannot tag.

A feature's status on a device comes from the review's own diff (`review_targets`), so
compliance and review never disagree: no remediation line in the feature is *compliant*; some,
with none of the feature's intended top-level lines on the device, is *missing*; otherwise
*drifted*. A device that could not be read or diffed has no feature status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from estate.build.device_model import Role
from estate.build.render import ENTRY_TEMPLATES
from estate.change.review import DeviceReview, Review, Status
from estate.paths import TEMPLATES_DIR

OTHER = "other"  # a line no partial's words lead to
ENVIRONMENT_SITE = "(environment)"  # the WLC's environment-wide part belongs to no site
_INCLUDE = re.compile(r'{%-?\s*include\s+"([^"]+)"')
_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
_EXPRESSION = re.compile(r"{{.*?}}")
_BANNER = re.compile(r"^banner \S+ (\S)")


class FeatureStatus(StrEnum):
    COMPLIANT = "compliant"
    DRIFTED = "drifted"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Pattern:
    feature: str
    regex: re.Pattern[str]
    literal: int  # characters of template text: the more, the more specific


@dataclass(frozen=True)
class FeatureMap:
    """Which partial each top-level config line of one role comes from."""

    features: tuple[str, ...]  # in include order
    patterns: tuple[Pattern, ...]
    prefixes: Mapping[str, str]  # leading words of a template line -> its feature
    # the same heads (`interface GigabitEthernet1/0/1`) recur on every device of a role
    _known: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def feature_of(self, line: str) -> str:
        found = self._known.get(line)
        if found is None:
            found = self._known[line] = self._classify(line)
        return found

    def _classify(self, line: str) -> str:
        text = line.removeprefix("no ").removeprefix("default ").strip()
        best: Pattern | None = None
        for pattern in self.patterns:
            if (best is None or pattern.literal > best.literal) and pattern.regex.fullmatch(text):
                best = pattern
        if best is not None and best.literal:
            return best.feature
        words = text.split()
        for count in range(len(words), 0, -1):
            found = self.prefixes.get(" ".join(words[:count]))
            if found is not None:
                return found
        return OTHER if best is None else best.feature


def _partial_patterns(feature: str, source: str) -> list[tuple[Pattern, str]]:
    """(pattern, leading words) of each top-level template line; a whole-line value (the
    clock lines) becomes a pattern with no literal text, tried only when nothing else fits."""
    found = []
    delimiter: str | None = None
    for line in _COMMENT.sub("", source).splitlines():
        if delimiter is not None:  # a banner's text lines are not section heads
            delimiter = None if delimiter in line else delimiter
            continue
        if not line or line[0].isspace() or line.startswith(("{%", "!")):
            continue  # indented lines belong to their section; block tags print nothing
        banner = _BANNER.match(line)
        if banner and banner.group(1) not in line[banner.end():]:
            delimiter = banner.group(1)
        literal = _EXPRESSION.sub("", line)
        regex = ".*?".join(re.escape(part) for part in _EXPRESSION.split(line)) or ".*"
        prefix = line.split("{{", 1)[0]
        words = prefix.split()
        if "{{" in line and not prefix.endswith(" "):
            words = words[:-1]  # `interface Vlan{{ id }}`: `Vlan` is not a whole word of the line
        found.append((Pattern(feature, re.compile(regex), len(literal)), " ".join(words)))
    return found


@lru_cache(maxsize=8)
def feature_map(role: Role, templates: Path = TEMPLATES_DIR) -> FeatureMap:
    entry = (templates / ENTRY_TEMPLATES[role]).read_text(encoding="utf-8")
    features: list[str] = []
    patterns: list[Pattern] = []
    votes: dict[str, dict[str, int]] = {}
    for include in _INCLUDE.findall(_COMMENT.sub("", entry)):
        feature = Path(include).stem
        features.append(feature)
        for pattern, words in _partial_patterns(feature, (templates / include).read_text(encoding="utf-8")):
            patterns.append(pattern)
            split = words.split()
            for count in range(1, len(split) + 1):
                counts = votes.setdefault(" ".join(split[:count]), {})
                counts[feature] = counts.get(feature, 0) + 1
    # leading words shared by partials go to the one with the most such lines (`logging` is the
    # logging partial's, though the header has `logging buffered`); ties to the first included
    prefixes = {words: max(counts, key=lambda f: (counts[f], -features.index(f))) for words, counts in votes.items()}
    return FeatureMap(tuple(features), tuple(patterns), prefixes)


def top_level(lines: Iterable[str]) -> list[str]:
    """The section heads of a config (a banner's text lines are not heads)."""
    heads: list[str] = []
    delimiter: str | None = None
    for line in lines:
        if delimiter is not None:
            if delimiter in line:
                delimiter = None
            continue
        if not line.strip() or line[0].isspace() or line.startswith("!") or line == "end":
            continue
        heads.append(line.rstrip())
        banner = _BANNER.match(line)
        if banner and banner.group(1) not in line[banner.end():]:
            delimiter = banner.group(1)[0]
    return heads


@dataclass(frozen=True, slots=True)
class DeviceCompliance:
    name: str  # the review target: hostname, or hostname@SITE for a WLC share
    site_id: str
    role: str
    features: Mapping[str, FeatureStatus]
    error: str | None = None  # unreachable or not diffable: no feature status
    diff: tuple[str, ...] = ()  # the review's unified diff (placeholders, never secret values)
    remediation: tuple[str, ...] = ()

    @property
    def compliant(self) -> bool:
        return self.error is None and all(s is FeatureStatus.COMPLIANT for s in self.features.values())

    def count(self, status: FeatureStatus) -> int:
        return sum(1 for s in self.features.values() if s is status)


@dataclass(frozen=True, slots=True)
class SiteCompliance:
    site_id: str
    name: str
    kind: str
    devices: tuple[DeviceCompliance, ...]

    def count(self, status: FeatureStatus) -> int:
        return sum(d.count(status) for d in self.devices)

    @property
    def checks(self) -> int:
        return sum(len(d.features) for d in self.devices)

    @property
    def unreadable(self) -> int:
        return sum(1 for d in self.devices if d.error is not None)

    @property
    def percent(self) -> float:
        """Compliant (device, feature) pairs; a device that could not be read counts as one
        failed check, so an unreachable site is never 100 %."""
        total = self.checks + self.unreadable
        return 100.0 if total == 0 else 100.0 * self.count(FeatureStatus.COMPLIANT) / total

    def feature_percent(self, feature: str) -> float | None:
        seen = [d.features[feature] for d in self.devices if feature in d.features]
        return None if not seen else 100.0 * sum(s is FeatureStatus.COMPLIANT for s in seen) / len(seen)


@dataclass(frozen=True)
class Compliance:
    env: str
    source: str
    created_at: str
    sites: tuple[SiteCompliance, ...]  # worst first
    features: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def devices(self) -> list[DeviceCompliance]:
        return [d for s in self.sites for d in s.devices]

    def feature_counts(self, feature: str) -> dict[str, int]:
        counts = {status.value: 0 for status in FeatureStatus}
        for device in self.devices:
            if feature in device.features:
                counts[device.features[feature].value] += 1
        return counts

    def feature_percent(self, feature: str) -> float:
        counts = self.feature_counts(feature)
        total = sum(counts.values())
        return 100.0 if total == 0 else 100.0 * counts[FeatureStatus.COMPLIANT.value] / total

    @property
    def percent(self) -> float:
        total = sum(s.checks + s.unreadable for s in self.sites)
        good = sum(s.count(FeatureStatus.COMPLIANT) for s in self.sites)
        return 100.0 if total == 0 else 100.0 * good / total

    def changed_only(self) -> Compliance:
        """Only the devices that are not compliant, and the sites that have one."""
        sites = []
        for site in self.sites:
            devices = tuple(d for d in site.devices if not d.compliant)
            if devices:
                sites.append(SiteCompliance(site.site_id, site.name, site.kind, devices))
        return Compliance(self.env, self.source, self.created_at, tuple(sites), self.features, self.notes)


def _owner(lines: Sequence[str], fmap: FeatureMap) -> list[str]:
    """The feature of every section touched by remediation lines (an indented line is its
    section head's)."""
    touched: list[str] = []
    for head in top_level(lines):
        touched.append(fmap.feature_of(head))
    return touched


def device_compliance(device: DeviceReview, running_text: str | None) -> DeviceCompliance:
    target = device.target
    site = target.site_id or ENVIRONMENT_SITE
    if device.status in {Status.UNREACHABLE, Status.ERROR} or device.diff is None or running_text is None:
        return DeviceCompliance(target.name, site, target.role.value, {}, device.error or device.status.value)
    fmap = feature_map(target.role)
    intended: dict[str, set[str]] = {}
    for head in top_level(target.intended.splitlines()):
        intended.setdefault(fmap.feature_of(head), set()).add(head)
    touched = set(_owner(device.diff.remediation, fmap))
    running_heads = set(top_level(running_text.splitlines())) if touched else set()
    features: dict[str, FeatureStatus] = {}
    for feature in [*fmap.features, OTHER]:
        if feature not in intended and feature not in touched:
            continue  # the standard puts nothing of this feature on this device
        if feature not in touched:
            features[feature] = FeatureStatus.COMPLIANT
        elif intended.get(feature) and not intended[feature] & running_heads:
            features[feature] = FeatureStatus.MISSING
        else:
            features[feature] = FeatureStatus.DRIFTED
    return DeviceCompliance(target.name, site, target.role.value, features, None, device.diff.unified,
                            device.diff.remediation)


def assess_compliance(review: Review, running: Mapping[str, str | None], sites: Iterable[Any]) -> Compliance:
    """`running` maps each review target's name to the running text it was compared on (a WLC
    share's scoped text); `sites` are the inventory's sites (names and kinds)."""
    known = {site.site_id: site for site in sites}
    by_site: dict[str, list[DeviceCompliance]] = {}
    for device in review.devices:
        found = device_compliance(device, running.get(device.target.name))
        by_site.setdefault(found.site_id, []).append(found)
    result = []
    for site_id, devices in by_site.items():
        site = known.get(site_id)
        result.append(SiteCompliance(site_id, site.name if site else "environment-wide WLC",
                                     str(site.kind) if site else "wlc", tuple(devices)))
    result.sort(key=lambda s: (s.percent, s.site_id))
    seen = [f for d in review.devices for f in feature_map(d.target.role).features]
    features = tuple(dict.fromkeys([*seen, OTHER]))
    used = {f for s in result for d in s.devices for f in d.features}
    return Compliance(review.env, review.source, review.created_at.isoformat(), tuple(result),
                      tuple(f for f in features if f in used), review.notes)


def compliance_environment(inventory: Any, selection: Any, *, credentials: Any, settings: Any,
                           secrets: Mapping[str, str], risk: Any, processes: int | None = None,
                           progress: Callable[[int, int], None] | None = None) -> Compliance:
    """Read (over SSH, from the lab or a folder, as `review` does), diff as `review` does, and
    classify. Touches no device's config."""
    from estate.change.review import endpoints_for, prepare, read_running, review_compared

    targets, all_sites = prepare(inventory, selection)
    endpoints = {} if selection.running_from is not None else endpoints_for(inventory, selection, targets)
    running, source = read_running(selection, targets, endpoints, credentials, settings, progress=progress)
    review, compared = review_compared(selection.env, targets, running, secrets=secrets, risk=risk, source=source,
                                       all_site_ids=all_sites, processes=processes, rotate=selection.rotate)
    return assess_compliance(review, compared, inventory.env_sites(selection.env, selection.sites))
