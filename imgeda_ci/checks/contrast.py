"""Contrast and information: flat, faded or nearly blank images.

``low_contrast``: luma standard deviation (RMS contrast) below the threshold. Tuned on the 2,026
real photos of /work/photos (the ../shared/corpora datasets plus Debian wallpapers and OpenCV
samples) at analysis size 512: at std < 6, 33 (1.6%) are flagged: uniform gray/white/black
images and hazy aerial sea shots of yolo-ships where the ship is a few pixels on a flat sea.

``low_information``: Shannon entropy of the luma histogram below the threshold (bits): blank,
nearly solid or two-tone images. Same photos: at < 1.0 bit, 17 (0.8%) are flagged: solid
gray/white/black images, silhouettes and masks, sparse line drawings. Natural photos have 4–7.9
bits (1st percentile of natural photos ≈ 3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_low
from imgeda_ci.checks.registry import Judged, check
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns


def _low(key: str, fine: float, label: str, unit: str = "") -> Callable[..., Judged]:
    """The check ``key < threshold``, scored 0 at 0 and 1 at ``fine`` x threshold."""

    def judge(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
        if threshold is None:
            return nowhere(cols)
        v = cols.measure(key)
        score = ramp_low(v, threshold, fine=threshold * fine, worst=0.0)

        def message(i: int) -> str:
            return f"{label} {fmt(v[i])}{unit} < {fmt(threshold)}"

        return Judged(~np.isnan(v), v < threshold, score, number(v), message)

    return judge


check(
    "low_contrast",
    "flat or faded: luma standard deviation (RMS contrast) below the threshold",
    kind="image",
    reads=("stats.luma_std",),
    default_threshold=6,
    unit="luma std (0-128)",
    threshold_range=(0, 128),
)(_low("stats.luma_std", 2, "luma std"))

check(
    "low_information",
    "nearly blank: entropy of the luma histogram below the threshold (bits)",
    kind="image",
    reads=("stats.entropy",),
    default_threshold=1.0,
    unit="bits (0-8)",
    threshold_range=(0, 8),
)(_low("stats.entropy", 3, "luma entropy", " bits"))
