"""Annotation geometry and classes: unknown class ids, boxes outside the image, degenerate and
duplicate boxes, polygons with too few points, declared sizes that disagree with the image.

One finding per offending object: ``paths = (image, annotation file)``, ``data`` has ``file``,
``line`` (YOLO, VOC) or ``annotation_id`` (COCO), and the class. Everything comes from the
record's ``labels`` (see :mod:`imgeda_ci.formats`) and the header's declared classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from imgeda_ci.checks._box_pairs import first_duplicates
from imgeda_ci.checks._labels import has_key, label_rows, truthy
from imgeda_ci.checks.annotation_files import from_header
from imgeda_ci.checks.registry import DatasetContext, Finding, Severity, check
from imgeda_ci.formats.facts import declared_classes
from imgeda_ci.formats.geometry import (
    declared_size,
    iter_objects,
    norm_box,
    oriented_size,
    px_box,
)
from imgeda_ci.model import ImageRecord


def _ref(labels: Mapping[str, Any], obj: Sequence[Any]) -> dict[str, Any]:
    key = "annotation_id" if labels.get("format") == "coco" else "line"
    return {"file": labels.get("file"), key: obj[5]}


def _where(labels: Mapping[str, Any], obj: Sequence[Any], image: str) -> str:
    file = labels.get("file") or image
    if labels.get("format") == "coco":
        return f"{file} (annotation {obj[5]})"
    return f"{file}:{obj[5]}" if obj[5] else str(file)


def _finding(
    check: str,
    severity: Severity,
    rec: ImageRecord,
    labels: Mapping[str, Any],
    obj: Sequence[Any],
    message: str,
    value: float | int | str | None = None,
    **extra: Any,
) -> Finding:
    file = labels.get("file")
    data = _ref(labels, obj)
    data["class_id"] = obj[0]
    data.update(extra)
    return Finding(
        check,
        severity,
        (rec["path"], file) if file else (rec["path"],),
        f"{_where(labels, obj, rec['path'])}: {message}",
        value=value,
        data=data,
    )


def _labelled(ctx: DatasetContext) -> list[tuple[ImageRecord, Mapping[str, Any]]]:
    """Records with objects and their labels (computed once per context)."""
    cached = ctx.extra.get("annotation_boxes.labelled")
    if cached is not None and cached[0] is ctx.records:
        return cached[1]  # type: ignore[no-any-return]
    out: list[tuple[ImageRecord, Mapping[str, Any]]] = [
        (rec, labels) for rec, labels in label_rows(ctx, truthy("objects")) if labels.get("objects")
    ]
    ctx.extra["annotation_boxes.labelled"] = (ctx.records, out)
    return out


@check(
    "label_class_unknown",
    "object whose class id is not among the declared class names (data.yaml names, COCO "
    "categories)",
    kind="dataset",
    reads=("path", "labels"),
    severity="error",
)
def label_class_unknown(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    names = declared_classes(ctx.header)
    if not names:
        return []
    nc = len(names)
    out = [  # in label files without an image (their objects are not in any record)
        replace(f, value=f.data.get("class_id"))
        for f in from_header(ctx, "class_unknown", "label_class_unknown", "error")
    ]
    for rec, labels in _labelled(ctx):
        for obj in labels["objects"]:
            if obj[0] not in names:
                out.append(
                    _finding(
                        "label_class_unknown", "error", rec, labels, obj,
                        f"class id {obj[0]} is not declared ({nc} classes: "
                        f"{_id_range(names)})",
                        value=obj[0],
                    )
                )  # fmt: skip
    return out


def _id_range(names: Mapping[int, str]) -> str:
    ids = sorted(names)
    if ids == list(range(ids[0], ids[-1] + 1)):
        return f"ids {ids[0]}..{ids[-1]}" if len(ids) > 1 else f"id {ids[0]}"
    return "ids " + ", ".join(map(str, ids[:10])) + (", ..." if len(ids) > 10 else "")


@check(
    "label_box_out_of_bounds",
    "box or polygon reaching outside the image (normalised coordinates outside 0..1); "
    "threshold: tolerated overshoot as a fraction of the image side",
    kind="dataset",
    reads=("path", "labels", "width", "height", "exif"),
    default_threshold=0.0,
    unit="fraction",
    threshold_range=(0, 1),
    severity="error",
)
def label_box_out_of_bounds(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    tol = threshold or 0.0
    out = []
    for rec, labels in _labelled(ctx):
        for obj in iter_objects(labels):
            box = norm_box(obj, labels, rec)
            if box is None:
                continue
            worst = max(-box[0], -box[1], box[2] - 1.0, box[3] - 1.0)
            if worst > tol:
                coords = ", ".join(f"{v:.6g}" for v in obj[1:5])
                out.append(
                    _finding(
                        "label_box_out_of_bounds", "error", rec, labels, obj,
                        f"extends {worst:.4g} of the image side outside it (x1, y1, x2, y2 = "
                        f"{coords} {labels.get('units', '')})",
                        value=round(worst, 6),
                    )
                )  # fmt: skip
    return out


@check(
    "label_box_degenerate",
    "box with zero or negative area, or a side shorter than the threshold in pixels",
    kind="dataset",
    reads=("path", "labels", "width", "height", "exif"),
    default_threshold=1.0,
    unit="px",
    threshold_range=(0, None),
    severity="warning",
)
def label_box_degenerate(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    min_side = threshold or 0.0
    out = []
    for rec, labels in _labelled(ctx):
        for obj in iter_objects(labels):
            if 0 < obj[6] < 3:
                continue  # a polygon of 1-2 points: label_polygon_too_few_points reports it
            w, h = float(obj[3]) - float(obj[1]), float(obj[4]) - float(obj[2])
            px = px_box(obj, labels, rec)
            pw, ph = (px[2] - px[0], px[3] - px[1]) if px is not None else (w, h)
            if w <= 0 or h <= 0:
                msg = f"zero-area box ({_fmt(w)} x {_fmt(h)} {labels.get('units', '')})"
            elif px is not None and min(pw, ph) < min_side:
                msg = f"box is {pw:.3g} x {ph:.3g} px, a side below {min_side:g} px"
            else:
                continue
            side = min(pw, ph)
            out.append(
                _finding(
                    "label_box_degenerate", "warning", rec, labels, obj, msg, value=round(side, 4)
                )
            )
    return out


def _fmt(v: float) -> str:
    return f"{v:.6g}"


@check(
    "label_box_duplicate",
    "two objects of the same class on (almost) the same box; threshold: IoU",
    kind="dataset",
    reads=("path", "labels"),
    default_threshold=0.95,
    unit="IoU",
    threshold_range=(0, 1),
    severity="warning",
)
def label_box_duplicate(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    limit = 0.95 if threshold is None else threshold
    out = []
    for rec, labels in _labelled(ctx):
        objs = list(iter_objects(labels))
        if len(objs) < 2:
            continue
        # YOLO boxes and polygons are different objects; a COCO polygon belongs to its box
        by_kind = labels.get("format") == "yolo"
        groups: dict[tuple[Any, bool], list[Sequence[Any]]] = {}
        for obj in objs:
            groups.setdefault((obj[0], by_kind and bool(obj[6])), []).append(obj)
        for group in groups.values():
            if len(group) < 2:
                continue
            boxes = np.array([[float(v) for v in o[1:5]] for o in group])
            for i, j, iou in first_duplicates(boxes, limit):  # bounded memory: see _box_pairs
                a, b = group[i], group[j]
                out.append(
                    _finding(
                        "label_box_duplicate", "warning", rec, labels, b,
                        f"duplicates the object at {_where(labels, a, rec['path'])} "
                        f"(IoU {iou:.3f})",
                        value=round(iou, 4), duplicate_of=a[5],
                    )
                )  # fmt: skip
    return out


@check(
    "label_polygon_too_few_points",
    "polygon (YOLO segment line, COCO segmentation) with fewer points than the threshold",
    kind="dataset",
    reads=("path", "labels"),
    default_threshold=3,
    unit="points",
    threshold_range=(1, None),
    severity="error",
)
def label_polygon_too_few_points(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    need = 3 if threshold is None else threshold
    out = []
    for rec, labels in _labelled(ctx):
        for obj in iter_objects(labels):
            points = obj[6] if len(obj) > 6 else 0
            if points and points < need:
                out.append(
                    _finding(
                        "label_polygon_too_few_points", "error", rec, labels, obj,
                        f"polygon has {points} point{'s' if points != 1 else ''}, needs at "
                        f"least {need:g}",
                        value=points,
                    )
                )  # fmt: skip
    return out


@check(
    "label_size_mismatch",
    "image size declared by the annotation (VOC <size>, COCO width/height) differs from the "
    "real image",
    kind="dataset",
    reads=("path", "labels", "width", "height", "exif"),
    severity="error",
)
def label_size_mismatch(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    out = []
    for rec, labels in label_rows(ctx, has_key("size")):
        if "size" not in labels:
            continue
        real = oriented_size(rec)
        w, h = rec.get("width"), rec.get("height")
        if real is None or w is None or h is None:
            continue
        size = labels["size"]
        ok = declared_size(labels)
        if ok is not None and (ok == (w, h) or ok == real):
            continue
        file = labels.get("file")
        shown = "x".join(str(v) for v in size) if isinstance(size, list) else str(size)
        out.append(
            Finding(
                "label_size_mismatch",
                "error",
                (rec["path"], file) if file else (rec["path"],),
                f"{file}: declares the image {shown} but {rec['path']} is {w}x{h}",
                value=shown,
                data={"file": file, "declared": size, "actual": [w, h]},
            )
        )
    return out
