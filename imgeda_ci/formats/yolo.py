"""YOLO: ``data.yaml`` (train/val/test paths, names, nc) and ``labels/*.txt``.

A label file belongs to an image as Ultralytics finds it: the last ``/images/`` folder of the
image path becomes ``/labels/`` and the extension ``.txt``; an image outside any ``images`` folder
has its label next to it. Each line is ``class x_center y_center width height`` (a box) or
``class x1 y1 x2 y2 ... xn yn`` (a polygon), normalised to 0..1 by the size of the image *as
training frameworks load it* (EXIF-oriented: Ultralytics applies the EXIF orientation). An empty
label file is a background image. The dataset files (``data.yaml``, a class-name list) are read by
:mod:`imgeda_ci.formats.yolo_config`.
"""

from __future__ import annotations

import math
import os
from typing import Any

from imgeda_ci.formats.base import (
    MAX_EXACT,
    Layout,
    Obj,
    Source,
    add_problem,
    finish_labels,
    new_labels,
    round_norm,
)
from imgeda_ci.formats.files import (
    decode_lines,
    ext_of,
    is_image_name,
    join,
    parent_of,
    read_bytes,
    stem_of,
    under,
)
from imgeda_ci.formats.yolo_config import NAMES_FILES, find_config, read_config, read_names_file


def label_for(image: str) -> str:
    """Label path of an image, by the Ultralytics rule."""
    s = "/" + image
    i = s.rfind("/images/")
    if i >= 0:
        s = s[:i] + "/labels/" + s[i + len("/images/") :]
    return join(parent_of(s), stem_of(s) + ".txt")


def image_dir_for(label: str) -> str:
    """Folder where the image of a ``labels/`` file should be."""
    s = "/" + parent_of(label) + "/"
    i = s.rfind("/labels/")
    if i >= 0:
        s = s[:i] + "/images/" + s[i + len("/labels/") :]
    return join(s)


def is_label_dir_file(path: str) -> bool:
    return ext_of(path) == "txt" and "labels" in path.split("/")[:-1]


def read(src: Source) -> Layout:
    layout = Layout("yolo")
    config = find_config(src)
    declared: dict[str, list[str]] = {}
    if config is not None:
        layout.used.add(config)
        declared = read_config(src, config, layout)
    if not layout.classes:
        read_names_file(src, layout)

    _assign_declared_splits(src, declared, layout)

    texts = set(src.tree.with_ext("txt"))
    parsed: dict[str, dict[str, Any]] = {}
    for image in src.images:
        label = label_for(image)
        if label not in texts:
            continue
        if label not in parsed:
            parsed[label] = parse_label_file(src, label, layout.classes)
            layout.used.add(label)
        layout.labels[image] = parsed[label]

    _orphans(src, texts, layout)
    layout.facts["config"] = config
    return layout


def parse_label_file(src: Source, label: str, names: dict[int, str]) -> dict[str, Any]:
    """One label file -> labels dict (objects, problems with line numbers)."""
    labels = new_labels("yolo", label)
    labels["units"] = "norm"
    data, problem = read_bytes(src.tree.abspath(label))
    if data is None:
        add_problem(labels, problem.message if problem else "cannot read")
        return labels
    lines, text_problems = decode_lines(data)
    for tp in text_problems:
        add_problem(labels, tp.message, tp.line)
    objects: list[Obj] = []
    for number, line in enumerate(lines, 1):
        if line is None or not line.strip():
            continue
        obj, message = parse_line(line, number)
        if obj is None:
            add_problem(labels, message, number)
        else:
            objects.append(obj)
    if objects:
        labels["objects"] = objects
    return finish_labels(labels, names)


def parse_line(line: str, number: int) -> tuple[Obj | None, str]:
    """``class x y w h`` or ``class x1 y1 ... xn yn`` -> object row, or None and why not."""
    tokens = line.split()
    try:
        cls_f = float(tokens[0])
    except ValueError:
        return None, f"class id {tokens[0][:20]!r} is not a number"
    if not cls_f.is_integer():
        return None, f"class id {tokens[0][:20]!r} is not an integer"
    if abs(cls_f) >= MAX_EXACT:
        return None, f"class id {tokens[0][:20]!r} is too large"
    try:
        coords = [float(t) for t in tokens[1:]]
    except ValueError:
        bad = next(t for t in tokens[1:] if not _is_float(t))
        return None, f"coordinate {bad[:20]!r} is not a number"
    if not all(math.isfinite(c) for c in coords):
        return None, "coordinate is not a finite number"
    n = len(coords)
    cls = int(cls_f)
    if n == 4:
        xc, yc, w, h = coords
        if not all(math.isfinite(c) for c in (xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2)):
            return None, "box corners are not finite numbers (coordinates too large)"
        return [
            cls,
            round_norm(xc - w / 2),
            round_norm(yc - h / 2),
            round_norm(xc + w / 2),
            round_norm(yc + h / 2),
            number,
            0,
        ], ""
    if n == 0:
        return None, "class id without coordinates"
    if n % 2:
        return None, f"{n} coordinates: expected 4 (box) or an even number (polygon)"
    xs, ys = coords[0::2], coords[1::2]
    return [
        cls,
        round_norm(min(xs)),
        round_norm(min(ys)),
        round_norm(max(xs)),
        round_norm(max(ys)),
        number,
        n // 2,
    ], ""


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _assign_declared_splits(src: Source, declared: dict[str, list[str]], layout: Layout) -> None:
    for split, paths in declared.items():
        for path in paths:
            if ext_of(path) == "txt":
                for image in _read_image_list(src, path):
                    layout.splits.setdefault(image, split)
                layout.used.add(path)
                continue
            if path.startswith(".."):
                continue
            for image in src.images:
                if under(image, path) or under(image, _images_dir_alias(path)):
                    layout.splits.setdefault(image, split)


def _images_dir_alias(path: str) -> str:
    """``train`` declared for ``train/images``: Ultralytics looks in ``images`` below it."""
    return join(path, "images")


def _read_image_list(src: Source, listfile: str) -> list[str]:
    data, _ = read_bytes(src.tree.abspath(listfile))
    if data is None:
        return []
    lines, _ = decode_lines(data)
    base = parent_of(listfile)
    out = []
    for line in lines:
        if not line or not line.strip():
            continue
        entry = line.strip()
        if os.path.isabs(entry):
            rel = os.path.relpath(entry, src.root).replace(os.sep, "/")
        else:
            rel = join(base, entry)
        if rel in src.image_set:
            out.append(rel)
    return out


def _orphans(src: Source, texts: set[str], layout: Layout) -> None:
    """Label files in ``labels/`` folders whose image does not exist anywhere on disk."""
    stems: set[tuple[str, str]] = {(parent_of(p), stem_of(p)) for p in src.disk_images}
    for label in sorted(texts):
        if label in layout.used or not is_label_dir_file(label):
            continue
        if label.rsplit("/", 1)[-1].lower() in NAMES_FILES:
            continue
        img_dir = image_dir_for(label)
        if (img_dir, stem_of(label)) in stems or (parent_of(label), stem_of(label)) in stems:
            continue  # the image exists but was not scanned (excluded): not an orphan
        layout.used.add(label)
        layout.problems.add(
            "orphan", label, f"label file without an image (no {join(img_dir, stem_of(label))}.*)"
        )
        orphan = parse_label_file(src, label, layout.classes)
        for p in orphan.get("problems", []):
            layout.problems.add("unparseable", label, p["message"], line=p.get("line"))
        if not layout.classes_declared:
            continue
        for obj in orphan.get("objects", []):
            if obj[0] not in layout.classes:
                layout.problems.add(
                    "class_unknown", label, f"class id {obj[0]} is not declared",
                    line=obj[5], class_id=obj[0],
                )  # fmt: skip


def looks_like_labels(src: Source) -> bool:
    """Detection: some ``labels/*.txt`` file belongs to a scanned image."""
    texts = {f for f in src.tree.with_ext("txt") if is_label_dir_file(f)}
    if not texts:
        return False
    return any(label_for(img) in texts for img in src.images if is_image_name(img))
