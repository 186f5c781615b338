"""Compare output with a golden file, or rewrite it under `--update-goldens`."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

GOLDEN_ROOT = Path(__file__).parent / "golden"


def check_golden(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.is_file():
        pytest.fail(f"no golden file {path}; run `make golden` and review it")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                fromfile=f"golden/{path.relative_to(GOLDEN_ROOT)}", tofile="actual",
            )
        )
        pytest.fail(f"output differs from {path.name}:\n{diff}", pytrace=False)
