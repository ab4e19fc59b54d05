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

from imgeda_ci.checks._common import fmt
from imgeda_ci.checks.registry import (
    Option,
    Outcome,
    VectorOutcome,
    image_check,
    image_check_with_options,
    ramp_high,
    ramp_high_v,
    ramp_low,
    ramp_low_v,
)
from imgeda_ci.columns import Columns, FloatArray
from imgeda_ci.model import ImageRecord


def _dims(record: ImageRecord) -> tuple[int, int] | None:
    if record.get("error"):
        return None
    w, h = record.get("width"), record.get("height")
    if not isinstance(w, int) or not isinstance(h, int) or w <= 0 or h <= 0:
        return None
    return w, h


def _dims_v(cols: Columns) -> tuple[FloatArray, FloatArray]:
    """:func:`_dims` over columns: (w, h) with NaN where it returns None."""

    def build(c: Columns) -> tuple[FloatArray, FloatArray]:
        w, h = c.num("width", "int_or_bool"), c.num("height", "int_or_bool")
        bad = c.has_error | ~(w > 0) | ~(h > 0)
        return np.where(bad, np.nan, w), np.where(bad, np.nan, h)

    return cols.derive("size:dims", build)  # type: ignore[no-any-return]


def _too_small_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    w, h = _dims_v(cols)
    applies = ~np.isnan(w)
    short = np.minimum(w, h)
    fails = np.zeros(cols.n, np.bool_)
    score = np.ones(cols.n)
    if threshold is not None:
        score = ramp_low_v(short, threshold, fine=threshold * 2, worst=0.0)
        fails |= short < threshold
    pixels = w * h
    cols.fallback |= pixels >= 2.0**53  # w * h is exact in Python, not in float64
    for key, value in (("min_width", w), ("min_height", h), ("min_pixels", pixels)):
        limit = options.get(key)
        if isinstance(limit, int) and limit > 0:
            score = np.minimum(score, ramp_low_v(value, limit, fine=limit * 1.5, worst=0.0))
            fails |= value < limit
    score = np.where(fails, np.minimum(score, 0.4999), np.maximum(score, 0.5))
    return VectorOutcome(applies, fails, score)


def _odd_aspect_ratio_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    w, h = _dims_v(cols)
    if threshold is None:
        return VectorOutcome(np.zeros(cols.n, np.bool_), np.zeros(cols.n, np.bool_), w)
    ratio = np.maximum(w, h) / np.minimum(w, h)
    score = ramp_high_v(ratio, threshold, fine=1 + (threshold - 1) / 2, worst=threshold * 2)
    return VectorOutcome(~np.isnan(w), ratio > threshold, score)


def _large_file_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    size = cols.num("size", "int_or_bool")
    if threshold is None:
        return VectorOutcome(np.zeros(cols.n, np.bool_), np.zeros(cols.n, np.bool_), size)
    mb = size / 1e6
    score = ramp_high_v(mb, threshold, fine=threshold / 2, worst=threshold * 4)
    return VectorOutcome(size >= 0, mb > threshold, score)


@image_check_with_options(
    "too_small",
    "shorter side below the threshold (px), or below min_width/min_height/min_pixels",
    reads=("width", "height"),
    options=(
        Option("min_width", "integer", None, "minimum width in pixels (null: not tested)", 0),
        Option("min_height", "integer", None, "minimum height in pixels (null: not tested)", 0),
        Option("min_pixels", "integer", None, "minimum width x height (null: not tested)", 0),
    ),
    default_threshold=32,
    unit="px (shorter side)",
    threshold_range=(0, None),
    vector=_too_small_v,
)
def too_small(
    record: ImageRecord, threshold: float | None, options: Mapping[str, Any]
) -> Outcome | None:
    dims = _dims(record)
    if dims is None:
        return None
    w, h = dims
    short = min(w, h)
    fails: list[str] = []
    score = 1.0
    if threshold is not None:
        score = ramp_low(short, threshold, fine=threshold * 2, worst=0.0)
        if short < threshold:
            fails.append(f"shorter side {short} < {fmt(threshold)} px")
    for key, value, label in (
        ("min_width", w, "width"),
        ("min_height", h, "height"),
        ("min_pixels", w * h, "pixels"),
    ):
        limit = options.get(key)
        if isinstance(limit, int) and limit > 0:
            score = min(score, ramp_low(value, limit, fine=limit * 1.5, worst=0.0))
            if value < limit:
                fails.append(f"{label} {value} < {limit}")
    if fails:
        return Outcome(True, min(score, 0.4999), short, f"{w}x{h}: " + ", ".join(fails))
    return Outcome(False, max(score, 0.5), short, f"{w}x{h}")


@image_check(
    "odd_aspect_ratio",
    "long side / short side above the threshold (panoramas, strips, banners)",
    reads=("width", "height"),
    default_threshold=3.0,
    unit="ratio (>= 1)",
    threshold_range=(1, None),
    vector=_odd_aspect_ratio_v,
)
def odd_aspect_ratio(record: ImageRecord, threshold: float | None) -> Outcome | None:
    dims = _dims(record)
    if dims is None or threshold is None:
        return None
    w, h = dims
    ratio = max(w, h) / min(w, h)
    flagged = ratio > threshold
    score = ramp_high(ratio, threshold, fine=1 + (threshold - 1) / 2, worst=threshold * 2)
    return Outcome(
        flagged,
        score,
        round(ratio, 3),
        f"{w}x{h}: aspect {fmt(ratio)} {'>' if flagged else '<='} {fmt(threshold)}",
    )


@image_check(
    "large_file",
    "file size above the threshold (MB)",
    reads=("size",),
    default_threshold=25,
    unit="MB",
    threshold_range=(0, None),
    quality_weight=0.0,
    vector=_large_file_v,
)
def large_file(record: ImageRecord, threshold: float | None) -> Outcome | None:
    size = record.get("size")
    if not isinstance(size, int) or size < 0 or threshold is None:
        return None
    mb = size / 1e6
    flagged = mb > threshold
    score = ramp_high(mb, threshold, fine=threshold / 2, worst=threshold * 4)
    return Outcome(
        flagged, score, round(mb, 3), f"{fmt(mb)} MB {'>' if flagged else '<='} {fmt(threshold)}"
    )
