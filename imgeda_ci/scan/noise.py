"""Noise: an estimate of the sensor or compression noise of luma at the analysis size.

DRAFT: documentation to be completed after tuning.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

#: Side of the square blocks over which the residuals are averaged.
BLOCK = 16
#: The reported level is this quantile of the block estimates: noise covers the whole picture,
#: texture and edges only part of it, so the quietest blocks tell the noise from the detail.
QUANTILE = 0.10
#: A block whose residual at step 2 is this many times its residual at step 1 counts for
#: nothing (it is texture); at a ratio of 1 (white noise) it counts in full; linear between.
TEXTURE_RATIO = 4
#: Immerkaer's factor: sigma = sqrt(pi / 2) / 6 * mean |I * M| for Gaussian noise.
_SCALE = math.sqrt(math.pi / 2) / 6


def _residual(li: npt.NDArray[np.int16], step: int) -> npt.NDArray[np.int16]:
    """|I * M| for Immerkaer's mask M = [[1, -2, 1], [-2, 4, -2], [1, -2, 1]] with its taps
    ``step`` pixels apart. M is the outer product of [1, -2, 1] with itself: two second
    differences, in int16 (at most 2,040). The result is smaller than ``li`` by 2 * step."""
    n = 2 * step
    d = li[:, :-n] + li[:, n:]
    d -= li[:, step:-step] * 2
    e = d[:-n] + d[n:]
    e -= d[step:-step] * 2
    return np.abs(e, out=e)


def _block_means(res: npt.NDArray[np.int16], by: int, bx: int) -> npt.NDArray[np.float64]:
    """Immerkaer's estimate in each block: the mean residual of its pixels, times ``_SCALE``.
    Summed down the rows of each band of blocks first (contiguous, ten times faster than one
    sum over both axes of a 4-d view), then across each block's columns."""
    bands = res[: by * BLOCK, : bx * BLOCK].reshape(by, BLOCK, bx * BLOCK).sum(1, dtype=np.int32)
    sums: npt.NDArray[np.int32] = bands.reshape(by * bx, BLOCK).sum(1)
    return sums.astype(np.float64) * (_SCALE / (BLOCK * BLOCK))


def noise_sigma(gray: Image.Image) -> float:
    """The noise level of ``gray`` (an "L" image at the analysis size) in luma units (0-255),
    rounded to 3 places. An image too small for one block (under 20 px on a side) measures 0.0.

    For each 16 x 16 block, Immerkaer's estimate at step 1 (``fine``) and at step 2
    (``coarse``); white noise gives both alike, texture and edges a larger ``coarse``. A block
    scores ``fine``, less a third of the excess of ``coarse`` over ``fine`` (never below 0,
    so a block counts for nothing at 4 times ``fine``); the level is the 10th percentile of the
    block scores."""
    lum = np.asarray(gray if gray.mode == "L" else gray.convert("L"))
    h, w = lum.shape
    by, bx = (h - 4) // BLOCK, (w - 4) // BLOCK
    if by < 1 or bx < 1:
        return 0.0
    li = lum.astype(np.int16)
    fine = _block_means(_residual(li, 1)[1:-1, 1:-1], by, bx)
    coarse = _block_means(_residual(li, 2), by, bx)
    score = np.clip((TEXTURE_RATIO * fine - coarse) / (TEXTURE_RATIO - 1), 0.0, fine)
    k = int(QUANTILE * (score.size - 1))
    return round(float(np.partition(score, k)[k]), 3)
