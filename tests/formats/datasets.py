"""Small labelled datasets built on disk for the format tests, and a scan helper.

``image(path, size)`` writes a tiny JPEG/PNG; ``write(path, text_or_bytes)`` a label file.
``scan(root, tmp)`` runs the real ``imgeda-ci scan`` and returns the manifest's header and
records; ``findings(header, records)`` runs every registered check on them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from imgeda_ci import cli, manifest
from imgeda_ci.checks.registry import DatasetCheck, DatasetContext, Finding, all_checks
from imgeda_ci.formats import load_layout
from imgeda_ci.model import ImageRecord


def image(path: Path, size: tuple[int, int] = (64, 48), seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120))
    fmt = "PNG" if path.suffix.lower() == ".png" else "JPEG"
    img.save(path, fmt)
    return path


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def write_json(path: Path, obj: Any) -> Path:
    return write(path, json.dumps(obj, indent=1))


def records_for(root: Path, fmt: str | None = None) -> tuple[dict[str, Any], list[ImageRecord]]:
    """Records as the scanner makes them (path, width, height, split, labels), without a scan."""
    paths = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in (".jpg", ".png")
    )
    layout = load_layout(root, paths, fmt)
    records: list[ImageRecord] = []
    for rel in paths:
        with Image.open(root / rel) as im:
            w, h = im.size
        rec: ImageRecord = {"path": rel, "width": w, "height": h}
        split, labels = layout.annotate(rel)
        if split is not None:
            rec["split"] = split
        if labels is not None:
            rec["labels"] = labels
        records.append(rec)
    header = {"dataset": layout.header_facts()}
    manifest.dumps(header)  # the header must be writable as JSON
    for rec in records:
        manifest.dumps(rec)
    return header, records


def scan(
    root: Path, out: Path, fmt: str | None = None, extra: Sequence[str] = ()
) -> tuple[dict[str, Any], list[ImageRecord]]:
    """Run ``imgeda-ci scan`` (header-only depth) and load the manifest it wrote."""
    argv = ["scan", str(root), "-o", str(out), "-q", "--depth", "fast", "--workers", "1"]
    argv += ["--no-git", *(["--format", fmt] if fmt else []), *extra]
    assert cli.main(argv) == 0
    header, records = manifest.load(out)
    assert header is not None
    head = dict(header)
    assert "dataset" in head, "the scanner did not record the dataset layout"
    return head, records


def findings(
    header: dict[str, Any], records: Sequence[ImageRecord], only: Sequence[str] = ()
) -> dict[str, list[Finding]]:
    """The annotation checks (or those in ``only``) run on a manifest, by check id."""
    ctx = DatasetContext(records, header)
    out: dict[str, list[Finding]] = {}
    for cid, check in all_checks().items():
        if not isinstance(check, DatasetCheck):
            continue
        if only and cid not in only:
            continue
        if not only and not check.fn.__module__.startswith("imgeda_ci.checks.annotation_"):
            continue
        out[cid] = check.run(ctx)
    return out


def counts(found: dict[str, list[Finding]]) -> dict[str, int]:
    """Number of findings per check, only for checks that found something."""
    return {k: len(v) for k, v in found.items() if v}
