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

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks._common import fmt, stat, stat_v
from imgeda_ci.checks.registry import Outcome, VectorOutcome, image_check, ramp_low, ramp_low_v
from imgeda_ci.columns import Columns
from imgeda_ci.model import ImageRecord


def _low(key: str, fine: float, label: str, unit: str = "") -> Any:
    """The check ``stats[key] < threshold``, scored 0 at 0 and 1 at ``fine`` x threshold."""

    def check(record: ImageRecord, threshold: float | None) -> Outcome | None:
        v = stat(record, key)
        if v is None or threshold is None:
            return None
        flagged = v < threshold
        score = ramp_low(v, threshold, fine=threshold * fine, worst=0.0)
        op = "<" if flagged else ">="
        return Outcome(flagged, score, v, f"{label} {fmt(v)}{unit} {op} {fmt(threshold)}")

    return check


def _low_v(key: str, fine: float) -> Any:
    def vector(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> VectorOutcome:
        v = stat_v(cols, key)
        if threshold is None:
            return VectorOutcome(np.zeros(cols.n, np.bool_), np.zeros(cols.n, np.bool_), v)
        score = ramp_low_v(v, threshold, fine=threshold * fine, worst=0.0)
        return VectorOutcome(~np.isnan(v), v < threshold, score)

    return vector


low_contrast = image_check(
    "low_contrast",
    "flat or faded: luma standard deviation (RMS contrast) below the threshold",
    reads=("stats.luma_std",),
    default_threshold=6,
    unit="luma std (0-128)",
    threshold_range=(0, 128),
    vector=_low_v("luma_std", 2),
)(_low("luma_std", 2, "luma std"))

low_information = image_check(
    "low_information",
    "nearly blank: entropy of the luma histogram below the threshold (bits)",
    reads=("stats.entropy",),
    default_threshold=1.0,
    unit="bits (0-8)",
    threshold_range=(0, 8),
    vector=_low_v("entropy", 3),
)(_low("entropy", 3, "luma entropy", " bits"))
