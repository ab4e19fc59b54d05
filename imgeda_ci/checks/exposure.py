"""Exposure: images that are dark or washed out as a whole, judged on luma percentiles.

A plain RGB mean (imgeda's test) calls a dark scene with a bright subject "fine" and a night shot
of city lights "dark" at random; percentiles say what share of the picture is how bright.

``dark``: the 99th luma percentile is below the threshold, i.e. even the brightest 1% of the
picture is dim. Tuned on 2,026 real photos (/work/photos: the five corpora in ../shared/corpora
plus 686 Debian wallpapers and OpenCV sample images) scanned at analysis size 512: at p99 < 45,
30 images (1.5%) are flagged. Looking at them: all-black/near-black wallpapers and aerial sea
shots from yolo-ships in which the scene is uniformly dim; the ones just above 45 (p99 45–55) are
dim too but show a lit subject. Images with a small bright subject on a dark ground (p95 low, p99
high) are not flagged, by design. Per corpus: yolo-ships 21 (3.7%), exif-samples 1, voc-bccd,
voc-raccoon and coco-person-detection 0.

``overexposed``: the 5th luma percentile is above the threshold, i.e. even the darkest 5% of the
picture is bright: washed out. Same photos: at p5 > 190, 14 (0.7%) are flagged, all white-ground
screenshots, charts or diagrams from opencv-doc, a pure white wallpaper and one washed-out wood
texture; no natural scene. Bright but well exposed photos (blood smears on a white field, p5 ≈
150; snow, sky) stay below. The real photos contain almost no overexposed shots, so this default
is deliberately conservative.
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
    "underexposed: the 99th luma percentile (brightest 1%) is below the threshold",
    kind="image",
    reads=("stats.luma_p.p99",),
    default_threshold=45,
    unit="luma p99 (0-255)",
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
    p99 = cols.measure("stats.luma_p.p99")
    score = ramp_low(p99, threshold, fine=min(255.0, threshold * 2), worst=0.0)

    def message(i: int) -> str:
        return f"luma p99 {fmt(p99[i])} < {fmt(threshold)}"

    return Judged(~np.isnan(p99), p99 < threshold, score, number(p99), message)


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
