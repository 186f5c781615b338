"""The loaded, checked source of truth that every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from estate.inventory.models import Environment, EstateFile, Site


class UnknownEnvironmentError(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown environment '{name}' (known: {', '.join(known)})")


class UnknownSiteError(LookupError):
    def __init__(self, env: str, missing: list[str]) -> None:
        super().__init__(f"site(s) not in environment '{env}': {', '.join(missing)}")


@dataclass(frozen=True)
class Inventory:
    root: Path
    estate: EstateFile
    sites: dict[str, Site]  # by site id, sorted

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
                raise UnknownSiteError(name, missing)
            ids = [s for s in ids if s in set(only)]
        return [self.sites[s] for s in ids]

    def has_guest(self, site: Site) -> bool:
        if site.guest is not None:
            return site.guest
        return self.estate.site_kinds[site.kind].guest
