"""YAML reading that keeps line numbers, refuses duplicate keys and explains syntax errors.

:func:`load_with_lines` returns the plain Python value of a YAML document (PyYAML's safe types:
dict, list, str, int, float, bool, None, date) and a map from each value's path (a tuple of keys
and list indexes) to its 1-based line, so that a validator can say where a bad value is.
"""

from __future__ import annotations

from typing import Any

import yaml

from imgeda_ci.yaml_bounds import YamlBoundError, compose, construct

Path_ = tuple[str | int, ...]
#: Most values a policy may hold with its aliases expanded (a policy holds a few hundred).
MAX_VALUES = 100_000


class YamlError(YamlBoundError):
    """A YAML problem of a policy: ``line`` (1-based, 0 when unknown) and a one-line
    ``problem``; a syntax error, a key that is not plain or repeated, or a document past the
    bounds (:class:`~imgeda_ci.yaml_bounds.YamlBoundError`, which this is a kind of)."""


def _explain(exc: yaml.YAMLError, text: str) -> YamlError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 0
    problem = str(getattr(exc, "problem", None) or exc).strip()
    if "\t" in problem or "'\\t'" in problem or "tab" in problem.lower():
        return YamlError(line, "tab character in indentation; YAML indents with spaces only")
    if line and 0 < line <= len(text.splitlines()) and "\t" in text.splitlines()[line - 1]:
        return YamlError(line, "tab character in indentation; YAML indents with spaces only")
    problem = " ".join(problem.split())
    return YamlError(line, f"invalid YAML: {problem}")


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document within the bounds of :mod:`imgeda_ci.yaml_bounds` (no alias
    bombs, cycles or runaway nesting); return (value, {path: line})."""
    try:
        node = compose(text, limit=MAX_VALUES)
    except yaml.YAMLError as exc:
        raise _explain(exc, text) from None
    lines: dict[Path_, int] = {}
    if node is None:
        return None, lines
    constructor = yaml.SafeLoader("")

    def convert(n: yaml.Node, path: Path_) -> Any:
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for k_node, v_node in n.value:
                if not isinstance(k_node, yaml.ScalarNode):
                    raise YamlError(k_node.start_mark.line + 1, "a key must be a plain value")
                key = construct(constructor, k_node)
                if isinstance(key, str | int | float | bool) or key is None:
                    skey = key if isinstance(key, str) else str(key)
                else:
                    skey = str(key)
                if skey in out:
                    raise YamlError(
                        k_node.start_mark.line + 1, f"duplicate key {skey!r}; keep only one"
                    )
                lines[(*path, skey)] = k_node.start_mark.line + 1
                out[skey] = convert(v_node, (*path, skey))
                lines[(*path, skey)] = k_node.start_mark.line + 1
            return out
        if isinstance(n, yaml.SequenceNode):
            return [convert(item, (*path, i)) for i, item in enumerate(n.value)]
        try:
            return construct(constructor, n)
        except yaml.YAMLError as exc:
            raise _explain(exc, text) from None

    try:
        return convert(node, ()), lines
    except yaml.YAMLError as exc:  # a key's tag that no constructor reads
        raise _explain(exc, text) from None
    except RecursionError:
        raise YamlError(0, "the document is nested too deeply") from None
