"""Adding a site to `sites.csv`: the next free number, the row in the file's own column order, and
the new site checked the way `estate validate` checks everything before the file is replaced.

The number is one past the highest in use, never a gap: a removed site's number would give the new
site that site's address block, whose routes and DNS records may still be live somewhere. Cells
left out are written blank, so the site follows its kind's defaults (`site_kinds.<kind>.defaults`)
and the row says which counts were given and which are the kind's.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from estate.build.device_model import SiteModel, build_site
from estate.build.validate import load_inventory, project_of
from estate.files import atomic_write
from estate.inventory.inventory import Inventory
from estate.inventory.load import SITES_FILE
from estate.inventory.models import DEFAULTABLE, Site

MAX_NUMBER = 9999  # site ids have four digits


class SiteAddError(ValueError):
    """The site cannot be added as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class AddedSite:
    site: Site
    line: int  # of its row in sites.csv
    defaulted: dict[str, object]  # fields the row leaves blank, with the kind's values
    models: dict[str, SiteModel]  # by environment that holds the site
    not_in: tuple[str, ...]  # environments that list their sites and so do not hold it yet


def next_number(inventory: Inventory) -> int:
    return max((site.number for site in inventory.sites.values()), default=0) + 1


def add_site(root: Path, given: Mapping[str, object], project_dir: Path | None = None) -> AddedSite:
    """Append a site to `root`'s sites.csv. `given` holds the row's cells by column name (not
    site_id); a defaultable column left out is written blank. Raises `InventoryError` (the
    inventory, or the new row, has problems) or `SiteAddError`; the file is untouched then."""
    inventory = load_inventory(root, project_dir)
    number = next_number(inventory)
    if number > MAX_NUMBER:
        raise SiteAddError(f"site numbers run to {MAX_NUMBER}, and {MAX_NUMBER} is in use")
    site_id = f"{inventory.estate.site_id_prefix}-{number:04d}"
    path = root / SITES_FILE
    original = path.read_bytes()
    text = original.decode("utf-8")
    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    cells = {"site_id": site_id, **{name: "" if value is None else str(value) for name, value in given.items()}}
    unknown = sorted(set(cells) - set(header))
    if unknown:
        raise SiteAddError(f"{SITES_FILE} has no column {', '.join(unknown)}")
    missing = [name for name in header if name not in cells and name not in DEFAULTABLE]
    if missing:
        raise SiteAddError(f"give a value for {', '.join(missing)}: they have no default")
    updated = _append_row(text, [cells.get(name, "") for name in header])
    # the stack files are looked for beside the real inventory, not beside the checked copy
    checked = _check_copy(root, updated, project_dir or project_of(root))
    if path.read_bytes() != original:  # someone else wrote it meanwhile: do not lose their row
        raise SiteAddError(f"{path} changed while the site was checked; run the command again")
    atomic_write(path, updated, mode=path.stat().st_mode & 0o777)
    site = checked.sites[site_id]
    kind_defaults = checked.estate.site_kinds[site.kind].defaults
    defaulted = {name: getattr(kind_defaults, name) for name in DEFAULTABLE if cells.get(name, "") == ""}
    holding = [env for env, spec in checked.estate.environments.items()
               if spec.sites == "all" or site_id in spec.sites]
    models = {env: build_site(checked, env, site) for env in holding}
    not_in = tuple(env for env in checked.estate.environments if env not in holding)
    line = updated.count("\n") if updated.endswith("\n") else updated.count("\n") + 1
    return AddedSite(site, line, defaulted, models, not_in)


def _append_row(text: str, row: list[str]) -> str:
    ending = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    out = io.StringIO()
    csv.writer(out, lineterminator=ending).writerow(row)
    if text and not text.endswith(("\n", "\r")):
        text += ending
    return text + out.getvalue()


def _check_copy(root: Path, sites_csv: str, project_dir: Path | None) -> Inventory:
    """The inventory with the new sites.csv, loaded from a private copy: the real file is
    replaced only once everything `estate validate` checks passes."""
    with tempfile.TemporaryDirectory(prefix="estate-site-add-") as scratch:
        copy = Path(scratch) / root.name
        shutil.copytree(root, copy, symlinks=True)
        (copy / SITES_FILE).write_text(sites_csv, encoding="utf-8", newline="")
        return load_inventory(copy, project_dir)  # problems name files relative to the folder
