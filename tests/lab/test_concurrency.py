"""Many devices, many concurrent netmiko sessions: the benchmark's shape, scaled down."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from netmiko import ConnectHandler

from estate.lab import LabHandle, running_lab
from tests.lab.conftest import SpecFactory

pytestmark = pytest.mark.e2e

DEVICES = 50


@pytest.fixture(scope="module")
def big_lab(tmp_path_factory: pytest.TempPathFactory, make_spec: SpecFactory) -> Iterator[LabHandle]:
    specs = [make_spec(f"acc-{index:03d}") for index in range(DEVICES)]
    state_dir: Path = tmp_path_factory.mktemp("biglab")
    with running_lab(specs, state_dir) as handle:
        yield handle


def fetch(lab: LabHandle, hostname: str) -> tuple[str, float]:
    start = time.monotonic()
    conn = ConnectHandler(**lab.netmiko_params(hostname), conn_timeout=20)
    try:
        conn.enable()
        output = conn.send_command("show running-config")
    finally:
        conn.disconnect()
    assert isinstance(output, str)
    return output, time.monotonic() - start


def test_fifty_concurrent_sessions(big_lab: LabHandle) -> None:
    hostnames = big_lab.hostnames
    assert len(hostnames) == DEVICES
    assert len({big_lab.endpoint(name).host for name in hostnames}) == DEVICES
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=DEVICES) as pool:
        results = list(pool.map(lambda name: fetch(big_lab, name), hostnames))
    wall = time.monotonic() - start
    for name, (output, _seconds) in zip(hostnames, results, strict=True):
        assert output.endswith(big_lab.running_config(name) + "end\n")
    per_device = sorted(seconds for _output, seconds in results)
    print(f"\n{DEVICES} sessions: wall {wall:.2f}s, per device median "
          f"{per_device[len(per_device) // 2]:.2f}s max {per_device[-1]:.2f}s")
