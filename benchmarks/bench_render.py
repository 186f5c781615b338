"""Render benchmark: `estate render --env prod` as a cold process against a Nornir baseline.

(a) wall time of `estate render --env prod --out <tmp> --stack-outputs <prod outputs>` in a fresh
    subprocess: interpreter start, validate, render and write of every device, edge and hub routers
    included (and its peak memory); the outputs come from the offline plan, untimed;
(b) in this process, the same templates for the same devices rendered by Nornir: one
    `nornir_jinja2` `template_file` task per host on the default threaded runner, hosts built in
    code from the same device models with the same context as host data. Timed: inventory build
    (device models, contexts, Nornir hosts) + run. The Nornir side is given the inventory already
    validated and writes nothing, so the ratio flatters the baseline.

Run: `python benchmarks/bench_render.py` (not part of `make test`).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ENV = "prod"
TARGET_SECONDS = 2.0
TARGET_RATIO = 2.0
TARGET_MB = 500
RUNS = 3


def _estate() -> list[str]:
    estate = Path(sys.executable).with_name("estate")
    return [str(estate)] if estate.exists() else [sys.executable, "-m", "estate.cli.main"]


def stack_outputs(folder: Path) -> Path:
    """The prod stack's outputs from the offline plan (not timed): what renders the hub routers."""
    path = folder / "prod-stack-outputs.json"
    subprocess.run([*_estate(), "plan", "--env", ENV, "--outputs", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def estate_cold(out: Path, outputs: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, of every child so far) of a cold `estate render` process:
    every site's switches, edge router and WLC shares, the WLCs, and the hub routers."""
    started = time.perf_counter()
    subprocess.run([*_estate(), "render", "--env", ENV, "--out", str(out), "--stack-outputs", str(outputs)],
                   check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
    return elapsed, peak_kb / 1024


def nornir_baseline(shared_env: bool) -> tuple[float, float, float, dict[str, str]]:
    """(inventory build seconds, run seconds, total, {relpath: text}).

    `shared_env=False` is template_file's documented default (`path=`): a new Jinja environment
    per host, so every host compiles its templates. `shared_env=True` hands every task estate's
    one compiled environment (`jinja_env=`): the best case for the baseline."""
    from nornir.core import Nornir
    from nornir.core.configuration import Config
    from nornir.core.inventory import Defaults, Groups, Host, Hosts, Inventory
    from nornir.core.task import Task
    from nornir.plugins.runners import ThreadedRunner
    from nornir_jinja2.plugins.tasks import template_file

    from estate.build.device_model import Role, build_site
    from estate.build.edge_context import edge_context
    from estate.build.render import (
        ENTRY_TEMPLATES,
        WLC_FOLDER,
        WLC_SITE_BACKUP_FILE,
        WLC_SITE_FILE,
        Renderer,
        _filters,
    )
    from estate.build.render_context import env_views, switch_contexts
    from estate.build.validate import load_inventory
    from estate.build.wlc_context import pair_hostname_of, wlc_env_views, wlc_global_contexts, wlc_site_context
    from estate.paths import DEFAULT_INVENTORY, TEMPLATES_DIR

    inventory = load_inventory(DEFAULT_INVENTORY)
    environment = Renderer().environment  # the same strict environment and filters

    started = time.perf_counter()
    views = env_views(inventory, ENV)
    wlcs = wlc_env_views(inventory, ENV)
    hosts = Hosts()

    def add(name: str, role: Role, relpath: str, context: dict[str, Any]) -> None:
        data = {"template": ENTRY_TEMPLATES[role], "relpath": relpath, "context": context}
        hosts[name] = Host(name=name, data=data)

    for wlc, context in wlc_global_contexts(views, wlcs):
        add(wlc.hostname, Role.WLC_GLOBAL, f"{ENV}/{WLC_FOLDER}/{wlc.hostname}.cfg", context)
    for site in inventory.env_sites(ENV):
        model = build_site(inventory, ENV, site)
        sid = site.site_id
        for switch, context in switch_contexts(views, model):
            add(switch.hostname, switch.role, f"{ENV}/{sid}/{switch.hostname}.cfg", context)
        edge = model.edge
        add(edge.hostname, Role.EDGE, f"{ENV}/{sid}/{edge.hostname}.cfg", edge_context(views, model))
        if model.wlc is not None:
            share = wlc_site_context(views, wlcs, model, model.wlc)
            add(f"{model.wlc.wlc_hostname}@{sid}", Role.WLC_SITE, f"{ENV}/{sid}/{WLC_SITE_FILE}", share)
            if model.wlc.backup is not None:  # the same share on the backup pair, as estate renders it
                backup = pair_hostname_of(wlcs, model.wlc.backup)
                add(f"{backup}@{sid}", Role.WLC_SITE, f"{ENV}/{sid}/{WLC_SITE_BACKUP_FILE}", share)
    nornir = Nornir(inventory=Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
                    runner=ThreadedRunner(), config=Config())
    built = time.perf_counter()

    def render(task: Task) -> None:
        how: dict[str, Any] = (
            {"jinja_env": environment} if shared_env
            else {"path": str(TEMPLATES_DIR), "jinja_filters": _filters()}
        )
        task.run(task=template_file, template=task.host["template"], **how, **task.host["context"])

    results = nornir.run(task=render)
    finished = time.perf_counter()
    if results.failed:
        raise SystemExit(f"nornir run failed on {sorted(results.failed_hosts)}")
    texts = {nornir.inventory.hosts[name]["relpath"]: result[1].result for name, result in results.items()}
    return built - started, finished - built, finished - started, texts


def estate_in_process(folder: Path) -> tuple[float, float]:
    """What the Nornir side does, done by estate: models, contexts, render (no validate, no write);
    and, apart, the write of those files into a fresh folder (staged, synced, swapped), the part
    of the cold process that is the disk's: it varies with the machine's I/O far more than the rest."""
    from estate.build.render import render_environment, write_artifacts
    from estate.build.validate import load_inventory
    from estate.paths import DEFAULT_INVENTORY

    inventory = load_inventory(DEFAULT_INVENTORY)
    started = time.perf_counter()
    artifacts = render_environment(inventory, ENV)
    rendered = time.perf_counter()
    write_artifacts(artifacts, folder)
    return rendered - started, time.perf_counter() - rendered


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        # fresh output folders: a cold run writes every file; best of RUNS against machine noise
        outputs = stack_outputs(Path(tmp))
        runs = [estate_cold(Path(tmp) / f"out{n}", outputs)[0] for n in range(RUNS)]
        estate_seconds, median = min(runs), statistics.median(runs)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KB on Linux
        out = Path(tmp) / "out0"
        everything = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.cfg")}
        hubs = sorted(k for k in everything if k.startswith(f"{ENV}/hubs/"))
        # the Nornir side renders the device configs of the inventory; the hubs need the stack's outputs
        written = {k: v for k, v in everything.items() if not k.startswith(f"{ENV}/hubs/")}
    build, run, nornir_seconds, texts = nornir_baseline(shared_env=False)
    shared_build, shared_run, shared_seconds, shared_texts = nornir_baseline(shared_env=True)
    with tempfile.TemporaryDirectory(prefix="bench-render-write-") as tmp:
        in_process, write_seconds = estate_in_process(Path(tmp) / "out")
    # template_file's own environment has no keep_trailing_newline, so partials run into the next
    # line: the same text but for line breaks. The shared environment gives identical bytes.
    same = {k: v.replace("\n", "") for k, v in texts.items()} == {
        k: v.replace("\n", "") for k, v in written.items()}
    same_shared = shared_texts == written
    ratio = nornir_seconds / estate_seconds
    rows = [
        (f"estate render, cold process, validate+render+write (best of {RUNS})", f"{estate_seconds:7.2f} s",
         f"< {TARGET_SECONDS:.0f} s", estate_seconds < TARGET_SECONDS),
        ("estate render, cold process (median)", f"{median:7.2f} s", "", None),
        ("nornir template_file (path=, env per host): inventory build", f"{build:7.2f} s", "", None),
        ("nornir template_file (path=, env per host): run", f"{run:7.2f} s", "", None),
        ("nornir template_file (path=, env per host): total", f"{nornir_seconds:7.2f} s", "", None),
        ("ratio nornir default / estate", f"{ratio:7.2f} x", f">= {TARGET_RATIO:.0f} x", ratio >= TARGET_RATIO),
        ("nornir template_file (shared jinja_env): build + run",
         f"{shared_seconds:7.2f} s", "", None),
        ("  of which build / run", f"{shared_build:.2f} / {shared_run:.2f}", "", None),
        ("estate in process, same work (models + contexts + render)", f"{in_process:7.2f} s", "", None),
        ("ratio nornir shared env / estate in process", f"{shared_seconds / in_process:7.2f} x",
         f">= {TARGET_RATIO:.0f} x", shared_seconds / in_process >= TARGET_RATIO),
        ("estate in process: write of those files (fresh folder, synced)", f"{write_seconds:7.2f} s", "", None),
        ("ratio nornir shared env / estate cold process", f"{shared_seconds / estate_seconds:7.2f} x", "",
         None),
        ("estate peak memory (maxrss)", f"{peak_mb:7.0f} MB", f"< {TARGET_MB} MB", peak_mb < TARGET_MB),
        ("hub routers rendered from the stack outputs", f"{len(hubs):7d}", "", None),
        ("configs estate / nornir default / nornir shared",
         f"{len(written)}/{len(texts)}/{len(shared_texts)}", "same", same and same_shared),
    ]
    print(f"render benchmark, environment {ENV}")
    print(f"{'measure':<62} {'value':>14}  {'target':<9} ok")
    print("-" * 92)
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<62} {value:>14}  {target:<9} {mark}")
    return 0 if same and same_shared else 1


if __name__ == "__main__":
    raise SystemExit(main())
