"""The least-squares fit of :mod:`imgeda_ci.dupes.verify`: its regressors, made from the fixed
image ``b`` of a pair (:func:`terms`), and the residual of the aligned image after the fit
(:func:`misfit`). What the comparisons with ``b`` read of ``b`` alone (its local range, the
regressors, its spread: :class:`Reference`) is made once per image and passed along, for every
look at a pair that has ``b`` as the fixed image."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes.align import Prepared, local_range
from imgeda_ci.scan.thumb import SIDE

T = SIDE  # thumbnail side
TERMS = 9  # regressors of the fit
PLAIN = 7  # of them, the first: without the two tone terms (the untoned look's fit)
#: the tone terms of the fit: ``b``'s levels as standard scores, clipped at TONE_CLIP standard
#: deviations (see :func:`terms`)
TONE_CLIP = 3.0

F32 = npt.NDArray[np.float32]
Bool = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


class Reference(NamedTuple):
    """What the comparisons of another image with ``(n, T, T)`` thumbnails ``b`` (the fixed
    image) read of ``b`` alone, made once per image (:func:`reference`): the local range of
    ``b`` smoothed (lowest and highest level of each 3x3 neighbourhood), the fit's regressors
    (:func:`terms`) and the standard deviation of ``b``'s levels."""

    lo: F32
    hi: F32
    terms: F32
    spread: F32

    def take(self, rows: I64 | Bool) -> Reference:
        """These parts of the rows ``rows`` only."""
        return Reference(self.lo[rows], self.hi[rows], self.terms[rows], self.spread[rows])


def reference(b: Prepared) -> Reference:
    """The :class:`Reference` of the prepared thumbnails ``b``."""
    lo, hi = local_range(b.smoothed)
    return Reference(lo, hi, terms(b.smoothed), b.levels.reshape(len(lo), -1).std(axis=1))


def terms(b: F32) -> F32:
    """``(n, 9, T * T)``: the regressors of the fit (see :mod:`imgeda_ci.dupes.verify`) from
    ``b``. The two tone terms are the second and third Hermite polynomials (``z * z - 1``,
    ``z ** 3 - 3 * z``: nearly orthogonal to the constant and ``b``, so the float32 fit stays
    within a hundredth of a level of float64) of ``b``'s standard scores ``z`` clipped at
    :data:`TONE_CLIP`, times its standard deviation: a curve through the bulk of its levels,
    which cannot bend a level only a small object has (beyond the clip) onto another."""
    n = len(b)
    out = np.empty((n, TERMS, T, T), dtype=np.float32)  # each term written in place
    one, level, gx, gy, sx, sy, lap, second, third = (out[:, k] for k in range(TERMS))
    p = np.pad(b, ((0, 0), (1, 1), (1, 1)), mode="edge")
    right, left, below, above = p[:, 1:-1, 2:], p[:, 1:-1, :-2], p[:, 2:, 1:-1], p[:, :-2, 1:-1]
    one[...], level[...] = 1, b
    np.subtract(right, left, out=gx)
    gx /= 2
    np.subtract(below, above, out=gy)
    gy /= 2
    yy, xx = np.mgrid[0:T, 0:T].astype(np.float32) / T - 0.5
    np.multiply(xx, gx, out=sx)
    np.multiply(yy, gy, out=sy)
    np.add(right, left, out=lap)
    lap += below
    lap += above
    lap -= 4 * b
    mean = b.mean(axis=(1, 2), keepdims=True)
    spread = b.std(axis=(1, 2), keepdims=True) + 1
    z = np.clip((b - mean) / spread, -TONE_CLIP, TONE_CLIP)
    np.multiply(z, z, out=second)  # (z * z - 1) * spread
    second -= 1
    second *= spread
    wide = z.astype(np.float64)  # (z ** 3 - 3 * z) * spread; the cube as float64 products: 500x
    np.multiply(wide * wide, wide, out=third, casting="same_kind")  # less CPU than float32 powf
    third -= 3 * z
    third *= spread
    return out.reshape(n, TERMS, T * T)


def median(x: F32, mask: npt.NDArray[np.bool_]) -> F32:
    """Per row of ``(n, m)`` values: the median of those in ``mask`` (each row has some)."""
    flat = x.reshape(len(x), -1)
    keep = mask.reshape(len(x), -1)
    ordered = np.sort(np.where(keep, flat, np.inf), axis=1)
    count = keep.sum(axis=1)
    rows = np.arange(len(x))
    out: F32 = (ordered[rows, (count - 1) // 2] + ordered[rows, count // 2]) / 2
    return out


def misfit(target: F32, within: Bool, x: F32) -> F32:
    """``(n, m)``: what the fit of ``target`` (``(n, m)``) by the regressors ``x``
    (``(n, k, m)``: :func:`terms`, or the first :data:`PLAIN` of them) leaves, signed, by least
    squares over the pixels ``within``; twice, the second time without the pixels the first fit
    left far off."""
    weight = within.astype(np.float32)
    ridge = 1e-3 * np.eye(x.shape[1], dtype=np.float32)
    for again in (True, False):
        xw = x * weight[:, None, :]
        gram = xw @ x.transpose(0, 2, 1) + ridge
        beta = np.linalg.solve(gram, xw @ target[:, :, None])
        res = target - (beta.transpose(0, 2, 1) @ x)[:, 0]
        if again:  # the far-off pixels left out of the second fit
            off = np.abs(res)
            weight = weight * (off <= 6 * median(off, weight > 0)[:, None] + 2)
    return res.astype(np.float32, copy=False)  # it is: the stubs take it for float64
