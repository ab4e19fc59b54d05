"""imgeda-ci: a quality gate for image datasets."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Inspection", "__version__", "inspect"]


def __getattr__(name: str) -> Any:
    """``imgeda_ci.inspect`` and ``imgeda_ci.Inspection`` (:mod:`imgeda_ci.notebook`), imported
    when first used, so that the command line starts without them."""
    if name in ("inspect", "Inspection"):
        from imgeda_ci import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'imgeda_ci' has no attribute {name!r}")
