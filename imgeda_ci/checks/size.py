"""Image and file size: too small, odd aspect ratio, very large files.

``too_small``: the shorter side is below the threshold (pixels), or the width / height / pixel
count is below the ``min_width`` / ``min_height`` / ``min_pixels`` options when those are set
(imgeda's ``min_width`` / ``min_height`` policy keys set them). On the 2,026 real photos of
/work/photos the shorter side's 1st percentile is 77 px; at < 32 px 1 image (0.05%, a 25 px
high banner strip) is flagged. 32 px is the smallest side that still carries a recognisable
object (CIFAR's size); datasets of thumbnails can lower it.

``odd_aspect_ratio``: the long side over the short side (orientation-free: a 1:4 strip is as odd
as 4:1; imgeda compares width / height only) is above the threshold. Same photos: at > 3, 53
(2.6%) are flagged, all panoramic wallpapers, banners or montages of OpenCV samples; the real
camera photos of ../shared/corpora stay below 2.5 (99.5th percentile 2.46).

``large_file``: file size above the threshold in MB. Same photos: largest 16.4 MB (a 24 MP
PNG); at > 25 MB none is flagged. Large files slow every clone and CI run; raise it for
medical or satellite data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_high, ramp_low
from imgeda_ci.checks.registry import Judged, Option, check, shorthand
from imgeda_ci.checks.results import Value, fmt, integer, nowhere
from imgeda_ci.columns import Columns, FloatArray


def _dims(cols: Columns) -> tuple[FloatArray, FloatArray]:
    """(width, height) of the images read without error, NaN elsewhere or when not positive."""

    def build(c: Columns) -> tuple[FloatArray, FloatArray]:
        w, h = c.measure("width"), c.measure("height")
        bad = c.has_error | ~(w > 0) | ~(h > 0)
        return np.where(bad, np.nan, w), np.where(bad, np.nan, h)

    got: tuple[FloatArray, FloatArray] = cols.derive("size:dims", build)
    return got


_LIMITS = (("min_width", "width"), ("min_height", "height"), ("min_pixels", "pixels"))


@check(
    "too_small",
    "shorter side below the threshold (px), or below min_width/min_height/min_pixels",
    kind="image",
    reads=("width", "height"),
    options=(
        Option("min_width", "integer", None, "minimum width in pixels (null: not tested)", 0),
        Option("min_height", "integer", None, "minimum height in pixels (null: not tested)", 0),
        Option("min_pixels", "integer", None, "minimum width x height (null: not tested)", 0),
    ),
    default_threshold=32,
    unit="px (shorter side)",
    threshold_range=(0, None),
    staged=True,
    policy_keys=(
        shorthand(
            "min_width",
            sets="option",
            option="min_width",
            type="integer",
            minimum=0,
            disabled_values=(0,),
            description="fail when any image is narrower, in pixels; 0 = off (imgeda)",
        ),
        shorthand(
            "min_height",
            sets="option",
            option="min_height",
            type="integer",
            minimum=0,
            disabled_values=(0,),
            description="fail when any image is lower, in pixels; 0 = off (imgeda)",
        ),
    ),
)
def too_small(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    w, h = _dims(cols)
    short = np.minimum(w, h)
    sides = {"width": w, "height": h, "pixels": w * h}
    fails = np.zeros(cols.n, np.bool_)
    score = np.ones(cols.n)
    if threshold is not None:
        score = ramp_low(short, threshold, fine=threshold * 2, worst=0.0)
        fails |= short < threshold
    limits = {}
    for key, label in _LIMITS:
        limit = options.get(key)
        if isinstance(limit, int) and limit > 0:
            value = sides[label]
            score = np.minimum(score, ramp_low(value, limit, fine=limit * 1.5, worst=0.0))
            fails |= value < limit
            limits[label] = limit
    score = np.where(fails, np.minimum(score, 0.4999), np.maximum(score, 0.5))

    def message(i: int) -> str:
        wi, hi = int(w[i]), int(h[i])
        got = {"width": wi, "height": hi, "pixels": wi * hi}
        out = []
        if threshold is not None and short[i] < threshold:
            out.append(f"shorter side {min(wi, hi)} < {fmt(threshold)} px")
        out += [f"{k} {got[k]} < {v}" for k, v in limits.items() if got[k] < v]
        return f"{wi}x{hi}: " + ", ".join(out)

    return Judged(~np.isnan(w), fails, score, integer(short), message)


@check(
    "odd_aspect_ratio",
    "long side / short side above the threshold (panoramas, strips, banners)",
    kind="image",
    reads=("width", "height"),
    default_threshold=3.0,
    unit="ratio (>= 1)",
    threshold_range=(1, None),
    policy_keys=(
        shorthand(
            "max_aspect_ratio",
            sets="threshold",
            minimum=0,
            disabled_values=(0, 0.0),
            description="fail when any image's long/short side ratio is above this; 0 = off "
            "(imgeda compares width/height only)",
        ),
    ),
)
def odd_aspect_ratio(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    w, h = _dims(cols)
    ratio = np.maximum(w, h) / np.minimum(w, h)
    score = ramp_high(ratio, threshold, fine=1 + (threshold - 1) / 2, worst=threshold * 2)

    def value(i: int) -> Value:
        return round(float(ratio[i]), 3)

    def message(i: int) -> str:
        return f"{int(w[i])}x{int(h[i])}: aspect {fmt(float(ratio[i]))} > {fmt(threshold)}"

    return Judged(~np.isnan(w), ratio > threshold, score, value, message)


@check(
    "large_file",
    "file size above the threshold (MB)",
    kind="image",
    reads=("size",),
    default_threshold=25,
    unit="MB",
    threshold_range=(0, None),
    quality_weight=0.0,
)
def large_file(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    mb = cols.measure("size") / 1e6
    score = ramp_high(mb, threshold, fine=threshold / 2, worst=threshold * 4)

    def value(i: int) -> Value:
        return round(float(mb[i]), 3)

    def message(i: int) -> str:
        return f"{fmt(float(mb[i]))} MB > {fmt(threshold)}"

    return Judged(mb >= 0, mb > threshold, score, value, message)
