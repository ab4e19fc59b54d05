"""COCO JSON: ``images``, ``annotations``, ``categories``; one file per split is fine (Roboflow
writes ``train/_annotations.coco.json``, COCO itself ``annotations/instances_train2017.json``).

An ``images[].file_name`` resolves relative to the JSON's folder first, else to the image whose
path ends with it that is closest to the JSON. The split is named by the JSON file (``train`` in
``instances_train2017.json``) or its folder. Boxes stay in pixels (``bbox`` = x, y, w, h, stored
as x1, y1, x2, y2); each object's reference is its annotation id. Category ids are kept as
declared; a category that only groups others (Roboflow's ``supercategory`` placeholder with no
annotations) is marked ``super`` and left out of class balance facts.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import orjson

from imgeda_ci.formats.base import (
    MAX_EXACT,
    Layout,
    Source,
    add_problem,
    canonical_split,
    finish_labels,
    new_labels,
    round_px,
    split_from_path,
)
from imgeda_ci.formats.files import head, join, parent_of, read_bytes, stem_of

MAX_JSON_BYTES = 4 << 30


def is_coco_candidate(src: Source, path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith(".coco.json") or name.startswith(("instances_", "_annotations")):
        return True
    start = head(src.tree.abspath(path), 1 << 16)
    return b'"images"' in start and (b'"annotations"' in start or b'"categories"' in start)


def candidates(src: Source) -> list[str]:
    return [f for f in src.tree.with_ext("json") if is_coco_candidate(src, f)]


def read(src: Source) -> Layout:
    layout = Layout("coco")
    suffix_index = _suffix_index(src)
    files: list[str] = []
    seen_categories: dict[int, tuple[str, str]] = {}
    annotated_categories: set[int] = set()
    for path in candidates(src):
        doc = _load(src, path, layout)
        if doc is None:
            continue
        layout.used.add(path)
        files.append(path)
        _read_categories(doc, path, seen_categories, layout)
        annotated_categories |= _read_file(src, doc, path, suffix_index, layout)
    layout.classes = {cid: name for cid, (name, _) in sorted(seen_categories.items())}
    layout.classes_declared = bool(layout.classes)
    supers = {sup for _, sup in seen_categories.values()}
    layout.super_classes = {
        cid
        for cid, (name, _) in seen_categories.items()
        if name in supers and cid not in annotated_categories
    }
    for labels in layout.labels.values():
        finish_labels(labels, layout.classes)
    layout.facts["annotation_files"] = files
    return layout


def _load(src: Source, path: str, layout: Layout) -> dict[str, Any] | None:
    data, problem = read_bytes(src.tree.abspath(path), limit=MAX_JSON_BYTES)
    if data is None:
        layout.problems.add("unparseable", path, problem.message if problem else "unreadable")
        return None
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        layout.problems.add(
            "unparseable", path, f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno
        )
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("images"), list):
        layout.problems.add("unparseable", path, "not a COCO file: no 'images' list")
        return None
    return doc


def _read_categories(
    doc: dict[str, Any], path: str, seen: dict[int, tuple[str, str]], layout: Layout
) -> None:
    cats = doc.get("categories", [])
    if not isinstance(cats, list):
        layout.problems.add(
            "unparseable", path, "'categories' is not a list", pointer="/categories"
        )
        return
    for i, cat in enumerate(cats):
        cid = cat.get("id") if isinstance(cat, dict) else None
        if not isinstance(cid, int) or isinstance(cid, bool):
            layout.problems.add(
                "unparseable", path, "category without an integer id", pointer=f"/categories/{i}"
            )
            continue
        assert isinstance(cat, dict)
        name = str(cat.get("name", cid))
        sup = str(cat.get("supercategory") or "")
        if cid in seen and seen[cid][0] != name:
            layout.problems.add(
                "config_invalid", path,
                f"category {cid} is {name!r} here but {seen[cid][0]!r} in another file",
                pointer=f"/categories/{i}",
            )  # fmt: skip
            continue
        seen.setdefault(cid, (name, sup))


def _read_file(
    src: Source,
    doc: dict[str, Any],
    path: str,
    suffix_index: dict[str, list[str]],
    layout: Layout,
) -> set[int]:
    """Images and annotations of one COCO file; returns the category ids it annotates."""
    by_id = _read_images(src, doc, path, suffix_index, layout)
    used: set[int] = set()
    annotations = doc.get("annotations", [])
    if not isinstance(annotations, list):
        layout.problems.add("unparseable", path, "'annotations' is not a list")
        return used
    known_ids = {
        e.get("id") for e in doc["images"] if isinstance(e, dict) and _is_id(e.get("id"))
    }  # ids of every listed image, found on disk or not
    for i, ann in enumerate(annotations):
        pointer = f"/annotations/{i}"
        if not isinstance(ann, dict):
            layout.problems.add("unparseable", path, "annotation is not an object", pointer=pointer)
            continue
        ann_id, image_id = ann.get("id"), ann.get("image_id")
        if not _is_id(image_id) or image_id not in known_ids:
            layout.problems.add(
                "coco_missing_image", path,
                f"annotation {ann_id!r} points at image id {image_id!r}, which is not in 'images'",
                pointer=pointer, annotation_id=ann_id, image_id=image_id,
            )  # fmt: skip
            continue
        labels = by_id.get(image_id)
        if labels is None:
            continue  # its image is missing (reported) or excluded
        row = _object(ann, labels)
        if row is not None:
            labels.setdefault("objects", []).append(row)
            used.add(row[0])
    return used


def _read_images(
    src: Source,
    doc: dict[str, Any],
    path: str,
    suffix_index: dict[str, list[str]],
    layout: Layout,
) -> dict[Any, dict[str, Any]]:
    """The ``images`` of one COCO file: image id -> the labels of its scanned image (problems
    for entries without a file name, repeated ids and files that do not exist)."""
    folder = parent_of(path)
    split = canonical_split(stem_of(path)) or _innermost_split_word(folder)
    by_id: dict[Any, dict[str, Any]] = {}
    for i, entry in enumerate(doc["images"]):
        pointer = f"/images/{i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("file_name"), str):
            layout.problems.add("unparseable", path, "image without a file_name", pointer=pointer)
            continue
        image_id = entry.get("id")
        if not _is_id(image_id):
            layout.problems.add(
                "unparseable", path, "image id is not a number or text", pointer=pointer
            )
            continue
        if image_id in by_id:
            layout.problems.add(
                "unparseable", path, f"duplicate image id {image_id!r}", pointer=pointer
            )
            continue
        file_name = entry["file_name"]
        image = _resolve(folder, file_name, split, src, suffix_index)
        if image is None:
            layout.problems.add(
                "orphan", path, f"image {file_name!r} (id {image_id!r}) does not exist",
                pointer=pointer, image_id=image_id, file_name=file_name,
            )  # fmt: skip
            continue
        if image not in src.image_set:
            continue  # exists but excluded from the scan
        by_id[image_id] = _image_labels(image, entry, path, split, layout)
    return by_id


def _image_labels(
    image: str, entry: dict[str, Any], path: str, split: str | None, layout: Layout
) -> dict[str, Any]:
    """The labels of ``image``, made (with the declared size and the file's split) the first
    time a COCO file lists it."""
    labels = layout.labels.get(image)
    if labels is not None:
        return labels
    labels = new_labels("coco", path)
    labels["units"] = "px"
    w, h = entry.get("width"), entry.get("height")
    if _is_number(w) and _is_number(h) and max(abs(w), abs(h)) < MAX_EXACT:
        labels["size"] = [int(w), int(h)]
    layout.labels[image] = labels
    if split:
        layout.splits.setdefault(image, split)
    return labels


def _object(ann: dict[str, Any], labels: dict[str, Any]) -> list[Any] | None:
    """The object row of an annotation, or None (and a problem) without an integer category
    or a numeric ``[x, y, w, h]`` box."""
    ann_id = ann.get("id")
    cat = ann.get("category_id")
    bbox = ann.get("bbox")
    if not isinstance(cat, int) or isinstance(cat, bool):
        add_problem(labels, f"annotation {ann_id!r}: no integer category_id", annotation_id=ann_id)
        return None
    if not _is_box(bbox):
        add_problem(
            labels, f"annotation {ann_id!r}: bbox is not [x, y, w, h]", annotation_id=ann_id
        )
        return None
    x, y, w, h = (float(v) for v in bbox)
    points = _polygon_points(ann.get("segmentation"), ann_id, labels)
    return [cat, round_px(x), round_px(y), round_px(x + w), round_px(y + h), ann_id, points]


def _is_box(bbox: Any) -> TypeGuard[list[float]]:
    """Four numbers (not booleans) in a list, whose corners are finite (``x + w`` of two huge
    numbers is not)."""
    return (
        isinstance(bbox, list)
        and len(bbox) == 4
        and all(_is_number(v) for v in bbox)
        and math.isfinite(float(bbox[0]) + float(bbox[2]))
        and math.isfinite(float(bbox[1]) + float(bbox[3]))
    )


def _is_number(v: Any) -> TypeGuard[float]:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_id(v: Any) -> bool:
    """An id a COCO file may use (a number or text): never a list or an object."""
    return v is None or isinstance(v, int | float | str)


def _polygon_points(seg: Any, ann_id: Any, labels: dict[str, Any]) -> int:
    """Points of the smallest polygon of a segmentation (0 for none or RLE; a problem when a
    polygon has an odd number of coordinates)."""
    if not isinstance(seg, list) or not seg:
        return 0
    polys = [p for p in seg if isinstance(p, list)]
    if any(len(p) % 2 for p in polys) or len(polys) != len(seg):
        add_problem(
            labels, f"annotation {ann_id!r}: segmentation polygon has an odd number of "
            "coordinates", annotation_id=ann_id,
        )  # fmt: skip
        return 0
    return min(len(p) // 2 for p in polys) if polys else 0


def _innermost_split_word(folder: str) -> str | None:
    """The split named by the innermost folder of ``folder`` with a split word anywhere in its
    name (``my_val_images``), unlike :func:`~imgeda_ci.formats.base.outermost_split_folder`."""
    for part in reversed(folder.split("/")):
        split = canonical_split(part) if part else None
        if split:
            return split
    return None


def _suffix_index(src: Source) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for p in sorted(src.disk_images):
        index.setdefault(p.rsplit("/", 1)[-1], []).append(p)
    return index


def _resolve(
    folder: str,
    file_name: str,
    split: str | None,
    src: Source,
    suffix_index: dict[str, list[str]],
) -> str | None:
    direct = join(folder, file_name)
    if direct in src.disk_images:
        return direct
    for alt in (join(folder, "images", file_name), join(parent_of(folder), file_name)):
        if alt in src.disk_images:
            return alt
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    found = [
        p for p in suffix_index.get(name, []) if p == file_name or p.endswith("/" + file_name)
    ] or suffix_index.get(name, [])
    if not found:
        return None

    def closeness(p: str) -> tuple[int, int, str]:
        shared = 0
        for a, b in zip(p.split("/"), folder.split("/"), strict=False):
            if a != b:
                break
            shared += 1
        return (-shared, 0 if split and split_from_path(p) == split else 1, p)

    return min(found, key=closeness)
