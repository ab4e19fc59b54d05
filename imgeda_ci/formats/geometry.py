"""Boxes of a manifest record in normalised or pixel units (for checks and facts).

Object rows are ``[class_id, x1, y1, x2, y2, ref, n_points]`` in ``labels["units"]``. Pixel boxes
(VOC, COCO) are normalised by the annotation's declared ``size`` when it is valid, else by the
image's oriented size; normalised boxes (YOLO) are scaled to pixels by the image's oriented size
(width and height swapped for EXIF orientations 5..8, as training frameworks load them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from imgeda_ci.model import ImageRecord

Box = tuple[float, float, float, float]


def oriented_size(record: ImageRecord) -> tuple[int, int] | None:
    w, h = record.get("width"), record.get("height")
    if not isinstance(w, int) or not isinstance(h, int) or w <= 0 or h <= 0:
        return None
    exif = record.get("exif") or {}
    if exif.get("orientation") in (5, 6, 7, 8):
        return h, w
    return w, h


def declared_size(labels: Mapping[str, Any]) -> tuple[int, int] | None:
    size = labels.get("size")
    if isinstance(size, Sequence) and len(size) == 2:
        w, h = size
        if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0:
            return w, h
    return None


def ref_size(labels: Mapping[str, Any], record: ImageRecord) -> tuple[int, int] | None:
    """The size the object coordinates are relative to, in pixels."""
    if labels.get("units") == "px":
        return declared_size(labels) or oriented_size(record)
    return oriented_size(record)


def has_box(obj: Sequence[Any]) -> bool:
    if len(obj) < 5:
        return False
    num = (int, float)
    return (
        isinstance(obj[1], num)
        and isinstance(obj[2], num)
        and isinstance(obj[3], num)
        and isinstance(obj[4], num)
    )


def iter_objects(labels: Mapping[str, Any]) -> Iterator[Sequence[Any]]:
    for obj in labels.get("objects") or ():
        if isinstance(obj, Sequence) and has_box(obj):
            yield obj


def norm_box(obj: Sequence[Any], labels: Mapping[str, Any], record: ImageRecord) -> Box | None:
    """(x1, y1, x2, y2) in 0..1 units, or None when the reference size is unknown."""
    x1, y1, x2, y2 = (float(v) for v in obj[1:5])
    if labels.get("units") != "px":
        return x1, y1, x2, y2
    size = ref_size(labels, record)
    if size is None:
        return None
    w, h = size
    return x1 / w, y1 / h, x2 / w, y2 / h


def px_box(obj: Sequence[Any], labels: Mapping[str, Any], record: ImageRecord) -> Box | None:
    """(x1, y1, x2, y2) in pixels, or None when the image size is unknown."""
    x1, y1, x2, y2 = (float(v) for v in obj[1:5])
    if labels.get("units") == "px":
        return x1, y1, x2, y2
    size = oriented_size(record)
    if size is None:
        return None
    w, h = size
    return x1 * w, y1 * h, x2 * w, y2 * h
