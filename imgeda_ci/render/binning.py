"""Aggregate measurements into small tables for the charts, so a chart's size does not grow with
the number of images: histograms over shared bin edges, 2-D bins for the dimensions scatter and
top-N category counts.

Every function returns plain rows (lists of dicts with ``series`` = ``"head"`` or ``"base"``);
``share`` is the percentage of that series' images, so a base of another size compares fairly.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Rows = list[dict[str, Any]]

#: Above this many distinct (width, height) pairs the dimensions scatter is binned.
EXACT_DIMENSIONS_MAX = 1500


def fmt_num(v: float) -> str:
    """Short readable number: 3 significant digits, k/M suffixes."""
    if not math.isfinite(v):
        return "∞" if v > 0 else "-∞"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def log_ticks(lo: float, hi: float) -> list[float]:
    """Readable tick values for a log axis: 1, 2, 5 times powers of ten within [lo, hi]."""
    if not (lo > 0 and hi > lo):
        return []
    ticks = [
        m * 10.0**e
        for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for m in (1, 2, 5)
    ]
    inside = [t for t in ticks if lo <= t <= hi]
    if len(inside) > 7:
        inside = [t for t in inside if round(t / 10 ** math.floor(math.log10(t))) == 1]
    return inside


def linear_edges(lo: float, hi: float, bins: int) -> Array:
    return np.linspace(lo, hi, bins + 1)


def log_edges(values: Sequence[Array], bins: int, floor: float = 1e-3) -> Array | None:
    """Log-spaced edges spanning every series' positive values (None when there are none)."""
    pos = [v[v > 0] for v in values]
    pos = [v for v in pos if v.size]
    if not pos:
        return None
    lo = max(min(float(v.min()) for v in pos), floor)
    hi = max(float(v.max()) for v in pos)
    if hi <= lo * 1.01:
        lo, hi = lo / 1.5, hi * 1.5
    return np.geomspace(lo, hi * 1.0001, bins + 1)


def histogram(series: Mapping[str, Array], edges: Array, *, clip: bool = True) -> Rows:
    """One row per (series, bin): x0, x1, n, share (% of the series' values), label."""
    rows: Rows = []
    for name, values in series.items():
        v = values[np.isfinite(values)]
        if clip:
            v = np.clip(v, edges[0], edges[-1])
        counts, _ = np.histogram(v, bins=edges)
        total = max(int(v.size), 1)
        for i, c in enumerate(counts.tolist()):
            lo, hi = float(edges[i]), float(edges[i + 1])
            rows.append(
                {
                    "series": name,
                    "x0": round(lo, 6),
                    "x1": round(hi, 6),
                    "n": int(c),
                    "share": round(100.0 * c / total, 3),
                    "range": f"{fmt_num(lo)} – {fmt_num(hi)}",
                }
            )
    return rows


def ordinal_histogram(series: Mapping[str, Array], edges: Sequence[float]) -> Rows:
    """Bins shown as categories (for skewed values): ``[e0, e1)``, ..., ``>= e_last``."""
    labels = [f"{fmt_num(a)} – {fmt_num(b)}" for a, b in itertools.pairwise(edges)]
    labels.append(f"≥ {fmt_num(edges[-1])}")
    rows: Rows = []
    for name, values in series.items():
        v = values[np.isfinite(values)]
        idx = np.searchsorted(np.asarray(edges, dtype=np.float64), v, side="right") - 1
        counts = np.bincount(idx[idx >= 0], minlength=len(labels))
        total = max(int(v.size), 1)
        for i, label in enumerate(labels):
            c = int(counts[i])
            rows.append(
                {
                    "series": name,
                    "bin": label,
                    "order": i,
                    "n": c,
                    "share": round(100.0 * c / total, 3),
                }
            )
    return rows


def categories(series: Mapping[str, Counter[str]], top: int = 12) -> tuple[Rows, int]:
    """Counts of the ``top`` most frequent categories (over all series); the rest in "other".
    Returns the rows and how many categories were folded into "other"."""
    total: Counter[str] = Counter()
    for c in series.values():
        total.update(c)
    ranked = sorted(total, key=lambda k: (-total[k], k))
    keep = ranked[:top] if len(ranked) > top + 1 else ranked
    folded = len(ranked) - len(keep)
    rows: Rows = []
    for name, counts in series.items():
        denom = max(sum(counts.values()), 1)
        for k in keep:
            rows.append(
                {
                    "series": name,
                    "category": k,
                    "n": counts[k],
                    "share": round(100.0 * counts[k] / denom, 3),
                }
            )
        if folded:
            other = sum(v for k, v in counts.items() if k not in set(keep))
            rows.append(
                {
                    "series": name,
                    "category": f"other ({folded})",
                    "n": other,
                    "share": round(100.0 * other / denom, 3),
                }
            )
    return rows, folded


def dimension_points(series: Mapping[str, tuple[Array, Array]], bins: int = 40) -> Rows:
    """Points for the width x height scatter: exact (width, height) pairs with their counts while
    there are few distinct ones, else 2-D log bins at their geometric centres."""
    clean = {}
    for name, (w, h) in series.items():
        ok = np.isfinite(w) & np.isfinite(h) & (w > 0) & (h > 0)
        clean[name] = (w[ok], h[ok])
    distinct: set[tuple[float, float]] = set()
    for w, h in clean.values():
        distinct.update(zip(w.tolist(), h.tolist(), strict=True))
        if len(distinct) > EXACT_DIMENSIONS_MAX:
            break
    rows: Rows = []
    if len(distinct) <= EXACT_DIMENSIONS_MAX:
        for name, (w, h) in clean.items():
            pairs = Counter(zip(w.astype(int).tolist(), h.astype(int).tolist(), strict=True))
            for (pw, ph), c in sorted(pairs.items()):
                rows.append({"series": name, "w": pw, "h": ph, "n": c, "binned": False})
        return rows
    we = log_edges([w for w, _ in clean.values()], bins, floor=1.0)
    he = log_edges([h for _, h in clean.values()], bins, floor=1.0)
    assert we is not None and he is not None
    wc = np.sqrt(we[:-1] * we[1:])
    hc = np.sqrt(he[:-1] * he[1:])
    for name, (w, h) in clean.items():
        grid, _, _ = np.histogram2d(w, h, bins=[we, he])
        for i, j in zip(*np.nonzero(grid), strict=True):
            rows.append(
                {
                    "series": name,
                    "w": round(float(wc[i]), 1),
                    "h": round(float(hc[j]), 1),
                    "n": int(grid[i, j]),
                    "binned": True,
                }
            )
    return rows
