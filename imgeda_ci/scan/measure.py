"""Pixel measurements of one analysis-size RGB image (see model.py for each field's meaning).

Everything here is histogram arithmetic or one pass of int16/float32 numpy over an image of at
most ``analysis_size`` pixels on its long side (~0.2 MP at the default 512), which keeps the cost
per image around a millisecond, far below the JPEG decode.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from imgeda_ci.scan.blur import blur_sigma
from imgeda_ci.scan.clipping import clipping
from imgeda_ci.scan.hashes import dhash, hash_base, phash_and_flips
from imgeda_ci.scan.noise import noise_sigma

_PCTS = (("p1", 0.01), ("p5", 0.05), ("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("p999", 0.999))
_FLAT_STD = 4.0  # a padding row/column is flat to within this luma std...
_FLAT_DIFF = 4.0  # ...and within this of the outermost row/column's mean
_EDGE = 20  # |Laplacian| above this counts as an edge pixel


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def _hist_mean_std(hist: npt.NDArray[np.float64]) -> tuple[float, float]:
    n = hist.sum()
    v = np.arange(hist.shape[-1], dtype=np.float64)
    mean = float((hist * v).sum() / n)
    var = float((hist * (v - mean) ** 2).sum() / n)
    return mean, var**0.5


def _percentiles(hist: npt.NDArray[np.float64]) -> dict[str, int]:
    cdf = np.cumsum(hist) / hist.sum()
    return {k: int(np.searchsorted(cdf, q - 1e-12)) for k, q in _PCTS}


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
    sharpness, edge_density = _laplacian(lum)
    border, pad = _borders(lum)
    stats: dict[str, Any] = {
        **_tones(rgb, gray),
        **_colour(rgb),
        "sharpness": _r(sharpness, 2),
        "blur_sigma": blur_sigma(lum, sharpness),
        "edge_density": _r(edge_density, 5),
        "noise": noise_sigma(gray),
        "border": border,
        "pad": pad,
        "analysis_size": [w, h],
    }
    base = hash_base(gray)
    ph, flips = phash_and_flips(base)
    return stats, ph, dhash(base), flips


def _tones(rgb: Image.Image, gray: Image.Image) -> dict[str, Any]:
    """Per-channel and luma mean/std, luma percentiles, dynamic range and entropy, from the
    histograms."""
    hist_rgb = np.asarray(rgb.histogram(), dtype=np.float64).reshape(3, 256)
    hist_l = np.asarray(gray.histogram(), dtype=np.float64)
    means, stds = zip(*(_hist_mean_std(h) for h in hist_rgb), strict=True)
    luma_mean, luma_std = _hist_mean_std(hist_l)
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


def _colour(rgb: Image.Image) -> dict[str, Any]:
    """Hasler-Süsstrunk colourfulness and the 99th percentile of chroma."""
    a = np.asarray(rgb).astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    rg = r - g
    yb2 = r + g - 2 * b  # twice the yellow-blue opponent; halving is exact in floating point
    colorfulness = float(
        np.hypot(rg.std(), yb2.std() * 0.5)
        + 0.3 * np.hypot(float(rg.mean()), float(yb2.mean()) * 0.5)
    )
    chroma = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    chroma_hist = np.bincount(chroma.ravel(), minlength=256).astype(np.float64)
    chroma_p99 = int(np.searchsorted(np.cumsum(chroma_hist) / chroma.size, 0.99 - 1e-12))
    return {"colorfulness": _r(colorfulness), "chroma_p99": chroma_p99}


def _laplacian(lum: npt.NDArray[np.uint8]) -> tuple[float, float]:
    """(sharpness, edge density): the variance of the 4-neighbour Laplacian, and the share of
    pixels where its magnitude exceeds the edge level."""
    h, w = lum.shape
    if h < 3 or w < 3:
        return 0.0, 0.0
    li = lum.astype(np.int16)
    lap = li[1:-1, 1:-1] * 4  # in place from here: one temporary instead of five
    lap -= li[:-2, 1:-1]
    lap -= li[2:, 1:-1]
    lap -= li[1:-1, :-2]
    lap -= li[1:-1, 2:]
    return float(lap.var(dtype=np.float64)), float(np.count_nonzero(np.abs(lap) > _EDGE) / lap.size)


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
