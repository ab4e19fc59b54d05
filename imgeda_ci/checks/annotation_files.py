"""Annotation files: images without labels, labels without images, files that do not parse,
config paths that do not exist, COCO annotations pointing at missing images, stray files.

These read ``labels`` of each record and the problems the format reader wrote into the manifest
header (``header["dataset"]["problems"]``, see :mod:`imgeda_ci.formats`); no file is re-read.
``paths[0]`` is the file the finding counts against: the image for a missing label, the
label/annotation/config file otherwise. ``data`` carries ``file`` and ``line`` when known.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from imgeda_ci.checks._labels import label_rows, maybe_empty, truthy, unlabeled
from imgeda_ci.checks.registry import DatasetContext, Finding, Severity, check
from imgeda_ci.formats.facts import dataset_info, is_empty, is_unlabeled


def header_problems(ctx: DatasetContext, code: str) -> Iterator[Mapping[str, Any]]:
    for p in dataset_info(ctx.header).get("problems", ()):
        if isinstance(p, Mapping) and p.get("code") == code:
            yield p


def where(path: str, line: Any) -> str:
    return f"{path}:{line}" if line else path


def from_header(ctx: DatasetContext, code: str, check: str, severity: Severity) -> list[Finding]:
    out = []
    for p in header_problems(ctx, code):
        path = str(p.get("path", ""))
        data = {k: v for k, v in p.items() if k not in ("code", "path", "message")}
        data["file"] = path
        out.append(
            Finding(
                check=check,
                severity=severity,
                paths=(path,),
                message=f"{where(path, p.get('line'))}: {p.get('message', '')}",
                data=data,
            )
        )
    return out


@check(
    "label_missing",
    "image without any annotation (no label file, not listed in the annotation file, no class)",
    kind="dataset",
    reads=("path", "labels"),
)
def label_missing(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    out = []
    for rec, labels in label_rows(ctx, unlabeled):
        if is_unlabeled(labels):
            fmt = labels.get("format", "")
            out.append(
                Finding(
                    "label_missing",
                    "warning",
                    (rec["path"],),
                    f"{rec['path']}: no {fmt} annotation for this image",
                    data={"format": fmt},
                )
            )
    return out


@check(
    "label_empty",
    "annotation that lists no objects (a background image, or a forgotten one)",
    kind="dataset",
    reads=("path", "labels"),
    severity="info",
)
def label_empty(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    out = []
    for rec, labels in label_rows(ctx, maybe_empty):
        if is_empty(labels):
            file = labels.get("file")
            out.append(
                Finding(
                    "label_empty",
                    "info",
                    (rec["path"], file) if file else (rec["path"],),
                    f"{rec['path']}: its annotation ({file}) lists no objects",
                    data={"file": file},
                )
            )
    return out


@check(
    "label_orphan",
    "label/annotation file (or COCO image entry) without an image",
    kind="dataset",
    reads=("labels",),
)
def label_orphan(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    return from_header(ctx, "orphan", "label_orphan", "warning")


@check(
    "label_unparseable",
    "annotation file or line that cannot be read: malformed XML, invalid JSON/YAML, non-UTF-8 "
    "text, a line that is not class + coordinates",
    kind="dataset",
    reads=("path", "labels"),
    severity="error",
)
def label_unparseable(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    out = from_header(ctx, "unparseable", "label_unparseable", "error")
    for rec, labels in label_rows(ctx, truthy("problems")):
        file = labels.get("file") or rec["path"]
        for p in labels.get("problems") or ():
            if p.get("code") != "unparseable":
                continue
            data = {k: v for k, v in p.items() if k not in ("code", "message")}
            data["file"] = file
            out.append(
                Finding(
                    "label_unparseable",
                    "error",
                    (file, rec["path"]),
                    f"{where(file, p.get('line'))}: {p.get('message', '')}",
                    data=data,
                )
            )
    return out


@check(
    "dataset_yaml_missing_path",
    "data.yaml train/val/test path (or an ImageSets split list entry) that does not exist",
    kind="dataset",
    reads=("labels",),
    severity="error",
)
def dataset_yaml_missing_path(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    return from_header(ctx, "missing_path", "dataset_yaml_missing_path", "error")


@check(
    "label_coco_missing_image",
    "COCO annotation whose image_id is not among the file's images",
    kind="dataset",
    reads=("labels",),
    severity="error",
)
def label_coco_missing_image(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    return from_header(ctx, "coco_missing_image", "label_coco_missing_image", "error")


@check(
    "dataset_config_invalid",
    "dataset config that contradicts itself: nc vs names, no class names, conflicting categories",
    kind="dataset",
    reads=("labels",),
    severity="error",
)
def dataset_config_invalid(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    return from_header(ctx, "config_invalid", "dataset_config_invalid", "error")


@check(
    "dataset_stray_file",
    "file in the dataset that is neither an image nor part of its format (video, temp file, ...)",
    kind="dataset",
    reads=("labels",),
    severity="info",
)
def dataset_stray_file(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    return from_header(ctx, "stray_file", "dataset_stray_file", "info")
