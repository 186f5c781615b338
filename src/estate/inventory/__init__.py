"""The source of truth: models, reading `network_configs/`, and the checks that need no derivation."""

from estate.inventory.inventory import Inventory, UnknownEnvironmentError, UnknownSiteError
from estate.inventory.models import EstateFile, Site, VlanDef, VlanRole

__all__ = [
    "EstateFile",
    "Inventory",
    "Site",
    "UnknownEnvironmentError",
    "UnknownSiteError",
    "VlanDef",
    "VlanRole",
]
