"""The records a label check must read, found with columns rather than a pass over every record.

Most images of a dataset have ordinary labels that no label check flags; the checks select the
few that may matter with a mask over the label columns (``labels.n``, ``labels.file``, ...) and
run their own per-record code on those alone. The mask only narrows: a record whose ``labels``
is truthy but not a dict (a damaged manifest) is always selected, so the check's own code meets
it exactly as it would in a full pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from imgeda_ci.checks.registry import DatasetContext
from imgeda_ci.columns import BoolArray, Columns
from imgeda_ci.model import ImageRecord

Wanted = Callable[[Columns], BoolArray]


def label_rows(ctx: DatasetContext, wanted: Wanted) -> list[tuple[ImageRecord, Any]]:
    """(record, labels) in record order, of the records whose ``labels`` is truthy and
    ``wanted`` holds, or whose ``labels`` is truthy but not a dict."""
    cols = ctx.columns()
    labels = cols.raw("labels")
    mask = cols.truthy("labels")
    if not set(map(type, labels)) <= {dict, type(None)}:
        odd = np.fromiter((v.__class__ is not dict for v in labels), np.bool_, len(labels))
        mask = mask & (wanted(cols) | odd)
    else:
        mask = mask & wanted(cols)
    records = ctx.records
    return [(records[i], labels[i]) for i in np.flatnonzero(mask).tolist()]


def truthy(key: str) -> Wanted:
    """``labels.get(key)`` is truthy."""
    return lambda cols: cols.truthy(f"labels.{key}")


def unlabeled(cols: Columns) -> BoolArray:
    """:func:`imgeda_ci.formats.facts.is_unlabeled`: no ``n`` and no ``file``."""
    return ~cols.truthy("labels.n") & cols.is_none("labels.file")


def maybe_empty(cols: Columns) -> BoolArray:
    """No ``n`` but a ``file``: what :func:`imgeda_ci.formats.facts.is_empty` then decides."""
    return ~cols.truthy("labels.n") & ~cols.is_none("labels.file")


def has_key(key: str) -> Wanted:
    """``key in labels``."""

    def wanted(cols: Columns) -> BoolArray:
        labels = cols.raw("labels")
        return np.fromiter(
            (v.__class__ is dict and key in v for v in labels), np.bool_, len(labels)
        )

    return wanted
