"""Classification folders: ``[split/]class/image``; the class is the image's folder.

The folder holding an image names its class unless that folder is a split word (``train/``) or
a generic image folder (``images/``): such images, and images at the root, have no class and
count as unlabelled. The split is the first split word among the folders above.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from typing import Any

from imgeda_ci.formats.base import (
    Layout,
    Source,
    canonical_split,
    new_labels,
    outermost_split_folder,
)
from imgeda_ci.formats.files import parent_of

#: Folder names that hold images without naming a class.
GENERIC_FOLDERS: frozenset[str] = frozenset(
    {"images", "image", "imgs", "img", "jpegimages", "photos", "pictures", "data", "dataset"}
)


def class_of(image: str) -> str | None:
    """The class folder of an image, or None."""
    return _class_of_folder(parent_of(image))


@functools.lru_cache(maxsize=4096)
def _class_of_folder(parent: str) -> str | None:
    folder = parent.rsplit("/", 1)[-1]
    if not folder or canonical_split(folder) or folder.lower() in GENERIC_FOLDERS:
        return None
    return folder


class FolderLayout(Layout):
    """A classification layout: an image's labels follow from its folder, so they are answered
    from it (one shared, read-only labels dict per class) instead of being kept per image:
    nothing here grows with the number of images."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("classification")
        self.classes = dict(enumerate(names))
        self._shared: dict[str | None, dict[str, Any]] = {None: _labels(None)}
        for name in names:
            self._shared[name] = _labels(name)

    def annotate(self, relpath: str) -> tuple[str | None, dict[str, Any] | None]:
        """(split, labels) of a scanned image (the only paths the scan asks about); a path
        whose folder names no class of the scanned images gets empty labels."""
        split, labels = self._of_folder(relpath.rpartition("/")[0])
        return self.splits.get(relpath) or split, labels

    def _of_folder(self, folder: str) -> tuple[str | None, dict[str, Any]]:
        """(split, labels) of the images in ``folder``: both are the folder's."""
        labels = self._shared.get(_class_of_folder(folder))
        return outermost_split_folder(folder), labels if labels is not None else self._shared[None]

    def annotate_many(
        self, relpaths: Sequence[str]
    ) -> tuple[list[str | None], list[dict[str, Any] | None]]:
        """:meth:`annotate` of every path, each folder judged once."""
        folders = [p.rpartition("/")[0] for p in relpaths]
        per_folder = {f: self._of_folder(f) for f in set(folders)}
        answers = list(map(per_folder.__getitem__, folders))
        splits: list[str | None] = [a[0] for a in answers]
        if self.splits:  # a split named for the image itself comes first
            splits = [self.splits.get(p) or s for p, s in zip(relpaths, splits, strict=True)]
        return splits, [a[1] for a in answers]


def _labels(cls: str | None) -> dict[str, Any]:
    labels = new_labels("classification", None)
    if cls is not None:
        labels["classes"] = [cls]
        labels["n"] = 1
    return labels


def read(src: Source) -> Layout:
    folders = {parent_of(image) for image in src.images}  # each folder judged once
    return FolderLayout(sorted({c for f in folders if (c := _class_of_folder(f)) is not None}))


def looks_like_classification(src: Source) -> bool:
    """Most images (90%) in ``class/`` or ``split/class/`` folders, with two sibling classes."""
    if not src.images:
        return False
    per_folder = Counter(parent_of(image) for image in src.images)  # each folder judged once
    parents: dict[str, set[str]] = {}
    inside = 0
    for folder, count in per_folder.items():
        cls = _class_of_folder(folder)
        above = parent_of(folder)
        if cls is None or (above and not canonical_split(above.rsplit("/", 1)[-1])):
            continue
        inside += count
        parents.setdefault(above, set()).add(cls)
    if inside < 0.9 * len(src.images):
        return False
    return any(len(v) >= 2 for v in parents.values())
