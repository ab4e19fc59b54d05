"""What a candidate pair is: a copy, the same framing with a local change, or another picture.

Each record's ``thumb`` is the image as 64x64 band-limited luma (:mod:`imgeda_ci.scan.thumb`).
A pair (``b`` already under the candidate's rotation/mirror, :func:`orient`) is first aligned
(:func:`imgeda_ci.dupes.align.aligned`: tone map, smoothing, framing over crops of up to 5% per
side). What is left of a uniform change after that is smooth and spread out: a sub-pixel shift
or scale, a blur or sharpening, a gain. So the aligned ``a`` is fitted, by least squares over the
compared pixels, as a linear combination of ``b``, its x and y gradients, the gradients times
x and y, its Laplacian and a constant (twice: the second time without the pixels the first fit
left far off), and the *residual* is what the fit leaves.

The residual, signed, is smoothed once more (:func:`imgeda_ci.dupes.align.smooth`): where the
fit misses an edge by a fraction of a pixel it leaves a thin pair of opposite signs, which
cancel; an object added, removed or moved leaves a blob of one sign, which stays. A pixel has
*changed* when that smoothed residual exceeds :data:`LEVEL` times (:data:`FLOOR` levels of 255 +
its median over the pair), but for a *clipped highlight*: where the brighter of the two images
(their own levels, smoothed, not toned) is at :data:`CLIP` levels or more and the residual has
that image falling short of the other. Brightening clips highlights: a small one's peak (blurred
by the thumbnail to 180-250 levels) is flattened in the brighter image, which no tone map or fit
restores. An object added or removed (light or dark) makes its own image differ the way its own
levels do, so it is never taken for a clip. The outer ring of compared pixels is left out (a
crop's edge). Then:

- :data:`DIFFERENT` when the median residual is above :data:`MAX_MEDIAN` times (1 + the standard
  deviation of ``b``'s levels): another picture, however smooth, leaves more;
- else :data:`COPY` when no pixel changed and at least :data:`MIN_DETAIL` of the pixels have
  detail (a uniform change: re-encode, resize, brightness/contrast, blur, crop of up to 5% per
  side, the candidate's rotation/mirror);
- else :data:`LOCAL` when at most :data:`LOCAL_SHARE` of the compared pixels changed: the same
  framing with content changed in a few places (objects added, removed or moved, as in a
  detection dataset; a watermark, a logo), or a near-flat pair;
- else :data:`DIFFERENT`.

Both ways round (each image brought onto the other: a crop fits best when the wider image is
resampled), the closer kind kept.

How the defaults were chosen (``benchmarks/bench_nearcopy.py``, every image analysed by the real
scanner). Planted copies of 150 real photos: one per transform (crops of 1-5% per side or one
side, rotations, mirror, re-encode, resize, brightness, blur, watermark). Same scene, other
content: 10 real photos as backgrounds, 30 shots each with chess-piece-like objects of 2-7% of
the side (shaded to stand out) moved, added or removed, and 150 planted copies of shots. With
:data:`LEVEL` 4.0, 3 of the 2,193 candidate pairs of different shots are COPY against 141 of the
150 planted copies: COPY precision 0.979; the planted transforms keep 0.920-0.993 of their
copies (crops of 5% per side and a turn with a 3% crop 0.920, the lowest; brightness +15% 0.960;
mirror and turns 0.98; a watermark 0.23, the rest LOCAL). :data:`CLIP` (tried at 235, 215, 195,
180, 165) left the same-scene counts as they were (3 false COPY, 141 of 150 planted); brightness
+15% kept 0.927 (without) -> 0.927, 0.927, 0.947, 0.960, 0.967 of its copies, crops of 5% per
side 0.913 -> 0.920; the real photos' candidate pairs called COPY went 784 -> 784, 784, 786,
786, 788: 180, the least reach that brings +15% to 0.96. The darker image's shadows taken the
same way (at 40 or 75 levels or less) changed nothing on the bench (brightness -15% keeps 0.993
without), so they are not excused. Tried on the same records
(before :data:`CLIP`; before :func:`weak_match`, which takes one near-flat planted photo's crops
down to LOCAL):

===========  ================  ==========================  ========================
LEVEL        scene precision   lowest transform recall     mean transform recall
===========  ================  ==========================  ========================
3.5          0.986             0.887 (crop 5% per side)    0.960
**4.0**      **0.979**         **0.920**                   **0.971**
4.5          0.947             0.940                       0.980
5.0          0.929             0.947                       0.983
5.5          0.892             0.953                       0.984
===========  ================  ==========================  ========================

A false alarm costs more than a miss (a same-scene pair called a copy is a ``leakage`` error in
a detection dataset), so 4.0. The 32x32 box-averaged thumbnail of scan algorithm 5 could not do
this: at 0.953 of every transform its scene precision was 0.734, and it reached 0.93 only by
losing a fifth of the 5% crops (a box average keeps sub-pixel detail as aliasing, which a crop
moves by as much as a small object). What it cannot see: an object of less than ~2% of the side
on a busy ground; a change of colour only; two near-flat pictures (sky, water) are at most LOCAL.

Cost (``benchmarks/bench_verify.py``, CPU per candidate pair): 1.4 ms (4.3 ms before the tap
resampling of :mod:`imgeda_ci.dupes.align`; 0.45 ms at a 32x32 thumbnail). The clip test's
framing of the untoned thumbnail (one window per axis) is within the shared machine's noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from imgeda_ci.dupes.align import aligned, local_range, smooth
from imgeda_ci.scan.thumb import SIDE, unpack

T = SIDE  # thumbnail side
#: classes of :func:`classify`
DIFFERENT, COPY, LOCAL = 0, 1, 2
UNCHECKED = -1  # no verdict: a thumbnail is missing (imgeda_ci.dupes.copypairs)
#: preference of a verdict, by verdict + 1: unchecked < DIFFERENT < LOCAL < COPY
_PREFERENCE = np.array([0, 1, 3, 2])
#: a changed pixel: its smoothed residual above LEVEL times (FLOOR levels + the pair's median
#: smoothed residual)
LEVEL = 4.0
FLOOR = 3.0
LOCAL_SHARE = 0.25  # most changed share of a local change
#: a pixel at or above CLIP levels in the brighter image (smoothed, not toned) may be a clipped
#: highlight: there a residual by which that image falls short of the other is no change
CLIP = 180.0
#: the largest median residual of a copy or a local change, as a share of (1 level + the
#: standard deviation of ``b``'s levels): other pictures leave ~0.2 and more
MAX_MEDIAN = 0.15
#: a pair is checked on detail: pixels whose 3x3 neighbourhood spans more than DETAIL levels
#: (in the smoothed ``b``); with fewer than MIN_DETAIL of them it is near-flat (sky, water,
#: a blank page): two such pictures cannot be told apart, so they are at most LOCAL
DETAIL = 2.0
MIN_DETAIL = 0.05
_BATCH = 4096 // T  # pairs per vectorised step: its temporaries stay small (in cache)
_TERMS = 7  # regressors of the fit

F32 = npt.NDArray[np.float32]
I8 = npt.NDArray[np.int8]


def decode(values: Sequence[object]) -> tuple[F32, npt.NDArray[np.bool_]]:
    """``(n, T, T)`` float32 thumbnails of ``thumb`` strings and which rows hold a valid one."""
    out = np.zeros((len(values), T, T), dtype=np.float32)
    valid = np.zeros(len(values), dtype=np.bool_)
    for k, v in enumerate(values):
        pixels = unpack(v)
        if pixels is not None:
            out[k], valid[k] = pixels, True
    return out, valid


def orient(x: F32, variant: npt.NDArray[np.int64]) -> F32:
    """Each ``(T, T)`` thumbnail of ``x`` under its variant (order of
    :data:`imgeda_ci.dupes.orientation.VARIANT_NAMES`: identity, mirror, flip, rot180, then the
    transposes of those)."""
    out = x.copy()
    v = np.asarray(variant)
    base = v % 4
    mirror, flip, t = (base == 1) | (base == 3), (base == 2) | (base == 3), v >= 4
    out[mirror] = out[mirror][:, :, ::-1]
    out[flip] = out[flip][:, ::-1, :]
    out[t] = np.swapaxes(out[t], 1, 2)
    return out


def _terms(b: F32) -> F32:
    """``(n, 7, T * T)``: the regressors of the fit (see the module doc) from ``b``."""
    p = np.pad(b, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = (p[:, 1:-1, 2:] - p[:, 1:-1, :-2]) / 2
    gy = (p[:, 2:, 1:-1] - p[:, :-2, 1:-1]) / 2
    lap = p[:, 1:-1, 2:] + p[:, 1:-1, :-2] + p[:, 2:, 1:-1] + p[:, :-2, 1:-1] - 4 * b
    yy, xx = np.mgrid[0:T, 0:T].astype(np.float32) / T - 0.5
    terms = [np.ones_like(b), b, gx, gy, xx * gx, yy * gy, lap]
    out: F32 = np.stack(terms, axis=1).reshape(len(b), _TERMS, T * T)
    return out


def _median(x: F32, mask: npt.NDArray[np.bool_]) -> F32:
    """Per row of ``(n, m)`` values: the median of those in ``mask`` (each row has some)."""
    flat = x.reshape(len(x), -1)
    keep = mask.reshape(len(x), -1)
    ordered = np.sort(np.where(keep, flat, np.inf), axis=1)
    count = keep.sum(axis=1)
    rows = np.arange(len(x))
    out: F32 = (ordered[rows, (count - 1) // 2] + ordered[rows, count // 2]) / 2
    return out


def residual(a: F32, b: F32) -> tuple[F32, npt.NDArray[np.bool_], F32, F32, F32]:
    """Per pair (``b`` already oriented): the residual ``(n, T, T)`` of the aligned ``a`` after
    the fit (signed: ``a`` minus the fit), which pixels were compared, the share of them with
    detail (see the module doc), and the two images' own levels (smoothed, not toned; ``a``
    framed as its aligned version)."""
    n = len(a)
    moved, fixed, within, raw = aligned(a, b)
    lo, hi = local_range(fixed)
    x = _terms(fixed)
    target = moved.reshape(n, -1)
    weight = within.reshape(n, -1).astype(np.float32)
    ridge = 1e-3 * np.eye(_TERMS, dtype=np.float32)
    for _ in range(2):
        xw = x * weight[:, None, :]
        gram = xw @ x.transpose(0, 2, 1) + ridge
        beta = np.linalg.solve(gram, xw @ target[:, :, None])
        res = target - (beta.transpose(0, 2, 1) @ x)[:, 0]
        median = _median(np.abs(res), weight > 0)
        weight = weight * (np.abs(res) <= 6 * median[:, None] + 2)  # the far-off pixels left out
    inner = within.copy()
    for axis in (1, 2):  # the ring of the compared area left out
        inner &= np.roll(within, 1, axis) & np.roll(within, -1, axis)
    inner[:, [0, -1], :] = False
    inner[:, :, [0, -1]] = False
    out: F32 = res.reshape(n, T, T).astype(np.float32)
    detail = ((hi - lo > DETAIL) & inner).sum(axis=(1, 2)) / np.maximum(inner.sum(axis=(1, 2)), 1)
    return out, inner, detail, raw, fixed


def _kind(a: F32, b: F32) -> I8:
    """:func:`classify` with ``a`` brought onto ``b`` (one way round)."""
    res, inner, detail, own_a, own_b = residual(a, b)
    median = _median(np.abs(res), inner)
    signed = smooth(res)
    blob = np.abs(signed)  # a misfit edge's two signs cancel; an object's one does not
    level = LEVEL * (FLOOR + _median(blob, inner))
    # where the brighter of the two is bright and falls short of the fit: a clipped highlight
    clipped = (signed * (own_a - own_b) < 0) & (np.maximum(own_a, own_b) >= CLIP)
    changed = ((blob > level[:, None, None]) & inner & ~clipped).sum(axis=(1, 2))
    share = changed / np.maximum(inner.sum(axis=(1, 2)), 1)
    alike = median <= MAX_MEDIAN * (1 + b.reshape(len(b), -1).std(axis=1))
    local = alike & (share <= LOCAL_SHARE)
    copy = alike & (changed == 0) & (detail >= MIN_DETAIL)
    out: I8 = np.where(copy, COPY, np.where(local, LOCAL, DIFFERENT)).astype(np.int8)
    return out


def best(kinds: Sequence[I8]) -> I8:
    """Per pair, the best of several verdicts of it (tries under other turns, or each image
    brought onto the other): :data:`COPY`, then :data:`LOCAL`, then :data:`DIFFERENT`, then
    :data:`UNCHECKED`; the first of equals."""
    stack = np.stack(kinds)
    pick = np.argmax(_PREFERENCE[stack + 1], axis=0)
    out: I8 = stack[pick, np.arange(stack.shape[1])].astype(np.int8)
    return out


def classify(a: F32, b: F32) -> I8:
    """Per pair of thumbnails (``b`` already oriented by :func:`orient`): :data:`COPY`,
    :data:`LOCAL` or :data:`DIFFERENT` (see the module doc), each image brought onto the other
    and the closer kind kept (a crop fits best when the wider image is resampled)."""
    out = np.zeros(len(a), dtype=np.int8)
    for lo in range(0, len(a), _BATCH):
        x, y = a[lo : lo + _BATCH], b[lo : lo + _BATCH]
        kind = _kind(x, y)
        again = np.flatnonzero(kind != COPY)  # a copy one way round is a copy
        if len(again):
            other = _kind(y[again], x[again])
            kind[again] = best([kind[again], other])
        out[lo : lo + _BATCH] = kind
    return out


#: below this standard deviation of its thumbnail's levels a picture is near-flat (water, sky,
#: fog with one small object): see :func:`weak_match`
FLAT_STD = 4.0


def weak_match(kind: I8, a: F32, b: F32) -> I8:
    """``kind`` with :data:`COPY` taken down to :data:`LOCAL` for pairs one of whose thumbnails
    is near-flat (standard deviation below :data:`FLAT_STD` levels): for pairs matched on the
    64-bit copy signature only. Two near-flat pictures match that signature by their lighting
    alone, and the verification, free to crop 6% off each side and turn, can lay one small
    object onto another: on /work/photos, every copy-signature pair it called a copy with a
    thumbnail this flat was two different pictures (different boats on open water, a test chart
    and a boat: 5 pairs), while 1 of 150 planted photos is this flat (its cropped and turned
    copies become the same scene; ``benchmarks/bench_nearcopy.py``)."""
    flat = np.minimum(a.std(axis=(1, 2)), b.std(axis=(1, 2)))
    out: I8 = np.where((kind == COPY) & (flat < FLAT_STD), LOCAL, kind).astype(np.int8)
    return out


def is_copy(a: F32, b: F32) -> npt.NDArray[np.bool_]:
    """Which pairs of thumbnails (``b`` already oriented) are copies: :func:`classify` says
    :data:`COPY`."""
    out: npt.NDArray[np.bool_] = classify(a, b) == COPY
    return out
