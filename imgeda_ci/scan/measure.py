"""Pixel measurements of one analysis-size RGB image (see model.py for each field's meaning).

Everything here is histogram arithmetic or a few passes of integer numpy over an image of at
most ``analysis_size`` pixels on its long side (~0.2 MP at the default 512). Means, variances and
standard deviations come from exact integer sums and sums of squares (:func:`_mean_var`), summed
in 16 or 32 bits where the bounds allow, without a cast (a casting numpy reduction costs several
times a plain one); no float64 copy of an image is made. All of :func:`measure` costs about
1.9 ms of CPU at 512 px (the JPEG decode of a typical photo to that size: 2.3-3.5 ms).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from imgeda_ci.scan.blur import blur_sigma
from imgeda_ci.scan.clipping import clipping, rim
from imgeda_ci.scan.hashes import dhash, hash_base, phash_and_flips
from imgeda_ci.scan.noise import noise_level

_PCTS = (("p1", 0.01), ("p5", 0.05), ("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("p999", 0.999))
_FLAT_STD = 4.0  # a padding row/column is flat to within this luma std...
_FLAT_DIFF = 4.0  # ...and within this of the outermost row/column's mean
_EDGE = 20  # |Laplacian| above this counts as an edge pixel


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def _mean_var(n: int, s1: int, s2: int) -> tuple[float, float]:
    """Mean and (population) variance of ``n`` integers from their exact sum ``s1`` and sum of
    squares ``s2``: ``(n * s2 - s1**2) / n**2`` in Python integers, one correctly rounded
    division (numpy's two-pass float64 variance agrees with it to about 1e-15)."""
    return s1 / n, (n * s2 - s1 * s1) / (n * n)


def _mean_std(n: int, s1: int, s2: int) -> tuple[float, float]:
    mean, var = _mean_var(n, s1, s2)
    return mean, math.sqrt(var)


_V = np.arange(256, dtype=np.int64)
_V2 = _V * _V
_QS = np.array([q for _, q in _PCTS]) - 1e-12


def _hist_mean_std(hist: npt.NDArray[np.int64]) -> list[tuple[float, float]]:
    """(mean, std) of the values of each row of 256-bin histograms, exactly (see
    :func:`_mean_std`): the sums are integer dot products."""
    n, s1, s2 = hist.sum(axis=-1), hist @ _V, hist @ _V2
    return [_mean_std(*map(int, row)) for row in zip(n, s1, s2, strict=True)]


def _percentiles(hist: npt.NDArray[np.int64]) -> dict[str, int]:
    cdf = np.cumsum(hist) / hist.sum()
    found = np.searchsorted(cdf, _QS).tolist()
    return {k: int(i) for (k, _), i in zip(_PCTS, found, strict=True)}


def _pad_run(means: npt.NDArray[np.float64], stds: npt.NDArray[np.float64]) -> float:
    """Fraction of lines, from the first one inward, that are flat and match the first line."""
    ok = (stds <= _FLAT_STD) & (np.abs(means - means[0]) <= _FLAT_DIFF)
    if not ok[0]:
        return 0.0
    run = int(np.argmin(ok)) if not ok.all() else len(ok)
    return _r(run / len(ok), 4)


def measure(gray: Image.Image, rgb: Image.Image) -> tuple[dict[str, Any], str, str, str]:
    """Return (stats, phash, dhash, phash_flips) from the luma image at the analysis size and
    an RGB copy of the same picture at any size (colour statistics do not depend on scale)."""
    lum = np.asarray(gray)
    h, w = lum.shape
    li = lum.astype(np.int16)  # the filters' input, made once
    sharpness, edge_density = _laplacian(li)
    border, pad = _borders(lum)
    hist_rgb = rgb_histogram(rgb)
    stats: dict[str, Any] = {
        **_tones(hist_rgb, gray),
        **_colour(rgb, hist_rgb),
        "sharpness": _r(sharpness, 2),
        "blur_sigma": blur_sigma(li, sharpness),
        "edge_density": _r(edge_density, 5),
        "noise": noise_level(li),
        "border": border,
        "pad": pad,
        "analysis_size": [w, h],
    }
    stats["clip"]["rim"] = rim(lum, stats["clip"]["high"][3])
    base = hash_base(gray)
    ph, flips = phash_and_flips(base)
    return stats, ph, dhash(base), flips


def rgb_histogram(rgb: Image.Image) -> npt.NDArray[np.int64]:
    """The ``(3, 256)`` channel histograms of an RGB image."""
    return np.asarray(rgb.histogram(), dtype=np.int64).reshape(3, 256)


def _tones(hist_rgb: npt.NDArray[np.int64], gray: Image.Image) -> dict[str, Any]:
    """Per-channel and luma mean/std, luma percentiles, dynamic range and entropy, from the
    colour image's histograms (:func:`rgb_histogram`) and the luma image's."""
    hist_l = np.asarray(gray.histogram(), dtype=np.int64)
    means, stds = zip(*_hist_mean_std(hist_rgb), strict=True)
    ((luma_mean, luma_std),) = _hist_mean_std(hist_l[None, :])
    pcts = _percentiles(hist_l)
    p = hist_l[hist_l > 0] / hist_l.sum()
    entropy = float(-(p * np.log2(p)).sum())
    return {
        "mean": [_r(m) for m in means],
        "std": [_r(s) for s in stds],
        "luma_mean": _r(luma_mean),
        "luma_std": _r(luma_std),
        "luma_p": pcts,
        "dynamic_range": pcts["p99"] - pcts["p1"],
        "entropy": _r(entropy, 4),
        "clip": clipping(hist_rgb, hist_l),
    }


def _colour(rgb: Image.Image, hist_rgb: npt.NDArray[np.int64]) -> dict[str, Any]:
    """Hasler-Süsstrunk colourfulness and the 99th percentile of chroma, of ``rgb`` and its
    channel histograms (:func:`rgb_histogram`).

    The colourfulness needs the sums and sums of squares of rg = r-g and yb2 = r+g-2b (twice
    the yellow-blue opponent). The sums are differences of the channel sums, read off the
    histograms (exact integers: no pass over the pixels). The squares come from the three
    channel differences r-g, r-b, g-b (int16, one pass each): yb2 = (r-b) + (g-b), so
    sum(yb2**2) = 2 sum((r-b)**2) + 2 sum((g-b)**2) - sum(rg**2); a square of a difference of
    bytes fits 16 bits unsigned.
    Chroma, max(r,g,b) - min(r,g,b), is taken on the bytes themselves (four byte-wide
    passes, a fifth of the cost of the largest of the differences' magnitudes)."""
    r, g, b = (np.asarray(band) for band in rgb.split())  # contiguous planes: fast casts
    n = r.size
    d = np.empty((3, *r.shape), np.int16)
    np.subtract(r, g, out=d[0], dtype=np.int16)
    np.subtract(r, b, out=d[1], dtype=np.int16)
    np.subtract(g, b, out=d[2], dtype=np.int16)
    s_r, s_g, s_b = (int(x) for x in hist_rgb @ _V)
    s_rg, s_rb, s_gb = s_r - s_g, s_r - s_b, s_g - s_b
    d = d.reshape(3, n)
    top = np.maximum(np.maximum(r, g), b)
    chroma = np.subtract(top, np.minimum(np.minimum(r, g), b), out=top)
    sq = d.view(np.uint16)
    np.multiply(sq, sq, out=sq)
    # squares summed row by row in 32 bits (a row of at most 4,096 fits), then across rows: a
    # reduction into a wider type costs twice as much
    q = sq.reshape(3, *r.shape).sum(axis=2, dtype=np.uint32).sum(axis=1, dtype=np.uint64)
    q_rg, q_rb, q_gb = (int(x) for x in q)
    rg_mean, rg_std = _mean_std(n, s_rg, q_rg)
    yb_mean, yb_std = _mean_std(n, s_rb + s_gb, 2 * q_rb + 2 * q_gb - q_rg)
    # the halving of yb2 is exact in floating point
    colorfulness = math.hypot(rg_std, yb_std * 0.5) + 0.3 * math.hypot(rg_mean, yb_mean * 0.5)
    chroma_hist = np.asarray(Image.fromarray(chroma).histogram(), np.int64)
    chroma_p99 = int(np.searchsorted(np.cumsum(chroma_hist) / n, 0.99 - 1e-12))
    return {"colorfulness": _r(colorfulness), "chroma_p99": chroma_p99}


def _laplacian(li: npt.NDArray[np.int16]) -> tuple[float, float]:
    """(sharpness, edge density) of luma (as int16): the variance of the 4-neighbour
    Laplacian, and the share of pixels where its magnitude exceeds the edge level."""
    h, w = li.shape
    if h < 3 or w < 3:
        return 0.0, 0.0
    lap = li[1:-1, 1:-1] * 4  # in place from here: one temporary instead of five
    lap -= li[:-2, 1:-1]
    lap -= li[2:, 1:-1]
    lap -= li[1:-1, :-2]
    lap -= li[1:-1, 2:]
    n = lap.size
    # |lap| <= 1020, so in 32 bits without a cast: each row's sum, and each row's sum of
    # squares (unsigned: at most 1020**2 * 4094 < 2**32 at the largest analysis size, 4096)
    sq = lap.astype(np.int32)
    s1 = int(sq.sum(axis=1, dtype=np.int32).sum())
    edges = np.count_nonzero(np.abs(lap, out=lap) > _EDGE)
    np.multiply(sq, sq, out=sq)
    s2 = int(sq.view(np.uint32).sum(axis=1, dtype=np.uint32).sum(dtype=np.uint64))
    _, var = _mean_var(n, s1, s2)
    return var, edges / n


def _strip(sums: npt.NDArray[np.float64], sqs: npt.NDArray[np.float64], n: int) -> list[float]:
    mean = float(sums.sum()) / n
    return [_r(mean, 2), _r(max(0.0, float(sqs.sum()) / n - mean * mean) ** 0.5, 2)]


def _borders(lum: npt.NDArray[np.uint8]) -> tuple[dict[str, Any], dict[str, float]]:
    """(border, pad): strip, corner and centre statistics, and the padding runs per side.

    Row and column sums of luma and its square give every border statistic cheaply; in
    integers (255**2 fits 16 bits, a row or column of squares 32), exact and fast."""
    h, w = lum.shape
    l16 = lum.astype(np.uint16)
    sq = l16 * l16
    row_sum = lum.sum(axis=1, dtype=np.uint32).astype(np.float64)
    col_sum = lum.sum(axis=0, dtype=np.uint32).astype(np.float64)
    row_sq = sq.sum(axis=1, dtype=np.uint32).astype(np.float64)
    col_sq = sq.sum(axis=0, dtype=np.uint32).astype(np.float64)
    bh, bw = max(1, round(h * 0.04)), max(1, round(w * 0.04))
    ch, cw = max(1, round(h * 0.10)), max(1, round(w * 0.10))
    border: dict[str, Any] = {
        "top": _strip(row_sum[:bh], row_sq[:bh], bh * w),
        "bottom": _strip(row_sum[h - bh :], row_sq[h - bh :], bh * w),
        "left": _strip(col_sum[:bw], col_sq[:bw], bw * h),
        "right": _strip(col_sum[w - bw :], col_sq[w - bw :], bw * h),
    }
    corners = (lum[:ch, :cw], lum[:ch, w - cw :], lum[h - ch :, :cw], lum[h - ch :, w - cw :])
    corner_sum = sum(int(block.sum(dtype=np.uint64)) for block in corners)
    border["corners"] = _r(corner_sum / (4 * ch * cw), 2)
    centre = lum[h // 4 : h - h // 4 or h, w // 4 : w - w // 4 or w]
    border["center"] = _r(centre.astype(np.float32).mean(), 2)  # float32 mean, as always
    row_m, col_m = row_sum / w, col_sum / h
    row_s = np.sqrt(np.maximum(row_sq / w - row_m * row_m, 0))
    col_s = np.sqrt(np.maximum(col_sq / h - col_m * col_m, 0))
    pad = {
        "top": _pad_run(row_m, row_s),
        "bottom": _pad_run(row_m[::-1], row_s[::-1]),
        "left": _pad_run(col_m, col_s),
        "right": _pad_run(col_m[::-1], col_s[::-1]),
    }
    return border, pad
