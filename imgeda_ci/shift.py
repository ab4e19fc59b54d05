"""The distribution shift of key measurements between two manifests.

Brightness, sharpness, contrast, pixel count, aspect ratio and file size are compared with two
statistics a reader can interpret: the Kolmogorov-Smirnov distance (the largest gap between the
two cumulative distributions, 0 = identical, 1 = disjoint) and the population stability index
over ten base-quantile bins (< 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift). The
measurements are read as numpy columns (:func:`metric_columns`); :mod:`imgeda_ci.diff` reports
the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from imgeda_ci.columns import Columns
from imgeda_ci.model import ImageRecord

Metric = Callable[[ImageRecord], float | None]


def _stat(key: str) -> Metric:
    def get(rec: ImageRecord) -> float | None:
        v = (rec.get("stats") or {}).get(key)
        return float(v) if isinstance(v, int | float) else None

    return get


def _pixels(rec: ImageRecord) -> float | None:
    p = rec.get("pixels")
    return float(p) if p else None


def _aspect(rec: ImageRecord) -> float | None:
    w, h = rec.get("width"), rec.get("height")
    return w / h if w and h else None


def _size(rec: ImageRecord) -> float | None:
    s = rec.get("size")
    return float(s) if s and s > 0 else None


#: name -> (how to read it, log-scaled for the PSI bins)
METRICS: dict[str, tuple[Metric, bool]] = {
    "brightness": (_stat("luma_mean"), False),
    "sharpness": (_stat("sharpness"), True),
    "contrast": (_stat("luma_std"), False),
    "pixels": (_pixels, True),
    "aspect_ratio": (_aspect, True),
    "file_size": (_size, True),
}


@dataclass
class Shift:
    base_n: int
    head_n: int
    base_median: float | None
    head_median: float | None
    ks: float | None
    psi: float | None

    @property
    def level(self) -> str:
        if self.psi is None:
            return "n/a"
        return "stable" if self.psi < 0.1 else "moderate" if self.psi < 0.25 else "major"


def ks_distance(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """Two-sample Kolmogorov-Smirnov statistic."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / a.size
    cdf_b = np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def psi(base: npt.NDArray[np.float64], head: npt.NDArray[np.float64], bins: int = 10) -> float:
    """Population stability index of ``head`` against ``base`` over base-quantile bins."""
    edges = np.unique(np.quantile(base, np.linspace(0, 1, bins + 1)[1:-1]))
    b = np.bincount(np.searchsorted(edges, base, side="right"), minlength=edges.size + 1)
    h = np.bincount(np.searchsorted(edges, head, side="right"), minlength=edges.size + 1)
    eps = 1e-4
    pb = np.maximum(b / base.size, eps)
    ph = np.maximum(h / head.size, eps)
    return float(np.sum((ph - pb) * np.log(ph / pb)))


def _values(records: Sequence[ImageRecord], metric: Metric, log: bool) -> npt.NDArray[np.float64]:
    vals = [v for r in records if (v := metric(r)) is not None and math.isfinite(v)]
    arr = np.asarray(vals, dtype=np.float64)
    return np.log1p(np.maximum(arr, 0)) if log else arr


_PLAIN = frozenset({int, float, bool, type(None)})


def metric_columns(cols: Columns) -> dict[str, npt.NDArray[np.float64]]:
    """Every metric of :data:`METRICS` as a float array aligned with the columns' records (NaN
    where the metric gives None), in one pass over the records; rows the columns cannot carry
    are read with the metric function itself."""
    records = cols.records
    top = ("pixels", "width", "height", "size")
    cols.prefetch([*top, "stats.luma_mean", "stats.sharpness", "stats.luma_std"])
    for key in top:  # the metrics take any truthy value here: only plain ones are vectorised
        raw = cols.raw(key)
        if not set(map(type, raw)) <= _PLAIN:
            cols.fallback[[i for i, v in enumerate(raw) if type(v) not in _PLAIN]] = True
    num = {k: cols.num(k, "number_or_bool") for k in top}
    w, h = num["width"], num["height"]
    with np.errstate(all="ignore"):
        out = {
            "brightness": cols.num("stats.luma_mean", "number_or_bool"),
            "sharpness": cols.num("stats.sharpness", "number_or_bool"),
            "contrast": cols.num("stats.luma_std", "number_or_bool"),
            "pixels": np.where(num["pixels"] != 0, num["pixels"], np.nan),
            "aspect_ratio": np.where((w != 0) & (h != 0), w / h, np.nan),
            "file_size": np.where(num["size"] > 0, num["size"], np.nan),
        }
    odd = np.flatnonzero(cols.fallback).tolist()
    for name, (metric, _) in METRICS.items():
        arr = out[name] = out[name].copy()
        for i in odd:
            v = metric(records[i])
            arr[i] = np.nan if v is None else v
    return out


def _finite(arr: npt.NDArray[np.float64], log: bool) -> npt.NDArray[np.float64]:
    arr = arr[np.isfinite(arr)]
    return np.log1p(np.maximum(arr, 0)) if log else arr


def shift_of(
    base_cols: Mapping[str, npt.NDArray[np.float64]],
    head_cols: Mapping[str, npt.NDArray[np.float64]],
) -> dict[str, Shift]:
    out: dict[str, Shift] = {}
    for name, (_, log) in METRICS.items():
        a, b = _finite(base_cols[name], log), _finite(head_cols[name], log)

        def median(x: npt.NDArray[np.float64], log: bool = log) -> float | None:
            if not x.size:
                return None
            m = float(np.median(x))
            return round(float(np.expm1(m)) if log else m, 4)

        both = a.size >= 1 and b.size >= 1
        out[name] = Shift(
            base_n=int(a.size),
            head_n=int(b.size),
            base_median=median(a),
            head_median=median(b),
            ks=round(ks_distance(a, b), 4) if both else None,
            psi=round(psi(a, b), 4) if a.size >= 10 and b.size >= 1 else None,
        )
    return out
