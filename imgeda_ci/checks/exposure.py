"""Exposure: images that are dark or washed out as a whole, judged on luma percentiles.

A plain RGB mean (imgeda's test) calls a dark scene with a bright subject "fine" and a night shot
of city lights "dark" at random; percentiles say what share of the picture is how bright.

``dark``: the 99.9th luma percentile is below the threshold, i.e. even the brightest 0.1% of
the picture is dim. An underexposed picture has nothing bright left anywhere; a dim scene that is
exposed right still shows its light source or lit subject, however small (a white boat on a dark
sea, a lamp). Tuned with benchmarks/bench_quality.py on the 2,025 readable real photos of
/work/photos (the five corpora in ../shared/corpora, 1,339 photos, plus Debian wallpapers and
OpenCV documentation images) and on 300 of them (seed 0) darkened at full resolution (brightness
x0.12, x0.18, x0.25; JPEG quality 90), all scanned at analysis size 512. At p99.9 < 75: recall
1.000, 1.000 and 1.000; 17 real images (0.84%; 0.67% of the photos) flagged: three dim aerial
sea shots of yolo-ships (boat11, boat27, boat67, three augmented copies each) and 8 dark
wallpapers and OpenCV figures on black. Brightness x0.25 leaves a photo's p99.9 at 73 at most;
below 75 the next real image is at 77, and the rate grows to 1.1% by 80. The rule it replaces
(p99 < 45) caught x0.25 0.270 and x0.18 0.733 of the time and flagged 29 (1.43%): the dim sea
shots whose boat is under 1% of the picture. A dark scene with a small bright subject (p99 low,
p99.9 high) is not flagged, by design.

``overexposed``: the 5th luma percentile is above the threshold, i.e. even the darkest 5% of the
picture is bright: washed out. Same photos: at p5 > 190, 14 (0.7%) are flagged, all white-ground
screenshots, charts or diagrams from opencv-doc, a pure white wallpaper and one washed-out wood
texture; no natural scene. Bright but well exposed photos (blood smears on a white field, p5 ≈
150; snow, sky) stay below. The real photos contain almost no overexposed shots, so this default
is deliberately conservative. A blown-out picture (highlights clipped by a gain, shadows kept)
is not washed out: ``clipped_highlights`` (:mod:`imgeda_ci.checks.clipping`) flags it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_high, ramp_low
from imgeda_ci.checks.registry import Judged, check, shorthand
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns


@check(
    "dark",
    "underexposed: the 99.9th luma percentile (brightest 0.1%) is below the threshold",
    kind="image",
    reads=("stats.luma_p.p999",),
    default_threshold=75,
    unit="luma p99.9 (0-255)",
    threshold_range=(0, 255),
    policy_keys=(
        shorthand(
            "max_underexposed_pct",
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images are dark (imgeda)",
        ),
    ),
)
def dark(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    top = cols.measure("stats.luma_p.p999")
    score = ramp_low(top, threshold, fine=min(255.0, threshold * 2), worst=0.0)

    def message(i: int) -> str:
        return f"luma p99.9 {fmt(top[i])} < {fmt(threshold)}"

    return Judged(~np.isnan(top), top < threshold, score, number(top), message)


@check(
    "overexposed",
    "washed out: the 5th luma percentile (darkest 5%) is above the threshold",
    kind="image",
    reads=("stats.luma_p.p5",),
    default_threshold=190,
    unit="luma p5 (0-255)",
    threshold_range=(0, 255),
    policy_keys=(
        shorthand(
            "max_overexposed_pct",
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images are overexposed (imgeda)",
        ),
    ),
)
def overexposed(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    p5 = cols.measure("stats.luma_p.p5")
    score = ramp_high(p5, threshold, fine=threshold * 0.75, worst=255.0)

    def message(i: int) -> str:
        return f"luma p5 {fmt(p5[i])} > {fmt(threshold)}"

    return Judged(~np.isnan(p5), p5 > threshold, score, number(p5), message)
