"""User-facing problems with the source of truth: where they are, what is wrong, what to do.

Loading and checking collect every problem before anything is reported, so one run of
`estate validate` shows a team everything it has to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def did_you_mean_id(name: str, known: Iterable[str]) -> str:
    """ " (did you mean A, B?)" naming up to three known ids one slip away from `name` (a character
    changed, added, dropped, or two swapped; case ignored), or "". Ids share their prefix and most
    digits, so a looser likeness (difflib's) suggests ids that have nothing to do with the typo."""
    folded = name.casefold()
    candidates = sorted(set(known))
    same = [k for k in candidates if k.casefold() == folded]  # only the case differs: nothing else
    close = same or [k for k in candidates if _one_slip(folded, k.casefold())][:3]
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _one_slip(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    if len(long_) - len(short) != 1:
        return False
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def printable(text: str) -> str:
    """`text` with every unprintable character escaped, so that a hostile value quoted in a
    report (a file name, a site id, a key) cannot move the cursor or forge a line of output."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


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
        text = ": ".join([printable(", ".join(parts)), printable(self.message)])
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
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
