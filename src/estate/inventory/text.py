"""Text from the source of truth that ends up in device configuration, and the rules it obeys.

A configuration is a sequence of lines read by a CLI, so a value printed into one must not be
able to become configuration itself: one line break in a site name would add a line of its own
choosing (`username x privilege 15 ...`) to every rendered switch. Free text is therefore
printable ASCII on one line, trimmed, bounded in length, and free of the characters that mean
something to the syntax it is printed into. Each rule is a pydantic error with its own type and
a hint (in the error's context), so the loader can report it with the file, line and field.

Identifiers (site ids, VLAN names, hostnames' parts) are not free text: they have patterns in
`models.py`, written with explicit ASCII classes (`[0-9]`, never `\\d`, which also matches
Arabic-Indic or full-width digits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

FIRST_PRINTABLE, LAST_PRINTABLE = 0x20, 0x7E
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")

# Characters refused where the text is printed, each with the reason shown to the user.
IOS_HELP = {"?": "IOS reads '?' as a request for help while a line is typed, so the line would not arrive as written"}
QUOTED = {
    '"': "the text is printed inside double quotes in the WLC configuration",
    "\\": "the text is printed inside double quotes in the WLC configuration, where '\\' escapes",
}
BANNER = {"^": "the login banner is delimited by ^C"}


def _refuse(kind: str, message: str, hint: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message, {"hint": hint})


def check_text(value: str, max_length: int, refused: Mapping[str, str], *, allow_empty: bool = False) -> str:
    """`value` if it is safe to print on one configuration line, else a `PydanticCustomError`."""
    for position, char in enumerate(value, start=1):
        if char in LINE_BREAKS:
            raise _refuse("text_line_break", f"contains a line break (at character {position})",
                          "write the text on one line")
        code = ord(char)
        if code < FIRST_PRINTABLE or code == 0x7F or 0x80 <= code <= 0x9F:
            raise _refuse("text_control_character",
                          f"contains the control character {char!r} (at character {position})",
                          "remove it: only printable characters are allowed")
        if code > LAST_PRINTABLE:
            raise _refuse("text_not_ascii",
                          f"contains {char!r} (U+{code:04X}, at character {position}), which is not printable ASCII",
                          "configuration text is printable ASCII: spell it without accents or symbols")
        if char in refused:
            raise _refuse("text_refused_character", f"contains {char!r} (at character {position})",
                          f"remove it: {refused[char]}")
    if not value and not allow_empty:
        raise _refuse("text_empty", "is empty", "write the text, or remove the field")
    if value != value.strip(" "):
        raise _refuse("text_whitespace", "starts or ends with a space", "remove the spaces around the text")
    if len(value) > max_length:
        raise _refuse("text_too_long", f"is {len(value)} characters long, the most is {max_length}",
                      "shorten the text")
    return value


def _rule(max_length: int, *refused: Mapping[str, str], allow_empty: bool = False) -> AfterValidator:
    rules = {char: why for table in refused for char, why in table.items()}
    return AfterValidator(lambda value: check_text(value, max_length, rules, allow_empty=allow_empty))


# Lengths: each field's longest printed form must fit where it appears. `snmp-server location
# <site-id> <name>, <borough>` and the WLC's quoted `description "<name>, <borough>"` stay well
# inside IOS's 200-character descriptions with 64 + 64.
SiteText = Annotated[str, _rule(64, IOS_HELP, QUOTED)]
# `organisation` is printed in the login banner: "This system is the property of the <organisation>."
BannerText = Annotated[str, _rule(64, IOS_HELP, QUOTED, BANNER)]
# Descriptions and notes not printed today follow the same rules, so printing them later is safe.
PlainText = Annotated[str, _rule(64, IOS_HELP, QUOTED)]
NoteText = Annotated[str, _rule(500, IOS_HELP, QUOTED, allow_empty=True)]
