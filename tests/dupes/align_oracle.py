"""The framing search as :mod:`imgeda_ci.dupes.align` wrote it before it resampled by taps: one
dense ``(T, T)`` Keys cubic matrix per window, gathered per pair and multiplied. Kept here as the
oracle of ``tests/dupes/test_align.py`` only (it costs 200 KB and a batched matmul per pair)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes import align

F32 = npt.NDArray[np.float32]


def dense(lo: float, hi: float) -> npt.NDArray[np.float64]:
    """``(T, T)``: Keys cubic (a = -0.5) resampling of a side over ``[lo, 1 - hi]``, edges
    repeated."""
    side = align.T
    width = 1 - lo - hi
    start = (lo + np.arange(side) / side * width) * side
    centre = start + width / 2 - 0.5
    out = np.zeros((side, side))
    base = np.floor(centre).astype(np.int64)
    for tap in range(-1, 3):
        k = base + tap
        t = np.abs(centre - k)
        near = 1.5 * t**3 - 2.5 * t**2 + 1
        far = -0.5 * t**3 + 2.5 * t**2 - 4 * t + 2
        np.add.at(out, (np.arange(side), np.clip(k, 0, side - 1)), np.where(t <= 1, near, far))
    return out


@lru_cache(maxsize=1)
def matrices() -> F32:
    """``(W, T, T)``: :func:`dense` of every window (``STEPS`` x ``STEPS``, row-major)."""
    return np.stack([dense(lo, hi) for lo in align.STEPS for hi in align.STEPS]).astype(np.float32)


def _fit(fit: F32, inside: npt.NDArray[np.bool_]) -> F32:
    w = inside.astype(np.float32)
    count = w.sum(axis=-1)
    mean = (fit * w).sum(axis=-1) / count
    out: F32 = (((fit - mean[..., None]) ** 2) * w).sum(axis=-1) / count
    return out


def best_windows(pa: F32, pb: F32) -> npt.NDArray[np.int64]:
    mats, inside = matrices(), align.windows()[2]
    k, step, side = len(align.STEPS), align.COARSE, align.T
    coarse = np.arange(0, k, step)
    grid = (coarse[:, None] * k + coarse[None, :]).reshape(-1)
    n = len(pa)
    resampled = (pa @ mats[grid].reshape(-1, side).T).reshape(n, len(grid), side)
    best = grid[_fit(resampled - pb[:, None, :], inside[grid]).argmin(axis=1)]
    near = np.arange(-step + 1, step)
    lo = np.clip(best[:, None] // k + near[None, :], 0, k - 1)
    hi = np.clip(best[:, None] % k + near[None, :], 0, k - 1)
    cand = (lo[:, :, None] * k + hi[:, None, :]).reshape(n, -1)
    resampled = (mats[cand] @ pa[:, None, :, None])[..., 0]
    err = _fit(resampled - pb[:, None, :], inside[cand])
    out: npt.NDArray[np.int64] = np.take_along_axis(
        cand, np.argsort(err, axis=1)[:, : align.TOP], 1
    )
    return out


def aligned(
    a: align.Prepared, b: align.Prepared, b_range: tuple[F32, F32], toned: bool = True
) -> tuple[F32, npt.NDArray[np.bool_], F32]:
    """:func:`imgeda_ci.dupes.align.aligned` by dense matrices (each window combination in turn),
    from the levels of ``a`` and ``b`` alone (``b_range`` is checked against ``b``'s own)."""
    n, side = len(a.levels), align.T
    mapped = align.smooth(align.tone(a, b) if toned else a.levels)
    fixed = align.smooth(b.levels)
    mats, inside = matrices(), align.windows()[2]
    gy = best_windows(mapped.mean(axis=2), fixed.mean(axis=2))
    gx = best_windows(mapped.mean(axis=1), fixed.mean(axis=1))
    b_lo, b_hi = align.local_range(fixed)
    assert (b_lo == b_range[0]).all() and (b_hi == b_range[1]).all()
    best, own = fixed.copy(), fixed.copy()
    best_in = np.zeros((n, side, side), dtype=np.bool_)
    score = np.full(n, np.inf)
    for i in range(align.TOP):
        for j in range(align.TOP):
            wy, wx = gy[:, i], gx[:, j]
            within = inside[wy][:, :, None] & inside[wx][:, None, :]
            moved = np.where(within, mats[wy] @ mapped @ mats[wx].transpose(0, 2, 1), fixed)
            x_lo, x_hi = align.local_range(moved)
            one = np.maximum(np.maximum(moved - b_hi, b_lo - moved), 0)
            two = np.maximum(np.maximum(fixed - x_hi, x_lo - fixed), 0)
            off = np.maximum(one, two)
            s = (off**2).sum(axis=(1, 2)) / within.sum(axis=(1, 2))
            better = s < score
            score[better] = s[better]
            best[better], best_in[better] = moved[better], within[better]
            framed = mats[wy] @ align.smooth(a.levels) @ mats[wx].transpose(0, 2, 1)
            own[better] = np.where(within, framed, fixed)[better]
    return best, best_in, own
