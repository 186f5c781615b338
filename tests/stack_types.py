"""Which declared AWS types the stack tests created in moto and which stayed plain mocks: filled
by tests/stacks/conftest.py, gathered from xdist workers and printed by tests/conftest.py."""

from __future__ import annotations

BACKED: set[str] = set()
PLAIN: set[str] = set()
