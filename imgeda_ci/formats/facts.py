"""Dataset facts for the report and the diff, computed from manifest records (and the header).

:func:`dataset_facts` is pure: records in, a JSON-ready dict out::

    {
      "format": "yolo",                      # header dataset format (None without one)
      "images": 567,                         # records
      "images_per_split": {"train": 405, "val": 99, "test": 63, "none": 0},
      "labelled": 479, "unlabeled": 88, "empty": 0,   # annotated / no annotation / background
      "unlabeled_pct": 15.52,                # of the images that have a ``labels`` field
      "objects": 670, "boxes": 558, "polygons": 112,  # polygons: objects with a polygon
      "images_by_shape": {"box_only": 389, "polygon_only": 90, "mixed": 0},  # images whose
                                             # objects are boxes, polygons, or both
      "classes": {                           # declared classes (zeros kept) + ids seen
        "Ships": {"images": {"train": 300, ...}, "instances": {"train": 400, ...},
                  "images_total": 470, "instances_total": 520, "declared": true},
        "#44":   {..., "declared": false},
      },
      "unknown_class_ids": {"44": 1, ...},   # class ids not declared -> lines
      "max_class_id": 44,
      "imbalance_ratio": 11.51,              # most / fewest instances among declared classes
                                             # that have any (None with fewer than 2)
      "box_size_px":  {"edges": [0, 8, 16, 32, 64, 96, 128, 256, 512, null], "counts": [...]},
      "box_size_rel": {"edges": [0, 0.01, ..., 1, null], "counts": [...]},
      "box_aspect":   {"edges": [0, 0.125, ..., 8, null], "counts": [...]},
      "box_area_coco": {"small": n, "medium": n, "large": n},
    }

Box size is ``sqrt(w * h)`` of each object's box (a polygon's bounding box) in pixels and
relative to the image (``sqrt(w*h / (W*H))``); aspect is ``w / h`` in pixels. A histogram
bin ``i`` counts values in ``[edges[i], edges[i+1])``; a ``null`` last edge is open-ended.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from imgeda_ci.formats.geometry import iter_objects, norm_box, px_box
from imgeda_ci.model import ImageRecord

if TYPE_CHECKING:
    from imgeda_ci.columns import Columns

NO_SPLIT = "none"
_SHAPES = {
    frozenset({False}): "box_only",
    frozenset({True}): "polygon_only",
    frozenset({False, True}): "mixed",
}
SIZE_PX_EDGES: tuple[float, ...] = (0, 8, 16, 32, 64, 96, 128, 256, 512)
SIZE_REL_EDGES: tuple[float, ...] = (0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
ASPECT_EDGES: tuple[float, ...] = (0, 0.125, 0.25, 0.5, 2 / 3, 1.5, 2, 4, 8)


class Histogram:
    def __init__(self, edges: Sequence[float]) -> None:
        self.edges = list(edges)
        self.counts = [0] * len(self.edges)

    def add(self, value: float) -> None:
        if value >= self.edges[0] and math.isfinite(value):
            self.counts[bisect_right(self.edges, value) - 1] += 1

    def to_json(self) -> dict[str, Any]:
        return {"edges": [*(round(e, 4) for e in self.edges), None], "counts": self.counts}


def dataset_info(header: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The header's ``dataset`` mapping (empty when absent)."""
    if not header:
        return {}
    info = header.get("dataset")
    return info if isinstance(info, Mapping) else {}


def declared_classes(header: Mapping[str, Any] | None) -> dict[int, str]:
    """Declared class id -> name (empty when the format declares none, e.g. VOC)."""
    info = dataset_info(header)
    if not info.get("classes_declared"):
        return {}
    return {c["id"]: c["name"] for c in info.get("classes", ()) if isinstance(c, Mapping)}


def counted_classes(header: Mapping[str, Any] | None) -> list[str]:
    """Class names that balance facts count: every class but grouping ("super") ones."""
    info = dataset_info(header)
    return [
        c["name"] for c in info.get("classes", ()) if isinstance(c, Mapping) and not c.get("super")
    ]


def is_unlabeled(labels: Mapping[str, Any]) -> bool:
    """No annotation at all: no label file / not listed / not in a class folder."""
    return not labels.get("n") and labels.get("file") is None


def is_empty(labels: Mapping[str, Any]) -> bool:
    """An annotation that lists no objects (a background image), read without problems."""
    return not labels.get("n") and labels.get("file") is not None and not labels.get("problems")


def _class_names(classes: Any) -> tuple[str, ...] | None:
    """A label's ``classes`` as a tuple of names, when it is a list (or tuple) of strings or
    empty; None for anything else."""
    classes = classes or ()
    if not isinstance(classes, list | tuple) or not all(isinstance(c, str) for c in classes):
        return None
    return tuple(classes)


def _plain_counts(
    records: Sequence[ImageRecord], cols: Columns | None = None
) -> tuple[Counter[tuple[Any, ...]], list[ImageRecord]]:
    """How many records have each ``(split, plain key)`` (the key None without labels, else
    what a classification label contributes: whether it has objects, a label file, problems,
    and its class names), and the other records, counted the long way, in order: the fields
    of every record are read in C and counted per distinct combination; Python judges each
    combination once."""
    from imgeda_ci.columns import Columns

    cols = cols if cols is not None and cols.records is records else Columns(records)
    fields = _label_fields(cols)
    try:
        combos = Counter(fields)
    except TypeError:  # an unhashable value in a damaged record: it is counted the long way
        fields = [tuple(map(_hashable, f)) for f in fields]
        combos = Counter(fields)
    plain: Counter[tuple[Any, ...]] = Counter()
    odd: set[tuple[Any, ...]] = set()
    for combo, times in combos.items():
        split, has_labels, kind, fmt, n, has_file, problems, classes = combo
        if not has_labels:
            plain[(split, None)] += times
            continue
        names = _class_names(classes) if kind is dict and fmt == "classification" else None
        if names is not None:
            plain[(split, (n, has_file, problems, names))] += times
        else:
            odd.add(combo)
    rest = [records[i] for i, combo in enumerate(fields) if combo in odd] if odd else []
    return plain, rest


_UNHASHABLE = object()  # stands for a value a combination cannot hold


def _hashable(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return _UNHASHABLE
    return v


def _label_fields(cols: Columns) -> list[tuple[Any, ...]]:
    """Per record: (split, has labels, labels' type, format, has objects, has a label file,
    has problems, class names as a hashable value), read in C passes."""
    sub = ("format", "classes", "n", "file", "problems")
    cols.prefetch(["split", "labels", *(f"labels.{k}" for k in sub)])
    labels = cols.raw("labels")
    return list(
        zip(
            [s or NO_SPLIT for s in cols.raw("split")],
            map(bool, labels),
            map(type, labels),
            cols.raw("labels.format"),
            map(bool, cols.raw("labels.n")),
            (~cols.is_none("labels.file")).tolist(),
            map(bool, cols.raw("labels.problems")),
            [c if c.__class__ is not list else tuple(c) for c in cols.raw("labels.classes")],
            strict=True,
        )
    )


def dataset_facts(
    records: Iterable[ImageRecord],
    header: Mapping[str, Any] | None = None,
    cols: Columns | None = None,
) -> dict[str, Any]:
    """Images and instances per class per split, box distributions, balance (see module doc).
    ``cols``: the records' columns, when shared."""
    info = dataset_info(header)
    tally = _Tally.start(info, header)
    # records whose facts are their split and a few label fields (no objects: unlabelled,
    # classification) are counted by those fields, each distinct combination once
    records = records if isinstance(records, Sequence) else list(records)
    plain, rest = _plain_counts(records, cols)
    for rec in rest:
        tally.add_record(rec)
    for (split, key), times in plain.items():
        tally.add_plain(split, key, times)
    return tally.facts(info)


@dataclass
class _Tally:
    """The counts :func:`dataset_facts` adds up, a record (or a plain combination) at a time."""

    names: dict[Any, str]  # class id -> name
    declared: set[str]  # declared class names (empty when the format declares none)
    img_cls: dict[str, Counter[str]]  # class -> split -> images
    inst_cls: dict[str, Counter[str]]  # class -> split -> instances
    per_split: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    max_id: int | None = None
    size_px: Histogram = field(default_factory=lambda: Histogram(SIZE_PX_EDGES))
    size_rel: Histogram = field(default_factory=lambda: Histogram(SIZE_REL_EDGES))
    aspect: Histogram = field(default_factory=lambda: Histogram(ASPECT_EDGES))
    coco_area: Counter[str] = field(
        default_factory=lambda: Counter({"small": 0, "medium": 0, "large": 0})
    )

    @classmethod
    def start(cls, info: Mapping[str, Any], header: Mapping[str, Any] | None) -> _Tally:
        """Empty counts, every declared class already listed (with zeros)."""
        names = {c["id"]: c["name"] for c in info.get("classes", ()) if isinstance(c, Mapping)}
        declared = set(counted_classes(header)) if info.get("classes_declared") else set()
        return cls(
            names=names,
            declared=declared,
            img_cls={n: Counter() for n in sorted(declared)},
            inst_cls={n: Counter() for n in sorted(declared)},
        )

    def _add_images(
        self, split: str, times: int, *, n: bool, has_file: bool, problems: bool
    ) -> None:
        """Images with labels: ``n`` objects or classes, a label ``file``, read with
        ``problems`` (the rules of :func:`is_unlabeled` and :func:`is_empty`)."""
        self.counts["images"] += times
        self.per_split[split] += times
        self.counts["with_labels"] += times
        if not n and not has_file:
            self.counts["unlabeled"] += times
        elif not n and has_file and not problems:
            self.counts["empty"] += times
        if n:
            self.counts["labelled"] += times

    def add_plain(self, split: str, key: tuple[Any, ...] | None, times: int) -> None:
        """``times`` records of one plain combination (see :func:`_plain_counts`)."""
        if key is None:
            self.counts["images"] += times
            self.per_split[split] += times
            return
        n, has_file, problems, names_of = key
        self._add_images(split, times, n=n, has_file=has_file, problems=problems)
        for cls in names_of:
            self.img_cls.setdefault(cls, Counter())[split] += times
            self.inst_cls.setdefault(cls, Counter())[split] += times

    def add_record(self, rec: ImageRecord) -> None:
        """One record with labels, counted the long way."""
        split = rec.get("split") or NO_SPLIT
        labels: Mapping[str, Any] = rec["labels"]  # truthy: the plain counts took the others
        self._add_images(
            split,
            1,
            n=bool(labels.get("n")),
            has_file=labels.get("file") is not None,
            problems=bool(labels.get("problems")),
        )
        for cls in labels.get("classes") or ():
            self.img_cls.setdefault(cls, Counter())[split] += 1
        if labels.get("format") == "classification":
            for cls in labels.get("classes") or ():
                self.inst_cls.setdefault(cls, Counter())[split] += 1
            return
        self._add_objects(split, labels, rec)

    def _add_objects(self, split: str, labels: Mapping[str, Any], rec: ImageRecord) -> None:
        kinds: set[bool] = set()
        for obj in iter_objects(labels):
            kinds.add(bool(obj[6]))
            cid = obj[0]
            name = self.names.get(cid, f"#{cid}")
            self.inst_cls.setdefault(name, Counter())[split] += 1
            if isinstance(cid, int):
                self.max_id = cid if self.max_id is None else max(self.max_id, cid)
                if self.names and cid not in self.names:
                    self.unknown[str(cid)] += 1
            self.counts["objects"] += 1
            self.counts["polygons" if obj[6] else "boxes"] += 1
            _measure(obj, labels, rec, self.size_px, self.size_rel, self.aspect, self.coco_area)
        if kinds:
            self.counts[_SHAPES[frozenset(kinds)]] += 1

    def classes(self) -> dict[str, Any]:
        """Class -> its images and instances per split and in total, and whether declared."""
        classes: dict[str, Any] = {}
        for name in sorted(set(self.img_cls) | set(self.inst_cls)):
            imgs = self.img_cls.get(name, Counter())
            insts = self.inst_cls.get(name, Counter())
            classes[name] = {
                "images": dict(sorted(imgs.items())),
                "instances": dict(sorted(insts.items())),
                "images_total": sum(imgs.values()),
                "instances_total": sum(insts.values()),
                "declared": name in self.declared,
            }
        return classes

    def facts(self, info: Mapping[str, Any]) -> dict[str, Any]:
        """The facts as :func:`dataset_facts` returns them (see the module doc)."""
        classes = self.classes()
        declared, counts = self.declared, self.counts
        balance = [
            v["instances_total"]
            for n, v in classes.items()
            if v["instances_total"] and (n in declared if declared else not n.startswith("#"))
        ]
        total, space = counts["images"], counts["with_labels"]
        return {
            "format": info.get("format"),
            "images": total,
            "images_per_split": dict(sorted(self.per_split.items())),
            "labelled": counts["labelled"],
            "unlabeled": counts["unlabeled"],
            "empty": counts["empty"],
            "unlabeled_pct": round(100.0 * counts["unlabeled"] / space, 2) if space else 0.0,
            "objects": counts["objects"],
            "boxes": counts["boxes"],
            "polygons": counts["polygons"],
            "images_by_shape": {k: counts[k] for k in ("box_only", "polygon_only", "mixed")},
            "classes": classes,
            "unknown_class_ids": dict(sorted(self.unknown.items(), key=lambda kv: int(kv[0]))),
            "max_class_id": self.max_id,
            "imbalance_ratio": round(max(balance) / min(balance), 2) if len(balance) >= 2 else None,
            "box_size_px": self.size_px.to_json(),
            "box_size_rel": self.size_rel.to_json(),
            "box_aspect": self.aspect.to_json(),
            "box_area_coco": dict(self.coco_area),
        }


def _measure(
    obj: Sequence[Any],
    labels: Mapping[str, Any],
    rec: ImageRecord,
    size_px: Histogram,
    size_rel: Histogram,
    aspect: Histogram,
    coco_area: Counter[str],
) -> None:
    px = px_box(obj, labels, rec)
    if px is not None:
        w, h = max(px[2] - px[0], 0.0), max(px[3] - px[1], 0.0)
        size_px.add(math.sqrt(w * h))
        if h > 0:
            aspect.add(w / h)
        area = w * h
        coco_area["small" if area < 32**2 else "medium" if area < 96**2 else "large"] += 1
    nb = norm_box(obj, labels, rec)
    if nb is not None:
        w, h = max(nb[2] - nb[0], 0.0), max(nb[3] - nb[1], 0.0)
        size_rel.add(math.sqrt(w * h))
