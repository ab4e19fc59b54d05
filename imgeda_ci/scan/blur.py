"""Blur width: how wide the edges of luma are at the analysis size, whatever their contrast.

``stats.blur_sigma`` (px at the analysis size) is the sigma of the Gaussian blur that would give
a step edge the same ratio of Laplacian energy to gradient energy as the picture has. For a
step blurred with sigma s, the gradient across it is a Gaussian of sigma s and the Laplacian its
derivative: their energies are in the ratio 1 / (2 s^2). Both energies scale with the square of
the contrast, so the ratio does not depend on it; the variance of the Laplacian alone
(``stats.sharpness``) does, and cannot tell a soft low-contrast picture from a blurred one.

Both energies are taken over the whole picture, so its sharpest and strongest edges dominate:
a sharp subject on a smooth background measures sharp. The rounding of luma to 8 bits adds
white noise of variance 1/12 per pixel, which the Laplacian (taps 4, -1, -1, -1, -1) turns
into 20/12 of energy and the two differences into 2 x 2/12: a blurred picture has almost
nothing else, so that floor is subtracted from both before the ratio is taken (without it a
heavily blurred picture of low contrast would measure as sharp as its rounding noise). A flat
area has no rounding noise, so the floor over-subtracts there: where the edges' own energy is
within a few times the floor (faint and soft pictures) the width grows, erring towards
"blurry"; scaling the floor by the share of varying pixels instead lost 3-6 points of recall on
planted blur in benchmarks/bench_quality.py for no fewer false alarms. A sharp step between two
pixels measures 0.5; the value is capped at ``CAP`` (a picture without measurable edges). The
Laplacian's variance comes from ``stats.sharpness``; the differences cost about 0.16 ms of CPU
per image at 512 px (benchmarks/bench_quality.py --timing).

The default threshold of the ``blurry`` check, and how it was tuned, are in
:mod:`imgeda_ci.checks.blur`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

#: The value of a picture with no Laplacian or gradient energy above the rounding floor.
CAP = 10.0
#: Energy of 8-bit rounding noise (variance 1/12 per pixel) in the 4-neighbour Laplacian...
_LAPLACIAN_FLOOR = 20.0 / 12.0
#: ...and in the horizontal plus the vertical difference.
_GRADIENT_FLOOR = 4.0 / 12.0


def blur_sigma(li: npt.NDArray[np.int16], laplacian_var: float) -> float:
    """The blur width of ``li`` (luma at the analysis size, as int16 so that differences are
    exact) given the variance of its 4-neighbour Laplacian (``stats.sharpness`` before
    rounding), in px, rounded to 3 places."""
    h, w = li.shape
    if h < 3 or w < 3:
        return CAP
    # squares summed in float32 BLAS
    dx = (li[:, 1:] - li[:, :-1]).astype(np.float32).ravel()
    dy = (li[1:] - li[:-1]).astype(np.float32).ravel()
    gradient = float(np.dot(dx, dx)) / dx.size + float(np.dot(dy, dy)) / dy.size
    lap = laplacian_var - _LAPLACIAN_FLOOR
    grad = gradient - _GRADIENT_FLOOR
    if lap <= 0.0 or grad <= 0.0:
        return CAP
    return round(min(CAP, math.sqrt(float(grad) / (2.0 * float(lap)))), 3)
