"""`estate capacity`: site name and kind, required WAN and headroom, --failing-only, --check."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estate.build.capacity import CapacitySettings, site_capacity
from estate.build.validate import load_inventory
from estate.cli.main import main
from estate.inventory.models import Site

HEAVY = ["--gb-per-hour", "40", "--hours-per-camera", "4"]  # video no circuit of the sample drains


def capacity(inventory: Path, *args: str) -> list[str]:
    return ["capacity", "--inventory", str(inventory), "--env", "prod", *args]


@given(phones=st.integers(0, 3000), cameras=st.integers(0, 400), wan=st.integers(2, 20_000),
       share=st.floats(0.05, 1.0), window=st.floats(0.5, 24.0))
def test_required_wan_is_where_a_site_starts_to_fit(phones: int, cameras: int, wan: int, share: float,
                                                    window: float) -> None:
    settings = CapacitySettings(video_wan_share=share, upload_window_hours=window)
    site = Site(site_id="MPS-0001", name="A", kind="patrol_base", borough="B", phones=phones, desktops=0,
                printers=0, aps=0, bwv_docks=-(-cameras // 8), bwv_cameras=cameras, wan_mbps=wan, wan_hub="hub-a",
                change_window="Sun 02:00-05:00")
    figures = site_capacity(site, settings)
    assert figures.headroom_mbps == pytest.approx(wan - figures.required_wan_mbps)
    if abs(figures.headroom_mbps) > 1e-6 * max(wan, 1):
        assert figures.fits == (figures.headroom_mbps > 0)
    at_required = site_capacity(site.model_copy(update={"wan_mbps": max(2, int(figures.required_wan_mbps) + 1)}),
                                settings)
    assert at_required.fits


def test_table_has_name_kind_required_and_headroom(inventory_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(capacity(inventory_copy)) == 0
    out = capsys.readouterr().out
    head = next(line for line in out.splitlines() if line.startswith("site "))
    assert head.split() == ["site", "name", "kind", "phones", "chan", "voice", "Mb/s", "cameras", "GB/day", "need",
                            "Mb/s", "WAN", "Mb/s", "headroom", "drain", "h", "fits"]
    inventory = load_inventory(inventory_copy)
    for site in inventory.env_sites("prod")[:20]:
        figures = site_capacity(site, CapacitySettings())
        row = next(line for line in out.splitlines() if line.startswith(f"{site.site_id} "))
        assert site.name[:27] in row
        assert f" {site.kind} " in row
        assert f" {figures.required_wan_mbps:.1f} " in row
        assert f" {figures.headroom_mbps:+.1f} " in row


def test_failing_sites_as_a_table_and_check(inventory_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(capacity(inventory_copy, *HEAVY)) == 0  # without --check a report is not a verdict
    out = capsys.readouterr().out
    failing = [line.split()[0] for line in out.splitlines() if line.startswith("MPS-") and line.endswith("  NO")]
    assert failing
    table = out.split("sites whose WAN cannot carry voice peak + video within the window: ", 1)[1].splitlines()
    assert table[0] == str(len(failing))
    assert table[2].split()[:3] == ["site", "name", "kind"] and "short by" in table[2]
    listed = table[4:table.index("", 4)]  # the hubs' table follows, after a blank line
    assert [line.split()[0] for line in listed] == failing  # one line per failing site
    assert main(capacity(inventory_copy, *HEAVY, "--check")) == 1
    capsys.readouterr()
    assert main(capacity(inventory_copy, "--check")) == 0
    assert "short by" not in capsys.readouterr().out


def test_failing_only(inventory_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(capacity(inventory_copy, *HEAVY, "--failing-only")) == 0
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if line.startswith("MPS-") and line.endswith("  NO")]
    shown = [line for line in out.splitlines() if line.startswith("MPS-") and line.endswith(("  NO", "  yes"))]
    assert flagged and shown == flagged
    total = len(load_inventory(inventory_copy).env_sites("prod"))
    assert f"failing sites only: {len(flagged)} of {total}" in out
    assert f"sites {total}," in out  # the totals stay whole


def test_csv_and_json_columns_and_filter(inventory_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(capacity(inventory_copy, *HEAVY, "--failing-only", "--format", "csv")) == 0
    failing = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert failing and all(row["fits"] == "False" for row in failing)
    assert {"name", "kind", "required_wan_mbps", "headroom_mbps"} <= set(failing[0])
    assert all(float(row["headroom_mbps"]) < 0 for row in failing)
    assert main(capacity(inventory_copy, *HEAVY, "--format", "json", "--failing-only")) == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["site_id"] for s in document["sites"]] == [row["site_id"] for row in failing]
    assert document["failing_only"] is True
    assert document["totals"]["sites_not_fitting"] == len(failing)
