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
# what to do about each kind of error where no more specific hint applies, so that every problem
# with the inventory says what to do; a check of ours (a `value_error`) explains itself in its message
KIND_HINTS = {
    "int_parsing": "write a whole number, in ASCII digits",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write the value as text (quote it)",
    "too_short": "add entries: the list may not be empty",
    "too_long": "use fewer entries",
    "string_too_short": "write a longer value",
    "string_too_long": "write a shorter value",
    "string_pattern_mismatch": "write the value in the form the pattern shows",
    "literal_error": "use one of the values listed",
    "enum": "use one of the values listed",
    "dict_type": "write a mapping of `key: value` entries",
    "list_type": "write a list, such as [a, b]",
    "model_type": "write a mapping of `key: value` entries",
    "model_attributes_type": "write a mapping of `key: value` entries",
    "ip_v4_address": "write an IPv4 address such as 192.0.2.10",
    "ip_v4_network": "write an IPv4 network such as 10.0.0.0/9, with no host bits set",
}
BOUND_HINTS = {"greater_than_equal": ("ge", "use {} or more"), "less_than_equal": ("le", "use {} or less"),
               "greater_than": ("gt", "use more than {}"), "less_than": ("lt", "use less than {}")}
FALLBACK_HINT = "correct the value; `estate schema` writes what each field accepts"


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


def inventory_hint(error: Any) -> str:
    """`hint`, or what to do about the kind of error: every inventory problem carries one."""
    specific = hint(error)
    if specific is not None:
        return specific
    kind, loc, context = error["type"], source_loc(error), error.get("ctx") or {}
    if kind == "string_pattern_mismatch" and loc[-1:] == ("wan_hub",):
        return "hub names are lower-case letters, digits and '-', such as hub-north"
    if kind == "value_error" and loc[-1:] == ("change_window",):
        return "days then hours, in 24-hour time: 'Sun 02:00-05:00' or 'Mon-Fri 01:00-04:00'"
    if kind in BOUND_HINTS and BOUND_HINTS[kind][0] in context:
        key, text = BOUND_HINTS[kind]
        return text.format(context[key])
    return KIND_HINTS.get(kind, FALLBACK_HINT)
