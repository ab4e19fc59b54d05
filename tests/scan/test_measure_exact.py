"""The pixel statistics from exact integer moments: the same numbers as the plain float64
formulas (kept here as the reference). Their lower CPU cost is measured by hand
(``benchmarks/bench_scan.py --cpu-sample N``), never asserted in a test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from imgeda_ci.scan.hashes import FLIP_SIGNS, _low, bits_to_hex, hash_base, phash_and_flips
from imgeda_ci.scan.measure import _colour, _laplacian, _tones, rgb_histogram
from imgeda_ci.scan.noise import noise_level, noise_sigma
from tests.builders import photo

_RNG = np.random.default_rng(7)


def _rgb(a: npt.NDArray[np.uint8]) -> Image.Image:
    return Image.fromarray(a, "RGB")


def _check(h: int, w: int) -> npt.NDArray[np.uint8]:
    """A one-pixel 0/255 checkerboard: every Laplacian at its extreme (+-1020)."""
    return np.where((np.indices((h, w)).sum(0) % 2) == 0, 0, 255).astype(np.uint8)


RGB_CASES = {
    "photo": np.asarray(photo(1, (320, 240))),
    "random": _RNG.integers(0, 256, (97, 131, 3), dtype=np.uint8),
    "one-pixel": np.array([[[12, 200, 99]]], dtype=np.uint8),
    "black": np.zeros((9, 11, 3), np.uint8),
    "white": np.full((9, 11, 3), 255, np.uint8),
    "pure-red": np.broadcast_to(np.array([255, 0, 0], np.uint8), (40, 30, 3)).copy(),
    "extremes": np.stack([_check(64, 48), 255 - _check(64, 48), _check(64, 48)], -1),
}


def reference_colour(rgb: Image.Image) -> dict[str, Any]:
    a = np.asarray(rgb).astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    rg, yb2 = r - g, r + g - 2 * b
    colorfulness = float(
        np.hypot(rg.std(), yb2.std() * 0.5)
        + 0.3 * np.hypot(float(rg.mean()), float(yb2.mean()) * 0.5)
    )
    chroma = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    hist = np.bincount(chroma.ravel(), minlength=256).astype(np.float64)
    p99 = int(np.searchsorted(np.cumsum(hist) / chroma.size, 0.99 - 1e-12))
    return {"colorfulness": round(colorfulness, 3), "chroma_p99": p99}


def reference_laplacian(lum: npt.NDArray[np.uint8]) -> tuple[float, float]:
    h, w = lum.shape
    if h < 3 or w < 3:
        return 0.0, 0.0
    li = lum.astype(np.int16)
    lap = 4 * li[1:-1, 1:-1] - li[:-2, 1:-1] - li[2:, 1:-1] - li[1:-1, :-2] - li[1:-1, 2:]
    return float(lap.var(dtype=np.float64)), float(np.count_nonzero(np.abs(lap) > 20) / lap.size)


def reference_tones(rgb: Image.Image, gray: Image.Image) -> dict[str, Any]:
    a = np.asarray(rgb).reshape(-1, 3).astype(np.float64)
    lum = np.asarray(gray).astype(np.float64)
    return {
        "mean": [round(float(x), 3) for x in a.mean(0)],
        "std": [round(float(x), 3) for x in a.std(0)],
        "luma_mean": round(float(lum.mean()), 3),
        "luma_std": round(float(lum.std()), 3),
    }


@pytest.mark.parametrize("name", RGB_CASES)
def test_colour_equals_the_float64_formula(name: str) -> None:
    img = _rgb(RGB_CASES[name])
    assert _colour(img, rgb_histogram(img)) == reference_colour(img)


@pytest.mark.parametrize("name", RGB_CASES)
def test_tones_equal_the_float64_formula(name: str) -> None:
    img = _rgb(RGB_CASES[name])
    got = _tones(rgb_histogram(img), img.convert("L"))
    assert {k: got[k] for k in ("mean", "std", "luma_mean", "luma_std")} == reference_tones(
        img, img.convert("L")
    )


@pytest.mark.parametrize("name", RGB_CASES)
def test_laplacian_equals_the_float64_formula(name: str) -> None:
    lum = np.asarray(_rgb(RGB_CASES[name]).convert("L"))
    got = _laplacian(lum.astype(np.int16))
    want = reference_laplacian(lum)
    assert got[1] == want[1]
    assert round(got[0], 2) == round(want[0], 2)
    assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-9)


def test_laplacian_at_the_largest_analysis_size_does_not_overflow() -> None:
    lum = _check(5, 4096)  # every |Laplacian| 1020, rows of the largest allowed width
    got, want = _laplacian(lum.astype(np.int16)), reference_laplacian(lum)
    assert got[0] == pytest.approx(want[0], rel=1e-12) and got[1] == want[1] == 1.0


def test_noise_level_of_the_int16_luma_is_noise_sigma_of_the_image() -> None:
    gray = photo(3, (512, 384)).convert("L")
    assert noise_level(np.asarray(gray).astype(np.int16)) == noise_sigma(gray)


def test_noise_blocks_sum_exactly_at_the_largest_residuals() -> None:
    """A 0/255 checkerboard gives every residual its largest magnitude, 8 * 255 (the mask's
    positive taps on 255, its negative ones on 0): 16-row columns of them sum exactly."""
    li = _check(68, 52).astype(np.int16)
    res = np.abs(
        sum(
            c * li[1 + dy : 67 + dy, 1 + dx : 51 + dx].astype(np.int64)
            for (dy, dx), c in np.ndenumerate(np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]]))
            for dy, dx in [(dy - 1, dx - 1)]
        )
    )
    assert res.min() == res.max() == 8 * 255
    assert noise_level(li) == round(8 * 255 * math.sqrt(math.pi / 2) / 6, 3)


def test_phash_and_flips_use_np_median() -> None:
    for seed in range(5):
        base = hash_base(photo(seed, (256, 192)).convert("L"))
        low = _low(base)
        want = [bits_to_hex(low > np.median(low))]
        for mask in FLIP_SIGNS:
            signed = np.where(mask, -low, low)
            want.append(bits_to_hex(signed > np.median(signed)))
        assert phash_and_flips(base) == (want[0], "".join(want[1:]))
