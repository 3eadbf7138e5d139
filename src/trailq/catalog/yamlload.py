"""YAML composed with bounds: every YAML file trailq reads goes through `compose()`.

PyYAML composes aliases as shared nodes, so composing is linear in the file, but anything that
walks or constructs the document afterwards visits an aliased node once per reference. A
"billion laughs" file of a few hundred bytes (eight levels of lists of ten aliases) expands to
10^8 nodes, and a catalog loader that turned it into Python values took minutes and gigabytes.
Since `./queries.yaml` is read from the working folder by every command, such a file must be
refused at once, naming its file and line.

The bound: aliases may add at most `ALIAS_EXPANSION_LIMIT` nodes beyond those written in the
file (a catalog uses aliases, if at all, to share a few lists of log groups or tags), and an
alias may not contain itself. Nesting deeper than `NESTING_LIMIT` is refused too, before the
recursive composer could exhaust the stack. The walk is iterative and visits each distinct node
once, so checking a file costs time linear in its size.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

ALIAS_EXPANSION_LIMIT = 100_000
NESTING_LIMIT = 200
# libyaml when PyYAML was built with it (about 5x faster on a large catalog); the same nodes and marks
# (line and column; its marks carry no text, which callers must not need).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlLimitError(Exception):
    """A document refused for its shape (alias expansion, recursion, nesting), with its 1-based line."""

    message: str
    line: int

    def __str__(self) -> str:
        return self.message


def compose(text: str) -> yaml.Node | None:
    """The composed root node of `text` (SafeLoader), or raise YamlLimitError / yaml.YAMLError."""
    if _LOADER is yaml.SafeLoader:
        _check_nesting(text)  # the pure-Python composer recurses per level; libyaml stops at 1,000 itself
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except RecursionError:
        raise YamlLimitError(f"nesting deeper than the stack allows (at most {NESTING_LIMIT} levels)", 1) from None
    if root is not None and "&" in text:  # no anchor, no alias: nothing can expand
        check_expansion(root)
    return root


def _check_nesting(text: str) -> None:
    """Refuse flow or block nesting deeper than NESTING_LIMIT, found from the parser's events (no recursion)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > NESTING_LIMIT:
                    line = event.start_mark.line + 1 if event.start_mark else 1
                    raise YamlLimitError(f"nested more than {NESTING_LIMIT} levels deep", line)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the composer reports syntax errors with their own line


def check_expansion(root: yaml.Node) -> None:
    """Raise YamlLimitError when aliases expand the document past the bound or contain themselves."""
    sizes: dict[int, int] = {}  # id(node) → nodes in its full expansion
    distinct = 0
    # Iterative post-order walk: (node, children pushed yet?). `open_nodes` holds the current path.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = size
            if size - distinct > ALIAS_EXPANSION_LIMIT:
                raise YamlLimitError(
                    f"YAML aliases expand to more than {ALIAS_EXPANSION_LIMIT:,} extra nodes (an alias bomb?)",
                    node.start_mark.line + 1,
                )
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlLimitError("a YAML alias refers to a node that contains it", node.start_mark.line + 1)
        open_nodes.add(key)
        distinct += 1
        stack.append((node, True))
        for child in _children(node):
            child_key = id(child)
            if child_key in open_nodes:
                raise YamlLimitError("a YAML alias refers to a node that contains it", child.start_mark.line + 1)
            if child_key not in sizes:
                stack.append((child, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
