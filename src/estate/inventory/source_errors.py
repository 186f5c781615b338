"""Pydantic's validation errors, said the way an inventory problem says them."""

from __future__ import annotations

from typing import Any

from estate.inventory.models import ALL_SITES, SITE_ID_PATTERN, SITE_LIST

UNION_TAGS = frozenset({ALL_SITES, SITE_LIST})
SHOWN_INPUT = 80  # characters of a rejected value repeated in a message


def source_loc(error: Any) -> tuple[str | int, ...]:
    """The error's path in the source file: union tags are pydantic's bookkeeping, not keys."""
    return tuple(step for step in error["loc"] if step not in UNION_TAGS)


def dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def message(error: Any) -> str:
    value = error.get("input")
    if isinstance(value, (dict, list)) or value is None:
        return str(error["msg"])
    shown = repr(value)  # repr: a line break or control character shows as an escape
    if len(shown) > SHOWN_INPUT:
        shown = f"{shown[:SHOWN_INPUT - 3]}..."
    return f"{error['msg']} (got {shown})"


GENERIC_HINTS = {
    "extra_forbidden": "remove the field or check its spelling",
    "missing": "add the field",
}


def hint(error: Any) -> str | None:
    context = error.get("ctx") or {}
    if "hint" in context:  # the text rules carry their own
        return str(context["hint"])
    kind, loc = error["type"], source_loc(error)
    if kind == "string_pattern_mismatch" and loc[-1:] == ("site_id",):
        return f"site ids look like MPS-0042, in ASCII letters and digits (pattern {SITE_ID_PATTERN})"
    if kind == "string_pattern_mismatch" and "sites" in loc[:-1]:
        return "site ids look like MPS-0042, in ASCII letters and digits"
    if kind == "literal_error" and loc[-1:] == ("sites",):
        return "sites: all, or a list of site ids such as [MPS-0042]"
    return GENERIC_HINTS.get(kind)
