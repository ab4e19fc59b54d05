"""The noise measurement on images made here: clean, noisy, sharp-edged and tiny."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from imgeda_ci.scan.noise import noise_sigma

W, H = 512, 384  # an analysis-size image (512 on the long side)


def gradient() -> npt.NDArray[np.float64]:
    """A smooth diagonal gradient, 30-230: no noise, no edges."""
    x = np.linspace(30.0, 200.0, W)[None, :] + np.linspace(0.0, 30.0, H)[:, None]
    return x


def gray(a: npt.NDArray[np.float64]) -> Image.Image:
    return Image.fromarray(np.clip(a, 0, 255).round().astype(np.uint8), mode="L")


def noisy(sigma: float, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return gray(gradient() + rng.normal(0.0, sigma, (H, W)))


def test_clean_gradient_measures_low() -> None:
    assert noise_sigma(gray(gradient())) < 0.5


@pytest.mark.parametrize("sigma", [5.0, 10.0, 20.0])
def test_gaussian_noise_measures_near_its_sigma(sigma: float) -> None:
    # White Gaussian noise added at the analysis size measures about 0.86 x sigma (0.85-0.88
    # over seeds, from 2 to 30): the 10th percentile of the block estimates sits below their
    # centre, and a block whose step-2 residual happens to exceed its step-1 one is discounted.
    got = noise_sigma(noisy(sigma))
    assert 0.8 * sigma <= got <= 0.92 * sigma


def test_noise_measures_far_above_clean() -> None:
    assert noise_sigma(noisy(20.0)) > 10 * max(noise_sigma(gray(gradient())), 0.5)


def test_deterministic() -> None:
    img = noisy(10.0, seed=3)
    assert noise_sigma(img) == noise_sigma(img.copy())


def test_sharp_edged_patterns_are_not_noise() -> None:
    yy, xx = np.indices((H, W))
    # a checkerboard of 32 px squares, 20 against 220: every block edge is a hard step
    checker = np.where((yy // 32 + xx // 32) % 2 == 0, 20.0, 220.0)
    assert noise_sigma(gray(checker)) < 1.0
    # "text": short dark strokes 2 px wide on a white page, a line of them every 24 px
    page = np.full((H, W), 245.0)
    strokes = ((yy % 24) < 12) & ((xx % 9) < 2) & ((xx // 60) % 2 == 0)
    page[strokes] = 15.0
    assert noise_sigma(gray(page)) < 1.0
    # a sharp photo-like scene: a few hard-edged discs on a gradient
    scene = gradient()
    for cy, cx, r, v in ((100, 120, 60, 240.0), (250, 380, 90, 10.0), (300, 100, 40, 128.0)):
        scene[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = v
    assert noise_sigma(gray(scene)) < 1.0


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 3), (19, 40), (40, 19)])
def test_tiny_images_measure_zero(size: tuple[int, int]) -> None:
    rng = np.random.default_rng(1)
    img = gray(rng.integers(0, 256, (size[1], size[0])).astype(np.float64))
    assert noise_sigma(img) == 0.0


def test_smallest_measured_image() -> None:
    rng = np.random.default_rng(2)
    img = gray(128.0 + rng.normal(0.0, 10.0, (20, 20)))
    assert 5.0 < noise_sigma(img) < 15.0


def test_other_modes_are_measured_as_luma() -> None:
    img = noisy(10.0)
    assert noise_sigma(img.convert("RGB")) == noise_sigma(img)
