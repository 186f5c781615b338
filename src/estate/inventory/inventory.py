"""The loaded, checked source of truth that every later stage reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estate.inventory.access import AccessFile
from estate.inventory.models import Environment, EstateFile, Site
from estate.problems import did_you_mean_id


class UnknownEnvironmentError(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown environment '{name}' (known: {', '.join(known)})")


class UnknownSiteError(LookupError):
    """Sites asked for that the environment does not hold, each with its close matches."""

    def __init__(self, env: str, missing: list[str], known: Iterable[str] = ()) -> None:
        self.env = env
        self.missing = tuple(missing)
        candidates = sorted(known)
        named = "; ".join(f"{site}{did_you_mean_id(site, candidates)}" for site in missing)
        super().__init__(f"site(s) not in environment '{env}': {named}")


@dataclass(frozen=True)
class Inventory:
    root: Path
    estate: EstateFile
    sites: dict[str, Site]  # by site id, sorted
    access: AccessFile = field(default_factory=AccessFile)  # access.yaml (empty when absent)
    # derived site models by (environment, site id): validation builds every one of them, so
    # render reuses them instead of building twice (init=False: a replaced copy starts empty)
    model_cache: dict[tuple[str, str], Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def environment(self, name: str) -> Environment:
        try:
            return self.estate.environments[name]
        except KeyError:
            raise UnknownEnvironmentError(name, list(self.estate.environments)) from None

    def env_sites(self, name: str, only: list[str] | None = None) -> list[Site]:
        """The sites of an environment, in site-id order; `only` narrows to named sites."""
        env = self.environment(name)
        ids = list(self.sites) if env.sites == "all" else sorted(env.sites)
        if only:
            missing = [s for s in only if s not in ids]
            if missing:
                raise UnknownSiteError(name, missing, ids)
            ids = [s for s in ids if s in set(only)]
        return [self.sites[s] for s in ids]

    def has_guest(self, site: Site) -> bool:
        if site.guest is not None:
            return site.guest
        return self.estate.site_kinds[site.kind].guest
