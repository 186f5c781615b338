"""An environment's devices as the lab simulates them: rendered intended configs, with the
lab's secret values filled in, aged into a brownfield start state.

Config secrets for a lab (`${TACACS_KEY}` and friends) come from `ESTATE_SECRET_*` when set;
otherwise the lab generates random lab-only values once and keeps them in
`<state-dir>/secrets.json`, readable by its owner only, so review and push with `--lab` resolve
the same placeholders the lab's devices hold. Real credentials are never generated here.
"""

from __future__ import annotations

import json
import os
import secrets as token
from collections import defaultdict
from pathlib import Path

from estate.device_model import Role, build_site
from estate.inventory.inventory import Inventory
from estate.lab.brownfield import brownfield_config
from estate.lab.state import LabDeviceSpec
from estate.render import Artifact, render_environment
from estate.secrets import SECRET_NAMES, from_environment, resolve

SECRETS_JSON = "secrets.json"


def lab_secret_values(state_dir: Path) -> dict[str, str]:
    """Environment values win; the rest come from (or are generated into) the lab's store."""
    path = state_dir / SECRETS_JSON
    stored: dict[str, str] = {}
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in SECRET_NAMES if name not in stored]
    if missing:
        stored.update({name: token.token_urlsafe(18) for name in missing})
        state_dir.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(stored, stream)
    return {**stored, **from_environment()}


def device_configs(artifacts: list[Artifact]) -> dict[str, tuple[Artifact, str]]:
    """Each device's whole intended config: a switch is one artefact, the WLC is its global part
    followed by every site's share."""
    parts: dict[str, list[Artifact]] = defaultdict(list)
    for artifact in artifacts:
        parts[artifact.hostname].append(artifact)
    configs = {}
    for hostname, found in parts.items():
        found.sort(key=lambda a: (a.role is not Role.WLC_GLOBAL, a.relpath))
        configs[hostname] = (found[0], "".join(a.text for a in found))
    return configs


def inventory_specs(
    inventory: Inventory, env: str, state_dir: Path, sites: list[str] | None = None
) -> list[LabDeviceSpec]:
    values = lab_secret_values(state_dir)
    models = {
        switch.hostname: switch.model
        for site in inventory.env_sites(env, sites)
        for switch in build_site(inventory, env, site).switches
    }
    specs = []
    for hostname, (first, text) in sorted(device_configs(render_environment(inventory, env, sites)).items()):
        intended = resolve(text, values)
        role = "wlc" if first.role in (Role.WLC_GLOBAL, Role.WLC_SITE) else first.role.value
        specs.append(
            LabDeviceSpec(
                hostname=hostname,
                site_id=first.site_id or env,
                role=role,
                model=models.get(hostname, inventory.estate.models.wlc),
                config_text=brownfield_config(intended, hostname),
            )
        )
    return specs
