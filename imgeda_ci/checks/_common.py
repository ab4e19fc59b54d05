"""Small helpers shared by the built-in checks: reading measurements safely from a record."""

from __future__ import annotations

from typing import Any

import numpy as np

from imgeda_ci.columns import Columns, FloatArray
from imgeda_ci.model import ImageRecord


def stats(record: ImageRecord) -> dict[str, Any] | None:
    """The record's pixel measurements, or None when the image was not decoded/measured."""
    if record.get("error"):
        return None
    s = record.get("stats")
    return s if isinstance(s, dict) else None


def luma_p(record: ImageRecord, key: str) -> float | None:
    s = stats(record)
    if s is None:
        return None
    p = s.get("luma_p")
    if not isinstance(p, dict) or not isinstance(p.get(key), int | float):
        return None
    return float(p[key])


def stat(record: ImageRecord, key: str) -> float | None:
    s = stats(record)
    if s is None:
        return None
    v = s.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def stat_v(cols: Columns, key: str) -> FloatArray:
    """:func:`stat` over columns: NaN where it returns None."""

    def build(c: Columns) -> FloatArray:
        return np.where(c.has_error, np.nan, c.num(f"stats.{key}", "number"))

    return cols.derive(f"stat:{key}", build)  # type: ignore[no-any-return]


def luma_p_v(cols: Columns, key: str) -> FloatArray:
    """:func:`luma_p` over columns: NaN where it returns None."""

    def build(c: Columns) -> FloatArray:
        c.prefetch(f"stats.luma_p.{k}" for k in ("p1", "p5", "p50", "p95", "p99"))
        return np.where(c.has_error, np.nan, c.num(f"stats.luma_p.{key}", "number_or_bool"))

    return cols.derive(f"luma_p:{key}", build)  # type: ignore[no-any-return]


def fmt(x: float) -> str:
    """A number for a message: integers without decimals, others with up to 3 significant."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3g}"
