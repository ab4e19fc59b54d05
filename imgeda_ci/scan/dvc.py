"""DVC-tracked data: a ``NAME.dvc`` file stands for the folder or file ``NAME`` (its ``outs``),
kept out of git and fetched with ``dvc pull``.

The ``.dvc`` files are configuration (never scanned, never stray files) and the ``.dvc/``
folder (DVC's cache and config) is never entered. What is worth saying is the data that is not
there: a ``.dvc`` file whose output is missing means the scan sees less than the dataset.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

_MAX_DVC_FILE = 1 << 20


def tracked_outputs(dvc_file: Path) -> list[str]:
    """The paths (relative to the ``.dvc`` file's folder) that a ``.dvc`` file tracks; its name
    without ``.dvc`` when it cannot be read as DVC's YAML."""
    fallback = [dvc_file.name[: -len(".dvc")]]
    try:
        if dvc_file.stat().st_size > _MAX_DVC_FILE:
            return fallback
        doc = yaml.safe_load(dvc_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return fallback
    outs = doc.get("outs") if isinstance(doc, dict) else None
    paths = [
        o["path"] for o in outs or () if isinstance(o, dict) and isinstance(o.get("path"), str)
    ]
    return paths or fallback


def missing_outputs(root: Path, files: Iterable[str]) -> list[str]:
    """One warning per DVC-tracked output below ``root`` that is not in the work tree."""
    out: list[str] = []
    for rel in files:
        if not rel.endswith(".dvc") or rel.rsplit("/", 1)[-1] == ".dvc":
            continue
        dvc_file = root / rel
        for tracked in tracked_outputs(dvc_file):
            if not (dvc_file.parent / tracked).exists():
                out.append(
                    f"{rel}: DVC tracks {tracked!r} but it is not here, so it is not scanned; "
                    "fetch it with `dvc pull` (in CI, before imgeda-ci)"
                )
    return out


def pull_hint(folder: Path) -> str:
    """Why a missing dataset folder may be missing: ``' ...'`` when ``FOLDER.dvc`` exists."""
    dvc_file = folder.with_name(folder.name + ".dvc")
    if folder.name and dvc_file.is_file():
        return f"; it is tracked by DVC ({dvc_file.name}): fetch it with `dvc pull` first"
    return ""
