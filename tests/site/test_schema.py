"""`estate schema`: a JSON Schema that accepts the inventory estate validates and refuses what
it refuses, for estate.yaml, a sites.csv row and a site override."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from estate.cli.main import main
from estate.inventory.load import CSV_COLUMNS
from estate.inventory.models import Site
from estate.paths import DEFAULT_INVENTORY
from tests.site.conftest import rows


@pytest.fixture
def schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = tmp_path / "estate.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    return document


def part(schema: dict[str, Any], name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": schema["$defs"]})


def typed(row: dict[str, str]) -> dict[str, Any]:
    """A sites.csv row with its cells as the loader reads them (counts are numbers)."""
    numbers = {name for name, info in Site.model_fields.items() if "int" in str(info.annotation)}
    return {k: int(v) if k in numbers else v for k, v in row.items() if v != ""}


@pytest.mark.parametrize("inventory", [DEFAULT_INVENTORY, None], ids=["shipped sample", "test inventory"])
def test_accepts_estate_yaml(schema: dict[str, Any], inventory_copy: Path, inventory: Path | None) -> None:
    data = yaml.safe_load(((inventory or inventory_copy) / "estate.yaml").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


def test_refuses_what_estate_refuses(schema: dict[str, Any]) -> None:
    data = yaml.safe_load((DEFAULT_INVENTORY / "estate.yaml").read_text(encoding="utf-8"))
    data["vlans"][0]["id"] = 4095
    data["switching"]["spare_ratoi"] = 0.2
    errors = {tuple(e.absolute_path) for e in Draft202012Validator(schema).iter_errors(data)}
    assert ("vlans", 0, "id") in errors
    assert ("switching",) in errors  # the unknown key


def test_site_rows_and_overrides(schema: dict[str, Any], inventory_copy: Path) -> None:
    row_schema, override_schema = part(schema, "SiteRow"), part(schema, "SiteOverride")
    for row in rows(inventory_copy)[:50]:
        assert list(row_schema.iter_errors(typed(row))) == []
    row = typed(rows(inventory_copy)[0])
    assert list(row_schema.iter_errors({k: v for k, v in row.items() if k != "phones"})) == []  # blank: default
    assert list(row_schema.iter_errors({k: v for k, v in row.items() if k != "name"}))  # never blank
    assert list(row_schema.iter_errors({**row, "guest": True}))  # override-only field
    assert set(schema["$defs"]["SiteRow"]["properties"]) == set(CSV_COLUMNS)
    assert list(override_schema.iter_errors({"wan_mbps": 2000, "notes": "pilot"})) == []
    assert list(override_schema.iter_errors({"site_id": "MPS-0043"}))


def test_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["$defs"]["SiteRow"]["properties"]["site_id"]
