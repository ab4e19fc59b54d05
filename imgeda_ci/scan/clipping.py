"""Clipping: the share of pixels at or near black and at or near white, per channel and luma.

``stats.clip.low`` and ``stats.clip.high`` are lists ``[R, G, B, luma]`` of fractions (0-1): the
share of pixels with a value of at most ``MARGIN`` (crushed shadows) and at least
``255 - MARGIN`` (blown highlights). They are read off the histograms the scan already takes
(the colour image's three channels and the luma image at the analysis size), so they cost a few
additions.

``stats.clip.rim`` says how the blown area ends: the share of its *rim* (the luma pixels next to a
blown one, 4-neighbours, not blown themselves) at ``RIM_BRIGHT`` or above. Light blows out
through a bright shoulder (a sky, a lamp, an overexposed face fade into near-white), so a blown
photo's rim is mostly bright (median 0.91, 5th percentile 0.48, on the 787 planted blow-outs of
real photos with more than 30% blown; benchmarks/bench_quality.py); a white ground drawn behind
text, lines or a cut-out object ends at once on dark ink (median 0.54, quartile 0.38, on the 121
screenshots, charts and documents of /work/photos as blown). A picture blown everywhere has no
rim: 1.0. Measured only when ``RIM_FROM`` of luma is blown (None below), so it costs nothing on
most photos.

Why "near" and why 4: a region clipped at capture is exactly 0 or 255, but what a dataset holds
has been through JPEG compression and the scan's reduction to the analysis size. At JPEG
quality 75-95 a flat clipped area decodes within 1-3 levels of 255 (the quantisation error of
its DC and the ringing of nearby edges), and the box reduction averages the rim of a blown
region with its surroundings. A margin of 4 levels (0-4 and 251-255) takes those in, while a
well-exposed bright area (a white shirt, a cloudy sky at 235-245) stays out: on the 2,026 real
photos of /work/photos, moving the margin from 0 to 4 raises the share of photos with a tenth of
their luma blown from 8.1% to 9.3%, and a planted ``v * 2.5 + 40`` blow-out's recall at that
share from 0.75 to 0.80 (benchmarks/bench_quality.py plants and scans them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

#: Levels within this of 0 (or of 255) count as crushed (or blown).
MARGIN = 4
#: ``stats.clip.rim`` is measured when at least this share of luma is blown (else it is None)
RIM_FROM = 0.05
#: a rim pixel at or above this luma is bright: the blown area fades out through it
RIM_BRIGHT = 200


def _shares(hist: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64], ...]:
    """(low, high) shares of each histogram row (..., 256) of pixel counts."""
    n = np.maximum(hist.sum(axis=-1), 1).astype(np.float64)
    low = hist[..., : MARGIN + 1].sum(axis=-1) / n
    high = hist[..., 255 - MARGIN :].sum(axis=-1) / n
    return low, high


def clipping(hist_rgb: npt.NDArray[np.int64], hist_l: npt.NDArray[np.int64]) -> dict[str, Any]:
    """``{"low": [R, G, B, luma], "high": [R, G, B, luma]}`` from the (3, 256) colour
    histograms and the (256,) luma histogram, rounded to 4 places."""
    low, high = _shares(np.vstack([hist_rgb.reshape(3, 256), hist_l.reshape(1, 256)]))
    return {
        "low": [round(float(x), 4) for x in low],
        "high": [round(float(x), 4) for x in high],
    }


def rim(lum: npt.NDArray[np.uint8], blown_share: float) -> float | None:
    """``stats.clip.rim`` (see the module doc) of the analysis-size luma, given the share of
    it that is blown; None when that share is below :data:`RIM_FROM`."""
    if blown_share < RIM_FROM:
        return None
    blown = lum >= 255 - MARGIN
    near = np.zeros_like(blown)
    near[1:] |= blown[:-1]
    near[:-1] |= blown[1:]
    near[:, 1:] |= blown[:, :-1]
    near[:, :-1] |= blown[:, 1:]
    edge = near & ~blown
    n = int(np.count_nonzero(edge))
    if n == 0:
        return 1.0
    return round(int(np.count_nonzero(lum[edge] >= RIM_BRIGHT)) / n, 4)
