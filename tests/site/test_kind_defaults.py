"""Blank sites.csv cells take the site kind's defaults; a blank without one is a problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from estate.build.validate import load_inventory
from estate.cli.main import main
from estate.inventory.models import DEFAULTABLE
from tests.golden import GOLDEN_ROOT, check_golden
from tests.site.conftest import edit_estate, rows

SITE = "MPS-0003"
DEFAULTS = {"phones": 41, "desktops": 43, "printers": 4, "aps": 6, "bwv_docks": 5, "bwv_cameras": 30,
            "wan_mbps": 900, "change_window": "Tue 03:00-04:00"}


def blank_cells(inventory: Path, site_id: str, names: list[str]) -> str:
    """Blank `names` in the row of `site_id`; returns the row's kind."""
    path = inventory / "sites.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    for index, line in enumerate(lines):
        if line.startswith(f"{site_id},"):
            cells = line.rstrip("\r\n").split(",")
            for name in names:
                cells[header.index(name)] = ""
            lines[index] = ",".join(cells) + "\n"
            kind = cells[header.index("kind")]
    path.write_text("".join(lines), encoding="utf-8")
    return kind


def set_defaults(inventory: Path, kind: str, defaults: dict[str, Any] | None) -> None:
    def change(data: dict[str, Any]) -> None:
        data["site_kinds"][kind].pop("defaults", None)
        if defaults is not None:
            data["site_kinds"][kind]["defaults"] = defaults
    edit_estate(inventory, change)


def test_blank_cells_take_the_kinds_defaults(inventory_copy: Path) -> None:
    kind = blank_cells(inventory_copy, SITE, list(DEFAULTABLE))
    set_defaults(inventory_copy, kind, DEFAULTS)
    site = load_inventory(inventory_copy).sites[SITE]
    assert {name: getattr(site, name) for name in DEFAULTABLE} == DEFAULTS


def test_given_cells_win_over_defaults(inventory_copy: Path) -> None:
    before = next(row for row in rows(inventory_copy) if row["site_id"] == SITE)
    kind = blank_cells(inventory_copy, SITE, ["wan_mbps"])
    set_defaults(inventory_copy, kind, DEFAULTS)
    site = load_inventory(inventory_copy).sites[SITE]
    assert site.wan_mbps == DEFAULTS["wan_mbps"]
    assert site.phones == int(before["phones"])  # not blank: the row's own count


def test_blank_without_default_is_reported(
    inventory_copy: Path, capsys: pytest.CaptureFixture[str], update_goldens: bool
) -> None:
    kind = blank_cells(inventory_copy, SITE, ["phones", "wan_mbps", "borough"])
    set_defaults(inventory_copy, kind, {"wan_mbps": 900})  # phones has none; borough never has
    assert main(["validate", "--inventory", str(inventory_copy)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    check_golden(GOLDEN_ROOT / "errors" / "blank_cell_without_default.txt", err, update_goldens)


def test_invalid_default_is_reported_with_its_place(
    inventory_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kind = blank_cells(inventory_copy, SITE, ["change_window"])
    set_defaults(inventory_copy, kind, {"change_window": "Sunday night"})
    assert main(["validate", "--inventory", str(inventory_copy)]) == 2
    err = capsys.readouterr().err
    assert f"field site_kinds.{kind}.defaults.change_window" in err
    assert "hint: days then hours" in err


@pytest.mark.parametrize("folder", ["errors", "access", "contact"])
def test_every_problem_of_every_error_case_has_a_hint(folder: str) -> None:
    goldens = sorted((GOLDEN_ROOT / folder).glob("*.txt"))
    assert goldens, f"no golden error reports under {folder}"
    for golden in goldens:
        report = golden.read_text(encoding="utf-8").splitlines()
        problems = [i for i, line in enumerate(report) if line.startswith("  ") and not line.startswith("    ")]
        assert problems, f"{golden.name}: no problem lines (has the report's layout changed?)"
        for index in problems:
            following = report[index + 1] if index + 1 < len(report) else ""
            assert following.startswith("    hint: "), f"{folder}/{golden.name}: no hint for {report[index]!r}"
