"""estate: one source of truth for the sites, their switch and WiFi configs, and the cloud tiers."""

__version__ = "0.1.0"
