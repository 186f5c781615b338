"""A rendered IOS-XE config read as sections, for tests that state a rule about the configs.

Indentation makes the tree, as on the device; `!` and blank lines are separators. Small and
fast on purpose: the spec tests read every prod config (hier_config would take a minute)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Node:
    text: str
    children: list[Node] = field(default_factory=list)

    def child(self, prefix: str) -> Node | None:
        return next((c for c in self.children if c.text.startswith(prefix)), None)

    def lines(self) -> list[str]:
        return [c.text for c in self.children]

    def walk(self) -> Iterator[Node]:
        for c in self.children:
            yield c
            yield from c.walk()


def parse(text: str) -> Node:
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    in_banner = False
    for raw in text.splitlines():
        if in_banner:
            in_banner = raw.strip() != "^C"
            continue
        if not raw.strip() or raw.strip() == "!":
            continue
        if raw.startswith("banner "):
            in_banner = raw.count("^C") == 1  # opened here, closed by a later `^C` line
        depth = len(raw) - len(raw.lstrip(" "))
        while stack[-1][0] >= depth:
            stack.pop()
        node = Node(raw.strip())
        stack[-1][1].children.append(node)
        stack.append((depth, node))
    return root


def sections(root: Node, prefix: str) -> list[Node]:
    return [c for c in root.children if c.text.startswith(prefix)]
