"""Noise: an estimate of the sensor or compression noise of luma at the analysis size.

DRAFT: documentation to be completed after tuning.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

#: Side of the square blocks over which the residual is averaged.
BLOCK = 16
#: The reported level is this quantile of the block estimates: noise covers the whole picture,
#: texture and edges only part of it, so the quietest blocks tell the noise from the detail.
QUANTILE = 0.10
#: Immerkaer's factor: sigma = sqrt(pi / 2) / 6 * mean |I * M| for Gaussian noise.
_SCALE = math.sqrt(math.pi / 2) / 6


def _residual(lum: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    """|I * M| for Immerkaer's mask M = [[1, -2, 1], [-2, 4, -2], [1, -2, 1]], which is the
    outer product of [1, -2, 1] with itself: two second differences, in int16 (at most 2,040)."""
    li = lum.astype(np.int16)
    d = li[:, :-2] + li[:, 2:]
    d -= li[:, 1:-1] * 2
    e = d[:-2] + d[2:]
    e -= d[1:-1] * 2
    return np.abs(e, out=e)


def noise_sigma(gray: Image.Image) -> float:
    """The noise level of ``gray`` (an "L" image at the analysis size) in luma units (0-255),
    rounded to 3 places: the 10th percentile over 16 x 16 blocks of Immerkaer's estimate.
    An image too small for one block (under 18 px on a side) measures 0.0."""
    lum = np.asarray(gray.convert("L") if gray.mode != "L" else gray)
    h, w = lum.shape
    by, bx = (h - 2) // BLOCK, (w - 2) // BLOCK
    if by < 1 or bx < 1:
        return 0.0
    res = _residual(lum[: by * BLOCK + 2, : bx * BLOCK + 2])
    sums = res.reshape(by, BLOCK, bx, BLOCK).sum(axis=(1, 3), dtype=np.int32).ravel()
    k = int(QUANTILE * (sums.size - 1))
    level = float(np.partition(sums, k)[k]) * _SCALE / (BLOCK * BLOCK)
    return round(level, 3)
