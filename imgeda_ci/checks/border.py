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

from imgeda_ci.checks._common import fmt, stats
from imgeda_ci.checks.registry import (
    Option,
    Outcome,
    VectorOutcome,
    image_check_with_options,
    ramp_high,
    ramp_high_v,
)
from imgeda_ci.columns import Columns, FloatArray
from imgeda_ci.model import ImageRecord

DARK_CORNERS = 50.0  # corners must average below this luma to count as dark
_SIDES = ("top", "bottom", "left", "right")


def _num(x: Any) -> float:
    return float(x) if isinstance(x, int | float) else 0.0


def padded_fraction(pad: Mapping[str, Any], border: Mapping[str, Any]) -> float:
    """Largest black/white padded fraction on a side whose perpendicular sides are unpadded."""

    def bar(side: str) -> float:
        strip = border.get(side)
        mean = _num(strip[0]) if isinstance(strip, list | tuple) and strip else 128.0
        return _num(pad.get(side)) if mean <= 16 or mean >= 240 else 0.0

    vert = max(_num(pad.get("top")), _num(pad.get("bottom")))
    horiz = max(_num(pad.get("left")), _num(pad.get("right")))
    v = max(bar("top"), bar("bottom")) if horiz < 0.01 else 0.0
    h = max(bar("left"), bar("right")) if vert < 0.01 else 0.0
    return max(v, h)


def _num_v(cols: Columns, key: str) -> FloatArray:
    """:func:`_num` of the value at ``key``: 0.0 where it is not a number."""
    v = cols.num(key, "number_or_bool")
    return np.where(np.isnan(v), 0.0, v)


def _strip_mean_v(cols: Columns, side: str, rows: list[int]) -> FloatArray:
    """The strip mean ``bar`` reads at ``rows``: ``_num(strip[0])``, 128 without a strip."""
    every = cols.raw(f"stats.border.{side}")
    strips = [every[i] for i in rows]
    has = np.array([isinstance(s, list | tuple) and len(s) > 0 for s in strips], dtype=np.bool_)
    firsts = [s[0] if ok else None for s, ok in zip(strips, has.tolist(), strict=True)]
    first = cols.to_float(firsts, "number_or_bool", rows)
    return np.where(has, np.where(np.isnan(first), 0.0, first), 128.0)


def _border_artifact_v(
    cols: Columns, threshold: float | None, options: Mapping[str, Any]
) -> VectorOutcome:
    n = cols.n
    cols.prefetch(
        [f"stats.pad.{s}" for s in _SIDES]
        + [f"stats.border.{s}" for s in (*_SIDES, "corners", "center")]
    )
    if threshold is None:
        return VectorOutcome(np.zeros(n, np.bool_), np.zeros(n, np.bool_), np.zeros(n))
    stats_ok = ~cols.has_error & cols.is_dict("stats")
    applies = stats_ok & cols.is_dict("stats.pad") & cols.is_dict("stats.border")
    pad = {s: _num_v(cols, f"stats.pad.{s}") for s in _SIDES}

    def bar(side: str) -> FloatArray:  # the padding of a bar-coloured strip, else 0
        out = np.zeros(n)
        rows = np.flatnonzero(pad[side] != 0)  # elsewhere 0 whatever the strip's colour
        if rows.size:
            mean = _strip_mean_v(cols, side, rows.tolist())
            out[rows] = np.where((mean <= 16) | (mean >= 240), pad[side][rows], 0.0)
        return out

    vert = np.maximum(pad["top"], pad["bottom"])
    horiz = np.maximum(pad["left"], pad["right"])
    v = np.where(horiz < 0.01, np.maximum(bar("top"), bar("bottom")), 0.0)
    h = np.where(vert < 0.01, np.maximum(bar("left"), bar("right")), 0.0)
    frac = np.maximum(v, h)
    score = ramp_high_v(frac, threshold, fine=threshold / 2, worst=min(1.0, threshold * 10))
    padded = frac > threshold
    flagged = padded.copy()
    delta_opt = options.get("corner_delta")
    if isinstance(delta_opt, int | float):
        corners = _num_v(cols, "stats.border.corners")
        center = _num_v(cols, "stats.border.center")
        delta = center - corners
        dark = ~padded & (corners < DARK_CORNERS) & (delta > delta_opt)
        cscore = ramp_high_v(delta, float(delta_opt), delta_opt * 0.5, 255.0)
        score = np.where(dark, np.minimum(score, cscore), score)
        flagged |= dark
    return VectorOutcome(applies, flagged, score)


@image_check_with_options(
    "border_artifact",
    "letterbox/padding bars (padded fraction above the threshold) or dark corners",
    reads=("stats.pad", "stats.border"),
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
    vector=_border_artifact_v,
)
def border_artifact(
    record: ImageRecord, threshold: float | None, options: Mapping[str, Any]
) -> Outcome | None:
    s = stats(record)
    if s is None or threshold is None:
        return None
    pad, border = s.get("pad"), s.get("border")
    if not isinstance(pad, dict) or not isinstance(border, dict):
        return None
    frac = padded_fraction(pad, border)
    score = ramp_high(frac, threshold, fine=threshold / 2, worst=min(1.0, threshold * 10))
    if frac > threshold:
        return Outcome(True, score, frac, f"padding bar {fmt(frac * 100)}% of the side")
    delta_opt = options.get("corner_delta")
    corners, center = _num(border.get("corners")), _num(border.get("center"))
    if isinstance(delta_opt, int | float) and corners < DARK_CORNERS:
        delta = center - corners
        if delta > delta_opt:
            cscore = ramp_high(delta, float(delta_opt), delta_opt * 0.5, 255.0)
            return Outcome(
                True,
                min(score, cscore),
                frac,
                f"dark corners: luma {fmt(corners)} vs centre {fmt(center)} "
                f"(delta {fmt(delta)} > {fmt(delta_opt)})",
            )
    return Outcome(False, score, frac, f"padding {fmt(frac * 100)}%")
