"""Built-in checks. Each check module registers its checks on import.

Adding a check: declare each measurement it reads in :mod:`imgeda_ci.measurements` (one line
each, unless already there), write ``imgeda_ci/checks/<name>.py`` declaring the check with
:func:`imgeda_ci.checks.registry.check`, and add ``tests/checks/test_<name>.py``. The module is
found and imported here (after the modules of :data:`CHECK_MODULES`, in name order); the
README's checks table (``python -m imgeda_ci.checks.table --write README.md``), the policy's
JSON Schema, the export's columns and the pre-commit hook's checks follow from the declarations.
"""

from __future__ import annotations

import importlib
import pkgutil

#: The check modules whose checks come first, in this order (the order of every output).
CHECK_MODULES: tuple[str, ...] = (
    "errors",
    "format",
    "size",
    "exposure",
    "clipping",
    "contrast",
    "blur",
    "color",
    "border",
    "exif",
    "dataset",
    "outliers",
    "annotation_files",
    "annotation_boxes",
    "annotation_balance",
    "duplicates",
    "leakage",
    "same_scene",
)
#: Modules of this package that declare no check.
SUPPORT_MODULES = frozenset({"registry", "results", "options", "ramps", "table"})


def _more_modules() -> list[str]:
    """Check modules not in :data:`CHECK_MODULES` (names starting with ``_`` are helpers)."""
    found = (m.name for m in pkgutil.iter_modules(__path__))
    known = set(CHECK_MODULES) | SUPPORT_MODULES
    return sorted(n for n in found if not n.startswith("_") and n not in known)


for _name in (*CHECK_MODULES, *_more_modules()):
    importlib.import_module(f"{__name__}.{_name}")
