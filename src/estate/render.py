"""Render intended configurations: one strict Jinja2 environment, one entry template per role.

Everything is rendered in memory first; `write_artifacts` then writes only what changed, so a
failed render leaves the output folder exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2

from estate.device_model import Role, SiteModel, build_site, wlc_hostname
from estate.inventory.inventory import Inventory
from estate.paths import TEMPLATES_DIR

ENTRY_TEMPLATES: dict[Role, str] = {
    Role.CORE: "ios_xe/core.j2",
    Role.ACCESS: "ios_xe/access.j2",
    Role.WLC_SITE: "c9800/wlc_site.j2",
    Role.WLC_GLOBAL: "c9800/wlc_global.j2",
}
MANIFEST = "manifest.json"
WLC_SITE_FILE = "wlc-site.cfg"


class RenderError(Exception):
    """A template failed for a device: names the template, site and device."""


@dataclass(frozen=True, slots=True)
class Artifact:
    env: str
    site_id: str | None  # None for the environment-wide WLC part
    hostname: str
    role: Role
    template: str
    relpath: str  # relative to the output folder: <env>/<site>/<hostname>.cfg
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass(frozen=True)
class WriteSummary:
    out: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _filters() -> dict[str, Callable[..., Any]]:
    # every filter the templates use is registered here, and only here
    return {}


@dataclass(frozen=True)
class Renderer:
    templates: Path = TEMPLATES_DIR

    @cached_property
    def environment(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.templates)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            autoescape=False,  # noqa: S701 - device configs, not HTML
        )
        env.filters.update(_filters())
        return env

    def render(self, template: str, context: dict[str, Any], where: str) -> str:
        try:
            return self.environment.get_template(template).render(context)
        except jinja2.TemplateError as exc:
            raise RenderError(f"{template} for {where}: {exc}") from None


def render_environment(
    inventory: Inventory,
    env: str,
    sites: list[str] | None = None,
    devices: list[str] | None = None,
    renderer: Renderer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Artifact]:
    """Every artefact of the environment (or of the named sites/devices), in a stable order."""
    renderer = renderer or Renderer()
    chosen = inventory.env_sites(env, sites)
    artifacts: list[Artifact] = []
    wanted = set(devices) if devices else None
    if wanted is None or wlc_hostname(inventory, env) in wanted:
        artifacts.append(_wlc_global(inventory, env, renderer))
    for number, site in enumerate(chosen, start=1):
        model = build_site(inventory, env, site)
        artifacts.extend(a for a in _site_artifacts(inventory, env, model, renderer)
                         if wanted is None or a.hostname in wanted)
        if progress is not None:
            progress(number, len(chosen))
    return artifacts


def _wlc_global(inventory: Inventory, env: str, renderer: Renderer) -> Artifact:
    hostname = wlc_hostname(inventory, env)
    template = ENTRY_TEMPLATES[Role.WLC_GLOBAL]
    context = {"estate": inventory.estate, "env": env, "hostname": hostname}
    text = renderer.render(template, context, f"environment {env}, device {hostname}")
    return Artifact(env, None, hostname, Role.WLC_GLOBAL, template, f"{env}/wlc/{hostname}.cfg", text)


def _site_artifacts(inventory: Inventory, env: str, model: SiteModel, renderer: Renderer) -> Iterable[Artifact]:
    sid = model.site.site_id
    for switch in model.switches:
        template = ENTRY_TEMPLATES[switch.role]
        context = {"estate": inventory.estate, "env": env, "site": model, "switch": switch}
        text = renderer.render(template, context, f"site {sid}, device {switch.hostname}")
        yield Artifact(env, sid, switch.hostname, switch.role, template, f"{env}/{sid}/{switch.hostname}.cfg", text)
    if model.wlc is not None:
        template = ENTRY_TEMPLATES[Role.WLC_SITE]
        context = {"estate": inventory.estate, "env": env, "site": model, "wlc": model.wlc}
        text = renderer.render(template, context, f"site {sid}, device {model.wlc.wlc_hostname}")
        yield Artifact(env, sid, model.wlc.wlc_hostname, Role.WLC_SITE, template,
                       f"{env}/{sid}/{WLC_SITE_FILE}", text)


def write_artifacts(artifacts: list[Artifact], out: Path) -> WriteSummary:
    """Write what changed, remove what the previous manifest had in scope and this one lacks,
    and write each environment's manifest last."""
    summary = WriteSummary(out)
    for artifact in artifacts:
        target = out / artifact.relpath
        data = artifact.text.encode()
        if target.is_file() and target.read_bytes() == data:
            summary.unchanged.append(artifact.relpath)
            continue
        _atomic_write(target, data)
        summary.written.append(artifact.relpath)
    for env in sorted({a.env for a in artifacts}):
        manifest = out / env / MANIFEST
        entries = {a.relpath: _manifest_entry(a) for a in artifacts if a.env == env}
        previous = _read_manifest(manifest)
        merged = {**previous, **entries}
        data = (json.dumps({"environment": env, "artifacts": [merged[k] for k in sorted(merged)]},
                           indent=2) + "\n").encode()
        if not (manifest.is_file() and manifest.read_bytes() == data):
            _atomic_write(manifest, data)
    return summary


def _manifest_entry(artifact: Artifact) -> dict[str, str | None]:
    return {
        "path": artifact.relpath,
        "device": artifact.hostname,
        "site": artifact.site_id,
        "role": artifact.role.value,
        "template": artifact.template,
        "sha256": artifact.sha256,
    }


def _read_manifest(path: Path) -> dict[str, dict[str, str | None]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {entry["path"]: entry for entry in data["artifacts"]}
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return {}


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
