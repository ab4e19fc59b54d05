"""``load_layout``: list the files, detect (or take) the format, read it, note stray files."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from imgeda_ci.errors import UserError
from imgeda_ci.formats import classification, coco, flat, voc, yolo
from imgeda_ci.formats.base import Layout, Source
from imgeda_ci.formats.detect import detect
from imgeda_ci.formats.files import Tree, is_companion_name, is_image_name, walk

READERS: dict[str, Callable[[Source], Layout]] = {
    "yolo": yolo.read,
    "coco": coco.read,
    "voc": voc.read,
    "classification": classification.read,
    "flat": flat.read,
}
FORMATS: tuple[str, ...] = tuple(READERS)


def check_format(fmt: str | None) -> str | None:
    """Validate a ``--format`` value (None = detect)."""
    if fmt is None or fmt == "auto":
        return None
    if fmt not in READERS:
        raise UserError(f"unknown dataset format {fmt!r}; valid values: auto, {', '.join(FORMATS)}")
    return fmt


def load_layout(
    root: Path | str,
    image_paths: Sequence[str],
    fmt: str | None = None,
    *,
    tree: Tree | None = None,
) -> Layout:
    """Read the dataset layout of ``root`` for the scanned ``image_paths`` (POSIX, relative).

    ``fmt`` None (or "auto") detects the format. ``tree``: the files below ``root`` as
    discovery's walk listed them (:attr:`imgeda_ci.scan.discover.Discovery.tree`); without
    one, ``root`` is walked here. Never raises for bad annotation files: they become problems
    in ``header_facts()``. Raises UserError for an unknown ``fmt``.
    """
    forced = check_format(fmt)
    images = image_paths  # discovery's are sorted already: used as they are, not copied
    if not all(a < b for a, b in itertools.pairwise(images)):
        images = sorted(set(images))
    src = Source(Path(root), tree if tree is not None else walk(Path(root)), images)
    if forced is None:
        name, reason = detect(src)
    else:
        name, reason = forced, "--format"
    layout = READERS[name](src)
    layout.detected = forced is None
    layout.facts["detected_by"] = reason
    _stray_files(src, layout)
    return layout


def _stray_files(src: Source, layout: Layout) -> None:
    """Files that are neither images, nor read by the format, nor docs/code/config."""
    for f in src.tree.files:  # the image set last: most layouts never need to build it
        if f in layout.used or is_image_name(f) or is_companion_name(f) or f in src.image_set:
            continue
        layout.problems.add("stray_file", f, "not an image and not part of the dataset format")
    for d in src.tree.unreadable_dirs:
        layout.problems.add("unparseable", d or ".", "folder could not be read")
