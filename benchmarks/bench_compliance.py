"""Offline compliance of the whole prod estate from saved running configs (render, read,
diff, classify; no SSH). Saved configs as bench_review's offline part makes them, except that
a day-to-day estate is mostly compliant: every DRIFT_EVERY-th switch carries the brownfield
drift, the rest are as last pushed. Devices already in their intended state skip the diff
(WLC site shares too: `split_wlc` re-indents them, which `surely_unchanged` sees through); the
rest are diffed across processes. Target: < 10 s, printed beside one process's figure and the
load average (the machine is shared: a loaded one explains a slow figure)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from estate.build.device_model import Role
from estate.build.render import render_environment
from estate.build.validate import load_inventory
from estate.change.compliance import compliance_environment
from estate.change.review import Selection
from estate.change.risk import RiskSettings
from estate.lab.brownfield import brownfield_config
from estate.paths import DEFAULT_INVENTORY
from estate.secrets import SECRET_NAMES, resolve

TARGET_S = 10.0
DRIFT_EVERY = 20


def saved_configs(inventory: object, folder: Path, secrets: dict[str, str]) -> int:
    wlc: list[str] = []
    wlc_name = ""
    drifted = 0
    for index, artifact in enumerate(render_environment(inventory, "prod")):  # type: ignore[arg-type]
        text = resolve(artifact.text, secrets)
        if artifact.role in {Role.WLC_GLOBAL, Role.WLC_SITE}:
            wlc_name = artifact.hostname
            wlc.extend(line + "\n" for line in text.splitlines() if line != "end")
            continue
        if index % DRIFT_EVERY == 0:
            text = brownfield_config(text, artifact.hostname)
            drifted += 1
        (folder / f"{artifact.hostname}.cfg").write_text(text)
    (folder / f"{wlc_name}.cfg").write_text("".join(wlc))
    return drifted


def timed(inventory: object, folder: Path, secrets: dict[str, str], processes: int | None) -> tuple[float, str]:
    started = time.perf_counter()
    report = compliance_environment(inventory, Selection("prod", running_from=folder), credentials=None,
                                    settings=None, secrets=secrets, risk=RiskSettings(), processes=processes)
    wall = time.perf_counter() - started
    return wall, f"{len(report.devices)} targets, {len(report.sites)} sites, {report.percent:.1f} % compliant"


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    secrets = {name: f"bench-{name.lower()}-{os.urandom(4).hex()}" for name in SECRET_NAMES}
    inventory = load_inventory(DEFAULT_INVENTORY)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        drifted = saved_configs(inventory, folder, secrets)
        print(f"saved configs: {drifted} drifted switches (every {DRIFT_EVERY}th); {load()}", flush=True)
        single, what = timed(inventory, folder, secrets, 1)
        print(f"offline prod compliance, one process: {single:.1f}s ({what})", flush=True)
        wall, what = timed(inventory, folder, secrets, None)
        print(f"offline prod compliance, {os.cpu_count()} processes: {wall:.1f}s (target < {TARGET_S:.0f}s; "
              f"one process {single:.1f}s) ({what}); {load()}")
    return 0 if wall < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
