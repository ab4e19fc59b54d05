"""Noise: an estimate of the sensor or compression noise of luma at the analysis size.

``stats.noise`` (luma units, 0-255) is Immerkaer's fast noise estimate (the mean absolute
response to the 3 x 3 mask [[1, -2, 1], [-2, 4, -2], [1, -2, 1]], times sqrt(pi / 2) / 6), taken
per 16 x 16 block and kept where it is noise rather than detail. Noise is white: the same mask
with its taps 2 px apart responds to it alike, while texture and edges, which are correlated from
one pixel to the next, give a larger response at step 2; a block is discounted by a third of that
excess, to nothing at 4 times. Noise covers the whole picture and detail only part of it, so the
level is the 10th percentile of the blocks. White Gaussian noise of sigma s at the analysis size
measures about 0.86 s; a clean smooth picture measures under 0.1. About 0.35 ms of CPU at
512 px (a fifth of the other pixel statistics); an image under 20 px on a side measures 0.0.

The measurement is taken at the scan's analysis size (default 512 px on the long side), like
sharpness: the reduction to that size averages noise away (a 2,560 px photo with noise sigma 10
shows about a fifth of it at 512), and noise that the reduction removed is not visible there;
the threshold is calibrated for 512, so a manifest scanned with another ``--analysis-size``
needs another threshold.

The default threshold of the ``noisy`` check, and how it was tuned on real photos and planted
noise, are in :mod:`imgeda_ci.checks.noise`.
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
    mid = li[:, step:-step]
    d -= mid  # twice, in place: no temporary for the doubled middle tap
    d -= mid
    e = d[:-n] + d[n:]
    mid = d[step:-step]
    e -= mid
    e -= mid
    return np.abs(e, out=e)


def _block_means(res: npt.NDArray[np.int16], by: int, bx: int) -> npt.NDArray[np.float64]:
    """Immerkaer's estimate in each block: the mean residual of its pixels, times ``_SCALE``.
    Summed down the rows of each band of blocks first (contiguous, ten times faster than one
    sum over both axes of a 4-d view), then across each block's columns. A residual is at most
    8 * 255 (the mask's positive taps on 255, its negative ones on 0), so a column of 16 sums in
    16 bits, without a cast."""
    top = res[: by * BLOCK, : bx * BLOCK].view(np.uint16)
    bands = top.reshape(by, BLOCK, bx * BLOCK).sum(1, dtype=np.uint16)
    sums: npt.NDArray[np.int32] = bands.reshape(by * bx, BLOCK).sum(1, dtype=np.int32)
    return sums.astype(np.float64) * (_SCALE / (BLOCK * BLOCK))


def noise_sigma(gray: Image.Image) -> float:
    """The noise level of ``gray`` (an "L" image at the analysis size): :func:`noise_level` of
    its pixels."""
    lum = np.asarray(gray if gray.mode == "L" else gray.convert("L"))
    return noise_level(lum.astype(np.int16))


def noise_level(li: npt.NDArray[np.int16]) -> float:
    """The noise level of luma ``li`` (2-d, int16, 0-255) in luma units (0-255), rounded to 3
    places. An image too small for one block (under 20 px on a side) measures 0.0.

    For each 16 x 16 block, Immerkaer's estimate at step 1 (``fine``) and at step 2
    (``coarse``); white noise gives both alike, texture and edges a larger ``coarse``. A block
    scores ``fine``, less a third of the excess of ``coarse`` over ``fine`` (never below 0,
    so a block counts for nothing at 4 times ``fine``); the level is the 10th percentile of the
    block scores."""
    h, w = li.shape
    by, bx = (h - 4) // BLOCK, (w - 4) // BLOCK
    if by < 1 or bx < 1:
        return 0.0
    fine = _block_means(_residual(li, 1)[1:-1, 1:-1], by, bx)
    coarse = _block_means(_residual(li, 2), by, bx)
    score = np.clip((TEXTURE_RATIO * fine - coarse) / (TEXTURE_RATIO - 1), 0.0, fine)
    k = int(QUANTILE * (score.size - 1))
    return round(float(np.partition(score, k)[k]), 3)
