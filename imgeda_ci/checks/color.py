"""Colour: RGB files whose pixels are gray.

``grayscale``: the file stores colour channels (mode RGB/RGBA/P/...) but the 99th percentile of
per-pixel chroma (max(R,G,B) - min(R,G,B)) is below the threshold, i.e. 99% of the pixels are
gray. A colour dataset with such images mixed in usually has a preprocessing accident in it;
files stored as L/LA are gray by declaration and not flagged. Tuned on the 2,026 real photos of
/work/photos at analysis size 512: JPEG chroma noise keeps truly gray JPEGs at 0–4; at
chroma p99 < 5, 75 (3.7%) are flagged: black-and-white photos and screenshots among the
OpenCV samples and panchromatic aerial shots in yolo-ships. Muted colour photos (overcast sea)
start at ≈ 8.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_low
from imgeda_ci.checks.registry import Judged, check
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns

_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


@check(
    "grayscale",
    "colour file with gray pixels: 99th percentile of chroma below the threshold",
    kind="image",
    reads=("mode", "stats.chroma_p99"),
    default_threshold=5,
    unit="chroma p99 (0-255)",
    threshold_range=(0, 255),
    quality_weight=0.0,
)
def grayscale(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    chroma, mode = cols.measure("stats.chroma_p99"), cols.text("mode")
    colour = cols.apply(mode, lambda m: m is not None and m not in _GRAY_MODES)
    score = ramp_low(chroma, threshold, fine=threshold * 2, worst=0.0)

    def message(i: int) -> str:
        return f"{mode[i]} file, chroma p99 {fmt(chroma[i])} < {fmt(threshold)}"

    return Judged(~np.isnan(chroma) & colour, chroma < threshold, score, number(chroma), message)
