"""The WAN hubs' VPN throughput in `estate capacity` (issue 13): per hub router, the sites behind
it (their `wan_hub`) and their cloud-bound voice and video against two tunnels of 1.25 Gb/s;
flagged, with what to do, when the sites need more; a warning when they fit only with both
tunnels up."""

from __future__ import annotations

import json

import pytest

from estate.build.capacity import (
    HUB_REMEDY,
    VPN_TUNNEL_MBPS,
    VPN_TUNNELS_PER_CONNECTION,
    CapacitySettings,
    HubCapacity,
    plan_capacity,
)
from estate.cli.main import main
from estate.inventory.inventory import Inventory


def test_the_figures_are_awss() -> None:
    assert VPN_TUNNEL_MBPS == 1250.0  # AWS Site-to-Site VPN: up to 1.25 Gb/s per (Standard) tunnel
    assert VPN_TUNNELS_PER_CONNECTION == 2


def test_every_site_is_behind_one_hub(sample_inventory: Inventory) -> None:
    report = plan_capacity(sample_inventory, "prod")
    behind = [site for hub in report.hubs for site in hub.sites]
    assert sorted(behind) == sorted(s.site_id for s in report.sites)
    by_site = {s.site_id: s for s in sample_inventory.env_sites("prod", None)}
    for hub in report.hubs:
        assert {by_site[site].wan_hub for site in hub.sites} == {hub.hub}
        assert hub.hostname == f"mps-prod-{hub.hub}-r01"
        assert hub.capacity_mbps == 2500.0
        video = sum(s.video_mbps_in_window for s in report.sites if s.site_id in hub.sites)
        assert hub.video_mbps == pytest.approx(video)
        # voice pooled over the hub's sites: no more than the sum of the sites' own peaks
        assert 0 < hub.voice_mbps <= sum(s.voice_mbps_ipsec for s in report.sites if s.site_id in hub.sites)


def test_prod_fits_with_both_tunnels_but_not_with_one(sample_inventory: Inventory) -> None:
    report = plan_capacity(sample_inventory, "prod")
    assert report.hubs and not report.flagged_hubs
    assert all(not hub.fits_one_tunnel_down for hub in report.hubs)
    assert "not with one tunnel in maintenance (1250 Mb/s)" in report.hubs[0].advice


def test_a_hub_that_cannot_carry_its_sites_is_flagged(sample_inventory: Inventory) -> None:
    report = plan_capacity(sample_inventory, "prod", CapacitySettings(bwv_gb_per_hour=4.0))
    assert report.flagged_hubs == report.hubs
    hub = report.hubs[0]
    assert not hub.fits and hub.headroom_mbps < 0
    assert hub.advice == f"needs {hub.need_mbps:.0f} Mb/s, the VPN carries 2500: {HUB_REMEDY}"
    assert "Direct Connect" in hub.advice and "VPN connection" in hub.advice


def test_the_one_tunnel_margin() -> None:
    hub = HubCapacity("hub-x", "r", ("MPS-0001",), voice_mbps=50.0, video_mbps=1150.0, tunnels=2,
                      capacity_mbps=2500.0)
    assert hub.fits and hub.fits_one_tunnel_down and hub.advice == ""


def test_the_cli_shows_the_hubs_and_check_fails_on_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capacity", "--env", "prod", "--check"]) == 0
    out = capsys.readouterr().out
    assert "WAN hubs: cloud-bound traffic of the sites behind each hub against its VPN to AWS " \
           "(2 tunnels x 1250 Mb/s, AWS's per-tunnel limit)" in out
    assert "hub-east     mps-prod-hub-east-r01" in out
    assert main(["capacity", "--env", "prod", "--check", "--gb-per-hour", "4"]) == 1
    out = capsys.readouterr().out
    assert "hub-east: needs" in out and HUB_REMEDY in out
    assert main(["capacity", "--env", "prod", "--format", "json"]) == 0
    hubs = json.loads(capsys.readouterr().out)["hubs"]
    assert [h["hub"] for h in hubs] == ["hub-east", "hub-north", "hub-south", "hub-west"]
    assert hubs[0]["capacity_mbps"] == 2500.0 and hubs[0]["fits"] is True
    assert hubs[0]["fits_one_tunnel_down"] is False
