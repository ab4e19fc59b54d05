"""Size outliers: images whose resolution or file size is far from the rest (Tukey's IQR fences).

Both work on log10 of the value (sizes spread multiplicatively), flag values outside
``[Q1 - k*IQR, Q3 + k*IQR]`` with ``k`` the threshold, and widen each fence to at least a factor
of 2 from the quartile so that a dataset of identical sizes does not flag an image for being a
few pixels off. Below 20 images nothing is flagged (quartiles of a handful mean little). The
finding's value is the image's pixel count / byte size; ``data`` holds the fences.

Tuned on the lead's scans of the five real datasets of ../shared/corpora (each on its own, as a
user would scan them) and of /work/photos (2,026 real photos, 0.01–24 MP, as one mixed set): see
the checks' docstrings below.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.registry import DatasetContext, Finding, check
from imgeda_ci.columns import Columns, FloatArray

MIN_IMAGES = 20
MIN_FACTOR = math.log10(2.0)


def _outliers(
    ctx: DatasetContext,
    k: float | None,
    check: str,
    values: Callable[[Columns], FloatArray],
    describe: Callable[[float], str],
) -> list[Finding]:
    if k is None:
        return []
    vals = values(ctx.columns())  # NaN where the measurement is missing
    keep = np.flatnonzero(vals > 0)
    if keep.size < MIN_IMAGES:
        return []
    logs = np.log10(vals[keep])
    q1, q3 = (float(x) for x in np.percentile(logs, [25, 75]))
    iqr = q3 - q1
    lo = min(q1 - k * iqr, q1 - MIN_FACTOR)
    hi = max(q3 + k * iqr, q3 + MIN_FACTOR)
    out: list[Finding] = []
    far = np.flatnonzero((logs < lo) | (logs > hi))
    for pos in far.tolist():
        i = int(keep[pos])
        v, lv = float(vals[i]), float(logs[pos])
        side = "below" if lv < lo else "above"
        fence = 10 ** (lo if lv < lo else hi)
        dist = (lo - lv) if lv < lo else (lv - hi)
        score = max(0.0, 0.49 - dist)  # one decade beyond the fence ~ 0
        out.append(
            Finding(
                check,
                "warning",
                (ctx.records[i]["path"],),
                f"{describe(v)} is {side} the dataset's range (fence {describe(fence)})",
                score=round(score, 3),
                value=v,
                data={"low": round(10**lo, 1), "high": round(10**hi, 1)},
            )
        )
    return out


def _pixels(cols: Columns) -> FloatArray:
    """Width x height of the images read without error (NaN elsewhere)."""
    return np.where(cols.has_error, np.nan, cols.measure("width") * cols.measure("height"))


def _bytes(cols: Columns) -> FloatArray:
    """File size of the images read without error (NaN elsewhere)."""
    return np.where(cols.has_error, np.nan, cols.measure("size"))


@check(
    "resolution_outlier",
    "pixel count outside the dataset's IQR fences (log scale, threshold = k)",
    kind="dataset",
    reads=("width", "height"),
    default_threshold=3.0,
    unit="k x IQR of log10(pixels)",
    threshold_range=(0, None),
)
def resolution_outlier(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    """Resolution outliers.

    k = 3 (Tukey's "far out"), with the factor-2 floor: each corpus on its own (voc-bccd 364,
    voc-raccoon 200, coco-person-detection 121, yolo-ships 567, exif-samples 101) flags 0, at
    k = 1.5 too: a single-source dataset has no resolution outliers, and the check stays quiet.
    On the mixed /work/photos set, k = 3 flags 31 (1.5%: icons and thumbnails under 0.02 MP and
    the 16–24 MP wallpapers among 0.3 MP photos); k = 1.5 flagged 269 (13%), too many to read.
    """
    return _outliers(ctx, threshold, "resolution_outlier", _pixels, lambda v: f"{v / 1e6:.3g} MP")


@check(
    "file_size_outlier",
    "file size outside the dataset's IQR fences (log scale, threshold = k)",
    kind="dataset",
    reads=("size",),
    default_threshold=3.0,
    unit="k x IQR of log10(bytes)",
    threshold_range=(0, None),
)
def file_size_outlier(
    ctx: DatasetContext, threshold: float | None, options: Mapping[str, Any]
) -> list[Finding]:
    """File size outliers, same fences as resolution_outlier.

    Same data: 0 in each corpus on its own (k = 1.5 or 3); 20 (1.0%) on the mixed /work/photos
    set at k = 3 (115 at k = 1.5).
    """
    return _outliers(ctx, threshold, "file_size_outlier", _bytes, lambda v: f"{v / 1e3:.3g} kB")
