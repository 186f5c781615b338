"""Dry-run review at scale.

1. >= 500 simulated devices over SSH (`lab up` in its own process): Nornir + netmiko fetch and
   the review, devices/s, wall time, peak memory; against a plain sequential netmiko loop
   (connect, show running-config, disconnect) over 50 of them, measured in the same run.
   Target: >= 8x the loop's devices/s. Also printed: the CPU seconds each part used (this
   client, the lab server process, the diff workers) and the wall time they allow on this
   machine's cores, so a miss says whether the machine was busy or the work is too heavy; and
   the load average, since the loop waits on netmiko's timers and barely feels a busy machine
   while the parallel review is CPU-bound and feels it fully.
2. The whole prod estate reviewed from saved running configs (render included, no SSH).
   Target: < 30 s.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from estate.build.device_model import Role
from estate.build.render import render_environment
from estate.build.validate import load_inventory
from estate.change.fetch import ConnectSettings, Endpoint, credentials_from_env, fetch_running
from estate.change.review import Selection, review_environment, review_targets, targets_from
from estate.change.risk import RiskSettings
from estate.lab import LabDeviceSpec, lab_down, lab_up
from estate.lab.brownfield import brownfield_config
from estate.paths import DEFAULT_INVENTORY
from estate.secrets import ENV_PREFIX, SECRET_NAMES, resolve

DEVICES = 500
SEQUENTIAL = 50
TARGET_RATIO = 8.0
TARGET_OFFLINE_S = 30.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_self() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def cpu_children() -> float:
    """Reaped children only: the diff workers once their pool has shut down."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cpu_of(pid: int) -> float:
    """A live process's CPU seconds (the lab server), or 0 where /proc cannot say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> int:
    os.environ.setdefault("ESTATE_SSH_PASSWORD", "bench-" + os.urandom(6).hex())
    secrets = {name: f"bench-{name.lower()}-{os.urandom(4).hex()}" for name in SECRET_NAMES}
    os.environ.update({ENV_PREFIX + k: v for k, v in secrets.items()})
    inventory = load_inventory(DEFAULT_INVENTORY)
    started = time.perf_counter()
    artifacts = [a for a in render_environment(inventory, "prod") if a.role in {Role.CORE, Role.ACCESS}][:DEVICES]
    print(f"rendered {len(artifacts)} switches in {time.perf_counter() - started:.1f}s", flush=True)
    specs = [LabDeviceSpec(hostname=a.hostname, site_id=a.site_id or "", role=a.role.value,
                           config_text=brownfield_config(resolve(a.text, secrets), a.hostname)) for a in artifacts]
    credentials = credentials_from_env()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        lab_dir = Path(tmp) / "lab"
        state = lab_up(specs, lab_dir, timeout=300)
        try:
            endpoints = [Endpoint(n, str(d.host), d.port, d.site_id, d.role) for n, d in state.devices.items()]
            settings = ConnectSettings(known_hosts=state.known_hosts, workers=100, conn_timeout=30, auth_timeout=30,
                                       read_timeout=60)
            ok &= _ssh(artifacts, endpoints, credentials, settings, secrets, state.pid)
        finally:
            lab_down(lab_dir)
        ok &= _offline(inventory, Path(tmp) / "saved", secrets)
    return 0 if ok else 1


def _ssh(artifacts: list, endpoints: list[Endpoint], credentials: object, settings: ConnectSettings,  # type: ignore[type-arg]  # noqa: PLR0917
         secrets: dict[str, str], server_pid: int) -> bool:
    from netmiko import ConnectHandler

    from estate.change.fetch import netmiko_params

    print(f"before: {load()} on {os.cpu_count()} cores", flush=True)
    started, client, server = time.perf_counter(), cpu_self(), cpu_of(server_pid)
    for endpoint in endpoints[:SEQUENTIAL]:
        connection = ConnectHandler(**netmiko_params(endpoint, credentials, settings))  # type: ignore[arg-type]
        connection.enable()
        connection.send_command("show running-config")
        connection.disconnect()
    took = time.perf_counter() - started
    sequential = SEQUENTIAL / took
    print(f"sequential netmiko loop: {SEQUENTIAL} devices, {sequential:.1f} devices/s "
          f"({took * 1000 / SEQUENTIAL:.0f} ms per device, of which CPU: client "
          f"{(cpu_self() - client) * 1000 / SEQUENTIAL:.0f} ms, lab server "
          f"{(cpu_of(server_pid) - server) * 1000 / SEQUENTIAL:.0f} ms; the rest is waiting)", flush=True)

    started, client, server = time.perf_counter(), cpu_self(), cpu_of(server_pid)
    running = fetch_running(endpoints, credentials, settings)  # type: ignore[arg-type]
    fetched = time.perf_counter() - started
    fetch_client, fetch_server = cpu_self() - client, cpu_of(server_pid) - server
    client, workers = cpu_self(), cpu_children()
    review = review_targets("prod", targets_from(artifacts), running, secrets=secrets, risk=RiskSettings(),
                            source="lab")
    wall = time.perf_counter() - started
    diff_cpu = cpu_self() - client + cpu_children() - workers
    failed = [n for n, r in running.items() if not r.ok]
    rate = len(endpoints) / wall
    print(f"parallel review over SSH: {len(endpoints)} devices in {wall:.1f}s (fetch {fetched:.1f}s), "
          f"{rate:.1f} devices/s, {len(failed)} unreachable, changed {review.count(review.devices[0].status)}"
          if review.devices else "no devices", flush=True)
    ratio = rate / sequential
    cores = os.cpu_count() or 1
    total = fetch_client + fetch_server + diff_cpu
    # the fetch's client is one process (one core under the GIL), so is the lab server
    floor = max(total / cores, fetch_client, fetch_server)
    print(f"CPU: fetch {fetch_client:.1f}s client + {fetch_server:.1f}s lab server, diff {diff_cpu:.1f}s; "
          f"{total:.1f}s in all, at least {floor:.1f}s of wall on {cores} idle cores "
          f"(best ratio here ~{len(endpoints) / floor / sequential:.0f}x); after: {load()}")
    print(f"ratio vs sequential loop: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x); peak memory {peak_mb():.0f} MB")
    if ratio < TARGET_RATIO:
        print(f"MISSED: review ratio {ratio:.1f}x < {TARGET_RATIO:.0f}x")
    if failed:
        print(f"unreachable: {failed[:5]}")
    return ratio >= TARGET_RATIO and not failed


def _offline(inventory: object, folder: Path, secrets: dict[str, str]) -> bool:
    folder.mkdir(parents=True)
    wlc: list[str] = []
    wlc_name = ""
    for artifact in render_environment(inventory, "prod"):  # type: ignore[arg-type]
        text = resolve(artifact.text, secrets)
        if artifact.role in {Role.WLC_GLOBAL, Role.WLC_SITE}:
            wlc_name = artifact.hostname
            wlc.extend(line + "\n" for line in text.splitlines() if line != "end")
        else:
            (folder / f"{artifact.hostname}.cfg").write_text(brownfield_config(text, artifact.hostname))
    (folder / f"{wlc_name}.cfg").write_text("".join(wlc))
    started = time.perf_counter()
    review = review_environment(inventory, Selection("prod", running_from=folder), credentials=None, settings=None,
                                secrets=secrets, risk=RiskSettings())
    wall = time.perf_counter() - started
    print(f"offline prod review (render + diff, saved configs): {len(review.devices)} targets in {wall:.1f}s "
          f"(target < {TARGET_OFFLINE_S:.0f}s), {len(review.devices) / wall:.0f} targets/s, "
          f"{sum(1 for d in review.devices if d.status.value == 'error')} errors; peak memory {peak_mb():.0f} MB")
    if wall >= TARGET_OFFLINE_S:
        print(f"MISSED: offline prod review {wall:.1f}s >= {TARGET_OFFLINE_S:.0f}s")
    return wall < TARGET_OFFLINE_S


if __name__ == "__main__":
    sys.exit(main())
