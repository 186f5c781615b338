"""The JSON Schema of the source of truth, for editors and other tools: `estate.yaml` at the top,
and under `$defs` a row of `sites.csv` (`SiteRow`) and a `sites/<SITE-ID>.yaml` override
(`SiteOverride`). Generated from the models the loader validates with, so it cannot drift from
them; the checks across files (references, sizes, hubs) are `estate validate`'s."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from estate.inventory.load import CSV_COLUMNS
from estate.inventory.models import DEFAULTABLE, EstateFile, Site

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SITE_ROW, SITE_OVERRIDE = "SiteRow", "SiteOverride"


def _lift(model: type[BaseModel], defs: dict[str, Any]) -> dict[str, Any]:
    """The model's schema with its own `$defs` merged into `defs` (refs stay `#/$defs/...`)."""
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(schema.pop("$defs", {}))
    return schema


def inventory_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    estate = _lift(EstateFile, defs)
    site = _lift(Site, defs)
    row = copy.deepcopy(site)
    row["properties"] = {name: row["properties"][name] for name in CSV_COLUMNS}
    # a blank cell takes the site kind's default (`site_kinds.<kind>.defaults`), so it may be left out
    row["required"] = [name for name in site.get("required", []) if name not in DEFAULTABLE]
    row["title"] = "a row of sites.csv (a blank cell is left out)"
    override = copy.deepcopy(site)
    override["properties"].pop("site_id")
    override.pop("required", None)
    override["title"] = "sites/<SITE-ID>.yaml: the fields it overrides (never site_id)"
    defs[SITE_ROW], defs[SITE_OVERRIDE] = row, override
    return {"$schema": DIALECT, "$id": "estate-inventory.schema.json", **estate, "$defs": defs}
