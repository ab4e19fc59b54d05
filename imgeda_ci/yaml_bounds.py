"""Reading a user's YAML within bounds: one place for the policy loader and ``data.yaml``.

PyYAML's ``safe_load`` is safe from code execution, not from size: aliases let a few hundred
bytes stand for billions of values ("billion laughs": ``a: &a [x, x]``, ``b: &b [*a, *a]``, ...),
which anything that walks or serialises the result then expands; an alias inside its own anchor
makes a cycle; thousands of nested brackets exhaust the parser's recursion; a 5,000-digit
integer is a ``ValueError`` in Python's int parser. :func:`compose` parses one document into
its node graph and refuses each of these with a :class:`YamlBoundError` (one line, with the
line number when known), so a caller only ever sees a bounded, acyclic tree of nodes.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Most values a document may hold with every alias expanded (a policy or a data.yaml holds a
#: few hundred; a class list tens of thousands at most).
MAX_VALUES = 1_000_000
#: Most levels of nesting (a policy or a data.yaml nests a handful).
MAX_DEPTH = 64


class YamlBoundError(ValueError):
    """A YAML document outside the bounds: ``line`` (1-based, 0 when unknown), ``problem``."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


def compose(text: str, limit: int = MAX_VALUES) -> yaml.Node | None:
    """The node graph of one YAML document (None when empty), checked by :func:`check_size`;
    a syntax error is raised as ``yaml.YAMLError``, a document past the bounds as
    :class:`YamlBoundError`."""
    check_depth(text)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise YamlBoundError(0, "the document is nested too deeply") from None
    if node is not None:
        check_size(node, limit)
    return node


def check_depth(text: str, most: int = MAX_DEPTH) -> None:
    """Refuse a document nested more than ``most`` levels deep, reading its events (so before
    PyYAML's composer recurses, and its scanner slows down, over thousands of levels)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > most:
                mark = event.start_mark
                line = mark.line + 1 if mark is not None else 0
                raise YamlBoundError(line, f"the document is nested more than {most} deep")
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1


def check_size(root: yaml.Node, limit: int = MAX_VALUES) -> int:
    """The number of values under ``root`` with aliases expanded (counted once per distinct
    node, so in time linear in the document); :class:`YamlBoundError` past ``limit`` or when an
    alias refers to a node that contains it."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise YamlBoundError(node.start_mark.line + 1, "an alias refers to its own anchor")
        open_.add(key)
        total = 1
        children: list[Any] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        for child in children:
            total += size(child)
            if total > limit:
                raise YamlBoundError(
                    node.start_mark.line + 1,
                    f"aliases expand the document to more than {limit:,} values",
                )
        open_.discard(key)
        sizes[key] = total
        return total

    try:
        return size(root)
    except RecursionError:
        raise YamlBoundError(0, "the document is nested too deeply") from None


def construct(constructor: yaml.SafeLoader, node: yaml.Node) -> Any:
    """The Python value of one scalar (or whole) node, with the errors of a value too large for
    Python (a 5,000-digit integer) raised as :class:`YamlBoundError`."""
    try:
        return constructor.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        problem = str(exc).split(":")[0]  # not Python's hint (sys.set_int_max_str_digits)
        raise YamlBoundError(node.start_mark.line + 1, f"cannot read a value: {problem}") from None
    except RecursionError:
        raise YamlBoundError(
            node.start_mark.line + 1, "the document is nested too deeply"
        ) from None
