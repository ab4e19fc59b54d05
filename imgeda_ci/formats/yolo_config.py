"""YOLO's dataset files: ``data.yaml`` (train/val/test paths, names, nc) and, without one, a
``classes.txt`` / ``obj.names`` list of class names (see :mod:`imgeda_ci.formats.yolo`).

Paths in ``data.yaml`` resolve as Ultralytics does: relative to ``path:`` (default: the yaml's
folder), retried without a leading ``../``. Every problem found is recorded with its line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml

from imgeda_ci.formats.base import Layout, Source, canonical_split
from imgeda_ci.formats.files import decode_lines, decode_text, join, parent_of, read_bytes
from imgeda_ci.yaml_bounds import YamlBoundError, compose, construct

CONFIG_NAMES = ("data.yaml", "data.yml", "dataset.yaml", "dataset.yml")
NAMES_FILES = ("classes.txt", "obj.names", "classes.names")
SPLIT_KEYS = ("train", "val", "test")


def find_config(src: Source, detecting: bool = False) -> str | None:
    """The dataset yaml: a well-known name near the root, else any shallow yaml with ``names``.

    When ``detecting``, a well-known name must also mention names/nc/train/val: an unrelated
    ``data.yaml`` does not make a folder YOLO; once the format is YOLO, it is read (and its
    problems reported) whatever it holds.
    """
    yamls = [f for f in src.tree.with_ext("yaml", "yml") if f.count("/") <= 2]
    named = sorted(
        (f for f in yamls if f.rsplit("/", 1)[-1].lower() in CONFIG_NAMES),
        key=lambda f: (f.count("/"), f),
    )
    for f in named:
        if not detecting:
            return f
        data, _ = read_bytes(src.tree.abspath(f), limit=1 << 20)
        if data and any(key in data for key in (b"names", b"nc", b"train", b"val")):
            return f
    for f in sorted(yamls, key=lambda f: (f.count("/"), f)):
        data, _ = read_bytes(src.tree.abspath(f), limit=1 << 20)
        if data and b"names" in data and (b"train" in data or b"val" in data):
            return f
    return None


def read_config(src: Source, config: str, layout: Layout) -> dict[str, list[str]]:
    """Parse data.yaml: names, nc and the declared split paths (problems recorded); returns
    split -> the declared paths that exist, relative to the root."""
    loaded = _load_yaml(src, config, layout)
    if loaded is None:
        return {}
    doc, key_lines = loaded
    _read_names(doc, config, key_lines, layout)
    base = parent_of(config)
    root_key = doc.get("path")
    if isinstance(root_key, str) and root_key and not os.path.isabs(root_key):
        base = join(base, root_key)
    declared: dict[str, list[str]] = {}
    splits_info: dict[str, Any] = {}
    for key in SPLIT_KEYS:
        value = doc.get(key)
        if value is None:
            continue
        resolved = _split_paths(src, base, key, value, _Where(config, key_lines, layout))
        split = canonical_split(key) or key
        declared[split] = resolved
        splits_info[split] = {"declared": value, "resolved": resolved}
    layout.facts["declared_splits"] = splits_info
    return declared


def _load_yaml(
    src: Source, config: str, layout: Layout
) -> tuple[dict[Any, Any], dict[str, int]] | None:
    """(the document, top-level key -> its line) of a yaml mapping; None (and a problem) when
    the file cannot be read, is not YAML or not a mapping."""
    data, problem = read_bytes(src.tree.abspath(config), limit=16 << 20)
    if data is None:
        layout.problems.add("unparseable", config, problem.message if problem else "unreadable")
        return None
    text, tp = decode_text(data)
    if text is None:
        assert tp is not None
        layout.problems.add("unparseable", config, tp.message, line=tp.line)
        return None
    try:  # within bounds: no alias bomb, cycle or runaway nesting (imgeda_ci.yaml_bounds)
        node = compose(text)
        doc = construct(yaml.SafeLoader(""), node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        layout.problems.add("unparseable", config, f"invalid YAML: {reason}", line=line)
        return None
    except YamlBoundError as exc:
        layout.problems.add("unparseable", config, exc.problem, line=exc.line or None)
        return None
    if not isinstance(doc, dict):
        layout.problems.add("unparseable", config, "expected a mapping (train, val, names, ...)")
        return None
    return doc, _key_lines(node)


@dataclass(frozen=True)
class _Where:
    """Where the problems of a config go: its path, its key lines and the layout."""

    config: str
    key_lines: dict[str, int]
    layout: Layout

    def problem(self, code: str, at: str, message: str, **extra: Any) -> None:
        """Record a problem of the config on the line of its key ``at``."""
        self.layout.problems.add(code, self.config, message, line=self.key_lines.get(at), **extra)


def _split_paths(src: Source, base: str, key: str, value: Any, where: _Where) -> list[str]:
    """The paths a split key declares (one or a list) that exist, resolved; the others are
    problems (with a folder that looks meant, when there is one)."""
    values = value if isinstance(value, list) else [value]
    resolved: list[str] = []
    for v in values:
        if not isinstance(v, str):
            where.problem(
                "config_invalid", key, f"{key}: expected a path, got {v!r}"[:200], key=key
            )
            continue
        found = _resolve(src, base, v)
        if found is not None:
            resolved.append(found)
            continue
        hint = _suggest(src, key)
        msg = f"{key}: {v!r} does not exist"
        if hint:
            msg += f" (found {hint!r}: did you mean that?)"
        where.problem("missing_path", key, msg, key=key, value=v, hint=hint)
    return resolved


def _read_names(
    doc: dict[Any, Any], config: str, key_lines: dict[str, int], layout: Layout
) -> None:
    """``names`` and ``nc`` into the layout's classes (problems where they disagree)."""
    where = _Where(config, key_lines, layout)
    names = doc.get("names")
    classes = _names(names, where)
    nc = doc.get("nc")
    if isinstance(nc, bool) or (nc is not None and not isinstance(nc, int)):
        where.problem("config_invalid", "nc", f"nc: expected an integer, got {nc!r}"[:200])
        nc = None
    if nc is not None and classes and nc != len(classes):
        where.problem("config_invalid", "nc", f"nc is {nc} but names lists {len(classes)} classes")
    if not classes and isinstance(nc, int) and nc > 0:
        classes = {i: str(i) for i in range(min(nc, 100_000))}
    if names is None and nc is None:
        layout.problems.add("config_invalid", config, "no 'names' (class names) declared")
    layout.classes = classes
    layout.classes_declared = bool(classes)
    layout.facts["nc"] = nc


def _names(names: Any, where: _Where) -> dict[int, str]:
    """Class id -> name from ``names``: a list, or a mapping of id: name."""
    classes: dict[int, str] = {}
    if isinstance(names, list):
        classes = {i: str(n) for i, n in enumerate(names)}
    elif isinstance(names, dict):
        for k, v in names.items():
            try:
                classes[int(k)] = str(v)
            except (TypeError, ValueError):
                where.problem("config_invalid", "names", f"names: key {k!r} is not a class id")
    elif names is not None:
        where.problem("config_invalid", "names", "names: expected a list or a mapping of id: name")
    return classes


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    out: dict[str, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            out[str(key_node.value)] = key_node.start_mark.line + 1
    return out


def _resolve(src: Source, base: str, value: str) -> str | None:
    """Resolved POSIX path relative to the root (may start with ``..``), or None if missing."""
    if os.path.isabs(value):
        try:
            rel = os.path.relpath(value, src.root)
        except ValueError:
            return None
        return rel.replace(os.sep, "/") if os.path.exists(value) else None
    candidates = [join(base, value)]
    if value.startswith("../"):
        candidates.append(join(base, value[3:]))
    for cand in candidates:
        if os.path.exists(src.tree.abspath(cand)):  # False, not OSError, for a 10 kB name
            return cand
    return None


def _suggest(src: Source, key: str) -> str | None:
    """An existing image folder that looks like the one a missing split path meant."""
    want = canonical_split(key)
    dirs = sorted({parent_of(p) for p in src.images})
    for d in dirs:
        for part in d.split("/"):
            if canonical_split(part) == want and part.lower() != key.lower():
                return d
    return None


def read_names_file(src: Source, layout: Layout) -> None:
    """No yaml: class names from ``classes.txt`` / ``obj.names`` (one per line), if any."""
    for f in src.tree.files:
        if f.rsplit("/", 1)[-1].lower() in NAMES_FILES and f.count("/") <= 2:
            data, _ = read_bytes(src.tree.abspath(f), limit=1 << 20)
            if data is None:
                continue
            lines, _ = decode_lines(data)
            names = [ln.strip() for ln in lines if ln and ln.strip()]
            if names:
                layout.classes = dict(enumerate(names))
                layout.classes_declared = True
                layout.used.add(f)
                layout.facts["names_file"] = f
                return
