"""Where the project's own folders are, for defaults (every command can be pointed elsewhere)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INVENTORY = PROJECT_ROOT / "network_configs"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
DEFAULT_BUILD = Path("build")
