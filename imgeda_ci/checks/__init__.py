"""Built-in checks. Each module in CHECK_MODULES registers its checks on import.

Adding a check: write ``imgeda_ci/checks/<name>.py`` using the decorators of
:mod:`imgeda_ci.checks.registry`, add its module name here, and add ``tests/checks/test_<name>.py``.
"""

from __future__ import annotations

import importlib

CHECK_MODULES: tuple[str, ...] = (
    "errors",
    "format",
    "size",
    "exposure",
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
)

for _name in CHECK_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
