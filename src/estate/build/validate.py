"""Load and check the whole source of truth, including what only shows once derived: a site
whose counts do not fit its switch ports, or whose VLANs do not fit its address block, the
design rules over the derived sites (WLC pairs, PoE budgets, voice priority share:
`build.design_checks`), and a site whose WAN hub no stack of its environments declares."""

from __future__ import annotations

import json
from pathlib import Path

from estate.build.addressing import AddressingError
from estate.build.design_checks import design_problems
from estate.build.device_model import ModelError, build_site
from estate.build.sizing import SizingError
from estate.cloud.settings import NAMESPACE, PROJECT_FILE, SettingsError, load_stack_file
from estate.inventory.access import AccessFile, access_problems
from estate.inventory.checks import blocks_build, cross_check
from estate.inventory.inventory import Inventory
from estate.inventory.load import RawEstate, read_inventory
from estate.problems import InventoryError, Problem, did_you_mean_id

FIELD_OF_ERROR: dict[type[Exception], str] = {
    SizingError: "phones/desktops/printers/aps/bwv_docks",
    AddressingError: "site_id",
    ModelError: "kind",
}


def load_inventory(root: Path, project_dir: Path | None = None) -> Inventory:
    """The checked inventory, or `InventoryError` carrying every problem found. Sites' WAN hubs
    are checked against the stack files (`Pulumi.<env>.yaml`) of `project_dir`, by default the
    Pulumi project that holds the inventory folder (none: not checked)."""
    raw = read_inventory(root)
    problems = [*raw.problems, *cross_check(raw)]
    if raw.estate is not None:
        inventory = Inventory(root, raw.estate, dict(sorted(raw.sites.items())), raw.access or AccessFile())
        if not blocks_build(raw):
            problems += derived_problems(raw, inventory, {p.site for p in problems if p.site})
            problems += design_problems(raw, inventory, {p.site for p in problems if p.site})
        problems += access_problems(raw.access, raw.access_doc, inventory)
        project = project_dir if project_dir is not None else project_of(root)
        if project is not None:
            problems += hub_problems(raw, inventory, project)
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


def project_of(root: Path) -> Path | None:
    parent = root.resolve().parent
    return parent if (parent / PROJECT_FILE).is_file() else None


def declared_hubs(project_dir: Path, env: str, problems: list[Problem]) -> set[str] | None:
    """The hub names `Pulumi.<env>.yaml` declares (`estate:network.vpnHubs[].name`), or None when
    the environment has no stack file or its network setting cannot be read (reported)."""
    label = f"Pulumi.{env}.yaml"
    if not (project_dir / label).is_file():
        return None
    try:
        values = load_stack_file(project_dir, env).values
    except SettingsError as exc:
        problems.append(Problem(label, str(exc), hint="fix the stack file; `estate plan` reports its settings"))
        return None
    try:
        hubs = json.loads(values.get(f"{NAMESPACE}:network", "{}")).get("vpnHubs", [])
        return {str(hub["name"]) for hub in hubs}
    except (ValueError, AttributeError, TypeError, KeyError):
        return None  # a malformed network setting is the stack settings' own problem to report


def hub_problems(raw: RawEstate, inventory: Inventory, project_dir: Path) -> list[Problem]:
    """Sites whose `wan_hub` none of their environments' stacks declares.

    A site's hub is where its circuit lands, the same in every environment; dev and staging
    stacks peer with only some hubs (their pilot sites on the others reach the cloud through
    prod's), so a site needs its hub declared by at least one environment that holds it, not by
    each. With every site in prod, that is prod's hubs; a site held only by dev must use a dev
    hub. Environments without a stack file are not counted."""
    problems: list[Problem] = []
    hubs = {env: declared_hubs(project_dir, env, problems) for env in inventory.estate.environments}
    held: dict[str, list[str]] = {}
    for env in inventory.estate.environments:
        if hubs[env] is not None:
            for site in inventory.env_sites(env):
                held.setdefault(site.site_id, []).append(env)
    for site_id, envs in held.items():
        site = inventory.sites[site_id]
        known = set().union(*(hubs[env] or set() for env in envs))
        if site.wan_hub in known:
            continue
        file, line = raw.site_lines[site_id]
        stacks = ", ".join(f"Pulumi.{env}.yaml" for env in envs)
        choices = ", ".join(sorted(known)) or "none"
        problems.append(Problem(
            file, f"WAN hub '{site.wan_hub}' is not declared by the stack of any environment holding the site "
            f"({stacks}: {NAMESPACE}:network.vpnHubs)", line=line, site=site_id, field="wan_hub",
            hint=f"use one of: {choices}{did_you_mean_id(site.wan_hub, known)}, or declare the hub in the stack"))
    return problems
