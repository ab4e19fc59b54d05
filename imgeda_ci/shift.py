"""The distribution shift of key measurements between two manifests.

Brightness, sharpness, contrast, pixel count, aspect ratio and file size are compared with two
statistics a reader can interpret: the Kolmogorov-Smirnov distance (the largest gap between the
two cumulative distributions, 0 = identical, 1 = disjoint) and the population stability index
over ten base-quantile bins (< 0.1 stable, 0.1-0.25 moderate shift, > 0.25 major shift). The
measurements are read as numpy columns (:func:`metric_columns`); :mod:`imgeda_ci.diff` reports
the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from imgeda_ci.columns import Columns

#: name -> log-scaled for the PSI bins
METRICS: dict[str, bool] = {
    "brightness": False,
    "sharpness": True,
    "contrast": False,
    "pixels": True,
    "aspect_ratio": True,
    "file_size": True,
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


#: metric -> the pixel statistic it reads
_STATS = {"brightness": "luma_mean", "sharpness": "sharpness", "contrast": "luma_std"}


def metric_columns(cols: Columns) -> dict[str, npt.NDArray[np.float64]]:
    """Every metric of :data:`METRICS` as a float array aligned with the columns' records, NaN
    where it is missing: a value that is not a plain number (:meth:`Columns.num`), a pixel
    count, width, height or file size of 0, and a negative file size."""
    cols.prefetch(["pixels", "width", "height", "size", *(f"stats.{k}" for k in _STATS.values())])
    num = {k: cols.num(k, "number_or_bool") for k in ("pixels", "width", "height", "size")}
    w, h = num["width"], num["height"]
    with np.errstate(all="ignore"):
        return {
            **{name: cols.num(f"stats.{k}", "number_or_bool") for name, k in _STATS.items()},
            "pixels": np.where(num["pixels"] != 0, num["pixels"], np.nan),
            "aspect_ratio": np.where((w != 0) & (h != 0), w / h, np.nan),
            "file_size": np.where(num["size"] > 0, num["size"], np.nan),
        }


def _finite(arr: npt.NDArray[np.float64], log: bool) -> npt.NDArray[np.float64]:
    arr = arr[np.isfinite(arr)]
    return np.log1p(np.maximum(arr, 0)) if log else arr


def shift_of(
    base_cols: Mapping[str, npt.NDArray[np.float64]],
    head_cols: Mapping[str, npt.NDArray[np.float64]],
) -> dict[str, Shift]:
    out: dict[str, Shift] = {}
    for name, log in METRICS.items():
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
