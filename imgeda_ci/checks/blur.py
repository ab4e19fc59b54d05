"""Blur: variance of the Laplacian of luma at the analysis size.

Flagged when ``stats.sharpness`` is below the threshold and the image has enough contrast to
judge (luma std >= 10; flat images are ``low_contrast``'s business, and a flat sea is not
"blurry"). The measurement is taken at the scan's analysis size (default 512 px on the long
side), where it separates out-of-focus images far better than at full resolution; the threshold
is calibrated for that size, so a manifest scanned with another ``--analysis-size`` needs another
threshold.

Tuned on the 2,026 real photos of /work/photos (../shared/corpora plus Debian wallpapers and
OpenCV samples) at 512: at sharpness < 12, 380 are flagged (18.8%), of which 363 are voc-bccd
blood-smear photos (363 of its 364): viewed at 100% they are out of focus (sharpness 5–14,
median 7.4), a real defect of that dataset. The other 17 (1.0% of the rest) are a blurred night
shot of a raccoon (voc-raccoon's only flag), dim aerial sea shots and smooth gradient wallpapers.
Sharp photos are far above (median 350); drone shots over water sit at 18–45 and are not
flagged. coco-person-detection and yolo-ships: 0 flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_low
from imgeda_ci.checks.registry import Judged, check, shorthand
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns

MIN_STD = 10.0  # below this RMS contrast there is nothing to be sharp about


@check(
    "blurry",
    "out of focus: Laplacian variance of luma at analysis size below the threshold",
    kind="image",
    reads=("stats.sharpness", "stats.luma_std"),
    default_threshold=12,
    unit="Laplacian variance at 512 px",
    threshold_range=(0, None),
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
    sharp, std = cols.measure("stats.sharpness"), cols.measure("stats.luma_std")
    applies = ~np.isnan(sharp) & (std >= MIN_STD)  # NaN >= MIN_STD is False
    score = ramp_low(sharp, threshold, fine=threshold * 4, worst=0.0)

    def message(i: int) -> str:
        return f"sharpness {fmt(sharp[i])} < {fmt(threshold)}"

    return Judged(applies, sharp < threshold, score, number(sharp), message)
