"""Bring one thumbnail onto another: tone, smoothing, framing (:mod:`imgeda_ci.dupes.verify`).

For a pair of ``(T, T)`` luma thumbnails ``a`` and ``b`` (``b`` already under the candidate's
rotation/mirror), :func:`aligned` gives ``a`` as it would look in ``b``'s place (and, for the
clipped-highlight test of :mod:`imgeda_ci.dupes.verify`, ``a`` smoothed and framed the same way
with its own levels):

1. *tone*: ``a``'s levels mapped onto ``b``'s by a monotone piecewise-linear map through their
   quantiles (brightness, contrast, gamma and clipped highlights are all monotone), whose slope
   is held at :data:`MIN_SLOPE` or more but where it maps onto highlights (:func:`floored`: it
   may flatten a range of levels only by clipping it, so a light object on a dark picture is
   not mapped onto the picture's brightest level);
2. *smoothing*: both by a [1, 2, 1] / 4 binomial filter per axis. The stored thumbnails are box
   averages: detail within a pixel is lost, so a resampled thumbnail differs from the thumbnail
   of the resampled image near sharp detail (by ~40 levels at a 5% crop); smoothed, by ~10;
3. *framing*: per axis, ``a`` is resampled (Keys cubic) over a window ``[lo, 1 - hi]`` of its
   side, ``lo`` and ``hi`` from -6% to 6% (a crop of up to 5% per side of either image, one side
   or both). The row and column mean profiles pick, per axis, the best window of a 1% grid,
   then the best few of a 0.25% grid around it; of their combinations, the one whose pixels
   fall closest to ``b``'s local range (each pixel against the lowest and highest level of its
   3x3 neighbourhood in the other image, both ways) is kept.

Resampling reads the four Keys cubic taps of each new pixel (:func:`windows`, :func:`resample`):
per pair and axis, the search resamples a profile under 169 + 49 windows, and the thumbnail
under 2 + 4 (rows, then columns); a dense ``(T, T)`` matrix per window (as before) cost 200 KB
per pair and 3x the CPU (``tests/dupes/align_oracle.py`` keeps it as the tests' oracle).

What the alignment reads of one image alone (the tone map's quantiles of its levels, the image
smoothed: :class:`Prepared`; the local range of the fixed image, passed in) is made once per
image and batch, whichever image of a pair is brought onto the other and whether toned or not.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from imgeda_ci.scan.thumb import SIDE

T = SIDE  # thumbnail side
STEPS = np.round(np.arange(-0.06, 0.0601, 0.0025), 5)  # window edges tried per side
COARSE = 4  # the first search tries every 4th step (1%)
TOP = 2  # windows kept per axis from the profiles
_KNOTS = 17  # quantiles of the tone map
#: highlights: a level at or above this may be clipped (here and in :mod:`imgeda_ci.dupes.verify`)
CLIP = 180.0
#: the least slope of the tone map, but where it maps onto the other image's highlights (see
#: :func:`tone`)
MIN_SLOPE = 0.2

F32 = npt.NDArray[np.float32]
Bool = npt.NDArray[np.bool_]


I64 = npt.NDArray[np.int64]


class Prepared(NamedTuple):
    """``(n, T, T)`` thumbnails as the alignment reads them, each part made once per image
    (:func:`prepare`), whichever image of a pair is brought onto the other: their levels, the
    tone map's knots (``(n, 17)`` quantiles) and the thumbnails smoothed."""

    levels: F32
    knots: F32
    smoothed: F32

    def take(self, rows: I64 | Bool) -> Prepared:
        """These parts of the rows ``rows`` only."""
        return Prepared(self.levels[rows], self.knots[rows], self.smoothed[rows])


def prepare(x: F32) -> Prepared:
    """The :class:`Prepared` parts of thumbnails ``x``."""
    q = np.linspace(0, T * T - 1, _KNOTS).astype(np.int64)
    return Prepared(x, np.sort(x.reshape(len(x), -1), axis=1)[:, q], smooth(x))


@lru_cache(maxsize=1)
def windows() -> tuple[I64, F32, Bool]:
    """Per window ``(lo, hi)`` of one axis (``STEPS`` x ``STEPS``, row-major): the four old
    pixels that Keys cubic interpolation (a = -0.5, edges repeated) reads for each new pixel to
    resample a side over ``[lo, 1 - hi]`` (``(W, 4, T)``, tap first), their weights, and which
    new pixels lie inside the old side (``(W, T)``)."""
    lo = np.repeat(STEPS, len(STEPS))[:, None, None]
    hi = np.tile(STEPS, len(STEPS))[:, None, None]
    width = 1 - lo - hi
    start = (lo + np.arange(T) / T * width) * T
    centre = start + width / 2 - 0.5  # of each new pixel, in old pixel coordinates
    tap = np.floor(centre) + np.arange(-1, 3)[:, None]
    t = np.abs(centre - tap)
    near = 1.5 * t**3 - 2.5 * t**2 + 1
    far = -0.5 * t**3 + 2.5 * t**2 - 4 * t + 2
    index = np.clip(tap, 0, T - 1).astype(np.int64)
    weight = np.where(t <= 1, near, far).astype(np.float32)
    inside = (start > -1e-6) & (start + width < T + 1e-6)
    return index, weight, inside[:, 0]


def resample(x: F32, window: I64) -> F32:
    """``(n, T)`` or ``(n, T, m)`` resampled along axis 1 under each of the windows ``window``
    (:func:`windows`; ``(g,)``: the same for every row, or ``(n, g)``: per row):
    ``(n, g, T)`` or ``(n, g, T, m)``."""
    index, weight, _ = windows()
    n = len(x)
    flat = x.reshape(n, T, -1)  # (n, T, m): a profile is m = 1
    if window.ndim == 1:  # the same windows for every row
        taps = flat[:, index[window]]
    else:  # per row: into the rows stacked
        at = index[window] + T * np.arange(n).reshape(-1, 1, 1, 1)
        taps = np.take(flat.reshape(n * T, -1), at, axis=0)
    # taps: (n, g, 4, T, m), the old pixels each new pixel reads
    out: F32 = np.einsum("...ktm,...kt->...tm", taps, weight[window])
    return out.reshape(out.shape[:3] + x.shape[2:])


def smooth(x: F32) -> F32:
    """``(n, T, T)`` smoothed by a [1, 2, 1] / 4 binomial filter per axis (edges repeated)."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
    rows = (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) * np.float32(0.25)
    out: F32 = (rows[:, :, :-2] + 2 * rows[:, :, 1:-1] + rows[:, :, 2:]) * np.float32(0.25)
    return out


def tone(a: Prepared, b: Prepared) -> F32:
    """``a``'s levels (``(n, T, T)``) mapped onto ``b``'s through their quantiles, the map's
    slope held at :data:`MIN_SLOPE` or more but where it maps onto ``b``'s highlights
    (:func:`floored`)."""
    n = len(a.levels)
    qa = a.knots
    qb = floored(qa, b.knots)
    flat = a.levels.reshape(n, -1)
    seg = np.zeros(flat.shape, dtype=np.int8)  # the knots below each level, but the first
    for knot in range(1, _KNOTS - 1):
        seg += flat > qa[:, knot, None]
    at = seg + np.arange(n)[:, None] * _KNOTS  # into the flattened knots
    x0, x1 = qa.reshape(-1)[at], qa.reshape(-1)[at + 1]
    y0, y1 = qb.reshape(-1)[at], qb.reshape(-1)[at + 1]
    span = x1 - x0
    t = np.where(span > 1e-3, (flat - x0) / np.where(span > 1e-3, span, 1), 0.5)
    out: F32 = (y0 + np.clip(t, 0, 1) * (y1 - y0)).reshape(a.levels.shape).astype(np.float32)
    return out


def floored(qa: F32, qb: F32) -> F32:
    """The knots ``qb`` (``(n, k)``, the levels ``qa`` map onto) raised so that no segment of the
    map rises less than :data:`MIN_SLOPE` times its run, but those ending in highlights (at
    :data:`CLIP` or above). A monotone map may flatten a range of levels only by clipping it:
    otherwise an object whose levels the other picture lacks (a light object added to a dark
    picture: the only levels above that picture's brightest) would be mapped onto that
    picture's brightest level and vanish where it lies on it. Knots need no raising where no
    segment is that flat (they are kept exactly)."""
    rise, run = np.diff(qb, axis=1), np.diff(qa, axis=1)
    short = np.where(qb[:, 1:] >= CLIP, 0.0, np.maximum(MIN_SLOPE * run - rise, 0.0))
    out: F32 = qb.copy()
    out[:, 1:] += np.cumsum(short, axis=1).astype(np.float32)
    return out


def _fit(fit: F32, inside: Bool) -> F32:
    """``(n, g)``: the mean-free mean square of ``(n, g, T)`` profile differences over the
    pixels inside (``(g, T)`` or ``(n, g, T)``)."""
    w = inside.astype(np.float32)
    count = w.sum(axis=-1)
    mean = np.einsum("...t,...t->...", fit, w) / count
    dev = (fit - mean[..., None]) * w
    out: F32 = np.einsum("...t,...t->...", dev, dev) / count
    return out


def _best_windows(pa: F32, pb: F32) -> I64:
    """``(n, TOP)``: the windows whose resampling of profile ``pa`` fits ``pb`` best: the best
    of the coarse grid, then the best around it."""
    _, _, inside = windows()
    k = len(STEPS)
    coarse = np.arange(0, k, COARSE)
    grid = (coarse[:, None] * k + coarse[None, :]).reshape(-1)
    n = len(pa)
    resampled = resample(pa, grid)
    best = grid[_fit(resampled - pb[:, None, :], inside[grid]).argmin(axis=1)]
    near = np.arange(-COARSE + 1, COARSE)
    lo = np.clip(best[:, None] // k + near[None, :], 0, k - 1)
    hi = np.clip(best[:, None] % k + near[None, :], 0, k - 1)
    cand = (lo[:, :, None] * k + hi[:, None, :]).reshape(n, -1)
    resampled = resample(pa, cand)
    err = _fit(resampled - pb[:, None, :], inside[cand])
    out: I64 = np.take_along_axis(cand, np.argsort(err, axis=1)[:, :TOP], 1)
    return out


def local_range(x: F32) -> tuple[F32, F32]:
    """Per pixel of ``(..., T, T)``: the lowest and highest level of its 3x3 neighbourhood
    (edges repeated)."""
    out = []
    for pick in (np.minimum, np.maximum):  # per column of three, then per row of three
        rows = np.empty_like(x)
        rows[..., 0, :] = x[..., 0, :]
        pick(x[..., :-1, :], x[..., 1:, :], out=rows[..., 1:, :])  # the pixel and the one above
        pick(rows[..., :-1, :], x[..., 1:, :], out=rows[..., :-1, :])  # and the one below
        both = np.empty_like(x)
        both[..., 0] = rows[..., 0]
        pick(rows[..., :-1], rows[..., 1:], out=both[..., 1:])
        pick(both[..., :-1], rows[..., 1:], out=both[..., :-1])
        out.append(both)
    return out[0], out[1]


def _outside(x: F32, y: F32, y_lo: F32, y_hi: F32) -> F32:
    """Per pixel: how far ``x`` lies outside ``y``'s local range, or ``y`` outside ``x``'s."""
    x_lo, x_hi = local_range(x)  # each difference below written over them: no temporaries
    out: F32 = np.subtract(x, y_hi)
    np.maximum(out, 0, out=out)
    np.maximum(out, np.subtract(y, x_hi, out=x_hi), out=out)
    np.maximum(out, np.subtract(y_lo, x, out=x_hi), out=out)
    np.maximum(out, np.subtract(x_lo, y, out=x_lo), out=out)
    return out


def aligned(
    a: Prepared, b: Prepared, b_range: tuple[F32, F32], toned: bool = True
) -> tuple[F32, Bool, F32]:
    """Per pair (``b`` already oriented; ``b_range``: :func:`local_range` of ``b`` smoothed):
    ``a`` toned (unless not ``toned``: its own levels), smoothed and framed to fit ``b`` smoothed
    (see the module doc; pixels outside ``a`` filled with ``b``'s), which pixels lie inside
    ``a``, and ``a`` smoothed and framed the same way but not toned (its own levels: where it is
    brighter than ``b``, :mod:`imgeda_ci.dupes.verify` looks for clipped highlights; the framed
    image itself when not ``toned``)."""
    n = len(a.levels)
    mapped = smooth(tone(a, b)) if toned else a.smoothed
    fixed = b.smoothed
    _, _, inside = windows()
    gy = _best_windows(mapped.mean(axis=2), fixed.mean(axis=2))
    gx = _best_windows(mapped.mean(axis=1), fixed.mean(axis=1))
    rows = resample(mapped, gy)  # (n, TOP, y, x): each row window
    cols = resample(rows.transpose(0, 3, 1, 2).reshape(n, T, TOP * T), gx)
    # every combination of a row and a column window: (n, TOP * TOP, y, x), row window first
    moved = cols.reshape(n, TOP, T, TOP, T).transpose(0, 3, 1, 4, 2).reshape(n, TOP * TOP, T, T)
    within = inside[gy][:, :, None, :, None] & inside[gx][:, None, :, None, :]
    within = within.reshape(n, TOP * TOP, T, T)
    np.copyto(moved, fixed[:, None], where=~within)
    b_lo, b_hi = b_range
    off = _outside(moved, fixed[:, None], b_lo[:, None], b_hi[:, None])
    score = np.square(off, out=off).sum(axis=(2, 3)) / within.sum(axis=(2, 3))
    pick = score.argmin(axis=1)  # the first of equals
    rows_n = np.arange(n)
    within, best = within[rows_n, pick], moved[rows_n, pick]
    if not toned:
        return best, within, best
    row_window, col_window = gy[rows_n, pick // TOP, None], gx[rows_n, pick % TOP, None]
    raw = resample(a.smoothed, row_window)[:, 0].transpose(0, 2, 1)
    raw = resample(raw, col_window)[:, 0].transpose(0, 2, 1)
    return best, within, np.where(within, raw, fixed)
