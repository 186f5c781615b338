"""Erlang B against published table values, and the per-site and total figures."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from estate.build.capacity import (
    CapacityError,
    CapacitySettings,
    Codec,
    channels_needed,
    erlang_b,
    plan_capacity,
)
from estate.inventory.inventory import Inventory

# Offered traffic that N channels carry at 1% blocking, from published Erlang B tables.
PUBLISHED_1_PERCENT = [(1, 0.0101), (5, 1.3608), (10, 4.4612), (20, 12.031), (50, 37.901),
                       (100, 84.064)]


@pytest.mark.parametrize(("channels", "traffic"), PUBLISHED_1_PERCENT)
def test_erlang_b_matches_published_table(channels: int, traffic: float) -> None:
    assert erlang_b(traffic, channels) == pytest.approx(0.01, abs=2e-5)


@pytest.mark.parametrize(("traffic", "channels"), [(4, 10), (40, 53), (2000, 2028)])
def test_channels_for_reference_loads(traffic: float, channels: int) -> None:
    assert channels_needed(traffic, 0.01) == channels


def test_large_traffic_stays_finite() -> None:
    assert 0.0 < erlang_b(10_000.0, 10_000) < 0.05
    assert channels_needed(0.0, 0.01) == 0


@given(st.floats(min_value=0.01, max_value=500.0), st.sampled_from([0.001, 0.01, 0.02, 0.05]))
def test_channels_needed_is_the_fewest(traffic: float, gos: float) -> None:
    n = channels_needed(traffic, gos)
    assert erlang_b(traffic, n) <= gos
    assert erlang_b(traffic, n - 1) > gos


@given(st.floats(min_value=0.1, max_value=200.0), st.integers(min_value=1, max_value=300))
def test_blocking_falls_with_channels(traffic: float, channels: int) -> None:
    assert erlang_b(traffic, channels + 1) <= erlang_b(traffic, channels)


def test_bad_grade_of_service_is_refused() -> None:
    with pytest.raises(CapacityError, match="grade of service"):
        channels_needed(10.0, 1.5)
    with pytest.raises(ValidationError, match="grade_of_service"):
        CapacitySettings(grade_of_service=0)


def test_prod_totals(sample_inventory: Inventory) -> None:
    report = plan_capacity(sample_inventory, "prod")
    t = report.totals
    assert t.sites == 500
    assert t.phones == sum(s.phones for s in sample_inventory.sites.values())
    assert t.erlang == pytest.approx(t.phones * 0.1)
    assert t.channels == channels_needed(t.erlang, 0.01)
    assert t.channels < t.site_channels  # pooling in the cloud needs fewer channels than the sum
    # 22k cameras x 0.5 h x 2.2 GB ~ 24 TB/day, ~6.7 Gb/s over 8 h (REFERENCE sizing figures)
    assert t.video_tb_per_day == pytest.approx(t.bwv_cameras * 0.5 * 2.2 / 1000)
    assert 20 < t.video_tb_per_day < 30
    assert t.ingest_retained_tb == pytest.approx(t.video_tb_per_day * 31)


def test_site_figures_and_codec(sample_inventory: Inventory) -> None:
    g711 = plan_capacity(sample_inventory, "dev", only=["MPS-0004"]).sites[0]
    g729 = plan_capacity(sample_inventory, "dev", CapacitySettings(codec=Codec.G729),
                         only=["MPS-0004"]).sites[0]
    assert g711.voice_kbps_ipsec == pytest.approx(g711.channels * 109.0)
    assert g711.voice_kbps_ethernet == pytest.approx(g711.channels * 87.2)
    assert g729.voice_kbps_ipsec == pytest.approx(g729.channels * 53.0)
    assert g711.video_gb_per_day == pytest.approx(g711.bwv_cameras * 0.5 * 2.2)


def test_site_that_cannot_drain_is_flagged(sample_inventory: Inventory) -> None:
    heavy = CapacitySettings(bwv_gb_per_hour=9.0, bwv_hours_per_camera_day=3.0, upload_window_hours=4)
    report = plan_capacity(sample_inventory, "prod", heavy)
    assert report.flagged
    for site in report.flagged:
        assert site.drain_hours > 4 or math.isinf(site.drain_hours)
    assert report.totals.sites_not_fitting == len(report.flagged)
