"""An environment's devices as the lab simulates them: rendered intended configs aged into a
brownfield start state, their `${NAME}` placeholders kept (the lab server fills them in memory).
Switches, the WLCs, each site's edge router and, given the stack's outputs, the hub routers
(Catalyst 8000 routers in `show version`), all from the rendered artefacts.

Config secrets for a lab (`${TACACS_KEY}` and friends) come from `ESTATE_SECRET_*` when set;
otherwise the lab generates random lab-only values once and keeps them in
`<state-dir>/secrets.json`, readable by its owner only, so review and push with `--lab` resolve
the same placeholders the lab's devices hold (the named secrets, and any other placeholder the
lab's configs hold, such as the hubs' `${VPN_PSK_<HUB>_T<n>}`). Real credentials are never
generated here.
"""

from __future__ import annotations

import json
import secrets as token
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from estate.build.device_configs import WLC_ROLES, device_configs
from estate.build.device_model import build_site
from estate.build.render import render_environment
from estate.files import write_private
from estate.inventory.inventory import Inventory
from estate.lab.brownfield import brownfield_config
from estate.lab.state import DEFAULT_PORT, LabDeviceSpec, LabError, state_folder
from estate.secrets import (
    SECRET_NAMES,
    SecretBook,
    SecretValueError,
    check_value,
    from_environment,
    placeholders_in,
    resolve,
)

if TYPE_CHECKING:
    from estate.build.stack_outputs import StackOutputs

SECRETS_JSON = "secrets.json"


def lab_secret_values(state_dir: Path, *, create: bool = True, extra_names: Iterable[str] = ()) -> SecretBook:
    """Environment values win; the rest come from the lab's store (generated when `create`, for
    the named secrets and `extra_names`: the other placeholders of the lab's configs).
    `LabError` for a damaged store, `SecretValueError` for a bad environment value."""
    path = state_dir / SECRETS_JSON
    stored = _read_store(path)
    missing = [name for name in (*SECRET_NAMES, *sorted(set(extra_names))) if name not in stored]
    if missing and create:
        stored.update({name: token.token_urlsafe(18) for name in missing})
        state_folder(state_dir)
        write_private(path, json.dumps(stored))
    return SecretBook({**stored, **from_environment()})


def _read_store(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise LabError(f"cannot read the lab's secrets {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    hint = "delete it to generate new lab secrets (a running lab must be restarted)"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LabError(f"{path} is damaged (not JSON: {exc.msg}, line {exc.lineno}); {hint}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise LabError(f"{path} is damaged (expected {{NAME: value}} strings); {hint}")
    try:
        return {name: check_value(value, f"{path}: {name}") for name, value in data.items()}
    except SecretValueError as exc:
        raise LabError(f"{exc}; {hint}") from exc


def wlc_drift(text: str) -> str:
    """A WLC's brownfield: the last site share that has an RF tag lost it (the newest site,
    tagged before the RF standard)."""
    head, found, tail = text.rpartition(" tag rf RT-MPS\n")
    return head + tail if found else text


def lab_device_specs(
    inventory: Inventory,
    env: str,
    values: Mapping[str, str] | None = None,
    sites: list[str] | None = None,
    port: int = DEFAULT_PORT,
    *,
    stack_outputs: StackOutputs | None = None,
) -> list[LabDeviceSpec]:
    """Brownfield specs for the environment's devices. Without `values` the configs keep their
    `${NAME}` placeholders (what `lab up` writes to disk; the server resolves them in memory);
    with them, the values are filled in (an in-process lab that never writes its specs). With
    the stack's outputs, the hub routers too."""
    models = {}
    for site in inventory.env_sites(env, sites):
        model = build_site(inventory, env, site)
        models.update({switch.hostname: switch.model for switch in model.switches})
        models[model.edge.hostname] = model.edge.model
    wlc_model = inventory.environment(env).wireless.model  # every pair, and the guest anchor
    artifacts = render_environment(inventory, env, sites)
    if stack_outputs is not None:
        from estate.build.hubs import HUB_PLATFORM, hub_artifacts

        hubs = hub_artifacts(inventory, env, stack_outputs)
        artifacts += hubs
        models.update({hub.hostname: HUB_PLATFORM.model for hub in hubs})
    specs = []
    for hostname, (first, text) in sorted(device_configs(artifacts).items()):
        intended = text if values is None else resolve(text, values)
        wlc = first.role in WLC_ROLES
        specs.append(
            LabDeviceSpec(
                hostname=hostname,
                site_id=env if wlc else first.site_id or env,
                role="wlc" if wlc else first.role.value,
                model=models.get(hostname, wlc_model),
                config_text=wlc_drift(intended) if wlc else brownfield_config(intended, hostname),
                port=port,
                master_key=True,  # devices in service: the one-off master-key step is done
            )
        )
    return specs


def inventory_specs(inventory: Inventory, env: str, sites: list[str] | None = None,
                    stack_outputs: StackOutputs | None = None) -> list[LabDeviceSpec]:
    return lab_device_specs(inventory, env, None, sites, stack_outputs=stack_outputs)


def spec_placeholders(specs: Iterable[LabDeviceSpec]) -> set[str]:
    """Every `${NAME}` the specs' configs hold: what the lab must have a value for."""
    return {name for spec in specs for name in placeholders_in(spec.config_text)}
