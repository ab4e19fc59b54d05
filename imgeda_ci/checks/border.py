"""Border artifacts: letterbox / padding bars and dark (vignetted or letterboxed) corners.

Padding: ``stats.pad`` gives, per side, the fraction of rows/columns from the edge inward that
are flat and match the outermost line. A flat sky or sea does that too, so a side counts as
padded only when its strip is black or white (strip mean <= 16 or >= 240, the colours padding
is made of) and the two perpendicular sides are not padded at all (a uniformly flat image pads
all four sides and is ``low_contrast``'s business). The observed value is the largest padded
fraction; flagged above the threshold.

Dark corners: the four 10% corners average below 50 and at least ``corner_delta`` below the
middle 50% box (vignetting, a circular lens field, a frame pasted on black).

Tuned on the 2,026 real photos of /work/photos (../shared/corpora plus Debian wallpapers and
OpenCV samples) at analysis size 512. Padding > 2% flags 85 (4.2%): letterboxed video frames of
voc-raccoon, white-bordered photos, and OpenCV documentation figures laid out on white; without
the colour rule it flagged 213, mostly hazy skies and flat seas. Corner delta > 110 flags 22
(1.1%), all letterboxed raccoon video frames or graphics on black, which padding alone missed in
part because their bars are not perfectly flat after JPEG compression. Together: 94 (4.6%);
per corpus: voc-raccoon 10 (5%), yolo-ships 18 (3.2%), voc-bccd and coco 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from imgeda_ci.checks.ramps import ramp_high
from imgeda_ci.checks.registry import Judged, Option, check, shorthand
from imgeda_ci.checks.results import fmt, nowhere, number
from imgeda_ci.columns import Columns, FloatArray

DARK_CORNERS = 50.0  # corners must average below this luma to count as dark
_SIDES = ("top", "bottom", "left", "right")


def _or(values: FloatArray, missing: float) -> FloatArray:
    return np.where(np.isnan(values), missing, values)


def padded_fraction(cols: Columns) -> FloatArray:
    """Per row, the largest black/white padded fraction on a side whose perpendicular sides
    are unpadded (a missing fraction counts as 0, a missing strip mean as 128: no bar)."""
    pad = {s: _or(cols.measure(f"stats.pad.{s}"), 0.0) for s in _SIDES}

    def bar(side: str) -> FloatArray:  # the padding of a bar-coloured strip, else 0
        mean = _or(cols.measure(f"stats.border.{side}[0]"), 128.0)
        return np.where((mean <= 16) | (mean >= 240), pad[side], 0.0)

    vert = np.maximum(pad["top"], pad["bottom"])
    horiz = np.maximum(pad["left"], pad["right"])
    v = np.where(horiz < 0.01, np.maximum(bar("top"), bar("bottom")), 0.0)
    h = np.where(vert < 0.01, np.maximum(bar("left"), bar("right")), 0.0)
    return np.maximum(v, h)


@check(
    "border_artifact",
    "letterbox/padding bars (padded fraction above the threshold) or dark corners",
    kind="image",
    reads=(
        *(f"stats.pad.{s}" for s in _SIDES),
        *(f"stats.border.{s}[0]" for s in _SIDES),
        "stats.border.corners",
        "stats.border.center",
    ),
    options=(
        Option(
            "corner_delta",
            "number",
            110.0,
            "flag when the corners are dark (< 50) and this much darker than the centre "
            "(luma); null turns the corner test off",
            minimum=0,
            maximum=255,
        ),
    ),
    default_threshold=0.02,
    unit="padded fraction of the side",
    threshold_range=(0, 1),
    policy_keys=(
        shorthand(
            "max_artifact_pct",
            sets="max_pct",
            minimum=0,
            maximum=100,
            description="fail when more than this % of images have border artifacts (imgeda)",
        ),
    ),
)
def border_artifact(cols: Columns, threshold: float | None, options: Mapping[str, Any]) -> Judged:
    if threshold is None:
        return nowhere(cols)
    applies = cols.ok & cols.is_dict("stats.pad") & cols.is_dict("stats.border")
    frac = padded_fraction(cols)
    score = ramp_high(frac, threshold, fine=threshold / 2, worst=min(1.0, threshold * 10))
    padded = frac > threshold
    dark = np.zeros(cols.n, np.bool_)
    corners = _or(cols.measure("stats.border.corners"), 0.0)
    center = _or(cols.measure("stats.border.center"), 0.0)
    delta_opt = options.get("corner_delta")
    if isinstance(delta_opt, int | float):
        delta = center - corners
        dark = ~padded & (corners < DARK_CORNERS) & (delta > delta_opt)
        cscore = ramp_high(delta, float(delta_opt), delta_opt * 0.5, 255.0)
        score = np.where(dark, np.minimum(score, cscore), score)

    def message(i: int) -> str:
        if padded[i]:
            return f"padding bar {fmt(frac[i] * 100)}% of the side"
        return (
            f"dark corners: luma {fmt(corners[i])} vs centre {fmt(center[i])} "
            f"(delta {fmt(center[i] - corners[i])} > {fmt(delta_opt)})"  # type: ignore[arg-type]
        )

    return Judged(applies, padded | dark, score, number(frac), message)
