"""The package's layers import one way.

The data flows scan -> evaluate -> diff -> judge -> render, and the integrations (GitHub,
pre-commit) sit on top: no renderer imports an integration, the scan imports none of the later
stages, and no two modules import each other, directly or through others (imports inside
functions count: a late import that closes a cycle still ties the two modules together).
"""

from __future__ import annotations

import ast
from pathlib import Path

import imgeda_ci

PACKAGE = Path(imgeda_ci.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The ``imgeda_ci`` modules ``path`` imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("imgeda_ci"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("imgeda_ci"):
            base = str(node.module)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules} for name, path in modules.items()}


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "imgeda_ci.evaluate" in graph["imgeda_ci.ci"] | graph["imgeda_ci.run_result"]


def test_renderers_never_import_integrations() -> None:
    graph = _graph()
    wrong = {
        (m, dep)
        for m, deps in graph.items()
        if m.startswith("imgeda_ci.render")
        for dep in deps
        if dep.startswith("imgeda_ci.integrations")
    }
    assert wrong == set()


def test_the_scan_imports_no_later_stage() -> None:
    later = ("imgeda_ci.checks", "imgeda_ci.evaluate", "imgeda_ci.verdict", "imgeda_ci.render")
    graph = _graph()
    wrong = {
        (m, dep)
        for m, deps in graph.items()
        if m.startswith("imgeda_ci.scan")
        for dep in deps
        if dep.startswith(later) or dep in ("imgeda_ci.ci", "imgeda_ci.diff")
    }
    assert wrong == set()


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if dep == node or dep.startswith(node + "."):  # a package and its own parts
                continue
            if state.get(dep) == 1 and not node.startswith(dep + "."):
                cycles.append([*path[path.index(dep) :], dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []
