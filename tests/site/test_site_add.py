"""`estate site add`: the row appended with the next free number, the inventory still valid, and
the printed addressing the one estate derives."""

from __future__ import annotations

from pathlib import Path

import pytest

from estate.build.device_model import build_site
from estate.build.validate import load_inventory
from estate.cli.main import main
from tests.site.conftest import edit_estate, rows

NAME = "Hounslow Police Station 777"
COUNTS = ("--phones", "80", "--desktops", "85", "--printers", "6", "--aps", "10")
REST = ("--wan-mbps", "1000", "--bwv-docks", "4", "--bwv-cameras", "30", "--change-window", "Sun 02:00-05:00")


def add(inventory: Path, *extra: str, name: str = NAME, hub: str | None = None) -> int:
    hub = hub or rows(inventory)[0]["wan_hub"]
    return main(["site", "add", "--inventory", str(inventory), "--kind", "police_station", "--name", name,
                 "--borough", "Hounslow", "--wan-hub", hub, *COUNTS, *extra])


def test_row_appended_with_next_number_and_valid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (project / "sites.csv").read_text(encoding="utf-8")
    numbers = [int(row["site_id"].rsplit("-", 1)[1]) for row in rows(project)]
    assert add(project, *REST) == 0
    after = (project / "sites.csv").read_text(encoding="utf-8")
    site_id = f"MPS-{max(numbers) + 1:04d}"
    assert after.startswith(before)  # nothing above it moves
    hub = rows(project)[0]["wan_hub"]
    assert after[len(before):] == (f"{site_id},{NAME},police_station,Hounslow,80,85,6,10,4,30,1000,{hub},"
                                   "Sun 02:00-05:00\n")
    capsys.readouterr()
    assert main(["validate", "--inventory", str(project)]) == 0


def test_printed_addressing_is_estates(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert add(project, *REST) == 0
    out = capsys.readouterr().out
    inventory = load_inventory(project)
    site = inventory.sites[rows(project)[-1]["site_id"]]
    assert site.name == NAME
    assert f"added {site.site_id} {NAME} (police_station, Hounslow)" in out
    for env, spec in inventory.estate.environments.items():
        if spec.sites != "all":
            assert not any(line.startswith(f"{env}: block") for line in out.splitlines())
            continue
        model = build_site(inventory, env, site)
        addressing = model.addressing
        assert f"{env}: block {addressing.block}, loopback {addressing.loopback}, WAN link {addressing.wan_network}" \
            in out
        for subnet in addressing.subnets:
            assert f"  {subnet.vlan_id:>4} {subnet.name:<12} {subnet.network!s:<18} {subnet.gateway}\n" in out
        for switch in model.switches:
            assert f"{switch.hostname} {switch.mgmt_ip}" in out


def test_blank_cells_follow_the_kind(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def with_defaults(data: dict[str, object]) -> None:
        kinds = data["site_kinds"]
        assert isinstance(kinds, dict)
        kinds["police_station"]["defaults"] = {"bwv_docks": 9, "bwv_cameras": 60, "wan_mbps": 500,
                                               "change_window": "Sun 02:00-05:00"}

    edit_estate(project, with_defaults)
    assert add(project) == 0
    assert "from the police_station defaults: bwv_docks 9, bwv_cameras 60, wan_mbps 500" in capsys.readouterr().out
    last = (project / "sites.csv").read_text(encoding="utf-8").splitlines()[-1]
    assert last.endswith(",80,85,6,10,,,," + rows(project)[0]["wan_hub"] + ",")  # blank: the kind's values
    site = load_inventory(project).sites[rows(project)[-1]["site_id"]]
    assert (site.bwv_cameras, site.wan_mbps) == (60, 500)


@pytest.mark.parametrize(("name", "hub", "expected"), [
    ("Hounslow? Station", None, "field name: contains '?'"),
    ('Hounslow "Station"', None, "field name: contains '\"'"),
    (NAME, "hub-nrth", "did you mean hub-north?"),
])
def test_refused_and_file_untouched(project: Path, capsys: pytest.CaptureFixture[str], name: str,
                                    hub: str | None, expected: str) -> None:
    before = (project / "sites.csv").read_bytes()
    assert add(project, *REST, name=name, hub=hub) == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "Traceback" not in captured.err
    assert (project / "sites.csv").read_bytes() == before
    assert not list(project.parent.glob("**/.sites.csv.*"))  # no temporary file left


def test_kind_without_defaults_needs_the_counts(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (project / "sites.csv").read_bytes()
    # headquarters are sized one by one: the kind defaults only its docks, circuit and window
    code = main(["site", "add", "--inventory", str(project), "--kind", "headquarters", "--name", NAME,
                 "--borough", "Hounslow", "--wan-hub", rows(project)[0]["wan_hub"]])
    assert code == 2
    assert "site kind headquarters has no default for phones, desktops, printers, aps: " \
        "give --phones, --desktops, --printers, --aps" in capsys.readouterr().err
    assert (project / "sites.csv").read_bytes() == before


def test_unknown_kind(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["site", "add", "--inventory", str(project), "--kind", "police_statoin", "--name", NAME,
                 "--borough", "Hounslow", "--wan-hub", "hub-north"])
    assert code == 2
    assert "unknown site kind: police_statoin (did you mean police_station?)" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "expected"), [
    ("a,b\r\n1,2\r\n", "a,b\r\n1,2\r\n3,\r\n"),  # a spreadsheet's line endings are kept
    ("a,b\n1,2", "a,b\n1,2\n3,\n"),  # a last row without its line break gets one
])
def test_row_appended_in_the_files_own_style(text: str, expected: str) -> None:
    from estate.new_site import _append_row

    assert _append_row(text, ["3", ""]) == expected
