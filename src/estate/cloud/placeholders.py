"""Placeholder values still present in a stack's settings or the contact-centre model: the
sample project ships values shaped like real ones (an AMI id, CA ARNs, VPN peers, a Direct
Connect gateway id, SAML providers) that must be replaced before a first `pulumi up`. Each
finding names the file, line and key, and the resources whose inputs carry the value.

What counts as a placeholder: an address in a documentation range (RFC 5737, RFC 3849); an
account id of one repeated digit or AWS's documentation id 123456789012; an id whose hex digits
count up in the sample style (`0a1b2c3d`, `1a2b3c`); an all-zero UUID (only its version and
variant digits set)."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from estate.cloud.mocks import Declared
from estate.inventory.yaml_source import YamlDocument, parse_yaml

DOCUMENTATION_NETS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
ADDRESS = re.compile(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7})(?![\w.:])")
ACCOUNT = re.compile(r"(?<!\d)(\d{12})(?!\d)")
NIL_UUID = re.compile(r"00000000-0000-[0-9a-f]000-[0-9a-f]000-0{8,11}[0-9a-f]{1,4}", re.IGNORECASE)


@dataclass(frozen=True)
class Placeholder:
    file: str
    line: int | None
    key: str
    value: str
    why: str
    used_by: tuple[str, ...] = ()  # resources whose inputs carry the value

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key} = {self.value}: {self.why}"


def _counts_up(text: str) -> bool:
    t = text.lower()
    for i in range(len(t) - 5):
        pairs = [t[i + 2 * k:i + 2 * k + 2] for k in range(3)]
        if all(p[0].isdigit() and p[1] in "abcdef" for p in pairs) and all(
                ord(b[0]) - ord(a[0]) == 1 and ord(b[1]) - ord(a[1]) == 1 for a, b in pairwise(pairs)):
            return True
    return False


def why_placeholder(value: str) -> str | None:
    """Why `value` looks like a sample value rather than a real one, or None."""
    for match in ADDRESS.finditer(value):
        try:
            address = ipaddress.ip_address(match.group(1))
        except ValueError:
            continue
        if any(address in net for net in DOCUMENTATION_NETS):
            return f"{address} is in a documentation range (RFC 5737 / RFC 3849): use the real peer address"
    if NIL_UUID.search(value):
        return "an all-zero sample id: use the real resource's id"
    if _counts_up(value):
        return "a sample id (its digits count up): use the real one"
    for match in ACCOUNT.finditer(value):
        account = match.group(1)
        if len(set(account)) == 1 or account == "123456789012":
            return f"account {account} is a sample account id"
    return None


def _leaves(node: yaml.Node, path: str) -> Iterator[tuple[str, int, str]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _leaves(value, f"{path}.{key.value}" if path else str(key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _leaves(item, f"{path}[{i}]")
    elif isinstance(node, yaml.ScalarNode):
        yield path, node.start_mark.line + 1, str(node.value)


def in_document(document: YamlDocument, label: str, under: str = "") -> list[Placeholder]:
    """Every scalar of the document (below the dotted key `under`) that looks like a placeholder."""
    found: list[Placeholder] = []
    if document.root is None:
        return found
    for key, line, value in _leaves(document.root, ""):
        if (not under or key == under or key.startswith(f"{under}.")) and (why := why_placeholder(value)):
            found.append(Placeholder(label, line, key.removeprefix("config."), value, why))
    return found


def in_file(path: Path, label: str, under: str = "") -> list[Placeholder]:
    """`label` names the file as the user knows it (inventory files relative to the inventory)."""
    if not path.is_file():
        return []
    return in_document(parse_yaml(path.read_text(encoding="utf-8")), label, under)


def _carries(inputs: Mapping[str, Any], value: str) -> bool:
    return value in json.dumps(inputs, default=str)


def with_users(found: Sequence[Placeholder], resources: Sequence[Declared]) -> list[Placeholder]:
    """The findings with the resources whose inputs carry each value."""
    return [Placeholder(p.file, p.line, p.key, p.value, p.why,
                        tuple(sorted(r.name for r in resources if r.custom and _carries(r.inputs, p.value))))
            for p in found]
