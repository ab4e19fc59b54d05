"""Small helpers shared by the built-in checks: reading measurements safely from a record."""

from __future__ import annotations

from typing import Any

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


def fmt(x: float) -> str:
    """A number for a message: integers without decimals, others with up to 3 significant."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.3g}"
