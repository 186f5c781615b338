"""YAML reading that is safe on hostile input and remembers where each value came from.

Safe: tags are never executed (the safe loader), and a document is refused before it is built
when it is too large, nested too deeply, or uses too many aliases or aliases that expand too far
(ten lines of nested aliases, the "billion laughs", expand to 10**9 nodes) or point into
themselves (a recursive alias, which would make any walk of the data endless). The limits are
checked on the parser's event stream, which costs time linear in the text and stops at the first
event over a limit, so an attack is refused in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in every wheel we install
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# The sample estate.yaml is 3 KB and 5 levels deep with no aliases; these leave room for a
# force ten times its size while keeping the work bounded.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 20
MAX_ALIASES = 100
MAX_NODES = 200_000  # after expanding every alias


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    root: yaml.Node | None
    duplicate_keys: tuple[tuple[str, int], ...]

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """1-based line of the value at `path` (or of its nearest ancestor that exists)."""
        node = self.root
        line = None if node is None else node.start_mark.line + 1
        for step in path:
            child = _child(node, step)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


def parse_yaml(text: str) -> YamlDocument:
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise YamlSyntaxError(f"the document is {size} bytes, larger than the {MAX_BYTES} estate reads", None,
                              "check that this is the right file; inventory YAML files are small")
    try:
        _check_limits(text)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = None if root is None else loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        raise YamlSyntaxError(f"malformed YAML: {_describe(exc)}", line, "fix the YAML syntax") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"malformed YAML: {exc}", None, "fix the YAML syntax") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise YamlSyntaxError(f"a value cannot be read: {exc}", None,
                              "quote the value, or shorten the number") from None
    return YamlDocument(data, root, tuple(_duplicates(root)))


def _describe(exc: yaml.MarkedYAMLError) -> str:
    if exc.problem == "second occurrence" and exc.context_mark is not None:
        # the composer splits "duplicate anchor" over two marks; say it in one sentence
        return f"{exc.context} on line {exc.context_mark.line + 1}, again here"
    return str(exc.problem or exc.context)


@dataclass
class _Frame:
    anchor: str | None
    nodes: int = 1  # this collection and everything in it, aliases expanded
    height: int = 1  # nesting levels from this collection down, aliases expanded


@dataclass
class _Limits:
    open: list[_Frame] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)  # by anchor: expanded size
    heights: dict[str, int] = field(default_factory=dict)  # by anchor: expanded nesting
    aliases: int = 0
    total: int = 0

    def count(self, nodes: int, line: int) -> None:
        self.total += nodes
        if self.total > MAX_NODES:
            raise YamlSyntaxError(f"aliases expand the document to more than {MAX_NODES} values", line,
                                  "write the values out, or use fewer nested aliases")

    def nest(self, height: int, line: int, *, alias: bool = False) -> None:
        if len(self.open) + height > MAX_DEPTH:
            how = " once its aliases are expanded" if alias else ""
            raise YamlSyntaxError(f"the document nests more than {MAX_DEPTH} levels deep{how}", line,
                                  "flatten the structure")

    def close(self, nodes: int, height: int) -> None:
        """A value is complete: its parent grows by its size and nests at least as deep."""
        if self.open:
            parent = self.open[-1]
            parent.nodes += nodes
            parent.height = max(parent.height, height + 1)

    def remember(self, anchor: str | None, nodes: int, height: int) -> None:
        if anchor is not None:
            self.nodes[anchor], self.heights[anchor] = nodes, height


def _check_limits(text: str) -> None:
    limits = _Limits()
    for event in yaml.parse(text, Loader=_Loader):
        line = 0 if event.start_mark is None else event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            _alias(limits, str(event.anchor), line)
        elif isinstance(event, yaml.ScalarEvent):
            limits.count(1, line)
            limits.remember(event.anchor, 1, 0)
            limits.close(1, 0)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            limits.count(1, line)
            limits.nest(1, line)
            limits.open.append(_Frame(event.anchor))
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            frame = limits.open.pop()
            limits.remember(frame.anchor, frame.nodes, frame.height)
            limits.close(frame.nodes, frame.height)


def _alias(limits: _Limits, anchor: str, line: int) -> None:
    limits.aliases += 1
    if limits.aliases > MAX_ALIASES:
        raise YamlSyntaxError(f"the document uses more than {MAX_ALIASES} aliases", line,
                              "write the values out instead of referring to anchors")
    if any(frame.anchor == anchor for frame in limits.open):
        raise YamlSyntaxError(f"alias *{anchor} refers to a value that contains it (a recursive alias)", line,
                              f"an alias may only name a value that is complete before it: &{anchor}")
    if anchor not in limits.nodes:
        return  # the composer reports an undefined alias with its line
    nodes, height = limits.nodes[anchor], limits.heights[anchor]
    limits.count(nodes, line)
    limits.nest(height, line, alias=True)
    limits.close(nodes, height)


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == str(step):
                return value  # type: ignore[no-any-return]
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]  # type: ignore[no-any-return]
    return None


def _duplicates(root: yaml.Node | None) -> list[tuple[str, int]]:
    # PyYAML keeps the last of two equal keys without a word; a source of truth must not.
    # Each node once: a node reached again through an alias has nothing new to report.
    found: list[tuple[str, int]] = []
    seen_nodes: set[int] = set()
    pending = [] if root is None else [root]
    while pending:
        node = pending.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            names: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                if name in names:
                    found.append((name, key.start_mark.line + 1))
                names.add(name)
                pending.append(value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return sorted(found, key=lambda item: item[1])
