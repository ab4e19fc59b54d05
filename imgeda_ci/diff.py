"""Base vs head: what a change did to the dataset, keyed by content and path.

- ``added``: paths only in the head whose content is not a moved base image;
- ``removed``: paths only in the base whose content did not move;
- ``modified``: the same path with new bytes;
- ``renamed``: content (SHA-256) that left one path and appeared at another. A base image copied
  to several new paths is one rename plus additions; identical contents are paired in path order
  so the result is deterministic.
- ``unchanged``: same path, same bytes.

Dataset deltas (totals, errors by code, images per split and class) and the distribution shift of
key measurements (brightness, sharpness, pixel count, aspect ratio, file size) are reported with
two statistics a reader can interpret: the Kolmogorov-Smirnov distance (the largest gap between
the two cumulative distributions, 0 = identical, 1 = disjoint) and the population stability
index over ten base-quantile bins (< 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift);
both are computed in :mod:`imgeda_ci.shift`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from imgeda_ci.columns import Columns, gc_paused
from imgeda_ci.model import ImageRecord
from imgeda_ci.shift import Shift, metric_columns, shift_of


@dataclass
class ManifestDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)
    shift: dict[str, Shift] = field(default_factory=dict)

    @property
    def changed_paths(self) -> set[str]:
        """Head paths whose content is new to the dataset (added or modified)."""
        return set(self.added) | set(self.modified)

    def rename_map(self) -> dict[str, str]:
        """Old path -> new path for renamed content."""
        return dict(self.renamed)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["renamed"] = [{"from": a, "to": b} for a, b in self.renamed]
        out["shift"] = {k: {**asdict(v), "level": v.level} for k, v in self.shift.items()}
        out["summary"] = {
            "added": len(self.added),
            "removed": len(self.removed),
            "modified": len(self.modified),
            "renamed": len(self.renamed),
            "unchanged": self.unchanged,
        }
        return out


def _tally(values: Sequence[Any], missing: str) -> Counter[str]:
    """Counter of ``str(value or missing)``, counting each distinct value once."""
    if not set(map(type, values)) <= {str, type(None)}:  # a damaged record: one by one
        return Counter(str(v or missing) for v in values)
    raw = Counter(values)
    out: Counter[str] = Counter()
    for value, times in raw.items():
        out[str(value or missing)] += times
    return out


def _counts(cols: Columns) -> dict[str, Counter[str]]:
    cols.prefetch(["size", "error", "split", "format", "labels.classes"])
    sizes = cols.raw("size")
    codes = [c for c in cols.error_code() if c is not None]
    out: dict[str, Counter[str]] = {
        "total": Counter(),
        "errors": Counter(codes),
        "split": _tally(cols.raw("split"), "none"),
        "class": Counter(),
        "format": _tally(cols.raw("format"), "unknown"),
    }
    if cols.n:
        out["total"]["images"] += cols.n
        out["total"]["bytes"] += sum(max(0, v) for v in sizes if v)
    if codes:
        out["total"]["errors"] += len(codes)
    per_set = Counter(tuple(c) for c in cols.raw("labels.classes") if c)  # few distinct sets
    for classes, times in per_set.items():
        for c in classes:
            out["class"][str(c)] += times
    return out


@dataclass
class Side:
    """What the diff reads of one manifest: its records' paths and content hashes (in record
    order), its totals and its metric columns. :func:`side_of` makes it; another process can
    make the base's and hand it over (:mod:`imgeda_ci.base_evaluator`)."""

    paths: Sequence[Any]
    shas: Sequence[Any]
    counts: dict[str, Counter[str]]
    metrics: dict[str, npt.NDArray[np.float64]]


def side_of(records: Sequence[ImageRecord], cols: Columns | None = None) -> Side:
    """What the diff reads of ``records`` (``cols``: their columns, when shared)."""
    cols = cols if cols is not None and cols.records is records else Columns(records)
    cols.prefetch(["path", "sha256"])
    return Side(cols.raw("path"), cols.raw("sha256"), _counts(cols), metric_columns(cols))


def _positions(head: Sequence[ImageRecord], base: Sequence[ImageRecord]) -> npt.NDArray[np.int64]:
    """For each head record, the position of the same object in ``base``, or -1 (by identity,
    matched in numpy: sorted base ids, searched)."""
    base_ids = np.fromiter(map(id, base), dtype=np.uint64, count=len(base))
    head_ids = np.fromiter(map(id, head), dtype=np.uint64, count=len(head))
    order = np.argsort(base_ids, kind="stable")
    sorted_ids = base_ids[order]
    at = np.minimum(np.searchsorted(sorted_ids, head_ids), max(0, len(base) - 1))
    found = sorted_ids[at] == head_ids if len(base) else np.zeros(len(head), dtype=np.bool_)
    return np.where(found, order[at] if len(base) else 0, -1).astype(np.int64)


def side_from(
    base_side: Side,
    base: Sequence[ImageRecord],
    head: Sequence[ImageRecord],
    src: npt.NDArray[np.int64] | None = None,
    cols: Columns | None = None,
) -> Side:
    """``side_of(head)``, made from ``base_side`` (``side_of(base)``) when most head records
    are base records, the same objects (as a scan that reused them gives): the totals and
    metric columns are the base's, less the records the head dropped, plus those it added, so
    only those are read. Totals are counts and the shift compares distributions, so neither
    depends on the records' order. ``src``: ``_positions(head, base)``, when made; ``cols``:
    the head's columns, when shared."""
    src = _positions(head, base) if src is None else src
    kept = src[src >= 0]
    if 2 * len(kept) < len(head) or len(np.unique(kept)) != len(kept):
        return side_of(head, cols)  # little in common (or a record twice): read the head itself
    cols = cols if cols is not None and cols.records is head else Columns(head)
    cols.prefetch(["path", "sha256"])
    dropped = np.ones(len(base), dtype=np.bool_)
    dropped[kept] = False
    gone = [base[k] for k in np.flatnonzero(dropped).tolist()]
    new = [head[i] for i in np.flatnonzero(src < 0).tolist()]
    less, more = _counts(Columns(gone)), _counts(Columns(new))
    counts: dict[str, Counter[str]] = {}
    for group, had in base_side.counts.items():
        now = Counter(had)
        now.subtract(less.get(group, Counter()))
        now.update(more.get(group, Counter()))
        counts[group] = Counter({k: v for k, v in now.items() if v > 0 or k in had})
    added = metric_columns(Columns(new))
    metrics = {
        name: np.concatenate([values[kept], added[name]])
        for name, values in base_side.metrics.items()
    }
    return Side(cols.raw("path"), cols.raw("sha256"), counts, metrics)


def diff(
    base: Sequence[ImageRecord],
    head: Sequence[ImageRecord],
    *,
    base_side: Side | None = None,
    base_cols: Columns | None = None,
    head_cols: Columns | None = None,
) -> ManifestDiff:
    """Compare two manifests' records (see module doc). ``base_side``: ``side_of(base)``, when
    already made; ``base_cols`` / ``head_cols``: the records' columns, when shared (with the
    evaluations)."""
    with gc_paused():  # many small containers, no cycles (see imgeda_ci.columns.gc_paused)
        old = base_side or side_of(base, base_cols)
        src = _positions(head, base)
        return _diff(old, side_from(old, base, head, src, head_cols), src)


def _rest(base: Side, head: Side, src: npt.NDArray[np.int64]) -> tuple[Side, Side, int] | None:
    """The two sides less the record objects they share (``src``: see :func:`_positions`)
    and how many those are, when each side's paths are distinct: a shared record has one path
    and one content on both sides, so it is unchanged (given a content hash) and pairs with
    nothing else. None when nothing is shared or a path repeats."""
    head_rows = np.flatnonzero(src >= 0)
    if not len(head_rows) or len(set(base.paths)) != len(base.paths):
        return None
    if len(set(head.paths)) != len(head.paths):
        return None
    base_rows = src[head_rows]
    shas = base.shas  # without a content hash even a shared record counts as modified
    hashed = np.fromiter(map(bool, map(shas.__getitem__, base_rows.tolist())), np.bool_)
    in_base = np.ones(len(base.paths), dtype=np.bool_)
    in_base[base_rows[hashed]] = False
    in_head = np.ones(len(head.paths), dtype=np.bool_)
    in_head[head_rows[hashed]] = False

    def pick(side: Side, keep: npt.NDArray[np.bool_]) -> Side:
        rows = np.flatnonzero(keep).tolist()
        return replace(side, paths=[side.paths[i] for i in rows], shas=[side.shas[i] for i in rows])

    return pick(base, in_base), pick(head, in_head), int(hashed.sum())


def _diff(base: Side, head: Side, src: npt.NDArray[np.int64] | None = None) -> ManifestDiff:
    """``src``: which head records are base records (:func:`_positions`): only the others are
    compared path by path."""
    shift_base, shift_head = base, head
    shared = 0
    rest = _rest(base, head, src) if src is not None else None
    if rest is not None:
        base, head, shared = rest
    old: dict[str, Any] = dict(zip(base.paths, base.shas, strict=True))
    new: dict[str, Any] = dict(zip(head.paths, head.shas, strict=True))
    out = ManifestDiff()
    only_old = sorted(old.keys() - new.keys())
    only_new = sorted(new.keys() - old.keys())
    common = old.keys() & new.keys()
    out.modified = sorted(p for p in common if not (old[p] and old[p] == new[p]))
    out.unchanged = shared + len(common) - len(out.modified)
    # pair moved content: each base sha that vanished from its path, to new paths with that sha
    by_sha: dict[str, list[str]] = {}
    for p in only_new:
        sha = new[p]
        if sha:
            by_sha.setdefault(sha, []).append(p)
    moved_to: set[str] = set()
    for p in only_old:
        sha = old[p]
        targets = by_sha.get(sha) if sha else None
        if targets:
            target = targets.pop(0)
            out.renamed.append((p, target))
            moved_to.add(target)
        else:
            out.removed.append(p)
    out.added = [p for p in only_new if p not in moved_to]
    out.totals = _totals(shift_base.counts, shift_head.counts)
    out.shift = shift_of(shift_base.metrics, shift_head.metrics)
    return out


def _totals(
    base: Mapping[str, Counter[str]], head: Mapping[str, Counter[str]]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for group in sorted(base.keys() | head.keys()):
        keys = sorted(set(base.get(group, {})) | set(head.get(group, {})))
        out[group] = {
            k: {
                "base": base.get(group, Counter())[k],
                "head": head.get(group, Counter())[k],
                "delta": head.get(group, Counter())[k] - base.get(group, Counter())[k],
            }
            for k in keys
        }
    return out
