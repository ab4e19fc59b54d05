"""Is a candidate pair a copy? A uniform change, not a local one, on the stored thumbnails.

Each record's ``thumb`` is the image as 24x24 luma (:mod:`imgeda_ci.scan.copysig`). A pair is
compared at its best alignment: one image under its given rotation/mirror, either image cropped
by 0, 2.5% or 5% on each side (area-weighted resampling of the thumbnail), each normalised to
zero mean and unit contrast over the compared area (the outer pixel ring left out), the
difference smoothed by a 3x3 binomial filter (the resampled and the stored thumbnail differ in
their finest detail) and squared. On its 10x10 blocks of 2x2 pixels, :func:`residuals` gives the
*level* (median block RMS) and the *ratio* (largest block RMS over the level plus a floor):

- a copy (re-encode, resize, brightness/contrast, blur, crop, flip) changes every block a
  little and alike: low level, small ratio (median 1.3-3 on planted copies of real photos);
- the same scene with other content (an object added, removed or moved, as in a detection
  dataset) changes a few blocks: the ratio is large. Not a copy;
- different pictures differ everywhere: the level is high. Not a copy.

A pair is a copy when the ratio is at most :data:`MAX_RATIO` and, for a candidate of the copy
signatures (whose 64-bit hashes match far more often by chance than 256-bit pHashes within 24
bits), the level at most :data:`MAX_LEVEL`. What that costs and gains, on
planted copies of real photos and on a same-background scene set, is measured by
``benchmarks/bench_nearcopy.py`` and quoted in :mod:`imgeda_ci.checks.duplicates`. A change
smaller than a thumbnail pixel (~4% of the side) or within 5% of the border (where a crop
explains it) is not seen.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

T = 24  # thumbnail side
THUMB_BYTES = T * T
#: a copy's largest residual level and ratio (:func:`residuals`; see the module doc)
MAX_LEVEL = 0.12
MAX_RATIO = 5.0
OFFSETS = (0.0, 0.025, 0.05)  # crop per side tried
_BLOCK = 2
_FLOOR = 0.03  # contrast units: a near-identical pair's median block residual is ~0
_SOFT = 4.0  # added to the contrast: near-flat images compare by their mean-free residual
_BATCH = 64  # pairs per vectorised step

F32 = npt.NDArray[np.float32]


def decode(values: Sequence[object]) -> tuple[F32, npt.NDArray[np.bool_]]:
    """``(n, 24, 24)`` float32 thumbnails of ``thumb`` strings and which rows hold a valid one."""
    n = len(values)
    out = np.zeros((n, T, T), dtype=np.float32)
    valid = np.zeros(n, dtype=np.bool_)
    for k, v in enumerate(values):
        if not isinstance(v, str):
            continue
        try:
            raw = base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == THUMB_BYTES:
            out[k] = np.frombuffer(raw, dtype=np.uint8).reshape(T, T)
            valid[k] = True
    return out, valid


@lru_cache(maxsize=1)
def _resamplers() -> F32:
    """``(9, T, T)``: per (start, end) crop of one axis, the bilinear resampling matrix."""
    mats = []
    edges = np.arange(T + 1, dtype=np.float64)
    for lo in OFFSETS:
        for hi in OFFSETS:
            # new cell i spans [start, end) in old pixels; weight = its overlap with old cell j
            step = 1 - lo - hi
            start = (lo + np.arange(T) / T * step) * T
            end = start + step
            overlap = np.minimum(end[:, None], edges[None, 1:]) - np.maximum(
                start[:, None], edges[None, :-1]
            )
            mats.append(np.clip(overlap, 0.0, None) / step)
    return np.stack(mats).astype(np.float32)


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


def _normalise(x: F32) -> F32:
    inner = x[..., 1:-1, 1:-1]
    mean = inner.mean(axis=(-1, -2), keepdims=True)
    std = inner.std(axis=(-1, -2), keepdims=True)
    out: F32 = (inner - mean) / (std + _SOFT)
    return out


def _best_residual(moving: F32, fixed: F32) -> F32:
    """Per pair: the squared residual (T-2, T-2) of ``fixed`` against the crop of ``moving``
    that fits it best."""
    m = _resamplers()
    crops = np.einsum("rij,pjk,ckl->prcil", m, moving, m.transpose(0, 2, 1), optimize=True)
    p = len(moving)
    diff = _normalise(crops.reshape(p, -1, T, T)) - _normalise(fixed)[:, None]
    diff = diff[..., :-2, :] + 2 * diff[..., 1:-1, :] + diff[..., 2:, :]  # binomial smoothing:
    diff = (diff[..., :-2] + 2 * diff[..., 1:-1] + diff[..., 2:]) / 16  # resampling differs
    res = np.pad(diff, [(0, 0)] * (diff.ndim - 2) + [(1, 1), (1, 1)]) ** 2
    best = res.mean(axis=(-1, -2)).argmin(axis=1)
    out: F32 = res[np.arange(p), best]
    return out


def residuals(a: F32, b: F32) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per pair of thumbnails (``b`` already oriented), at the best alignment (either image
    cropped): the median 2x2-block RMS residual (the *level*: ~0.1 for a copy, ~1 for different
    pictures) and the largest block's over the median's plus a floor (the *ratio*: about 1-3 for
    a uniform change, large when a few blocks changed). See the module doc."""
    level = np.zeros(len(a), dtype=np.float32)
    ratio = np.zeros(len(a), dtype=np.float32)
    n_blocks = (T - 4) // _BLOCK
    for lo in range(0, len(a), _BATCH):
        x, y = a[lo : lo + _BATCH], b[lo : lo + _BATCH]
        one, two = _best_residual(x, y), _best_residual(y, x)
        pick = one.mean(axis=(1, 2)) <= two.mean(axis=(1, 2))
        res = np.where(pick[:, None, None], one, two)[:, 1:-1, 1:-1]  # the padded ring off
        blocks = res.reshape(len(x), n_blocks, _BLOCK, n_blocks, _BLOCK).mean(axis=(2, 4))
        flat = np.sqrt(blocks.reshape(len(x), -1))
        median = np.median(flat, axis=1)
        level[lo : lo + _BATCH] = median
        ratio[lo : lo + _BATCH] = flat.max(axis=1) / (median + _FLOOR)
    return level, ratio


DIFFERENT, COPY, LOCAL = 0, 1, 2  # what :func:`classify` says of a pair
#: the largest level of a local change: beyond it the pictures differ everywhere
MAX_LOCAL_LEVEL = 0.35


def classify(a: F32, b: F32) -> npt.NDArray[np.int8]:
    """Per pair of thumbnails (``b`` already oriented): :data:`COPY` (a uniform change),
    :data:`LOCAL` (the same framing, a few places changed) or :data:`DIFFERENT`."""
    level, ratio = residuals(a, b)
    out = np.full(len(a), DIFFERENT, dtype=np.int8)
    out[(level <= MAX_LOCAL_LEVEL) & (ratio > MAX_RATIO)] = LOCAL
    out[(level <= MAX_LEVEL) & (ratio <= MAX_RATIO)] = COPY
    return out


def is_copy(a: F32, b: F32, max_level: float = MAX_LEVEL) -> npt.NDArray[np.bool_]:
    """Which pairs of thumbnails (``b`` already oriented) are copies (see the module doc);
    ``max_level``: the bound on the level (``inf`` for candidates already known to be close,
    whose only question is whether the change is local)."""
    level, ratio = residuals(a, b)
    out: npt.NDArray[np.bool_] = (level <= max_level) & (ratio <= MAX_RATIO)
    return out
