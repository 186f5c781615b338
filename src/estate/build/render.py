"""Render intended configurations: one strict Jinja2 environment, one entry template per role.

No data can add a line to a config: every printed value must be one line of printable
characters (`checked_output`, Jinja's finalize), whatever validation let through; values
printed between double quotes or in the banner are checked for their delimiters too.

Everything is rendered in memory first; `write_artifacts` then builds each environment's new
folder beside the old one and swaps it in whole, so a failed, interrupted or killed render
leaves the output folder exactly as it was, and a finished one leaves nothing beside it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from ipaddress import IPv4Interface
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from estate.build.device_model import Role, SiteModel, build_site, wlc_hostnames
from estate.build.edge_context import edge_context
from estate.build.render_context import EnvViews, env_views, switch_contexts
from estate.build.wlc_context import (
    WlcEnvViews,
    pair_hostname_of,
    wlc_env_views,
    wlc_global_contexts,
    wlc_site_context,
)
from estate.files import PUBLIC_FILE, atomic_write, write_new
from estate.inventory.inventory import Inventory
from estate.paths import TEMPLATES_DIR

if TYPE_CHECKING:
    import jinja2

ENTRY_TEMPLATES: dict[Role, str] = {
    Role.CORE: "ios_xe/core.j2",
    Role.ACCESS: "ios_xe/access.j2",
    Role.WLC_SITE: "c9800/wlc_site.j2",
    Role.WLC_GLOBAL: "c9800/wlc_global.j2",  # each HA pair's own part, and the guest anchor
    Role.EDGE: "ios_xe/edge.j2",  # the site's WAN edge router
    Role.HUB: "ios_xe/hub.j2",  # a WAN hub router (build.hubs)
}
MANIFEST = "manifest.json"
WRITE_THREADS = 4
WLC_SITE_FILE = "wlc-site.cfg"
WLC_SITE_BACKUP_FILE = "wlc-site-backup.cfg"  # the same share, on the site's backup pair
WLC_FOLDER = "wlc"  # <env>/wlc/<hostname>.cfg: the WLCs' own parts (they belong to no site)


class RenderError(Exception):
    """A template failed for a device: names the template, site and device."""


@dataclass(frozen=True, slots=True)
class Artifact:
    env: str
    site_id: str | None  # None for a WLC's own part (a pair's or the guest anchor's)
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


class UnsafeValueError(ValueError):
    """A value that would not print as part of one configuration line (raised inside a render,
    turned into a `RenderError` naming the template, site and device)."""

    def __init__(self, value: str, reason: str, position: int) -> None:
        super().__init__(reason)
        self.value = value
        self.reason = reason
        self.position = position  # of the offending character


def unprintable(text: str) -> tuple[int, str] | None:
    """Where and why `text` cannot sit inside one configuration line, or None. Printable means
    `str.isprintable`: no line break of any kind (\\n, \\r, \\v, \\f, \\x1c-\\x1e, \\x85, \\u2028,
    \\u2029), no control character (NUL, tab, escape...), no format character (bidi overrides,
    zero-width space) or unassigned code point, no space but ' '."""
    if text.isprintable():
        return None
    position, char = next((i, c) for i, c in enumerate(text) if not c.isprintable())
    kind = "a line break" if char.splitlines() != [char] else "a non-printable character"
    return position, f"contains {kind} (U+{ord(char):04X})"


def checked_output(value: Any) -> Any:
    """Jinja's `finalize`: every `{{ ... }}` passes through here, so no value, whatever its field
    and however it was validated, can end a line the template started or start one of its own."""
    kind = value.__class__
    if kind is str:  # the exact-type tests keep the ~300,000 calls of a prod render cheap
        if value.isprintable():
            return value
    elif kind is int or kind is RenderedLines:  # VLAN ids and counts; lines a template here rendered
        return value
    else:
        value = str(value)
        if value.isprintable():
            return value
    position, reason = unprintable(value) or (0, "")
    raise UnsafeValueError(value, reason, position)


class RenderedLines(str):
    """Lines that a template of the renderer's own environment produced (every value in them went
    through `checked_output` there): the only multi-line text a `{{ ... }}` may print."""

    __slots__ = ()


PORT_BODY = "ios_xe/partials/port_body.j2"
_port_bodies: weakref.WeakKeyDictionary[Any, dict[tuple[int, int | None, object], tuple[object, str]]] = (
    weakref.WeakKeyDictionary())


def port_body(environment: jinja2.Environment, profile: object, channel: int | None, address: object) -> str:
    """A port's lines after its description (`PORT_BODY`), rendered once per profile, channel and
    address and then reused: every port of a kind shares one profile object, so the ~100,000 ports
    of prod take a few thousand renders. Keyed by the profile's identity (hashing a profile per port
    would cost as much as rendering it); the cache holds the profile, so its id cannot be reused."""
    cache = _port_bodies.setdefault(environment, {})
    key = (id(profile), channel, address)
    hit = cache.get(key)
    if hit is not None and hit[0] is profile:
        return hit[1]
    text = RenderedLines(environment.get_template(PORT_BODY).render(p=profile, channel=channel, address=address))
    cache[key] = (profile, text)
    return text


def in_quotes(value: object) -> str:
    """`value` for printing between double quotes (C9800 descriptions): refused if it holds a
    quote or a backslash, which would end the string early or escape its end."""
    text = str(value)
    for position, char in enumerate(text):
        if char in '"\\':
            raise UnsafeValueError(text, f"contains {char!r}, printed inside double quotes", position)
    return text


def banner_text(value: object) -> str:
    """A line of the login banner: refused if it holds '^', the banner's delimiter (IOS ends the
    banner there and reads the lines after it as configuration)."""
    text = str(value)
    if "^" in text:
        raise UnsafeValueError(text, "contains '^', which ends the banner", text.index("^"))
    return text


def _filters() -> dict[str, Callable[..., Any]]:
    # every filter the templates use is registered here, and only here
    from jinja2 import pass_environment  # lazy, as in Renderer.environment; marks the function itself

    return {"vlan_list": vlan_list, "ip_mask": ip_mask, "in_quotes": in_quotes, "banner_text": banner_text,
            "port_body": pass_environment(port_body)}


def _shown(value: str, position: int, width: int = 80) -> str:
    """`value` for an error message: its repr (every non-printable character escaped, so the
    message stays one line), cut to `width` characters around the offending one."""
    if len(value) <= width:
        return repr(value)
    start = max(0, min(position - width // 2, len(value) - width))
    cut = repr(value[start : start + width])
    return (f"{'...' if start else ''}{cut}{'...' if start + width < len(value) else ''} "
            f"({len(value)} characters)")


@dataclass(frozen=True)
class Renderer:
    """The one strict Jinja environment. Every character of its output is either template text,
    checked when the template is loaded, or a `{{ ... }}` value, checked by `checked_output`: so
    each line of a rendered config is a line of its template, whatever the data holds."""

    templates: Path = TEMPLATES_DIR

    @cached_property
    def environment(self) -> jinja2.Environment:
        import jinja2  # lazy: `estate` commands that never render do not pay for it

        env = jinja2.Environment(
            loader=_checked_loader(self.templates),
            undefined=jinja2.StrictUndefined,
            finalize=checked_output,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            autoescape=False,  # noqa: S701 - device configs, not HTML
            auto_reload=False,  # one process renders one tree: no mtime check per include
            cache_size=-1,
            bytecode_cache=_bytecode_cache(),
        )
        env.filters.update(_filters())
        return env

    def render(self, template: str, context: dict[str, Any], where: str) -> str:
        import jinja2

        try:
            return self.environment.get_template(template).render(context)
        except UnsafeValueError as exc:
            at = _template_frame(exc.__traceback__, self.templates)
            raise RenderError(f"{template} for {where}: refused the value {_shown(exc.value, exc.position)}: "
                              f"it {exc.reason}{at}") from None
        except jinja2.TemplateError as exc:
            at = _template_frame(exc.__traceback__, self.templates)
            raise RenderError(f"{template} for {where}: {exc}{at}") from None


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between processes (a cold render spends ~0.15 s compiling them
    otherwise). Jinja's default folder is per user, mode 0700 and checked to be ours before use;
    entries are keyed by the template source's checksum, so an edited template is recompiled, and
    the loader still checks the source text on every load. None when no safe folder exists."""
    import jinja2

    try:
        return jinja2.FileSystemBytecodeCache()
    except RuntimeError:  # the folder exists but is not ours, or not private: do without
        return None


def _checked_loader(root: Path) -> jinja2.BaseLoader:
    import jinja2

    class CheckedLoader(jinja2.FileSystemLoader):
        # Jinja prints template text as it is (it only turns \r\n into \n), so a \v, \x85 or
        # \u2028 saved into a template would be a line break no output check sees.
        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            for number, line in enumerate(source.replace("\r\n", "\n").split("\n"), start=1):
                found = unprintable(line)
                if found is not None:
                    raise jinja2.TemplateSyntaxError(f"template text {found[1]}", number, template, filename)
            return source, filename, uptodate

    return CheckedLoader(str(root))


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
    """Every artefact of the environment (or of the named sites/devices), in a stable order. For
    named sites, the WLCs' own parts are those of the WLCs serving them (`serving_wlcs`)."""
    renderer = renderer or Renderer()
    chosen = inventory.env_sites(env, sites)
    views = env_views(inventory, env)
    wlcs = wlc_env_views(inventory, env)
    models = [build_site(inventory, env, site) for site in chosen]  # cached: built once per process
    artifacts: list[Artifact] = []
    wanted = set(devices) if devices else None
    own = wanted  # which WLCs' own parts to render
    if sites is not None:
        serving = serving_wlcs(wlcs, models)
        own = serving if wanted is None else serving & wanted
    artifacts.extend(_wlc_globals(views, wlcs, env, renderer, own))

    def render_sites(part: list[SiteModel], report: Callable[[int], None] | None) -> list[Artifact]:
        done: list[Artifact] = []
        for number, model in enumerate(part, start=1):
            done.extend(_site_artifacts(views, wlcs, env, model, renderer, wanted=wanted))
            if report is not None:
                report(number)
        return done

    total = len(chosen)
    tick = None if progress is None else (lambda n: progress(n, total))
    if len(models) < PARALLEL_MIN_SITES or not _can_fork():
        return artifacts + render_sites(models, tick)
    # the second half in a forked child, the first here: two cores, and the site models, contexts
    # and compiled templates are shared copy-on-write (nothing is pickled but the output text)
    half = len(models) // 2
    scaled = None if progress is None else (lambda n: progress(min(2 * n, total), total))
    with _forked(lambda: render_sites(models[half:], None)) as later:
        first = render_sites(models[:half], scaled)
        rest = later()
    if progress is not None:
        progress(total, total)
    return artifacts + first + rest


PARALLEL_MIN_SITES = 64  # below this a fork costs more than it saves


def _can_fork() -> bool:
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1


@contextmanager
def _forked(work: Callable[[], list[Artifact]]) -> Iterator[Callable[[], list[Artifact]]]:
    """Run `work` in a forked child; yields a function that waits for its result (re-raising the
    child's exception, such as a RenderError, as the parent's). The child never returns into the
    caller's code: it writes its result to a pipe and leaves with `os._exit`."""
    import pickle

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        status = 0
        try:
            try:
                payload = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:
                payload, status = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL), 1
            with os.fdopen(write_fd, "wb") as stream:
                stream.write(payload)
        finally:
            os._exit(status)
    os.close(write_fd)
    reader = os.fdopen(read_fd, "rb")
    waited = False

    def result() -> list[Artifact]:
        nonlocal waited
        data = reader.read()
        os.waitpid(pid, 0)
        waited = True
        if not data:
            raise RenderError("the render of the second half of the sites stopped without a result")
        ok, value = pickle.loads(data)  # noqa: S301 - our own child's output, over our own pipe
        if not ok:
            raise value
        return cast("list[Artifact]", value)

    try:
        yield result
    finally:
        reader.close()
        if not waited:  # the parent failed first (or was interrupted): do not leave the child behind
            with suppress(ProcessLookupError):
                os.kill(pid, 9)
            os.waitpid(pid, 0)


def serving_wlcs(wlcs: WlcEnvViews, models: Iterable[SiteModel]) -> set[str]:
    """The WLCs a set of sites involves: the pairs serving them and their backup pairs, and the
    guest anchor where one of them offers guest WiFi."""
    names = set()
    guest = False
    for model in models:
        if model.wlc is not None:
            names.add(model.wlc.wlc_hostname)
            if model.wlc.backup is not None:
                names.add(pair_hostname_of(wlcs, model.wlc.backup))
            guest = guest or any(ssid.guest for ssid in model.wlc.wlans)
    if guest and wlcs.anchor is not None:
        names.add(wlcs.anchor.hostname)
    return names


def _wlc_globals(
    views: EnvViews, wlcs: WlcEnvViews, env: str, renderer: Renderer, wanted: set[str] | None,
) -> Iterable[Artifact]:
    """Each WLC's own part: every HA pair's (its sites' shares are rendered with the sites),
    and the guest anchor's (its whole config)."""
    template = ENTRY_TEMPLATES[Role.WLC_GLOBAL]
    for wlc, context in wlc_global_contexts(views, wlcs):
        if wanted is not None and wlc.hostname not in wanted:
            continue
        text = renderer.render(template, context, f"environment {env}, device {wlc.hostname}")
        yield Artifact(env, None, wlc.hostname, Role.WLC_GLOBAL, template,
                       f"{env}/{WLC_FOLDER}/{wlc.hostname}.cfg", text)


def _site_artifacts(
    views: EnvViews, wlcs: WlcEnvViews, env: str, model: SiteModel, renderer: Renderer, *, wanted: set[str] | None,
) -> Iterable[Artifact]:
    sid = model.site.site_id
    for switch, context in switch_contexts(views, model):
        if wanted is not None and switch.hostname not in wanted:
            continue
        template = ENTRY_TEMPLATES[switch.role]
        text = renderer.render(template, context, f"site {sid}, device {switch.hostname}")
        yield Artifact(env, sid, switch.hostname, switch.role, template, f"{env}/{sid}/{switch.hostname}.cfg", text)
    edge = model.edge
    if wanted is None or edge.hostname in wanted:
        template = ENTRY_TEMPLATES[Role.EDGE]
        text = renderer.render(template, edge_context(views, model), f"site {sid}, device {edge.hostname}")
        yield Artifact(env, sid, edge.hostname, Role.EDGE, template, f"{env}/{sid}/{edge.hostname}.cfg", text)
    if model.wlc is None:
        return
    # the share goes on the site's pair and on its backup pair: APs that fail over find their
    # site's tags and profiles there (N+1), instead of joining with default tags and no WLANs
    shares = [(model.wlc.wlc_hostname, WLC_SITE_FILE)]
    if model.wlc.backup is not None:
        shares.append((pair_hostname_of(wlcs, model.wlc.backup), WLC_SITE_BACKUP_FILE))
    text = ""
    template = ENTRY_TEMPLATES[Role.WLC_SITE]
    for hostname, filename in shares:
        if wanted is not None and hostname not in wanted:
            continue
        if not text:
            context = wlc_site_context(views, wlcs, model, model.wlc)
            text = renderer.render(template, context, f"site {sid}, device {hostname}")
        yield Artifact(env, sid, hostname, Role.WLC_SITE, template, f"{env}/{sid}/{filename}", text)


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


def device_hostnames(inventory: Inventory, env: str, sites: list[str] | None = None) -> set[str]:
    """Every device a render of the environment (or of the named sites) can produce: what an
    unknown `--device` is matched against."""
    models = [build_site(inventory, env, site) for site in inventory.env_sites(env, sites)]
    names = set(wlc_hostnames(inventory, env)) if sites is None else serving_wlcs(wlc_env_views(inventory, env), models)
    for model in models:
        names.update(switch.hostname for switch in model.switches)
        names.add(model.edge.hostname)
    return names


def write_artifacts(artifacts: list[Artifact], out: Path, scope: Scope | None = None) -> WriteSummary:
    """Replace each environment's folder `<out>/<env>` as a whole: the new folder is built beside
    it (unchanged files hard-linked, changed ones written, the manifest last) and swapped in with
    one rename, so a reader, a crash, a signal or a full disk sees the old folder or the new
    one, never a mix. With a `scope`, what the previous manifest had in that scope and this
    render lacks is left out; everything else of the old folder is carried over."""
    summary = WriteSummary(out)
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        for env in sorted({a.env for a in artifacts}):
            _write_environment(out, env, [a for a in artifacts if a.env == env], scope, summary)
    return summary


def _write_environment(out: Path, env: str, artifacts: list[Artifact], scope: Scope | None,
                       summary: WriteSummary) -> None:
    current = out / env
    if current.exists() and not current.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(current))
    recover(out, env)
    data = {a.relpath: a.text.encode() for a in artifacts}
    # reading back is metadata- and IO-bound: a few threads overlap the waits
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        same = list(pool.map(lambda a: _same(out / a.relpath, data[a.relpath]), artifacts))
    changed = [a.relpath for a, unchanged in zip(artifacts, same, strict=True) if not unchanged]
    summary.written.extend(changed)
    summary.unchanged.extend(a.relpath for a, unchanged in zip(artifacts, same, strict=True) if unchanged)
    previous = _read_manifest(current / MANIFEST)
    entries = {a.relpath: _manifest_entry(a) for a in artifacts}
    removed = sorted(path for path, entry in previous.items()
                     if scope is not None and path not in entries and scope.covers(entry))
    summary.removed.extend(removed)
    merged = {**{p: e for p, e in previous.items() if p not in set(removed)}, **entries}
    manifest = (json.dumps({"environment": env, "artifacts": [merged[k] for k in sorted(merged)]},
                           indent=2) + "\n").encode()
    if not changed and not removed and _same(current / MANIFEST, manifest):
        return  # the folder already is the result: nothing to stage, nothing touched
    staging = _new_sibling(out, env, STAGING)
    try:
        _stage(staging, current, {p: data[p] for p in changed}, skip={*changed, *removed}, env=env)
        atomic_write(staging / MANIFEST, manifest, mode=PUBLIC_FILE, mkdir=False, durable=False)
        _flush(staging)
        old = _swap(staging, current, out, env)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)  # a leftover is removed by the next run's recover()
    # the swap is done; a failed fsync only means a power cut might undo it
    with suppress(OSError):
        _fsync_folder(out)


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return False


def _stage(staging: Path, current: Path, written: dict[str, bytes], skip: set[str], env: str) -> None:
    """Fill `staging` with the old folder's files minus `skip` (hard links: same inode, same
    mtime, no copy) plus the `written` ones. Plain strings, not Paths: a few thousand files."""
    made: set[str] = set()

    def folder(relative: str) -> str:
        path = os.path.join(staging, relative) if relative else str(staging)  # noqa: PTH118 - see docstring
        if path not in made:
            os.makedirs(path, exist_ok=True)  # noqa: PTH103
            made.add(path)
        return path

    for root, _dirs, files in os.walk(current):
        relative = os.path.relpath(root, current)
        relative = "" if relative == "." else relative
        prefix = f"{env}/{relative}/" if relative else f"{env}/"
        for name in files:
            relpath = prefix + name
            if relpath in skip or relpath == f"{env}/{MANIFEST}" or (name.startswith(".") and name.endswith(".tmp")):
                continue  # replaced, removed, rewritten last, or a temp file an older estate left
            source, target = os.path.join(root, name), os.path.join(folder(relative), name)  # noqa: PTH118
            try:
                os.link(source, target, follow_symlinks=False)
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EXDEV):
                    raise
                shutil.copy2(source, target, follow_symlinks=False)  # a filesystem without hard links
    targets = {}
    for relpath, data in written.items():
        relative, name = os.path.split(relpath.split("/", 1)[1])
        targets[Path(folder(relative), name)] = data
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        # new files in a folder nobody reads yet: `_flush` syncs it once and `_swap` puts it in place
        list(pool.map(lambda item: write_new(item[0], item[1], mode=PUBLIC_FILE), targets.items()))


STAGING, ASIDE = "staging", "old"


def _new_sibling(out: Path, env: str, kind: str) -> Path:
    # os.mkdir, not mkdtemp: the folder gets the umask's mode (mkdtemp makes it 0700)
    while True:
        path = out / f".{env}.{kind}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def recover(out: Path, env: str) -> None:
    """Undo what a run killed mid-write left in `out`: a folder moved aside but never replaced
    goes back to `<env>`; every other staging or aside folder is deleted."""
    asides = sorted(out.glob(f".{env}.{ASIDE}-*"))
    current = out / env
    if asides and not current.exists():
        asides.pop().rename(current)
    for leftover in [*out.glob(f".{env}.{STAGING}-*"), *asides]:
        shutil.rmtree(leftover, ignore_errors=True)


def _swap(staging: Path, current: Path, out: Path, env: str) -> Path | None:
    """Put `staging` at `current` in one step; the old folder's new path (to delete), or None."""
    if not current.exists():
        staging.rename(current)
        return None
    if _exchange(staging, current):
        return staging
    # no atomic exchange here: two renames, and recover() puts the old folder back if a run
    # dies between them
    aside = _new_sibling(out, env, ASIDE)
    aside.rmdir()
    current.rename(aside)
    try:
        staging.rename(current)
    except BaseException:
        aside.rename(current)
        raise
    return aside


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where the C
    library, the kernel or the filesystem lacks it."""
    call = _renameat2()
    if call is None:
        return False
    if call(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


@lru_cache(maxsize=1)
def _renameat2() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc before 2.28, musl before 1.2.4
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    call.restype = ctypes.c_int
    return cast("Callable[..., int]", call)


def _flush(folder: Path) -> None:
    """Write the staged files to disk before the swap makes them the output: after a power cut
    the folder is then the old one or the new one, never new names over empty files. One
    syncfs for the filesystem instead of an fsync per file (hundreds of files)."""
    call = _syncfs()
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if call is None or call(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


@lru_cache(maxsize=1)
def _syncfs() -> Callable[[int], int] | None:
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int]
    call.restype = ctypes.c_int
    return cast("Callable[[int], int]", call)


def _fsync_folder(folder: Path) -> None:
    # makes the swap itself durable; without it a power cut may bring the old folder back
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One writer at a time per output folder: a second render waits for the first one's swap
    instead of deleting its staging folder as a leftover. flock dies with its process, so a
    killed run never leaves a stale lock."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
