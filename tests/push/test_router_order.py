"""Where routers go in a rollout (issue 13): a site's edge router after everything else of its
site (access, core, WLC share), under the same run and stop rules; the hub routers in their own
step after every site, one at a time (the first a canary: a failed hub stops the rest), and not
at all when the run stopped or a site failed. The devices are stand-ins (`push_device` replaced):
what is tested is the order and the stops, not a device session."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from estate.build.device_model import Role
from estate.change import rollout
from estate.change.device_push import DeviceJob, DeviceResult, Outcome, PushSettings
from estate.change.fetch import ConnectSettings, Credentials
from estate.change.review import Target
from estate.change.rollout import Rollout, push_environment, site_order, unit_of


def _target(hostname: str, site: str | None, role: Role) -> Target:
    name = f"{hostname}@{site}" if role is Role.WLC_SITE else hostname
    return Target(name, hostname, site, role, "hostname x\n", "0" * 64)


def _site(site: str) -> list[Target]:
    low = site.lower()
    return [_target(f"{low}-er01", site, Role.EDGE), _target(f"{low}-cs01", site, Role.CORE),
            _target("mps-dev-wlc01", site, Role.WLC_SITE), _target(f"{low}-as02", site, Role.ACCESS),
            _target(f"{low}-as01", site, Role.ACCESS)]


HUBS = [_target("mps-dev-hub-north-r01", None, Role.HUB), _target("mps-dev-hub-east-r01", None, Role.HUB)]


def test_a_sites_edge_router_goes_last() -> None:
    assert [t.name for t in site_order(_site("MPS-0001"))] == [
        "mps-0001-as01", "mps-0001-as02", "mps-0001-cs01", "mps-dev-wlc01@MPS-0001", "mps-0001-er01"]


def test_hubs_are_a_unit_of_their_own() -> None:
    assert unit_of(HUBS[0], "dev") == "dev:hubs"
    assert unit_of(_target("mps-dev-wlc01", None, Role.WLC_GLOBAL), "dev") == "dev:wlc-global"
    assert unit_of(_site("MPS-0001")[0], "dev") == "MPS-0001"


class _Devices:
    """`push_device` stand-in: records the order, fails the devices named."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.order: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, target: Target, job: DeviceJob) -> DeviceResult:
        with self.lock:
            self.order.append(target.name)
        outcome = Outcome.ROLLED_BACK if target.name in self.failing else Outcome.APPLIED
        return DeviceResult(target.name, target.site_id, outcome)


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, targets: list[Target], *,
         failing: frozenset[str] = frozenset(), canary: int = 1,
         max_failures: int = 1) -> tuple[rollout.RunResult, list[str]]:
    devices = _Devices(set(failing))
    monkeypatch.setattr(rollout, "push_device", devices)
    settings = PushSettings(ConnectSettings(), canary=canary, max_failures=max_failures, site_workers=1,
                            runs_dir=tmp_path / "runs", revert_minutes=3)
    credentials = Credentials(username="u", password=SecretStr("test-Pa55word"), secret=SecretStr("test-En4ble"))
    sites = sorted({t.site_id for t in targets if t.site_id})
    run = push_environment(Rollout("dev", credentials, settings, {}, sites, {}), targets)
    return run, devices.order


def test_hubs_go_after_every_site_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, order = _run(tmp_path, monkeypatch, [*HUBS, *_site("MPS-0001"), *_site("MPS-0002")])
    assert run.ok
    assert order[-2:] == ["mps-dev-hub-east-r01", "mps-dev-hub-north-r01"]  # by name: the first is the canary
    for site in ("mps-0001", "mps-0002"):  # each site's edge router after its other devices
        mine = [name for name in order if name.startswith(site) or name.endswith(site.upper())]
        assert mine[-1] == f"{site}-er01", mine
    assert [u.name for u in run.units][-1] == "dev:hubs"
    assert "revert_minutes" in (run.run_dir / "record.jsonl").read_text()


def test_a_failed_hub_stops_the_other_hubs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, order = _run(tmp_path, monkeypatch, [*HUBS, *_site("MPS-0001")], failing=frozenset({"mps-dev-hub-east-r01"}))
    assert order[-1] == "mps-dev-hub-east-r01"
    hubs = next(u for u in run.units if u.name == "dev:hubs")
    assert [(d.target, d.outcome) for d in hubs.devices] == [
        ("mps-dev-hub-east-r01", Outcome.ROLLED_BACK), ("mps-dev-hub-north-r01", Outcome.SKIPPED)]
    assert not run.ok


def test_no_hub_is_changed_when_a_site_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the failure budget is not spent (2), so the run goes on with its sites, but not to the hubs
    run, order = _run(tmp_path, monkeypatch, [*HUBS, *_site("MPS-0001"), *_site("MPS-0002")],
                      failing=frozenset({"mps-0002-cs01"}), canary=0, max_failures=2)
    assert not any(name.startswith("mps-dev-hub") for name in order)
    hubs = next(u for u in run.units if u.name == "dev:hubs")
    assert {d.outcome for d in hubs.devices} == {Outcome.SKIPPED}
    assert "hubs not changed: 1 unit(s) of the run failed (MPS-0002)" in hubs.devices[0].detail
    # and the failed site stopped before its edge router
    assert "mps-0002-er01" not in order


def test_a_failed_edge_router_fails_its_site_after_the_rest_of_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    run, order = _run(tmp_path, monkeypatch, _site("MPS-0001"), failing=frozenset({"mps-0001-er01"}))
    assert order[-1] == "mps-0001-er01" and len(order) == 5
    assert run.units[0].state == "FAILED"
