"""The package stays in small pieces: no function over 80 lines, no module over 400.

Cyclomatic complexity (at most 15) is ruff's C901 (``[tool.ruff.lint.mccabe]``); branch and
statement counts are ruff's PLR0912/PLR0915. Lengths are counted here, from the source, because
no ruff rule counts them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import imgeda_ci

PACKAGE = Path(imgeda_ci.__file__).parent
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 400


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_there_are_modules_to_measure() -> None:
    assert len(_modules()) > 50


def test_no_module_over_400_lines() -> None:
    long = {
        p.relative_to(PACKAGE).as_posix(): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_80_lines() -> None:
    long = {}
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{p.relative_to(PACKAGE).as_posix()}:{node.lineno} {node.name}"] = n
    assert long == {}
