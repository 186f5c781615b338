"""Push with every safety step on, against a plain netmiko push, on simulated devices.

40 access switches of two sites (`lab up` in its own process, running their rendered config) take
one fixed change: new descriptions on five access ports (10 lines). 20 get it through estate's
own push (`push_environment`: revert-timer session, per-line prompt checks, verify re-read,
reconnect over a fresh session, operational snapshots before and after, confirm, save); the
other half, interleaved with the first across the same sites, get the same lines through a plain
sequential netmiko loop (connect, enable, `send_config_set`, `save_config`, disconnect). Both run
one device at a time in the same process, so per-device milliseconds compare like with like;
the difference is what the safety steps cost per device. The run record's seconds per step show
where it goes.

Target: every estate device ends `applied`, and every baseline device shows the change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from estate.build.device_model import Role
from estate.build.render import render_environment
from estate.build.validate import load_inventory
from estate.change.device_push import Outcome, PushSettings
from estate.change.fetch import ConnectSettings, Endpoint, credentials_from_env, fetch_running, netmiko_params
from estate.change.review import Selection, Target, endpoints_for, targets_from
from estate.change.rollout import Rollout, WindowGate, push_environment
from estate.change.runs import RECORD
from estate.lab import Faults, LabDeviceSpec, lab_down, lab_up
from estate.lab.from_inventory import lab_device_specs
from estate.paths import DEFAULT_INVENTORY
from estate.secrets import ENV_PREFIX, SECRET_NAMES, resolve

ENV = "prod"
SITES = ["MPS-0001", "MPS-0002"]
DEVICES = 20  # per side: 20 through estate, 20 through the baseline loop
PORTS = 5  # descriptions changed: 2 lines each (the interface, its description)
REVERT_MINUTES = 1
LAB_MINUTE_SECONDS = 20.0  # a lab minute: a healthy push confirms well inside it; a broken one reverts soon
# steps the plain loop also does, in some form; every other step is safety
PLAIN_STEPS = ("connect", "apply", "save")


def change(text: str) -> tuple[str, list[str]]:
    """The intended text with the first PORTS access-mode ports' descriptions changed, and the
    lines that change them (what the review must propose and the baseline sends). Trunks are
    left alone: a change on one is flagged as an uplink risk, which is not what is measured."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith(" ") or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    lines: list[str] = []
    for block in blocks:
        if len(lines) < 2 * PORTS and block[0].startswith("interface GigabitEthernet") \
                and " switchport mode access" in block:
            for i, line in enumerate(block):
                if line.startswith(" description "):
                    block[i] = f"{line} (bench)"
                    lines += [block[0], block[i]]
                    break
    if len(lines) != 2 * PORTS:
        raise SystemExit(f"bench_push: fewer than {PORTS} access ports with a description")
    return "\n".join(line for block in blocks for line in block) + "\n", lines


def main() -> int:
    os.environ.setdefault("ESTATE_SSH_PASSWORD", "bench-" + os.urandom(6).hex())
    secrets = {name: f"bench-{name.lower()}-{os.urandom(4).hex()}" for name in SECRET_NAMES}
    os.environ.update({ENV_PREFIX + k: v for k, v in secrets.items()})
    inventory = load_inventory(DEFAULT_INVENTORY)
    access = [a for a in render_environment(inventory, ENV, SITES) if a.role is Role.ACCESS][: 2 * DEVICES]
    if len(access) < 2 * DEVICES:
        raise SystemExit(f"bench_push: {SITES} hold {len(access)} access switches, {2 * DEVICES} needed")
    ours, theirs = access[0::2], access[1::2]  # interleaved: both halves span the same sites
    models = {s.hostname: s.model for s in lab_device_specs(inventory, ENV, secrets, SITES)}
    specs = [LabDeviceSpec(hostname=a.hostname, site_id=a.site_id or "", role=a.role.value,
                           model=models[a.hostname], config_text=resolve(a.text, secrets), master_key=True)
             for a in access]
    targets: list[Target] = []
    sent: dict[str, list[str]] = {}
    for target in targets_from(access):
        intended, lines = change(target.intended)
        sent[target.hostname] = lines
        targets.append(replace(target, intended=intended,
                               intended_sha256=hashlib.sha256(intended.encode()).hexdigest()))
    credentials = credentials_from_env()
    fast = {spec.hostname: Faults(revert_minute_seconds=LAB_MINUTE_SECONDS) for spec in specs}
    with tempfile.TemporaryDirectory() as tmp:
        lab_dir = Path(tmp) / "lab"
        state = lab_up(specs, lab_dir, fast, timeout=120)
        try:
            connect = ConnectSettings(known_hosts=state.known_hosts, workers=1, conn_timeout=30, auth_timeout=30,
                                      read_timeout=60)
            addresses = {n: (str(d.host), d.port) for n, d in state.devices.items()}
            ways = endpoints_for(inventory, Selection(ENV, SITES, addresses=addresses, via="lab"), targets)
            plain_ms, plain_ok = _plain(theirs, ways, credentials, connect, sent)
            mine = {a.hostname for a in ours}
            settings = PushSettings(connect, canary=0, max_failures=DEVICES, site_workers=1,
                                    runs_dir=Path(tmp) / "runs", command_timeout=connect.read_timeout,
                                    revert_minutes=REVERT_MINUTES, rollback_for=60.0)
            all_sites = [s.site_id for s in inventory.env_sites(ENV, None)]
            rollout = Rollout(ENV, credentials, settings, secrets, all_sites, ways, None, WindowGate())
            safe_ms, safe_ok = _safe(rollout, [t for t in targets if t.hostname in mine], sent)
        finally:
            lab_down(lab_dir)
    print(f"cost of the safety steps: {safe_ms - plain_ms:.0f} ms per device "
          f"({safe_ms / plain_ms:.1f}x the plain push)" if plain_ms else "no baseline")
    return 0 if plain_ok and safe_ok else 1


def _plain(artifacts: list, ways: dict[str, Endpoint], credentials: object,  # type: ignore[type-arg]
           connect: ConnectSettings, sent: dict[str, list[str]]) -> tuple[float, bool]:
    """The plain loop, then a re-read proving every device took the lines."""
    from netmiko import ConnectHandler

    started = time.perf_counter()
    for artifact in artifacts:
        connection = ConnectHandler(**netmiko_params(ways[artifact.hostname], credentials, connect))  # type: ignore[arg-type]
        connection.enable()
        connection.send_config_set(sent[artifact.hostname])
        connection.save_config()
        connection.disconnect()
    per_device = (time.perf_counter() - started) * 1000 / len(artifacts)
    print(f"plain netmiko push (connect, enable, send_config_set, save_config, disconnect): {len(artifacts)} "
          f"devices one at a time, {per_device:.0f} ms per device", flush=True)
    check = ConnectSettings(known_hosts=connect.known_hosts, workers=8)
    running = fetch_running([ways[a.hostname] for a in artifacts], credentials, check)  # type: ignore[arg-type]
    missing = [n for n, r in running.items() if not r.ok or not all(line in (r.text or "").splitlines()
                                                                     for line in sent[n])]
    if missing:
        print(f"MISSED: the plain push did not land on {len(missing)} devices, first {missing[0]}")
    return per_device, not missing


def _safe(rollout: Rollout, targets: list[Target], sent: dict[str, list[str]]) -> tuple[float, bool]:
    """estate's push, one site and one device at a time, and the run record's time per step."""
    started = time.perf_counter()
    run = push_environment(rollout, targets, command=("bench_push",))
    wall_ms = (time.perf_counter() - started) * 1000
    results = [d for unit in run.units for d in unit.devices]
    applied = [d for d in results if d.outcome is Outcome.APPLIED]
    ran = [d for d in results if d.outcome is not Outcome.SKIPPED] or results
    per_device = sum(d.seconds for d in ran) * 1000 / len(ran)
    print(f"estate push (revert timer {REVERT_MINUTES} min, per-line prompt checks, verify, reconnect, "
          f"operational snapshots, confirm, save): {len(results)} devices one at a time, {per_device:.0f} ms per "
          f"device ({wall_ms / len(results):.0f} ms with the run's own work), {len(applied)} applied", flush=True)
    steps: dict[str, list[float]] = defaultdict(list)
    lines_sent: dict[str, int] = {}
    for row in (json.loads(line) for line in (run.run_dir / RECORD).read_text().splitlines()):
        if row["target"] != "-" and row["step"] != "result" and row["result"] == "ok":
            steps[row["step"]].append(row["seconds"])
            if row["step"] == "apply":
                lines_sent[row["target"]] = row.get("lines", 0)
    means = {name: sum(values) * 1000 / len(values) for name, values in steps.items()}
    safety = sum(ms for name, ms in means.items() if name not in PLAIN_STEPS)
    print("  per step, ms per device (run record): " + ", ".join(
        f"{name} {ms:.0f}{'' if name in PLAIN_STEPS else '*'}" for name, ms in means.items()))
    print(f"  * safety-only steps: {safety:.0f} ms per device")
    ok = len(applied) == len(results)
    if not ok:
        bad = next(d for d in results if d.outcome is not Outcome.APPLIED)
        detail = re.sub(r"\s+", " ", bad.detail)[:200]
        print(f"MISSED: {len(results) - len(applied)} devices not applied, first {bad.target}: "
              f"{bad.outcome.value} {detail}")
    # the changed lines and each section's `exit`: anything more would be a different change
    wrong = [n for n, count in lines_sent.items() if count != len(sent[n]) + PORTS]
    if wrong:
        print(f"MISSED: estate sent {lines_sent[wrong[0]]} lines to {wrong[0]}, not the {2 * PORTS} changed "
              f"and {PORTS} exits")
    return per_device, ok and not wrong


if __name__ == "__main__":
    sys.exit(main())
