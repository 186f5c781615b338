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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from ipaddress import IPv4Interface
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from estate.device_model import Role, SiteModel, build_site, wlc_hostname
from estate.inventory.inventory import Inventory
from estate.paths import TEMPLATES_DIR
from estate.render_context import (
    EnvViews,
    env_views,
    switch_contexts,
    wlc_global_context,
    wlc_site_context,
)

if TYPE_CHECKING:
    import jinja2

ENTRY_TEMPLATES: dict[Role, str] = {
    Role.CORE: "ios_xe/core.j2",
    Role.ACCESS: "ios_xe/access.j2",
    Role.WLC_SITE: "c9800/wlc_site.j2",
    Role.WLC_GLOBAL: "c9800/wlc_global.j2",
}
MANIFEST = "manifest.json"
WRITE_THREADS = 4
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


@lru_cache(maxsize=256)
def vlan_list(ids: tuple[int, ...]) -> str:
    """VLAN ids the way IOS prints them: sorted, runs of three or more as `a-b`."""
    parts: list[str] = []
    ordered = sorted(set(ids))
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{ordered[start]}-{ordered[end]}")
        else:
            parts.extend(str(i) for i in ordered[start : end + 1])
        start = end + 1
    return ",".join(parts)


def ip_mask(interface: IPv4Interface) -> str:
    """`10.0.0.1/24` as IOS wants it after `ip address`: `10.0.0.1 255.255.255.0`."""
    return f"{interface.ip} {interface.netmask}"


def _filters() -> dict[str, Callable[..., Any]]:
    # every filter the templates use is registered here, and only here
    return {"vlan_list": vlan_list, "ip_mask": ip_mask}


@dataclass(frozen=True)
class Renderer:
    templates: Path = TEMPLATES_DIR

    @cached_property
    def environment(self) -> jinja2.Environment:
        import jinja2  # lazy: `estate` commands that never render do not pay for it

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.templates)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            autoescape=False,  # noqa: S701 - device configs, not HTML
            auto_reload=False,  # one process renders one tree: no mtime check per include
            cache_size=-1,
        )
        env.filters.update(_filters())
        return env

    def render(self, template: str, context: dict[str, Any], where: str) -> str:
        import jinja2

        try:
            return self.environment.get_template(template).render(context)
        except jinja2.TemplateError as exc:
            at = _template_frame(exc.__traceback__, self.templates)
            raise RenderError(f"{template} for {where}: {exc}{at}") from None


def _template_frame(tb: TracebackType | None, root: Path) -> str:
    """Where in which partial the error happened (Jinja maps template frames to their files)."""
    found = ""
    prefix = str(root.resolve()) + os.sep
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(prefix):
            found = f" (at {filename[len(prefix):]}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return found


def render_environment(
    inventory: Inventory,
    env: str,
    sites: list[str] | None = None,
    *,
    devices: list[str] | None = None,
    renderer: Renderer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Artifact]:
    """Every artefact of the environment (or of the named sites/devices), in a stable order."""
    renderer = renderer or Renderer()
    chosen = inventory.env_sites(env, sites)
    views = env_views(inventory, env)
    artifacts: list[Artifact] = []
    wanted = set(devices) if devices else None
    if wanted is None or wlc_hostname(inventory, env) in wanted:
        artifacts.append(_wlc_global(views, env, renderer))
    for number, site in enumerate(chosen, start=1):
        model = build_site(inventory, env, site)
        artifacts.extend(_site_artifacts(views, env, model, renderer, wanted))
        if progress is not None:
            progress(number, len(chosen))
    return artifacts


def _wlc_global(views: EnvViews, env: str, renderer: Renderer) -> Artifact:
    hostname = views.wlc.hostname
    template = ENTRY_TEMPLATES[Role.WLC_GLOBAL]
    context = wlc_global_context(views)
    text = renderer.render(template, context, f"environment {env}, device {hostname}")
    return Artifact(env, None, hostname, Role.WLC_GLOBAL, template, f"{env}/wlc/{hostname}.cfg", text)


def _site_artifacts(
    views: EnvViews, env: str, model: SiteModel, renderer: Renderer, wanted: set[str] | None,
) -> Iterable[Artifact]:
    sid = model.site.site_id
    for switch, context in switch_contexts(views, model):
        if wanted is not None and switch.hostname not in wanted:
            continue
        template = ENTRY_TEMPLATES[switch.role]
        text = renderer.render(template, context, f"site {sid}, device {switch.hostname}")
        yield Artifact(env, sid, switch.hostname, switch.role, template, f"{env}/{sid}/{switch.hostname}.cfg", text)
    if model.wlc is not None and (wanted is None or model.wlc.wlc_hostname in wanted):
        template = ENTRY_TEMPLATES[Role.WLC_SITE]
        context = wlc_site_context(views, model, model.wlc)
        text = renderer.render(template, context, f"site {sid}, device {model.wlc.wlc_hostname}")
        yield Artifact(env, sid, model.wlc.wlc_hostname, Role.WLC_SITE, template,
                       f"{env}/{sid}/{WLC_SITE_FILE}", text)


@dataclass(frozen=True)
class Scope:
    """What a render covered, so that files it no longer produces (a removed site or device)
    are deleted: the whole environment, or the named sites and/or devices."""

    sites: frozenset[str] | None = None
    devices: frozenset[str] | None = None

    def covers(self, entry: dict[str, str | None]) -> bool:
        if self.sites is not None and entry.get("site") not in self.sites:
            return False
        return self.devices is None or entry.get("device") in self.devices


def write_artifacts(artifacts: list[Artifact], out: Path, scope: Scope | None = None) -> WriteSummary:
    """Write what changed; with a `scope`, remove what the previous manifest had in that scope
    and this render lacks; write each environment's manifest last."""
    summary = WriteSummary(out)
    for folder in sorted({(out / a.relpath).parent for a in artifacts}):
        folder.mkdir(parents=True, exist_ok=True)
    # file creation is metadata-bound, not CPU-bound: a few threads overlap the waits
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        changed = list(pool.map(lambda a: _write_if_changed(out / a.relpath, a.text.encode()), artifacts))
    for artifact, was_written in zip(artifacts, changed, strict=True):
        (summary.written if was_written else summary.unchanged).append(artifact.relpath)
    for env in sorted({a.env for a in artifacts}):
        manifest = out / env / MANIFEST
        entries = {a.relpath: _manifest_entry(a) for a in artifacts if a.env == env}
        previous = _read_manifest(manifest)
        if scope is not None:
            for path, entry in sorted(previous.items()):
                if path not in entries and scope.covers(entry):
                    (out / path).unlink(missing_ok=True)
                    if not any((out / path).parent.iterdir()):
                        (out / path).parent.rmdir()
                    summary.removed.append(path)
                    del previous[path]
        merged = {**previous, **entries}
        data = (json.dumps({"environment": env, "artifacts": [merged[k] for k in sorted(merged)]},
                           indent=2) + "\n").encode()
        if not (manifest.is_file() and manifest.read_bytes() == data):
            _atomic_write(manifest, data)
    return summary


def _write_if_changed(target: Path, data: bytes) -> bool:
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    _atomic_write(target, data, mkdir=False)
    return True


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


def _atomic_write(target: Path, data: bytes, mkdir: bool = True) -> None:
    if mkdir:
        target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.write(handle, data)  # one call: a config is far below any short-write limit
        os.close(handle)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
