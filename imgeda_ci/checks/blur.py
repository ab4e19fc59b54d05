"""Blur: the width of luma's edges at the analysis size, whatever their contrast.

Flagged when ``stats.blur_sigma`` (:mod:`imgeda_ci.scan.blur`: the Gaussian sigma, in px at the
analysis size, with the picture's ratio of Laplacian to gradient energy) is above the threshold
and the image has contrast enough to judge (luma std >= 4; flat images are ``low_contrast``'s
business). A sharp edge measures 0.5, real photos a median of 0.45 (95% under 0.65). The
variance of the Laplacian (``stats.sharpness``), which this check read before, grows with the
square of the contrast: a soft low-contrast picture and a blurred one look alike there, and a
blurred busy one looks sharp. The measurement is taken at the scan's analysis size (default 512
px on the long side), so a manifest scanned with another ``--analysis-size`` needs another
threshold.

Tuned with benchmarks/bench_quality.py on the 2,025 readable real photos of /work/photos (the five
corpora of ../shared/corpora, 1,339 photos, plus Debian wallpapers and OpenCV documentation
images) and 300 of them (seed 0) blurred at full resolution with Pillow's Gaussian blur of
radius 2, 3 and 4 *at a long side of 1,024 px* (the radius times max(1, long side / 1024); JPEG
quality 90), all scanned at 512. For the 90% of the photos up to 1,024 px that is the issue's
planting on the photo as loaded; as loaded, a radius-2 blur on a 5,640 px photo is 0.18 px at
512 and invisible on any screen that shows the whole photo, so it is scaled as a blur a user
would see. Planted against real, blur_sigma separates with an AUC of 0.994 (sharpness: 0.936).

At blur_sigma > 0.8: recall 0.987, 0.993 and 0.993 for radius 2, 3 and 4 (the misses: four
copies of a uniform dim sea or wallpaper under the contrast gate, one opencv figure); 15 real
images flagged (0.74%; 4 of the 1,339 photos, 0.30%): a blurred night shot of a raccoon, three
copies of a dim aerial sea shot, and OpenCV's own blurred, motion-blurred and upscaled
examples and smooth wallpapers. The rule it replaces (sharpness < 12 where std >= 10) caught
radius 2, 3 and 4 0.500, 0.770 and 0.840 of the time and flagged 352 (17.4%).

voc-bccd (blood smears) is the softest real dataset: 0.67-0.78 (median 0.73; 5th-95th
percentile), against 0.42-0.50 for the medians of the other corpora, and its photos are soft at
100% (the tuning of the old rule called them out of focus). The threshold sits above it: at 0.75,
111 of its 364 are flagged (6.4% of all real images), at 0.7, 311 (16.8%), with no gain in
recall (0.990-0.993). Lower the threshold to 0.7 to hold a dataset to sharper focus than voc-bccd's.

A threshold is a blur width between 0.5 (a sharp step) and 5 px: a policy written for the rule
this replaced (a sharpness threshold, 12 by default) is refused by the loader, naming the range,
rather than read as a width that nothing reaches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_high
from imgeda_ci.checks.registry import Judged, check, shorthand
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns

MIN_STD = 4.0  # below this RMS contrast there is nothing to be sharp about


@check(
    "blurry",
    "out of focus: blur width of luma's edges at analysis size above the threshold",
    kind="image",
    reads=("stats.blur_sigma", "stats.luma_std"),
    default_threshold=0.8,
    unit="edge blur sigma, px at 512 px",
    threshold_range=(0.5, 5.0),
    policy_keys=(
        shorthand(
            "max_blurry_pct",
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images are blurry (imgeda)",
        ),
    ),
)
def blurry(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    width, std = cols.measure("stats.blur_sigma"), cols.measure("stats.luma_std")
    applies = ~np.isnan(width) & (std >= MIN_STD)  # NaN >= MIN_STD is False
    score = ramp_high(width, threshold, fine=threshold * 0.75, worst=threshold * 4)

    def message(i: int) -> str:
        return f"edge blur sigma {fmt(width[i])} px > {fmt(threshold)}"

    return Judged(applies, width > threshold, score, number(width), message)
