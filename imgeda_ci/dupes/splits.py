"""Which split (train / val / test / ...) an image belongs to, for the leakage check.

In order of precedence:

1. globs from the policy: a mapping ``{split: [glob, ...]}`` (passed to the checks as
   ``ctx.extra["splits"]``); the first split, in the mapping's order, with a matching glob wins;
2. ``record["split"]``, set by the dataset-format readers (:mod:`imgeda_ci.formats`);
3. the first folder of the path that names a split, case-insensitive, ignoring trailing digits:
   train/training -> ``train``; val/valid/validation/validate -> ``val``; test/testing -> ``test``
   (the aliases of :data:`imgeda_ci.formats.base.SPLIT_ALIASES`).

An image with no split takes part in no leakage finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from imgeda_ci.columns import Columns
from imgeda_ci.formats.base import SPLIT_ALIASES, split_from_path
from imgeda_ci.globs import match_any
from imgeda_ci.model import ImageRecord

#: Order used to decide which side of a leaking pair counts: the image in the later split
#: (test before val before train) is the one the finding counts against.
SPLIT_RANK: dict[str, int] = {"train": 0, "val": 1, "test": 2}

SplitGlobs = Mapping[str, Sequence[str]]


def canonical(name: str) -> str:
    """Canonical split name: ``"Valid"`` -> ``"val"``; other names lower-cased, unchanged."""
    low = name.strip().lower()
    return SPLIT_ALIASES.get(low, low)


def split_of_path(path: str) -> str | None:
    """The split named by the first split folder of a POSIX path (see the module doc)."""
    return split_from_path(path)


def split_of(record: ImageRecord, globs: SplitGlobs | None = None) -> str | None:
    """The split of one record (see the module doc for the order of precedence)."""
    path = record.get("path", "")
    if globs:
        for name, patterns in globs.items():
            if match_any(patterns, path):
                return canonical(name)
    declared = record.get("split")
    if isinstance(declared, str) and declared:
        return canonical(declared)
    return split_of_path(path)


def splits_of(
    records: Iterable[ImageRecord], globs: SplitGlobs | None = None, cols: Columns | None = None
) -> list[str | None]:
    """:func:`split_of` for every record, in order (without globs, from the records' columns,
    ``cols`` when given: each distinct declared split named once, each folder's split found
    once)."""
    if globs or not isinstance(records, Sequence):
        return [split_of(r, globs) for r in records]
    cols = cols if cols is not None and cols.records is records else Columns(records)
    cols.prefetch(["path", "split"])
    named: dict[str, str] = {}
    by_folder: dict[str, str | None] = {}
    out: list[str | None] = []
    for path, declared in zip(cols.raw("path"), cols.raw("split"), strict=True):
        if declared.__class__ is str and declared:
            got = named.get(declared)
            if got is None:
                got = named[declared] = canonical(declared)
            out.append(got)
            continue
        path = path if isinstance(path, str) else ""
        folder = path.rpartition("/")[0]
        if folder not in by_folder:
            by_folder[folder] = split_of_path(path)
        out.append(by_folder[folder])
    return out


def rank(split: str) -> tuple[int, str]:
    """Sort key of a split: train, val, test, then other names alphabetically."""
    return (SPLIT_RANK.get(split, 3), split)
