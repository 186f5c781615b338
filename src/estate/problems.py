"""User-facing problems with the source of truth: where they are, what is wrong, what to do.

Loading and checking collect every problem before anything is reported, so one run of
`estate validate` shows a team everything it has to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    site: str | None = None
    field: str | None = None
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.site or "", self.field or "")

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.site:
            parts.append(f"site {self.site}")
        if self.field:
            parts.append(f"field {self.field}")
        text = ": ".join([", ".join(parts), self.message])
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class InventoryError(Exception):
    """The source of truth has problems; carries all of them, sorted by place."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=Problem.sort_key))
        super().__init__(f"{len(self.problems)} problem(s) in the inventory")

    def report(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the inventory:"
        return "\n".join([head, *(f"  {p.render()}" for p in self.problems)])
