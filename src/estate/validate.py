"""Load and check the whole source of truth, including what only shows once derived: a site
whose counts do not fit its switch ports, or whose VLANs do not fit its address block."""

from __future__ import annotations

from pathlib import Path

from estate.addressing import AddressingError
from estate.device_model import ModelError, build_site
from estate.inventory.access import AccessFile, access_problems
from estate.inventory.checks import cross_check
from estate.inventory.inventory import Inventory
from estate.inventory.load import RawEstate, read_inventory
from estate.problems import InventoryError, Problem
from estate.sizing import SizingError

FIELD_OF_ERROR: dict[type[Exception], str] = {
    SizingError: "phones/desktops/printers/aps/bwv_docks",
    AddressingError: "site_id",
    ModelError: "kind",
}


def load_inventory(root: Path) -> Inventory:
    """The checked inventory, or `InventoryError` carrying every problem found."""
    raw = read_inventory(root)
    problems = [*raw.problems, *cross_check(raw)]
    if raw.estate is not None:
        inventory = Inventory(root, raw.estate, dict(sorted(raw.sites.items())), raw.access or AccessFile())
        problems += derived_problems(raw, inventory, {p.site for p in problems if p.site})
        problems += access_problems(raw.access, raw.access_doc, inventory)
    if problems or raw.estate is None:
        raise InventoryError(problems)
    return inventory


def derived_problems(raw: RawEstate, inventory: Inventory, skip: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for env_name, env in inventory.estate.environments.items():
        ids = list(inventory.sites) if env.sites == "all" else env.sites
        for site_id in ids:
            site = inventory.sites.get(site_id)
            if site is None or site_id in skip:
                continue
            try:
                build_site(inventory, env_name, site)
            except (SizingError, AddressingError, ModelError) as exc:
                file, line = raw.site_lines[site_id]
                # only the address block depends on the environment (through its supernet)
                where = f" (environment {env_name})" if isinstance(exc, AddressingError) else ""
                problem = Problem(file, f"{exc}{where}", line=line, site=site_id,
                                  field=FIELD_OF_ERROR[type(exc)], hint=_hint(exc))
                if problem not in problems:
                    problems.append(problem)
    return problems


def _hint(exc: Exception) -> str:
    if isinstance(exc, SizingError):
        return "split the site, or lower the counts"
    if isinstance(exc, AddressingError):
        return "lower the counts, or raise addressing.site_block_prefix / the environment supernet in estate.yaml"
    return "use a switch model with a known port layout"
