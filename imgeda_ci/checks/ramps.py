"""Score ramps of the per-image checks: a measurement turned into a score in [0, 1].

Score convention: ``score < 0.5`` exactly when the image is flagged, so the per-image quality
score and the flags agree. Both ramps work on numpy arrays (one value per record).
"""

from __future__ import annotations

import numpy as np

from imgeda_ci.columns import FloatArray


def ramp_low(value: FloatArray, threshold: float, fine: float, worst: float) -> FloatArray:
    """Score for a measurement where *low* is bad: 1 at or above ``fine``, 0.5 at ``threshold``,
    0 at or below ``worst`` (``worst < threshold < fine``), linear in between. Flag when
    ``value < threshold``; the score is then below 0.5. Degenerate settings give a plain step
    at the threshold."""
    value = np.asarray(value, dtype=np.float64)
    if not worst < threshold < fine:
        return np.where(value >= threshold, 1.0, 0.0)
    with np.errstate(all="ignore"):
        upper = 0.5 + 0.5 * (value - threshold) / (fine - threshold)
        lower = np.minimum(0.4999, 0.5 * (value - worst) / (threshold - worst))
    return np.where(
        value >= fine,
        1.0,
        np.where(value >= threshold, upper, np.where(value <= worst, 0.0, lower)),
    )


def ramp_high(value: FloatArray, threshold: float, fine: float, worst: float) -> FloatArray:
    """Mirror of :func:`ramp_low` for measurements where *high* is bad
    (``fine < threshold < worst``); flag when ``value > threshold``."""
    return ramp_low(-np.asarray(value, dtype=np.float64), -threshold, -fine, -worst)
