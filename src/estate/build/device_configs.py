"""Each device's whole intended config from render artefacts: the one rule for joining a WLC's
parts, shared by the lab (which serves whole devices) and `--running-from` (which reads a
render folder as if it held running configs)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from estate.build.device_model import Role
from estate.build.render import Artifact

WLC_ROLES = (Role.WLC_GLOBAL, Role.WLC_SITE)


def device_configs(artifacts: Iterable[Artifact]) -> dict[str, tuple[Artifact, str]]:
    """Each device's whole intended config: a switch is one artefact; a WLC HA pair is its own
    part followed by the share of every site assigned to it, without the parts' `end` lines
    (the first `end` would close the config); the guest anchor is its own part alone."""
    parts: dict[str, list[Artifact]] = defaultdict(list)
    for artifact in artifacts:
        parts[artifact.hostname].append(artifact)
    configs = {}
    for hostname, found in parts.items():
        found.sort(key=lambda a: (a.role is not Role.WLC_GLOBAL, a.relpath))
        if found[0].role in WLC_ROLES:
            text = "".join(f"{line}\n" for a in found for line in a.text.splitlines() if line != "end")
        else:
            text = found[0].text
        configs[hostname] = (found[0], text)
    return configs
