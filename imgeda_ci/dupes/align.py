"""Bring one thumbnail onto another: tone, smoothing, framing (:mod:`imgeda_ci.dupes.verify`).

For a pair of ``(T, T)`` luma thumbnails ``a`` and ``b`` (``b`` already under the candidate's
rotation/mirror), :func:`aligned` gives ``a`` as it would look in ``b``'s place:

1. *tone*: ``a``'s levels mapped onto ``b``'s by a monotone piecewise-linear map through their
   quantiles (brightness, contrast, gamma and clipped highlights are all monotone);
2. *smoothing*: both by a [1, 2, 1] / 4 binomial filter per axis. The stored thumbnails are box
   averages: detail within a pixel is lost, so a resampled thumbnail differs from the thumbnail
   of the resampled image near sharp detail (by ~40 levels at a 5% crop); smoothed, by ~10;
3. *framing*: per axis, ``a`` is resampled (Keys cubic) over a window ``[lo, 1 - hi]`` of its
   side, ``lo`` and ``hi`` from -6% to 6% (a crop of up to 5% per side of either image, one side
   or both). The row and column mean profiles pick, per axis, the best window of a 1% grid,
   then the best few of a 0.25% grid around it; of their combinations, the one whose pixels
   fall closest to ``b``'s local range (each pixel against the lowest and highest level of its
   3x3 neighbourhood in the other image, both ways) is kept.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from imgeda_ci.scan.thumb import SIDE

T = SIDE  # thumbnail side
STEPS = np.round(np.arange(-0.06, 0.0601, 0.0025), 5)  # window edges tried per side
COARSE = 4  # the first search tries every 4th step (1%)
TOP = 2  # windows kept per axis from the profiles
_KNOTS = 17  # quantiles of the tone map

F32 = npt.NDArray[np.float32]
Bool = npt.NDArray[np.bool_]


def _cubic(centre: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``(T, T)``: Keys cubic interpolation (a = -0.5) of a side at ``centre`` (old pixel
    coordinates), edges repeated."""
    out = np.zeros((T, T))
    base = np.floor(centre).astype(np.int64)
    for tap in range(-1, 3):
        k = base + tap
        t = np.abs(centre - k)
        near = 1.5 * t**3 - 2.5 * t**2 + 1
        far = -0.5 * t**3 + 2.5 * t**2 - 4 * t + 2
        np.add.at(out, (np.arange(T), np.clip(k, 0, T - 1)), np.where(t <= 1, near, far))
    return out


@lru_cache(maxsize=1)
def windows() -> tuple[F32, Bool]:
    """Per window ``(lo, hi)`` of one axis (``STEPS`` x ``STEPS``, row-major): the ``(T, T)``
    matrix that resamples a side over ``[lo, 1 - hi]``, and which new pixels lie inside the old
    side."""
    mats, inside = [], []
    for lo in STEPS:
        for hi in STEPS:
            width = 1 - lo - hi
            start = (lo + np.arange(T) / T * width) * T
            mats.append(_cubic(start + width / 2 - 0.5))
            inside.append((start > -1e-6) & (start + width < T + 1e-6))
    return np.stack(mats).astype(np.float32), np.stack(inside)


def smooth(x: F32) -> F32:
    """``(n, T, T)`` smoothed by a [1, 2, 1] / 4 binomial filter per axis (edges repeated)."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    rows = (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) * np.float32(0.25)
    out: F32 = (rows[:, :, :-2] + 2 * rows[:, :, 1:-1] + rows[:, :, 2:]) * np.float32(0.25)
    return out


def tone(a: F32, b: F32) -> F32:
    """``a`` (``(n, T, T)``) with its levels mapped onto ``b``'s through their quantiles."""
    n = len(a)
    q = np.linspace(0, T * T - 1, _KNOTS).astype(np.int64)
    qa = np.sort(a.reshape(n, -1), axis=1)[:, q]
    qb = np.sort(b.reshape(n, -1), axis=1)[:, q]
    flat = a.reshape(n, -1)
    seg = np.clip((flat[:, :, None] > qa[:, None, 1:-1]).sum(axis=2), 0, _KNOTS - 2)
    x0, x1 = np.take_along_axis(qa, seg, 1), np.take_along_axis(qa, seg + 1, 1)
    y0, y1 = np.take_along_axis(qb, seg, 1), np.take_along_axis(qb, seg + 1, 1)
    span = x1 - x0
    t = np.where(span > 1e-3, (flat - x0) / np.where(span > 1e-3, span, 1), 0.5)
    out: F32 = (y0 + np.clip(t, 0, 1) * (y1 - y0)).reshape(a.shape).astype(np.float32)
    return out


def _fit(fit: F32, inside: Bool) -> F32:
    """``(n, g)``: the mean-free mean square of ``(n, g, T)`` profile differences over the
    pixels inside (``(g, T)`` or ``(n, g, T)``)."""
    w = inside.astype(np.float32)
    count = w.sum(axis=-1)
    mean = (fit * w).sum(axis=-1) / count
    out: F32 = (((fit - mean[..., None]) ** 2) * w).sum(axis=-1) / count
    return out


def _best_windows(pa: F32, pb: F32) -> npt.NDArray[np.int64]:
    """``(n, TOP)``: the windows whose resampling of profile ``pa`` fits ``pb`` best: the best
    of the coarse grid, then the best around it."""
    mats, inside = windows()
    k = len(STEPS)
    coarse = np.arange(0, k, COARSE)
    grid = (coarse[:, None] * k + coarse[None, :]).reshape(-1)
    n = len(pa)
    flat = mats[grid].reshape(-1, T)  # every coarse window's rows, stacked
    resampled = (pa @ flat.T).reshape(n, len(grid), T)
    best = grid[_fit(resampled - pb[:, None, :], inside[grid]).argmin(axis=1)]
    near = np.arange(-COARSE + 1, COARSE)
    lo = np.clip(best[:, None] // k + near[None, :], 0, k - 1)
    hi = np.clip(best[:, None] % k + near[None, :], 0, k - 1)
    cand = (lo[:, :, None] * k + hi[:, None, :]).reshape(n, -1)
    resampled = (mats[cand] @ pa[:, None, :, None])[..., 0]
    err = _fit(resampled - pb[:, None, :], inside[cand])
    out: npt.NDArray[np.int64] = np.take_along_axis(cand, np.argsort(err, axis=1)[:, :TOP], 1)
    return out


def local_range(x: F32) -> tuple[F32, F32]:
    """Per pixel of ``(n, T, T)``: the lowest and highest level of its 3x3 neighbourhood."""
    pad = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    stack = np.stack([pad[:, i : i + T, j : j + T] for i in range(3) for j in range(3)])
    lo: F32 = stack.min(axis=0)
    hi: F32 = stack.max(axis=0)
    return lo, hi


def _outside(x: F32, y: F32, y_lo: F32, y_hi: F32) -> F32:
    """Per pixel: how far ``x`` lies outside ``y``'s local range, or ``y`` outside ``x``'s."""
    x_lo, x_hi = local_range(x)
    one = np.maximum(np.maximum(x - y_hi, y_lo - x), 0)
    two = np.maximum(np.maximum(y - x_hi, x_lo - y), 0)
    out: F32 = np.maximum(one, two)
    return out


def aligned(a: F32, b: F32) -> tuple[F32, F32, Bool]:
    """Per pair (``b`` already oriented): ``a`` toned, smoothed and framed to fit ``b`` (see the
    module doc; pixels outside ``a`` filled with ``b``'s), ``b`` smoothed, and which pixels lie
    inside ``a``."""
    n = len(a)
    mapped = smooth(tone(a, b))
    b = smooth(b)
    mats, inside = windows()
    gy = _best_windows(mapped.mean(axis=2), b.mean(axis=2))
    gx = _best_windows(mapped.mean(axis=1), b.mean(axis=1))
    b_lo, b_hi = local_range(b)
    best = b.copy()
    best_in = np.zeros((n, T, T), dtype=np.bool_)
    score = np.full(n, np.inf)
    for i in range(TOP):
        for j in range(TOP):
            wy, wx = gy[:, i], gx[:, j]
            within = inside[wy][:, :, None] & inside[wx][:, None, :]
            moved = np.where(within, mats[wy] @ mapped @ mats[wx].transpose(0, 2, 1), b)
            s = (_outside(moved, b, b_lo, b_hi) ** 2).sum(axis=(1, 2)) / within.sum(axis=(1, 2))
            better = s < score
            score[better] = s[better]
            best[better], best_in[better] = moved[better], within[better]
    return best, b, best_in
