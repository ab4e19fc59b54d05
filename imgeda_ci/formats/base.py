"""What every format reader builds: a :class:`Layout` answering "split and labels of this image".

Readers fill ``Layout.labels`` (image path -> labels dict, see :mod:`imgeda_ci.formats` for the
shape), ``Layout.splits`` (image path -> split) and dataset-level facts, and record every problem
that is not about one image in :class:`Problems`. Nothing here raises for bad input files.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgeda_ci.formats.files import Tree, display_path, is_image_name, stem_of

#: Folder or file-name words that name a split, mapped to the canonical split name.
SPLIT_ALIASES: dict[str, str] = {
    "train": "train",
    "training": "train",
    "trn": "train",
    "val": "val",
    "valid": "val",
    "validate": "val",
    "validation": "val",
    "dev": "val",
    "test": "test",
    "testing": "test",
    "tst": "test",
}

#: Object row: [class_id, x1, y1, x2, y2, ref, n_points]
Obj = list[Any]

_SPLIT_WORD = re.compile(r"[A-Za-z]+")


def canonical_split(name: str) -> str | None:
    """``"valid"`` -> ``"val"``, ``"train2017"`` -> ``"train"``; ``None`` when not a split word."""
    low = name.lower()
    if low in SPLIT_ALIASES:
        return SPLIT_ALIASES[low]
    for word in _SPLIT_WORD.findall(low):
        if word in SPLIT_ALIASES:
            return SPLIT_ALIASES[word]
    return None


def split_from_path(relpath: str) -> str | None:
    """The split named by the first folder of ``relpath`` that is a split word."""
    return outermost_split_folder(relpath.rpartition("/")[0])


@functools.lru_cache(maxsize=4096)  # a dataset has far fewer folders than images
def outermost_split_folder(folder: str) -> str | None:
    """The split named by the outermost folder of ``folder`` (a path) whose whole name is a split
    word, trailing digits allowed (``train2017``); compare :func:`imgeda_ci.formats.coco.
    _innermost_split_word`, which takes the innermost folder with a split word anywhere in it."""
    for part in folder.split("/") if folder else ():
        low = part.lower()
        word = low.rstrip("0123456789")
        if word in SPLIT_ALIASES:
            return SPLIT_ALIASES[word]
    return None


def round_norm(v: float) -> float:
    """Round a normalised coordinate to 6 decimals without moving it into or out of 0..1.

    A value outside 0..1 by more than float noise stays outside after rounding, so the
    "coordinates outside 0..1" fact survives in the manifest.
    """
    r = round(v, 6) + 0.0
    if v < -1e-9 and r >= 0.0:
        return -1e-6
    if v > 1.0 + 1e-9 and r <= 1.0:
        return 1.000001
    if -1e-9 <= v <= 1.0 + 1e-9:
        return min(max(r, 0.0), 1.0)
    return r


#: Integers up to here are exact as floats (and fit the manifest's JSON integers).
MAX_EXACT = 2.0**53


def round_px(v: float) -> float | int:
    """Pixel coordinates: integers stay integers (below :data:`MAX_EXACT`), others keep 3
    decimals."""
    if float(v).is_integer() and abs(v) < MAX_EXACT:
        return int(v)
    return round(v, 3) + 0.0


class Problems:
    """Dataset-level problems: ``{"code", "path", "message", ...}``, capped per code."""

    def __init__(self, cap: int = 20_000) -> None:
        self.cap = cap
        self.items: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()

    def add(self, code: str, path: str, message: str, **extra: Any) -> None:
        self.counts[code] += 1
        if self.counts[code] <= self.cap:
            item: dict[str, Any] = {"code": code, "path": display_path(path), "message": message}
            item.update({k: v for k, v in extra.items() if v is not None})
            self.items.append(item)


def new_labels(fmt: str, file: str | None) -> dict[str, Any]:
    return {"format": fmt, "file": display_path(file) if file else None, "classes": [], "n": 0}


def add_problem(
    labels: dict[str, Any], message: str, line: int | None = None, **extra: Any
) -> None:
    """A problem inside this image's annotation (an unparseable line, object or file)."""
    item: dict[str, Any] = {"code": "unparseable", "message": message}
    if line is not None:
        item["line"] = line
    item.update({k: v for k, v in extra.items() if v is not None})
    labels.setdefault("problems", []).append(item)


def finish_labels(labels: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """Fill ``classes`` and ``n`` from the objects (call once all objects are added)."""
    objs: list[Obj] = labels.get("objects", [])
    if objs:
        labels["n"] = len(objs)
        labels["classes"] = sorted({class_name(names, o[0]) for o in objs})
    return labels


def class_name(names: dict[int, str], class_id: int) -> str:
    return names.get(class_id, f"#{class_id}")


@dataclass
class Source:
    """What a reader reads: the root, its files, and the images the scanner found (sorted).

    ``tree.files`` may leave out the scanned images (see :class:`Tree`): look images up in
    ``images``, ``image_set`` or ``disk_images``.
    """

    root: Path
    tree: Tree
    images: Sequence[str]

    @functools.cached_property
    def image_set(self) -> set[str]:
        """The scanned images as a set, made when a reader asks: classification and flat
        folders never need one (a set of every path costs memory per image)."""
        return set(self.images)

    @functools.cached_property
    def disk_images(self) -> set[str]:
        """The images found and the image files excluded from the scan (made when a reader
        asks: most layouts never need it)."""
        return self.image_set | {f for f in self.tree.files if is_image_name(f)}

    def images_by_stem(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for p in sorted(self.disk_images):
            index.setdefault(stem_of(p), []).append(p)
        return index


@dataclass
class Layout:
    """A read dataset: per-image split and labels, and dataset-level facts."""

    format: str
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    splits: dict[str, str] = field(default_factory=dict)
    classes: dict[int, str] = field(default_factory=dict)
    classes_declared: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    problems: Problems = field(default_factory=Problems)
    used: set[str] = field(default_factory=set)  # annotation/config files the reader read
    has_labels: bool = True  # False for flat folders: records get no ``labels``
    detected: bool = False
    super_classes: set[int] = field(default_factory=set)

    def annotate(self, relpath: str) -> tuple[str | None, dict[str, Any] | None]:
        """(split, labels) of one image path; images without annotation get an empty labels."""
        split = self.splits.get(relpath) or split_from_path(relpath)
        if not self.has_labels:
            return split, None
        labels = self.labels.get(relpath)
        if labels is None:
            labels = new_labels(self.format, None)
        return split, labels

    def annotate_many(
        self, relpaths: Sequence[str]
    ) -> tuple[list[str | None], list[dict[str, Any] | None]]:
        """:meth:`annotate` of every path: (splits, labels), aligned with ``relpaths``."""
        pairs = list(map(self.annotate, relpaths))
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def header_facts(self) -> dict[str, Any]:
        """JSON-serialisable dataset facts for the manifest header key ``"dataset"``."""
        classes = []
        for cid in sorted(self.classes):
            entry: dict[str, Any] = {"id": cid, "name": self.classes[cid]}
            if cid in self.super_classes:
                entry["super"] = True
            classes.append(entry)
        out: dict[str, Any] = {
            "format": self.format,
            "detected": self.detected,
            "classes": classes,
            "classes_declared": self.classes_declared,
            "files_read": len(self.used),
            "problems": self.problems.items,
            "problem_counts": dict(sorted(self.problems.counts.items())),
        }
        out.update(self.facts)
        safe: dict[str, Any] = json_safe(out)
        return safe


def json_safe(obj: Any) -> Any:
    """A copy that orjson can always write: string keys, file names with undecodable bytes
    escaped, values from YAML such as dates turned into strings."""
    if isinstance(obj, str):
        return display_path(obj)
    if obj is None or isinstance(obj, bool | int | float):
        return obj
    if isinstance(obj, dict):
        return {display_path(str(k)): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [json_safe(v) for v in obj]
    return str(obj)
